"""From a scenario file's text to a `Book` the engine bills, or errors naming each place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from cn285.billing_core.calendar import Period
from cn285.billing_core.catalog import Customer, Item, PriceList
from cn285.billing_core.contracts import (
    Action,
    ActionKind,
    Contract,
    Line,
    LineKind,
    Notice,
    Timing,
)
from cn285.billing_core.engine import Book
from cn285.billing_core.money import CurrencyError, currency
from cn285.billing_core.pricing import PricingError, build_model
from cn285.billing_core.scenario.schema import ActionIn, ExpectIn, LineIn, ScenarioIn
from cn285.billing_core.scenario.yaml_source import (
    Path,
    YamlProblem,
    format_path,
    parse,
    parse_path,
)
from cn285.billing_core.tax import TaxError, TaxRules, validate_vat_number
from cn285.billing_core.usage import Aggregation, UsageRecord


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path + ': ' if self.path else ''}{self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be billed; `problems` name each place in the file."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Scenario:
    name: str
    book: Book
    until: date
    expect: ExpectIn | None
    positions: dict[Path, int]
    source: ScenarioIn | None = None  # the file as declared (price definitions, names)

    def problem(self, text: str) -> Problem:
        """A problem from an engine message that starts with a path (`usage[3]: …`)."""
        path, sep, message = text.partition(": ")
        if sep and (path.split("[")[0].split(".")[0] in _SECTIONS):
            return Problem(path, message, self.positions.get(parse_path(path)))
        return Problem("", text)


_SECTIONS = {"customers", "items", "price_lists", "contracts", "usage", "actions", "tax", "run"}
_DATE = TypeAdapter(date)


def load(text: str) -> Scenario:
    """Parse and validate a scenario; raise `ScenarioError` listing every problem found."""
    try:
        data, positions = parse(text)
    except YamlProblem as exc:
        raise ScenarioError([Problem("", str(exc), exc.line)]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "a scenario is a YAML mapping of keys (see FORMAT.md)")])
    try:
        model = ScenarioIn.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            loc = _schema_path(loc)
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key"
            elif error["type"] == "missing":
                message = "required key is missing"
            elif "input" in error and error["type"] not in ("missing",):
                message = f"{message} (got {error['input']!r})"
            problems.append(Problem(format_path(loc), message, _line(positions, loc)))
        raise ScenarioError(problems) from None
    return Builder(model, positions).build()


def _schema_path(loc: tuple[Any, ...]) -> Path:
    # pydantic reports the alias for `from_` already; unions add a type name we drop above
    return tuple("from" if p == "from_" else p for p in loc)


def _line(positions: dict[Path, int], path: Path) -> int | None:
    while path:
        if path in positions:
            return positions[path]
        path = path[:-1]
    return positions.get(())


class Builder:
    """Validates declarations and builds domain objects, collecting every problem by path.

    Used for a whole scenario (`build`) and, entity by entity, by the hub's services.
    """

    def __init__(
        self, model: ScenarioIn | None = None, positions: dict[Path, int] | None = None
    ) -> None:
        self.m = model  # type: ignore[assignment]
        self.positions = positions or {}
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(Problem(format_path(path), message, _line(self.positions, path)))

    def build(self) -> Scenario:
        m = self.m
        tz = self._zone(m.timezone, ("timezone",))
        tax = self._tax()
        items = self._unique(m.items, "items", lambda i, _: Item(i.code, i.name, i.tax_category))
        customers = self._unique(m.customers, "customers", self.customer)
        price_lists = self._unique(
            m.price_lists, "price_lists", lambda p, path: self.price_list(p, path, items)
        )
        contracts = self._unique(
            m.contracts,
            "contracts",
            lambda c, path: self.contract(c, path, items, customers, price_lists),
        )
        usage = self.usage(self.m.usage, contracts, tz)
        actions = self._actions(contracts, customers, price_lists)
        if self.problems:
            raise ScenarioError(self.problems)
        book = Book(
            customers=customers,
            items=items,
            price_lists=price_lists,
            contracts=contracts,
            usage=usage,
            actions=actions,
            tax=tax,
            timezone=tz.key if tz else "UTC",
        )
        return Scenario(m.scenario, book, m.run.until, m.expect, self.positions, m)

    # -- sections ------------------------------------------------------------------------
    def _zone(self, name: str, path: Path) -> ZoneInfo | None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
            self.fail(path, f"unknown time zone {name!r} (an IANA name such as Europe/Paris)")
            return None

    def _tax(self) -> TaxRules | None:
        tax = self.m.tax
        if tax is None:
            return None
        rates = {c.upper(): dict(r) for c, r in tax.rates.items()}
        for country, by_category in rates.items():
            for category, rate in by_category.items():
                if not Decimal(0) <= rate <= Decimal(100):
                    self.fail(("tax", "rates", country, category), "a rate is a percent 0–100")
        try:
            return TaxRules(tax.seller_country.upper(), rates)
        except TaxError as exc:
            self.fail(("tax", "seller_country"), str(exc).partition(": ")[2])
            return None

    def _unique(self, entries: list[Any], section: str, make: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for i, entry in enumerate(entries):
            path = (section, i)
            if entry.code in result:
                self.fail((*path, "code"), f"{entry.code!r} is declared twice in {section}")
                continue
            built = make(entry, path)
            if built is not None:
                result[entry.code] = built
        return result

    def customer(self, c: Any, path: Path) -> Customer:
        vat = c.vat_number
        if vat:
            try:
                vat = validate_vat_number(vat, c.country)
            except TaxError as exc:
                self.fail((*path, "vat_number"), str(exc))
        return Customer(c.code, c.name, c.country.upper(), vat or None, c.group_invoices)

    def price_list(self, p: Any, path: Path, items: dict[str, Item]) -> PriceList | None:
        try:
            cur = currency(p.currency)
        except CurrencyError as exc:
            self.fail((*path, "currency"), str(exc))
            return None
        prices = {}
        for code, spec in p.prices.items():
            where = (*path, "prices", code)
            if code not in items:
                self.fail(where, f"unknown item {code!r}")
                continue
            try:
                prices[code] = build_model(spec)
            except PricingError as exc:
                field, _, message = str(exc).partition(": ")
                self.fail((*where, *parse_path(field)), message)
        return PriceList(p.code, cur, prices)

    def contract(
        self,
        c: Any,
        path: Path,
        items: dict[str, Item],
        customers: dict[str, Customer],
        price_lists: dict[str, PriceList],
    ) -> Contract:
        if c.customer not in customers:
            self.fail((*path, "customer"), f"unknown customer {c.customer!r}")
        if c.price_list not in price_lists:
            self.fail((*path, "price_list"), f"unknown price list {c.price_list!r}")
        if c.timezone:
            self._zone(c.timezone, (*path, "timezone"))
        codes = [ln.code for ln in c.lines]
        lines: list[Line] = []
        for i, ln in enumerate(c.lines):
            where = (*path, "lines", i)
            if codes.index(ln.code) != i:
                self.fail((*where, "code"), f"line {ln.code!r} is declared twice in {c.code}")
                continue
            line = self._line(ln, where, c, items, price_lists)
            if line is not None:
                lines.append(line)
        return Contract(
            c.code, c.customer, c.price_list, tuple(lines), c.timezone, format_path(path)
        )

    def _line(
        self,
        ln: LineIn,
        path: Path,
        c: Any,
        items: dict[str, Item],
        price_lists: dict[str, PriceList],
    ) -> Line | None:
        ok = True

        def bad(field: str, message: str) -> None:
            nonlocal ok
            ok = False
            self.fail((*path, field), message)

        kind = ln.kind
        if ln.item not in items:
            bad("item", f"unknown item {ln.item!r}")
        pl = price_lists.get(c.price_list)
        model = pl.prices.get(ln.item) if pl else None
        if pl is not None and ln.item in items and model is None:
            bad("item", f"item {ln.item!r} has no price in price list {pl.code}")
        if model is not None and model.needs_base_amount and kind is not LineKind.CASCADE:
            bad("item", f"a {model.name} price applies to cascade lines only")
        start = ln.start
        if kind is LineKind.CASCADE:
            source = next((x for x in c.lines if x.code == ln.of), None)
            if ln.of is None:
                bad("of", "a cascade line needs `of`, the line it derives from")
            elif source is None or ln.of == ln.code:
                bad("of", f"unknown line {ln.of!r} in contract {c.code}")
            elif start is None:
                start = source.start
        elif ln.of is not None:
            bad("of", "only cascade lines have `of`")
        if start is None:
            bad("start", "required key is missing")
        if ln.end is not None and start is not None and ln.end < start:
            bad("end", f"ends ({ln.end}) before it starts ({start})")
        timing = ln.timing or (Timing.ADVANCE if kind is LineKind.RECURRING else Timing.ARREARS)
        if kind in (LineKind.USAGE, LineKind.CASCADE) and timing is Timing.ADVANCE:
            bad("timing", f"{kind.value} lines are always billed in arrears")
        if ln.period is Period.NONE and kind is not LineKind.USAGE:
            bad("period", "period: none is for usage lines billed as usage arrives")
        if (
            ln.billing_period is not None
            and ln.period is not Period.NONE
            and ln.billing_period.months % ln.period.months
        ):
            bad("billing_period", f"must be a whole number of {ln.period.value}s")
        if kind is not LineKind.USAGE:
            for name in ("aggregation", "threshold", "trigger"):
                if getattr(ln, name) is not None:
                    bad(name, "only usage lines have this key")
        aggregation = Aggregation("sum")
        if ln.aggregation is not None:
            try:
                aggregation = Aggregation.parse(ln.aggregation)
            except ValueError as exc:
                bad("aggregation", str(exc))
        threshold = ln.threshold
        if threshold is not None:
            if (threshold.quantity is None) == (threshold.amount is None):
                bad("threshold", "give either quantity or amount")
            elif (threshold.quantity if threshold.quantity is not None else threshold.amount) <= 0:  # type: ignore[operator]
                bad("threshold", "must be positive")
        if ln.quantity < 0:
            bad("quantity", "must be zero or more")
        if not ok or start is None:
            return None
        return Line(
            code=ln.code,
            item=ln.item,
            kind=kind,
            start=start,
            quantity=ln.quantity,
            end=ln.end,
            period=ln.period,
            billing_period=ln.billing_period,
            timing=timing,
            alignment=ln.alignment,
            prorate=ln.prorate,
            aggregation=aggregation,
            threshold_quantity=threshold.quantity if threshold else None,
            threshold_amount=threshold.amount if threshold else None,
            usage_complete_trigger=ln.trigger == "usage_complete",
            of=ln.of,
            source=format_path(path),
        )

    def _lines(self, contracts: dict[str, Contract]) -> dict[str, Line]:
        return {c.ref(ln): ln for c in contracts.values() for ln in c.lines}

    def usage(
        self, entries: list[Any], contracts: dict[str, Contract], tz: ZoneInfo | None
    ) -> dict[str, list[UsageRecord]]:
        lines = self._lines(contracts)
        zones = {c.ref(ln): c.timezone for c in contracts.values() for ln in c.lines}
        usage: dict[str, list[UsageRecord]] = {}
        ids: set[tuple[str, str]] = set()
        for i, u in enumerate(entries):
            path: Path = ("usage", i)
            line = lines.get(u.line)
            if line is None:
                self.fail((*path, "line"), f"unknown line {u.line!r} (write CONTRACT/LINE)")
                continue
            if line.kind is not LineKind.USAGE:
                self.fail(
                    (*path, "line"), f"{u.line} is a {line.kind.value} line, not a usage line"
                )
                continue
            zone = ZoneInfo(zones[u.line]) if zones[u.line] else tz
            agg = line.aggregation
            if agg.kind == "duration":
                if u.start is None or u.end is None or u.at is not None:
                    self.fail(path, f"{u.line} counts time: give start and end, not at")
                    continue
                at, end = _aware(u.start, zone), _aware(u.end, zone)
                if end < at:
                    self.fail((*path, "end"), "a session cannot end before it starts")
                    continue
            else:
                if u.at is None or u.start is not None or u.end is not None:
                    self.fail(path, "give `at` (start and end are for duration aggregation)")
                    continue
                at, end = _aware(u.at, zone), None
            if agg.needs_quantity and u.quantity is None:
                self.fail((*path, "quantity"), f"required for {agg} aggregation")
                continue
            if agg.kind == "distinct" and agg.argument not in u.properties:
                self.fail((*path, "properties"), f"needs property {agg.argument!r}")
                continue
            if u.id is not None:
                if (u.line, u.id) in ids:
                    self.fail((*path, "id"), f"usage id {u.id!r} appears twice for {u.line}")
                    continue
                ids.add((u.line, u.id))
            usage.setdefault(u.line, []).append(
                UsageRecord(
                    at=at,
                    quantity=u.quantity,
                    end=end,
                    properties=u.properties,
                    id=u.id,
                    seq=i,
                    source=format_path(path),
                )
            )
        return usage

    def _actions(
        self,
        contracts: dict[str, Contract],
        customers: dict[str, Customer],
        price_lists: dict[str, PriceList],
    ) -> list[Action]:
        lines = self._lines(contracts)
        actions = []
        for i, a in enumerate(self.m.actions):
            action = self.action(a, ("actions", i), i, lines, contracts, customers, price_lists)
            if action is not None:
                actions.append(action)
        return actions

    def action(
        self,
        a: ActionIn,
        path: Path,
        seq: int,
        lines: dict[str, Line],
        contracts: dict[str, Contract],
        customers: dict[str, Customer],
        price_lists: dict[str, PriceList],
    ) -> Action | None:
        spec = _ACTION_FIELDS[a.do]
        given = {name for name in _OPTIONAL if getattr(a, name) is not None}
        ok = True

        def bad(field: str | None, message: str) -> None:
            nonlocal ok
            ok = False
            self.fail((*path, field) if field else path, message)

        for name in sorted(given - spec.required - spec.optional - spec.target):
            bad("from" if name == "from_" else name, f"not used by {a.do.value}")
        for name in sorted(spec.required - given):
            bad(None, f"{a.do.value} needs `{'from' if name == 'from_' else name}`")
        targets = given & spec.target
        if spec.target and len(targets) != 1:
            bad(None, f"{a.do.value} needs {' or '.join(sorted(spec.target))} (one of them)")
        if a.line is not None and a.line not in lines:
            bad("line", f"unknown line {a.line!r} (write CONTRACT/LINE)")
        if a.contract is not None and a.contract not in contracts:
            bad("contract", f"unknown contract {a.contract!r}")
        if a.customer is not None and a.customer not in customers:
            bad("customer", f"unknown customer {a.customer!r}")
        if a.price_list is not None and a.price_list not in price_lists:
            bad("price_list", f"unknown price list {a.price_list!r}")
        to_date = to_contract = None
        if a.to is not None and a.do is ActionKind.TRANSFER:
            if a.to not in contracts:
                bad("to", f"unknown contract {a.to!r}")
            to_contract = a.to
        elif a.to is not None:
            try:
                to_date = _DATE.validate_python(a.to)
            except ValidationError:
                bad("to", f"{a.to!r} is not a date (YYYY-MM-DD)")
        if to_date is not None and a.from_ is not None and to_date < a.from_:
            bad("to", f"ends ({to_date}) before it starts ({a.from_})")
        notice = None
        if a.notice is not None:
            try:
                notice = Notice.parse(a.notice)
            except ValueError as exc:
                bad("notice", str(exc))
        if a.percent is not None and not Decimal(0) <= a.percent <= Decimal(100):
            bad("percent", "a percent is between 0 and 100")
        if a.quantity is not None and a.quantity < 0:
            bad("quantity", "must be zero or more")
        line = lines.get(a.line or "")
        if line is not None and ok:
            if a.do in (ActionKind.CLOSE_USAGE,) and not line.usage_complete_trigger:
                bad("line", f"{a.line} is not invoiced on usage_complete")
            if a.do is ActionKind.CHANGE_PERIOD and a.period is Period.NONE:
                bad("period", "a line cannot change to period: none")
            if a.through is not None and a.on is not None and a.on < a.through:
                bad("on", f"usage through {a.through} cannot be complete on {a.on}")
        if not ok:
            return None
        return Action(
            kind=a.do,
            on=a.on,
            contract=a.contract,
            line=a.line,
            quantity=a.quantity,
            percent=a.percent,
            from_=a.from_,
            to=to_date,
            notice=notice,
            period=a.period,
            billing_period=a.billing_period,
            to_contract=to_contract,
            customer=a.customer,
            price_list=a.price_list,
            through=a.through,
            seq=seq,
            source=format_path(path),
        )


def _aware(moment: datetime, zone: ZoneInfo | None) -> datetime:
    """Instants without an offset are read in the contract's time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class _Fields:
    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    target: frozenset[str] = frozenset()


_OPTIONAL = (
    "on",
    "contract",
    "line",
    "quantity",
    "percent",
    "from_",
    "to",
    "notice",
    "period",
    "billing_period",
    "customer",
    "price_list",
    "through",
)
_EITHER = frozenset({"contract", "line"})
_LINE = frozenset({"line"})
_CONTRACT = frozenset({"contract"})
_ACTION_FIELDS = {
    ActionKind.PAUSE: _Fields(frozenset({"on"}), target=_EITHER),
    ActionKind.RESUME: _Fields(frozenset({"on"}), target=_EITHER),
    ActionKind.TERMINATE: _Fields(frozenset({"on"}), frozenset({"notice"}), _EITHER),
    ActionKind.SET_QUANTITY: _Fields(frozenset({"on", "quantity"}), target=_LINE),
    ActionKind.DISCOUNT: _Fields(frozenset({"from_", "to", "percent"}), frozenset({"on"}), _EITHER),
    ActionKind.FREE: _Fields(frozenset({"from_", "to"}), frozenset({"on"}), _EITHER),
    ActionKind.CHANGE_PERIOD: _Fields(frozenset({"on", "period"}), target=_LINE),
    ActionKind.CHANGE_BILLING_PERIOD: _Fields(frozenset({"on", "billing_period"}), target=_LINE),
    ActionKind.TRANSFER: _Fields(frozenset({"on", "to"}), target=_LINE),
    ActionKind.CHANGE_HOLDER: _Fields(frozenset({"on", "customer"}), target=_CONTRACT),
    ActionKind.CHANGE_PRICE_LIST: _Fields(frozenset({"on", "price_list"}), target=_CONTRACT),
    ActionKind.CLOSE_USAGE: _Fields(frozenset({"on", "through"}), target=_LINE),
}
