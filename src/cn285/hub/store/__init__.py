"""Persistence of the hub: SQLModel tables, exact money types, migrations and sessions."""
