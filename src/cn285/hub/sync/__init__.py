"""The sync engine: drives connectors, keeps bindings, cursors, outbox, ledger, dead letters."""
