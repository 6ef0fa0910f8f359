"""A local Odoo 16/17/18 speaking the external API (JSON-RPC and XML-RPC), for tests and demos.

Written from Odoo's public API contract only (see shared/reference/ERP_APIS.md); it imports
nothing from the rest of Cn285.
"""

from .errors import AccessDenied, AccessError, MissingError, UserError, ValidationError
from .faults import FaultConfig, FaultInjector
from .sandbox import DEFAULT_DATABASE, OdooSandbox

__all__ = [
    "DEFAULT_DATABASE",
    "AccessDenied",
    "AccessError",
    "FaultConfig",
    "FaultInjector",
    "MissingError",
    "OdooSandbox",
    "UserError",
    "ValidationError",
]
