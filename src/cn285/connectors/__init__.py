"""ERP connectors: one adapter per ERP behind one interface (`base.Connector`)."""
