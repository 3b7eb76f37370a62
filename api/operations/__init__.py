"""Running the API in production: rate limits, Prometheus metrics, masked request logs."""
