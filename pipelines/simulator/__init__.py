"""The simulated Indian payments world: merchants, customers, gateways, flows, files and truth."""
