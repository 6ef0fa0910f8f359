"""Reconciliation of the store with each ERP: what differs, and the report about it.

`findings` names the kinds of difference, `compare` decides them record by record (no I/O),
`report` writes a run's differences as JSON, CSV and HTML. The run itself (reading both
sides in batches, storing the findings) is `cn285.hub.services.reconciliation`.
"""
