"""The billing engine: pure functions from catalogs, contracts, usage and changes to invoices.

Nothing in this package performs I/O; the hub loads data and persists results around it.
"""
