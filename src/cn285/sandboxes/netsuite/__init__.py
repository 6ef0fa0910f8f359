"""A NetSuite sandbox: SuiteTalk REST web services served locally, from public documentation.

Record API, SuiteQL, token-based authentication with real signature checks, concurrency
governance and injectable faults, so that integration tests and demos run without a NetSuite
account. It shares no code with the NetSuite connector: it models NetSuite, not the client.
"""

from cn285.sandboxes.netsuite.auth import Credentials
from cn285.sandboxes.netsuite.sandbox import NetSuiteSandbox

__all__ = ["Credentials", "NetSuiteSandbox"]
