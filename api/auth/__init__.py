"""API keys: how a merchant's server proves who it is (key id + secret over HTTP Basic)."""
