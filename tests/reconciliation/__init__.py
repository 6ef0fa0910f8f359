"""Reconciliation of the store with each ERP sandbox, its reports, CLI and API."""
