"""The NetSuite connector (SuiteTalk REST with token-based authentication)."""

from cn285.connectors.netsuite.connector import NetSuiteConnector

__all__ = ["NetSuiteConnector"]
