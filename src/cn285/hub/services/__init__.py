"""The hub's services: what the API, the CLI and the scheduler call. No HTTP, no printing."""
