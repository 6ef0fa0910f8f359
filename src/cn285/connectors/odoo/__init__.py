"""The Odoo connector (16, 17, 18) through `odoorpc`."""

from cn285.connectors.odoo.connector import OdooConnector

__all__ = ["OdooConnector"]
