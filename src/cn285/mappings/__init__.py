"""Declarative mappings between Cn285 records and each ERP's, in files validated on load."""
