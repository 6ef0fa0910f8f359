"""Which models and fields exist in one Odoo version, and which methods RPC may call.

A model class declares its fields once, each tagged with the versions it exists in; the
registry of a version keeps those, adds the magic columns (`id`, `display_name`,
`create_date`, `write_date`, ...) and the fields a model delegates to its `_inherits`
parent. `expose` marks the methods `execute_kw` may call, as Odoo's `call_kw` sees
`@api.model` methods and record methods.
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fields import Char, Datetime, Field, Integer, Many2many, Many2one

if TYPE_CHECKING:
    from .orm import BaseModel

MAGIC_FIELDS = ("id", "display_name", "create_uid", "create_date", "write_uid", "write_date")
LOG_ACCESS = ("create_uid", "create_date", "write_uid", "write_date")


# -- exposing methods over RPC -----------------------------------------------------------


@dataclass(frozen=True)
class RpcMethod:
    """How a public method is called: on the model (`@api.model`) or on records."""

    kind: str
    versions: frozenset[int]


def expose(kind: str = "records", versions: Iterable[int] | None = None) -> Callable[[Any], Any]:
    """Make a model method callable through `execute`/`execute_kw`.

    `kind="model"` methods get the arguments as sent; `kind="records"` methods take the ids
    from the first argument, as Odoo's `call_kw` does for methods without `@api.model`.
    """
    allowed = frozenset(versions) if versions is not None else frozenset({16, 17, 18})

    def mark(function: Any) -> Any:
        function._rpc = RpcMethod(kind, allowed)
        return function

    return mark


def rpc_method(cls: type[BaseModel], name: str) -> RpcMethod | None:
    """The exposure of `name` on `cls`, looking through overrides."""
    for klass in cls.__mro__:
        if name in vars(klass):
            meta = getattr(vars(klass)[name], "_rpc", None)
            if meta is not None:
                return meta
    return None


# -- registry ----------------------------------------------------------------------------


class Registry:
    """The models of one Odoo major version and their fields."""

    def __init__(self, version: int, classes: Iterable[type[BaseModel]]) -> None:
        self.version = version
        self.models: dict[str, type[BaseModel]] = {cls._name: cls for cls in classes}
        self.fields: dict[str, dict[str, Field]] = {}
        for name, cls in self.models.items():
            self.fields[name] = self._collect(cls)
        for name, cls in self.models.items():
            for parent, link in cls._inherits.items():
                own = self.fields[name]
                for fname, field in self.fields[parent].items():
                    if fname in own or fname in MAGIC_FIELDS:
                        continue
                    delegated = copy_module.copy(field)
                    delegated.model_name = name
                    delegated.related = f"{link}.{fname}"
                    delegated.store = False
                    delegated.compute = None
                    delegated.inverse = None
                    delegated.readonly = field.readonly
                    own[fname] = delegated
        self.references: dict[str, list[tuple[str, Field]]] = {}
        for model_name, fields in self.fields.items():
            for field in fields.values():
                if isinstance(field, Many2one | Many2many) and field.store:
                    self.references.setdefault(field.comodel, []).append((model_name, field))

    def _collect(self, cls: type[BaseModel]) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        fields["id"] = _magic(Integer("ID", readonly=True), cls, "id")
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Field) and value.exists_in(self.version):
                    fields[value.name] = value
        fields["display_name"] = _magic(
            Char("Display Name", compute="_compute_display_name"), cls, "display_name"
        )
        if cls._log_access:
            fields["create_uid"] = _magic(Many2one("res.users", "Created by"), cls, "create_uid")
            fields["create_date"] = _magic(Datetime("Created on"), cls, "create_date")
            fields["write_uid"] = _magic(Many2one("res.users", "Last Updated by"), cls, "write_uid")
            fields["write_date"] = _magic(Datetime("Last Updated on"), cls, "write_date")
        for field in fields.values():
            if field.name in LOG_ACCESS:
                field.readonly = True
        return fields


def _magic(field: Field, cls: type[BaseModel], name: str) -> Field:
    field.name = name
    field.model_name = cls._name
    return field
