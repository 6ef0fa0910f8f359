"""The emulated ORM: the generic methods every model answers over RPC.

It reproduces what Odoo's external API exposes of `odoo/models.py`: `search` (with
`active_test`, `order`, `offset`, `limit`), `search_read`, `search_count`, `read` (`load`),
`create` of one record or a batch, `write` with x2many commands 0–6, `unlink` with the
many2one `ondelete` rules, `fields_get`, `default_get`, `name_search`, `copy`, the magic
`create_date`/`write_date` columns, `_inherits` delegation and related fields.
"""

from __future__ import annotations

import copy as copy_module
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from .database import Env
from .domain import Matcher, compile_domain
from .errors import MissingError, UserError, ValidationError
from .fields import NOTHING, Boolean, Field, Float, Many2many, Many2one, One2many
from .registry import MAGIC_FIELDS, expose

ORDER_SPEC = re.compile(
    r"^(\s*([a-z0-9:_]+|\"[a-z0-9:_]+\")(\.id)?(\s+(desc|asc))?(\s+nulls\s+(first|last))?"
    r"\s*(,|$))+(?<!,)$",
    re.IGNORECASE,
)


# -- models ------------------------------------------------------------------------------


class BaseModel:
    """A recordset of one model; subclasses declare fields and business methods."""

    _name: ClassVar[str] = ""
    _description: ClassVar[str] = ""
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str | None] = "name"
    _rec_names_search: ClassVar[tuple[str, ...]] = ()
    _parent_name: ClassVar[str | None] = None
    _log_access: ClassVar[bool] = True
    _transient: ClassVar[bool] = False
    _inherits: ClassVar[dict[str, str]] = {}
    _unique: ClassVar[tuple[tuple[tuple[str, ...], str], ...]] = ()

    def __init__(self, env: Env, ids: Iterable[int] = ()) -> None:
        self.env = env
        self._ids: tuple[int, ...] = tuple(ids)

    # recordset basics -------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"{self._name}{self._ids!r}"

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __iter__(self) -> Iterator[BaseModel]:
        for record_id in self._ids:
            yield type(self)(self.env, (record_id,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseModel) and (self._name, set(self._ids)) == (
            other._name,
            set(other._ids),
        )

    def __hash__(self) -> int:
        return hash((self._name, frozenset(self._ids)))

    def __or__(self, other: BaseModel) -> BaseModel:
        return self.browse(list(dict.fromkeys(self._ids + other._ids)))

    def __sub__(self, other: BaseModel) -> BaseModel:
        return self.browse([i for i in self._ids if i not in set(other._ids)])

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    @property
    def id(self) -> int | bool:
        return self._ids[0] if len(self._ids) == 1 else False

    def browse(self, ids: Any = ()) -> BaseModel:
        if ids is None or ids is False:
            ids = ()
        elif isinstance(ids, int):
            ids = (ids,)
        return type(self)(self.env, tuple(ids))

    def with_context(self, context: dict[str, Any] | None = None, **changes: Any) -> BaseModel:
        return type(self)(self.env.with_context(context, **changes), self._ids)

    def ensure_one(self) -> BaseModel:
        if len(self._ids) != 1:
            raise ValueError(f"Expected singleton: {self!r}")
        return self

    def filtered(self, predicate: Callable[[BaseModel], bool]) -> BaseModel:
        return self.browse([r.id for r in self if predicate(r)])

    def sorted(self, key: Callable[[BaseModel], Any], reverse: bool = False) -> BaseModel:
        return self.browse([r.id for r in sorted(self, key=key, reverse=reverse)])

    def mapped(self, fname: str) -> BaseModel:
        """Union of the relational field `fname` over the records."""
        field = self.fields()[fname]
        result: list[int] = []
        for record in self:
            result.extend(record[fname].ids)
        return self.env[getattr(field, "comodel", self._name)].browse(list(dict.fromkeys(result)))

    @classmethod
    def fields_of(cls, env: Env) -> dict[str, Field]:
        return env.registry.fields[cls._name]

    def fields(self) -> dict[str, Field]:
        return self.env.registry.fields[self._name]

    @property
    def _active_name(self) -> str | None:
        return "active" if "active" in self.fields() else None

    def _existing(self) -> BaseModel:
        table = self.env.db.tables[self._name]
        return self.browse([i for i in self._ids if i in table])

    def _check_exists(self) -> None:
        missing = [i for i in self._ids if self.env.db.row(self._name, i) is None]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {self._name}{tuple(missing)!r}, User: {self.env.uid})"
            )

    # values -----------------------------------------------------------------------------

    def raw(self, fname: str) -> Any:
        """The stored form of field `fname` for this record (ids for relational fields)."""
        record_id = self._ids[0]
        if fname == "id":
            return record_id
        field = self.fields()[fname]
        if field.related:
            return self._follow(field.related, field.column_null)
        if isinstance(field, One2many):
            return self._children_ids(field)
        if field.compute and not field.store:
            value = getattr(self.browse(record_id), field.compute)()
            if isinstance(value, dict) and field.name in value:
                return value[field.name]
            return value
        row = self.env.db.row(self._name, record_id)
        if row is None:
            return field.column_null
        value = row.get(fname, field.column_null)
        return list(value) if isinstance(value, list) else value

    def _follow(self, path: str, null: Any) -> Any:
        """The value at the end of a dotted path of many2one fields (`null` if broken)."""
        record: BaseModel = self
        *links, last = path.split(".")
        for link in links:
            target = record.raw(link)
            if not target:
                return null
            record = self.env[record.fields()[link].comodel].browse(target)  # type: ignore[attr-defined]
        return record.raw(last)

    def _children_ids(self, field: One2many) -> list[int]:
        ids = list(self.env.db.children(field.comodel, field.inverse_name).get(self._ids[0], ()))
        if not ids:
            return []
        comodel = self.env[field.comodel].browse(ids)
        if comodel._active_name and self.env.context.get("active_test", True):
            ids = [i for i in ids if comodel.browse(i).raw("active")]
        if field.domain:
            matcher = Matcher(comodel, compile_domain(comodel, field.domain))
            ids = [i for i in ids if matcher(i)]
        return comodel._sort(ids, None)

    def __getitem__(self, fname: str) -> Any:
        """Field value; relational fields give recordsets, amounts give `Decimal`."""
        field = self.fields()[fname]
        value = self.raw(fname)
        if isinstance(field, Many2one):
            return self.env[field.comodel].browse(value or ())
        if isinstance(field, One2many | Many2many):
            return self.env[field.comodel].browse(value or ())
        return value

    def display_name(self) -> str:
        if not self._ids:
            return ""
        return self.raw("display_name") or ""

    def _compute_display_name(self) -> str:
        if self._rec_name and self._rec_name in self.fields():
            value = self.raw(self._rec_name)
            return "" if value is None or value is False else str(value)
        return f"{self._name},{self._ids[0]}"

    # create -----------------------------------------------------------------------------

    @expose("model")
    def create(self, vals_list: Any) -> BaseModel:
        """Create one record (a dict) or a batch (a list of dicts)."""
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        if not isinstance(vals_list, list) or not all(isinstance(v, dict) for v in vals_list):
            raise ValueError(f"create() expects a dict or a list of dicts, got {vals_list!r}")
        new_ids = [self._create_one(dict(vals)) for vals in vals_list]
        records = self.browse(new_ids)
        records._after_create(vals_list)
        records._recompute()
        records._validate()
        return records

    def _check_field_names(self, vals: dict[str, Any]) -> None:
        fields = self.fields()
        for name in vals:
            if name not in fields:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")

    def _defaults(self, names: Iterable[str]) -> dict[str, Any]:
        """Default values for `names`: `default_<field>` in the context, then the field's."""
        result: dict[str, Any] = {}
        fields = self.fields()
        for name in names:
            field = fields.get(name)
            if field is None or name in MAGIC_FIELDS:
                continue
            key = f"default_{name}"
            if key in self.env.context:
                result[name] = self.env.context[key]
            elif field.default is not NOTHING:
                value = field.default
                result[name] = value(self.env) if callable(value) else copy_module.copy(value)
        return result

    def _create_one(self, vals: dict[str, Any]) -> int:
        self._check_field_names(vals)
        fields = self.fields()
        missing = [n for n in fields if n not in vals and not fields[n].related]
        explicit = frozenset(vals)
        vals = self._prepare_create_vals({**self._defaults(missing), **vals}, explicit)
        for parent, link in self._inherits.items():
            parent_fields = self.env.registry.fields[parent]
            parent_vals = {
                k: vals.pop(k)
                for k in list(vals)
                if k in parent_fields and fields[k].related == f"{link}.{k}"
            }
            if vals.get(link):
                if parent_vals:
                    self.env[parent].browse(vals[link]).write(parent_vals)
            else:
                vals[link] = (
                    self.env[parent]
                    .with_context(**{f"_creating_from_{self._name}": True})
                    .create(parent_vals)
                    .id
                )
        row: dict[str, Any] = {}
        later: dict[str, Any] = {}
        for name, value in vals.items():
            field = fields[name]
            if name in MAGIC_FIELDS:
                continue
            if field.store and not isinstance(field, One2many | Many2many):
                row[name] = field.to_store(value, self.env)
            elif field.store or field.related or field.inverse or isinstance(field, One2many):
                later[name] = value
        for name, field in fields.items():
            if name in MAGIC_FIELDS or not field.store or name in row:
                continue
            row[name] = [] if isinstance(field, Many2many) else self._empty(field)
        for name, field in fields.items():
            if field.required and field.store and not field.compute and name not in MAGIC_FIELDS:
                if isinstance(field, Many2many | Boolean):
                    continue
                if row.get(name) is None:
                    raise self._not_null_error(field)
        if self._log_access:
            now = self.env.now()
            row.update(
                create_uid=self.env.uid, create_date=now, write_uid=self.env.uid, write_date=now
            )
        record_id = self.env.db.insert(self._name, row)
        record = self.browse(record_id)
        for name, value in later.items():
            record._write_field(fields[name], value)
        return record_id

    @staticmethod
    def _empty(field: Field) -> Any:
        if isinstance(field, Boolean):
            return False
        return None

    def _not_null_error(self, field: Field) -> ValidationError:
        return ValidationError(
            "The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. "
            "If possible, archive it instead.\n\n"
            f"Model: {self._description} ({self._name})\n"
            f"Field: {field.string} ({field.name})\n"
        )

    # write ------------------------------------------------------------------------------

    @expose("records")
    def write(self, vals: dict[str, Any]) -> bool:
        """Update the records; x2many fields take command lists."""
        if not isinstance(vals, dict):
            raise ValueError(f"write() expects a dict, got {vals!r}")
        if not self:
            return True
        self._check_exists()
        self._check_field_names(vals)
        vals = {k: v for k, v in vals.items() if k not in MAGIC_FIELDS}
        self._before_write(vals)
        fields = self.fields()
        for record in self:
            for name, value in vals.items():
                record._write_field(fields[name], value)
            if vals and self._log_access:
                self.env.db.update(
                    self._name,
                    record.id,  # type: ignore[arg-type]
                    {"write_uid": self.env.uid, "write_date": self.env.now()},
                )
        self._after_write(vals)
        self._recompute()
        self._validate()
        return True

    def _write_field(self, field: Field, value: Any) -> None:
        record_id = self._ids[0]
        if field.related:
            *links, last = field.related.split(".")
            target: BaseModel = self
            for link in links:
                target = target[link]
            if target:
                target.write({last: value})
            return
        if isinstance(field, One2many | Many2many):
            self._apply_commands(field, value)
            return
        if field.compute and not field.store:
            if field.inverse:
                getattr(self, field.inverse)(value)
            return
        if not field.store:
            return
        stored = field.to_store(value, self.env)
        if field.required and stored is None and not isinstance(field, Boolean):
            raise self._not_null_error(field)
        self.env.db.update(self._name, record_id, {field.name: stored})

    def _write_raw(self, values: dict[str, Any]) -> None:
        """Store already-converted values, bypassing hooks (for computed results)."""
        for record_id in self._ids:
            row = self.env.db.row(self._name, record_id)
            if row is None:
                continue
            changes = {k: v for k, v in values.items() if row.get(k) != v}
            if changes:
                if self._log_access:
                    changes.update(write_uid=self.env.uid, write_date=self.env.now())
                self.env.db.update(self._name, record_id, changes)

    def _apply_commands(self, field: Field, commands: Any) -> None:
        """Apply x2many commands (Odoo's `fields.Command`): 0 create … 6 replace."""
        assert isinstance(field, One2many | Many2many)
        if commands is False or commands is None:
            commands = [(5, 0, 0)]
        if isinstance(commands, list | tuple) and all(
            isinstance(c, int) and not isinstance(c, bool) for c in commands
        ):
            commands = [(6, 0, list(commands))]
        if not isinstance(commands, list | tuple):
            raise ValueError(f"Wrong value for {self._name}.{field.name}: {commands!r}")
        comodel = self.env[field.comodel]
        for command in commands:
            if not isinstance(command, list | tuple) or not command:
                raise ValueError(f"Wrong value for {self._name}.{field.name}: {command!r}")
            code = command[0]
            arg1 = command[1] if len(command) > 1 else 0
            arg2 = command[2] if len(command) > 2 else 0
            if code == 0:
                if not isinstance(arg2, dict):
                    raise ValueError(f"Wrong value for {self._name}.{field.name}: {command!r}")
                if isinstance(field, One2many):
                    comodel.create({**arg2, field.inverse_name: self._ids[0]})
                else:
                    created = comodel.create(arg2)
                    self._link(field, [created.id])  # type: ignore[list-item]
            elif code == 1:
                comodel.browse(arg1).write(arg2 or {})
            elif code == 2:
                comodel.browse(arg1).unlink()
                if isinstance(field, Many2many):
                    self._unlink_ids(field, [arg1])
            elif code == 3:
                self._unlink_ids(field, [arg1])
            elif code == 4:
                self._link(field, [arg1])
            elif code == 5:
                self._unlink_ids(field, list(self.raw(field.name)))
            elif code == 6:
                wanted = [i for i in (arg2 or []) if i]
                current = list(self.raw(field.name))
                self._unlink_ids(field, [i for i in current if i not in wanted])
                self._link(field, wanted)
            else:
                raise ValueError(f"Wrong value for {self._name}.{field.name}: {command!r}")

    def _link(self, field: Field, ids: list[int]) -> None:
        comodel = self.env[field.comodel]  # type: ignore[attr-defined]
        missing = [i for i in ids if self.env.db.row(comodel._name, i) is None]
        if missing:
            comodel.browse(missing)._check_exists()
        if isinstance(field, One2many):
            comodel.browse(ids).write({field.inverse_name: self._ids[0]})
            return
        current = list(self.raw(field.name))
        merged = current + [i for i in dict.fromkeys(ids) if i not in current]
        if merged != current:
            self.env.db.update(self._name, self._ids[0], {field.name: merged})

    def _unlink_ids(self, field: Field, ids: list[int]) -> None:
        if not ids:
            return
        if isinstance(field, One2many):
            comodel = self.env[field.comodel]._existing_of(ids)
            inverse = self.env.registry.fields[field.comodel][field.inverse_name]
            if isinstance(inverse, Many2one) and inverse.ondelete == "cascade":
                comodel.unlink()
            else:
                comodel.write({field.inverse_name: False})
            return
        current = list(self.raw(field.name))
        kept = [i for i in current if i not in set(ids)]
        if kept != current:
            self.env.db.update(self._name, self._ids[0], {field.name: kept})

    def _existing_of(self, ids: Iterable[int]) -> BaseModel:
        return self.browse(ids)._existing()

    # unlink -----------------------------------------------------------------------------

    @expose("records")
    def unlink(self) -> bool:
        """Delete the records, applying the `ondelete` rule of every many2one to them."""
        records = self._existing()
        if not records:
            return True
        records._before_unlink()
        doomed = set(records.ids)
        for model_name, field in self.env.registry.references.get(self._name, ()):
            fname = field.name
            if isinstance(field, Many2many):
                for record_id, row in self.env.db.rows(model_name):
                    links = row.get(fname) or []
                    if doomed.intersection(links):
                        kept = [i for i in links if i not in doomed]
                        self.env.db.update(model_name, record_id, {fname: kept})
                continue
            refs = [
                rid
                for rid, row in self.env.db.rows(model_name)
                if row.get(fname) in doomed and not (model_name == self._name and rid in doomed)
            ]
            if not refs:
                continue
            ondelete = getattr(field, "ondelete", "set null")
            if ondelete == "cascade":
                self.env[model_name].browse(refs).unlink()
            elif ondelete == "restrict":
                referencing = self.env.registry.models[model_name]
                raise ValidationError(
                    "The operation cannot be completed: another model requires the record "
                    "being deleted. If possible, archive it instead.\n\n"
                    f"Model: {referencing._description} ({model_name})\n"
                    f"Constraint: {model_name.replace('.', '_')}_{fname}_fkey\n"
                )
            else:
                for rid in refs:
                    if self.env.db.row(model_name, rid) is not None:
                        self.env.db.update(model_name, rid, {fname: None})
        for record_id in doomed:
            self.env.db.delete(self._name, record_id)
        records._after_unlink()
        return True

    # read -------------------------------------------------------------------------------

    @expose("records")
    def read(self, fields: list[str] | None = None, load: str | None = "_classic_read") -> list:
        """Values of the records as dicts, in the order of the ids given."""
        names = self._field_names(fields)
        self._check_exists()
        result = []
        model_fields = self.fields()
        for record in self.browse(list(dict.fromkeys(self._ids))):
            values: dict[str, Any] = {"id": record.id}
            for name in names:
                if name == "id":
                    continue
                field = model_fields[name]
                values[name] = field.to_read(record.raw(name), self.env, load)
            result.append(values)
        return result

    def _field_names(self, fields: list[str] | None) -> list[str]:
        model_fields = self.fields()
        if not fields:
            return [n for n in model_fields if n != "password"]
        if isinstance(fields, str):
            fields = [fields]
        for name in fields:
            if name not in model_fields:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
        return list(dict.fromkeys(fields))

    # search -----------------------------------------------------------------------------

    @expose("model")
    def search(
        self,
        domain: Any = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ids of the records matching `domain` (Odoo 16 still takes `count=True`)."""
        count = kwargs.pop("count", None)
        if kwargs or (count is not None and self.env.version >= 17):
            unexpected = next(iter(kwargs), "count")
            raise TypeError(f"BaseModel.search() got an unexpected keyword argument {unexpected!r}")
        ids = self.search_ids(domain, offset, limit, order)
        if count:
            return len(ids)
        return self.browse(ids)

    def search_ids(
        self,
        domain: Any = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[int]:
        domain = list(domain or [])
        active = self._active_name
        if active and self.env.context.get("active_test", True):
            mentioned = any(
                isinstance(item, list | tuple) and item and item[0] == active for item in domain
            )
            if not mentioned:
                domain = [(active, "=", True), *domain]
        matcher = Matcher(self, compile_domain(self, domain))
        ids = [rid for rid in self.env.db.ids(self._name) if matcher(rid)]
        ids = self._sort(ids, order)
        offset = offset or 0
        if offset:
            ids = ids[offset:]
        if limit:
            ids = ids[:limit]
        return ids

    def _sort(self, ids: list[int], order: str | None) -> list[int]:
        spec = order or self._order
        if not ORDER_SPEC.match(spec):
            raise ValueError(
                f'Invalid "order" specified ({spec}). A valid "order" specification is a '
                "comma-separated list of valid field names (optionally followed by asc/desc "
                "for the direction)"
            )
        terms = []
        fields = self.fields()
        for term in spec.split(","):
            words = term.strip().lower().split()
            name = words[0].strip('"').removesuffix(".id")
            if name not in fields:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
            descending = len(words) > 1 and words[1] == "desc"
            nulls_first = descending
            if "nulls" in words:
                nulls_first = words[words.index("nulls") + 1] == "first"
            terms.append((fields[name], descending, nulls_first))
        result = sorted(ids)
        records = {rid: self.browse(rid) for rid in result}
        for field, descending, nulls_first in reversed(terms):
            keys = {}
            for rid in result:
                key = (
                    rid
                    if field.name == "id"
                    else field.sort_key(records[rid].raw(field.name), self.env)
                )
                keys[rid] = key
            present = [rid for rid in result if keys[rid] is not None]
            absent = [rid for rid in result if keys[rid] is None]
            present.sort(key=lambda rid: keys[rid], reverse=descending)
            result = absent + present if nulls_first else present + absent
        return result

    @expose("model")
    def search_read(
        self,
        domain: Any = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        **read_kwargs: Any,
    ) -> list:
        """`search` then `read` in one call."""
        ids = self.search_ids(domain, offset, limit, order)
        if not ids:
            return []
        return self.browse(ids).read(fields, **read_kwargs)

    @expose("model")
    def search_count(self, domain: Any = None, limit: int | None = None) -> int:
        return len(self.search_ids(domain, 0, limit, None))

    def name_search_ids(self, name: str, operator: str = "ilike") -> list[int]:
        fields = self._rec_names_search or ((self._rec_name,) if self._rec_name else ())
        fields = tuple(f for f in fields if f in self.fields()) or ("display_name",)
        negative = operator in ("!=", "not like", "not ilike", "not in")
        domain: list[Any] = ["&" if negative else "|"] * (len(fields) - 1)
        domain += [(f, operator, name) for f in fields]
        return self.search_ids(domain)

    @expose("model")
    def name_search(
        self, name: str = "", args: Any = None, operator: str = "ilike", limit: int = 100
    ) -> list:
        """[[id, display_name], ...] of records whose name matches."""
        ids = self.search_ids(args or [], limit=None)
        if name:
            matching = set(self.name_search_ids(name, operator))
            ids = [i for i in ids if i in matching]
        if limit:
            ids = ids[:limit]
        return [[i, self.browse(i).display_name()] for i in ids]

    @expose("model")
    def name_create(self, name: str) -> list:
        """Create a record from its name alone; [id, display_name]."""
        fields = self.fields()
        target = self._rec_name if self._rec_name in fields else None
        if target is not None and fields[target].compute:
            target = "name" if "name" in fields else None
        if target is None:
            raise UserError(f"Cannot execute name_create, no _rec_name defined on {self._name}")
        record = self.create({target: name})
        return [record.id, record.display_name()]

    @expose("records", versions={16})
    def name_get(self) -> list:
        """Removed in Odoo 17 (read `display_name` instead)."""
        self._check_exists()
        return [[r.id, r.display_name()] for r in self]

    # metadata ---------------------------------------------------------------------------

    @expose("model")
    def fields_get(self, allfields: list[str] | None = None, attributes: Any = None) -> dict:
        """Description of every field: type, string, required, readonly, relation, selection…"""
        result = {}
        for name, field in self.fields().items():
            if allfields and name not in allfields:
                continue
            described = field.describe(self.env)
            if attributes:
                described = {k: v for k, v in described.items() if k in attributes}
            result[name] = described
        return result

    @expose("model")
    def default_get(self, fields_list: list[str]) -> dict:
        """Default values of the given fields (context `default_*` keys first)."""
        defaults = self._defaults(fields_list)
        defaults.update(self._extra_defaults([f for f in fields_list if f in self.fields()]))
        result = {}
        fields = self.fields()
        for name, value in defaults.items():
            field = fields[name]
            if isinstance(field, Many2many):
                ids = value if isinstance(value, list) else []
                if ids and all(isinstance(i, int) for i in ids):
                    value = [[6, 0, ids]]
                result[name] = value
            elif isinstance(field, One2many):
                result[name] = value
            else:
                result[name] = field.to_read(field.to_store(value, self.env), self.env, None)
        return result

    @expose("model")
    def check_access_rights(self, operation: str, raise_exception: bool = True) -> bool:
        return True

    @expose("records")
    def check_access_rule(self, operation: str) -> None:
        self._check_exists()

    @expose("records")
    def exists(self) -> BaseModel:
        return self._existing()

    @expose("records")
    def copy(self, default: dict[str, Any] | None = None) -> BaseModel:
        """Duplicate one record: stored fields marked `copy`, then `default` on top."""
        self.ensure_one()
        self._check_exists()
        vals: dict[str, Any] = {}
        for name, field in self.fields().items():
            if name in MAGIC_FIELDS or not field.copy or field.related:
                continue
            if isinstance(field, One2many):
                continue
            if not field.store:
                continue
            value = self.raw(name)
            if isinstance(field, Float) and value is not None:
                value = float(value)
            vals[name] = [(6, 0, value)] if isinstance(field, Many2many) else value
        vals.update(self._copy_extra())
        vals.update(default or {})
        return self.create(vals)

    @expose("records")
    def action_archive(self) -> bool:
        if not self._active_name:
            raise ValueError(f"Model {self._name} has no active field")
        return self.write({self._active_name: False})

    @expose("records")
    def action_unarchive(self) -> bool:
        if not self._active_name:
            raise ValueError(f"Model {self._name} has no active field")
        return self.write({self._active_name: True})

    # computed fields and constraints ----------------------------------------------------

    def _recompute(self) -> None:
        """Recompute the stored computed fields of the records."""
        groups: dict[str, list[Field]] = {}
        for field in self.fields().values():
            if field.compute and field.store:
                groups.setdefault(field.compute, []).append(field)
        if not groups:
            return
        for record in self._existing():
            values: dict[str, Any] = {}
            for method, fields in groups.items():
                result = getattr(record, method)()
                if len(fields) == 1 and not (isinstance(result, dict) and fields[0].name in result):
                    values[fields[0].name] = result
                else:
                    values.update({f.name: result[f.name] for f in fields})
            # Odoo's `_write` stamps write_date for recomputed fields too, so a change of a
            # computed value (an invoice becoming paid) is visible to write_date cursors.
            record._write_raw(values)

    def _validate(self) -> None:
        records = self._existing()
        if not records:
            return
        fields = self.fields()
        for names, message in self._unique:
            fnames = tuple(f for f in names if f in fields)
            for record in records:
                key = tuple(record.raw(f) for f in fnames)
                if any(v is None or v is False for v in key):
                    continue
                for rid, row in self.env.db.rows(self._name):
                    if rid != record.id and tuple(row.get(f) for f in fnames) == key:
                        raise ValidationError(f"The operation cannot be completed: {message}")
        records._check_constraints()

    # hooks for business models ----------------------------------------------------------

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        """Adjust the values of a new record; `explicit` are the keys the caller gave."""
        return vals

    def _extra_defaults(self, fields_list: list[str]) -> dict[str, Any]:
        return {}

    def _copy_extra(self) -> dict[str, Any]:
        return {}

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        pass

    def _before_write(self, vals: dict[str, Any]) -> None:
        pass

    def _after_write(self, vals: dict[str, Any]) -> None:
        pass

    def _before_unlink(self) -> None:
        pass

    def _after_unlink(self) -> None:
        pass

    def _check_constraints(self) -> None:
        pass


def downgrade(method: str, args: list[Any], result: Any) -> Any:
    """Turn a method's result into what RPC sends: ids for recordsets (Odoo's `call_kw`)."""
    if isinstance(result, BaseModel):
        if method == "create" and args and isinstance(args[0], dict):
            return result.id
        return result.ids
    return result


def command_ids(commands: Any) -> list[int]:
    """Ids designated by a many2many value (a list of ids or of (6, 0, ids)/(4, id) commands)."""
    ids: list[int] = []
    for command in commands or []:
        if isinstance(command, int):
            ids.append(command)
        elif isinstance(command, list | tuple) and command:
            if command[0] == 6:
                ids = list(command[2] or [])
            elif command[0] == 4:
                ids.append(command[1])
    return ids
