"""Field types of the emulated ORM: how a value sent over RPC is checked, stored and read.

A record is a dict of stored values. Each field type converts what a client writes into
that stored form (`to_store`, Odoo's `convert_to_cache`) and the stored form into what
`read` returns (`to_read`, Odoo's `convert_to_read`): `False` for empty values, floats for
amounts, `[id, display_name]` for a many2one under the default `load`. Amounts are stored
as `Decimal` so that totals stay exact; see `money.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ValidationError
from .money import round_to, to_decimal, to_float

if TYPE_CHECKING:
    from .database import Env

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ALL_VERSIONS = frozenset({16, 17, 18})
NOTHING = object()


class Field:
    """One column of a model; subclasses say how its values convert."""

    type: ClassVar[str] = ""
    relational: ClassVar[bool] = False
    column_null: ClassVar[Any] = None

    def __init__(
        self,
        string: str = "",
        *,
        required: bool = False,
        readonly: bool = False,
        default: Any = NOTHING,
        help: str = "",
        compute: str | None = None,
        store: bool | None = None,
        related: str | None = None,
        inverse: str | None = None,
        versions: Iterable[int] | None = None,
        copy: bool = True,
        name: str = "",
    ) -> None:
        self.name = name
        self.model_name = ""
        self.string = string
        self.required = required
        self.readonly = readonly or (compute is not None and inverse is None)
        self.default = default
        self.help = help
        self.compute = compute
        self.related = related
        self.inverse = inverse
        self.store = (compute is None and related is None) if store is None else store
        self.versions = frozenset(versions) if versions is not None else ALL_VERSIONS
        self.copy = copy

    def __set_name__(self, owner: type, name: str) -> None:
        # `name=` lets a class declare one field per version under the same column name
        self.name = self.name or name
        self.model_name = getattr(owner, "_name", "")
        if not self.string:
            self.string = self.name.replace("_id", "").replace("_", " ").strip().title()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_name}.{self.name})"

    def exists_in(self, version: int) -> bool:
        return version in self.versions

    # -- conversions -------------------------------------------------------------------

    def to_store(self, value: Any, env: Env) -> Any:
        """Check and convert a value written by a client; raise ValueError when wrong."""
        return value

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        """Convert a stored value to what `read` returns."""
        return False if value is None else value

    def to_json(self, value: Any) -> Any:
        """Stored value → JSON, for persistence."""
        return value

    def from_json(self, value: Any) -> Any:
        """JSON → stored value, for persistence."""
        return value

    def sort_key(self, value: Any, env: Env) -> Any:
        """A comparable key for ordering, or None for NULL."""
        return value

    def describe(self, env: Env) -> dict[str, Any]:
        """This field's entry in `fields_get`."""
        return {
            "type": self.type,
            "string": self.string,
            "help": self.help,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
            "searchable": True,
            "sortable": self.store,
            "manual": False,
            "company_dependent": False,
            "depends": [],
            "name": self.name,
        }

    def wrong_value(self, value: Any) -> ValueError:
        return ValueError(f"Wrong value for {self.model_name}.{self.name}: {value!r}")


class Char(Field):
    type = "char"

    def __init__(self, string: str = "", *, size: int | None = None, **kwargs: Any) -> None:
        super().__init__(string, **kwargs)
        self.size = size

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False:
            return None
        text = value if isinstance(value, str) else str(value)
        return text[: self.size] if self.size else text

    def sort_key(self, value: Any, env: Env) -> Any:
        return None if value is None else (value.casefold(), value)

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "translate": False, "trim": True}


class Text(Char):
    type = "text"


class Html(Char):
    type = "html"


class Binary(Char):
    type = "binary"


class Boolean(Field):
    type = "boolean"

    def to_store(self, value: Any, env: Env) -> Any:
        return bool(value)

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        return bool(value)

    def sort_key(self, value: Any, env: Env) -> Any:
        return bool(value)


class Integer(Field):
    type = "integer"

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False:
            return 0
        if isinstance(value, str | float | Decimal):
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"invalid literal for int() with base 10: {value!r}") from None
        return int(value)

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        return value or 0

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "group_operator": "sum"}


class Float(Field):
    """A float column; `digits` is an int or the name of a `decimal.precision` record."""

    type = "float"

    def __init__(self, string: str = "", *, digits: int | str | None = None, **kwargs: Any) -> None:
        super().__init__(string, **kwargs)
        self.digits = digits

    def precision(self, env: Env) -> int | None:
        if isinstance(self.digits, str):
            return env.precision(self.digits)
        return self.digits

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False:
            return Decimal(0)
        number = to_decimal(value)
        digits = self.precision(env)
        return round_to(number, digits) if digits is not None else number

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        return 0.0 if value is None else to_float(value)

    def to_json(self, value: Any) -> Any:
        return None if value is None else str(value)

    def from_json(self, value: Any) -> Any:
        return None if value is None else Decimal(str(value))

    def describe(self, env: Env) -> dict[str, Any]:
        digits = self.precision(env)
        described = {**super().describe(env), "group_operator": "sum"}
        if digits is not None:
            described["digits"] = [16, digits]
        return described


class Monetary(Float):
    """An amount in the record's currency, rounded to the currency's decimal places."""

    type = "monetary"

    def __init__(self, string: str = "", *, currency_field: str = "currency_id", **kw: Any) -> None:
        super().__init__(string, digits=2, **kw)
        self.currency_field = currency_field

    def describe(self, env: Env) -> dict[str, Any]:
        described = super().describe(env)
        described.pop("digits", None)
        return {**described, "currency_field": self.currency_field}


class Date(Field):
    type = "date"

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return dt.datetime.strptime(value[:10], DATE_FORMAT).date().isoformat()
        raise self.wrong_value(value)


class Datetime(Field):
    type = "datetime"

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False or value == "":
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.strftime(DATETIME_FORMAT)
        if isinstance(value, dt.date):
            return value.isoformat() + " 00:00:00"
        if isinstance(value, str):
            if len(value) > 10:
                return dt.datetime.strptime(value[:19], DATETIME_FORMAT).strftime(DATETIME_FORMAT)
            return dt.datetime.strptime(value, DATE_FORMAT).strftime(DATETIME_FORMAT)
        raise self.wrong_value(value)


Selection_ = list[tuple[str, str]]


class Selection(Field):
    """A choice among keys; `selection` is a list of (key, label) or a function of env."""

    type = "selection"

    def __init__(
        self,
        selection: Selection_ | Callable[[Env], Selection_],
        string: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(string, **kwargs)
        self.selection = selection

    def options(self, env: Env) -> Selection_:
        return self.selection(env) if callable(self.selection) else self.selection

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False:
            return None
        if value not in {key for key, _label in self.options(env)}:
            raise self.wrong_value(value)
        return value

    def sort_key(self, value: Any, env: Env) -> Any:
        return value

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "selection": [list(o) for o in self.options(env)]}


class _Relational(Field):
    relational = True

    def __init__(self, comodel: str, string: str = "", **kwargs: Any) -> None:
        domain = kwargs.pop("domain", None)
        context = kwargs.pop("context", None)
        super().__init__(string, **kwargs)
        self.comodel = comodel
        self.domain = domain
        self.context = context or {}

    def describe(self, env: Env) -> dict[str, Any]:
        domain = self.domain if isinstance(self.domain, list) else []
        return {
            **super().describe(env),
            "relation": self.comodel,
            "domain": domain,
            "context": dict(self.context),
        }


class Many2one(_Relational):
    """A link to one record; `ondelete` is 'set null', 'cascade' or 'restrict'."""

    type = "many2one"

    def __init__(self, comodel: str, string: str = "", *, ondelete: str = "set null", **kw: Any):
        super().__init__(comodel, string, **kw)
        self.ondelete = ondelete

    def to_store(self, value: Any, env: Env) -> Any:
        if value is None or value is False or value == 0:
            return None
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong_value(value)
        if env.db.row(self.comodel, value) is None:
            model = env.registry.models[self.model_name]
            table = self.model_name.replace(".", "_")
            raise ValidationError(
                "The operation cannot be completed: another model requires the record being "
                "deleted. If possible, archive it instead.\n\n"
                f"Model: {model._description} ({self.model_name})\n"
                f"Constraint: {table}_{self.name}_fkey\n"
            )
        return value

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        if value is None:
            return False
        if load == "_classic_read":
            return [value, env[self.comodel].browse(value).display_name()]
        return value

    def sort_key(self, value: Any, env: Env) -> Any:
        if value is None:
            return None
        name = env[self.comodel].browse(value).display_name()
        return (name.casefold(), value)

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "ondelete": self.ondelete}


class _X2many(_Relational):
    column_null: ClassVar[Any] = ()

    def to_read(self, value: Any, env: Env, load: str | None = "_classic_read") -> Any:
        return list(value or ())

    def sort_key(self, value: Any, env: Env) -> Any:
        return tuple(value or ())


class One2many(_X2many):
    """The records whose many2one `inverse_name` points here; nothing is stored here."""

    type = "one2many"

    def __init__(self, comodel: str, inverse_name: str, string: str = "", **kw: Any) -> None:
        super().__init__(comodel, string, **kw)
        self.inverse_name = inverse_name
        self.store = False

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "relation_field": self.inverse_name, "sortable": False}


class Many2many(_X2many):
    """A set of links, stored on this side as an ordered list of ids."""

    type = "many2many"

    def to_json(self, value: Any) -> Any:
        return list(value or ())

    def from_json(self, value: Any) -> Any:
        return list(value or ())

    def describe(self, env: Env) -> dict[str, Any]:
        return {**super().describe(env), "sortable": False}
