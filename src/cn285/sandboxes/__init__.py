"""Local servers that speak an ERP's public API, for integration tests and demos."""
