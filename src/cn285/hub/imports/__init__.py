"""Importing CSV files: customers, catalog, contracts, usage, history (`cn285 import`)."""
