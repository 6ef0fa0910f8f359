"""The REST API (FastAPI) under /v1: a thin layer over the services."""
