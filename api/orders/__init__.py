"""Orders: what a merchant intends to charge, before any payment attempt."""
