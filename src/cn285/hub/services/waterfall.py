"""The deferred revenue waterfall of the store, as a table of figures and as a chart.

Figures come from the issued invoices and credit notes in the store, streamed a chunk of
lines at a time into the engine's `waterfall`, which keeps only per-month totals: the
waterfall of a store of millions of lines takes the memory of a few thousand. They are what
the engine's schedules recognise, whether or not the months were closed yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Bundle
from sqlmodel import Session

from cn285.billing_core.money import CurrencyError
from cn285.billing_core.revrec import RevenueLine, WaterfallRow, waterfall
from cn285.billing_core.revrec.months import month_end, month_of, next_month
from cn285.hub.services.errors import Invalid
from cn285.hub.services.revrec import revenue_line
from cn285.hub.store import models

CHUNK = 5_000  # invoice lines read and scheduled at a time (memory stays flat)
MAX_MONTHS = 600  # fifty years: a longer range is a typo, not a report
COLUMNS = ("month", "opening", "invoiced", "recognised", "closing")
# what `revenue_line` reads of a line and of its invoice
LINE: Any = Bundle(
    "line",
    *(
        getattr(models.InvoiceLine, name)
        for name in ("id", "position", "item_code", "kind", "start", "end", "amount", "tax")
    ),
)
INVOICE: Any = Bundle(
    "invoice",
    *(
        getattr(models.Invoice, name)
        for name in ("number", "date", "kind", "currency", "customer_code")
    ),
)


def store_waterfall(
    engine: Engine,
    first_month: dt.date,
    last_month: dt.date,
    *,
    currency: str | None = None,
) -> list[WaterfallRow]:
    """One row per month from `first_month` to `last_month` (any day names its month).

    Documents issued before the first month make its opening balance; documents issued
    after the last month cannot touch any row and are not read. A waterfall is in one
    currency: pass `currency` when the store bills in several.
    """
    first, last = month_of(first_month), month_of(last_month)
    if last < first:
        raise Invalid([("last_month", f"{last:%Y-%m} is before the first month {first:%Y-%m}")])
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
        if len(months) > MAX_MONTHS:
            raise Invalid([("last_month", f"a waterfall shows at most {MAX_MONTHS} months")])
    with Session(engine) as session:
        try:
            return waterfall(_issued_lines(session, month_end(last), currency), months)
        except CurrencyError as exc:
            raise Invalid([("currency", f"{exc} (choose one currency)")]) from None


def _issued_lines(session: Session, until: dt.date, currency: str | None) -> Iterator[RevenueLine]:
    """Revenue lines of documents issued up to `until`, keyset-paged on the line id.

    Columns are read as plain rows (bundles named like the models' attributes, which is
    all `revenue_line` reads): building ORM objects would cost more than the schedules.
    """
    last_id = 0
    while True:
        query = (
            select(LINE, INVOICE)
            .join(models.Invoice, models.Invoice.id == models.InvoiceLine.invoice_id)
            .where(
                models.Invoice.number.is_not(None),  # type: ignore[union-attr]
                models.Invoice.date <= until,
                models.InvoiceLine.id > last_id,  # type: ignore[operator]
            )
            .order_by(models.InvoiceLine.id)
            .limit(CHUNK)
        )
        if currency is not None:
            query = query.where(models.Invoice.currency == currency.upper())
        rows = session.execute(query).all()
        if not rows:
            return
        last_id = rows[-1][0].id
        for line, invoice in rows:
            yield revenue_line(line, invoice)


def render_table(rows: Sequence[WaterfallRow]) -> str:
    """The rows as an aligned text table, one month a line, amounts right-aligned.

    Every amount is shown with as many decimals as the most precise one, so that 0 and
    0.00 line up; this only pads with zeros, it never rounds.
    """
    amounts = [getattr(row, name) for row in rows for name in COLUMNS[1:]]
    places = max((-_exponent(a) for a in amounts if _exponent(a) < 0), default=0)
    cells = [list(COLUMNS)] + [
        [f"{row.month:%Y-%m}", *(f"{getattr(row, n):.{places}f}" for n in COLUMNS[1:])]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in cells
    )


def render_png(rows: Sequence[WaterfallRow], path: str | Path) -> Path:
    """Draw the waterfall to a PNG file: invoiced up, recognised down, the closing balance
    as a line. Uses matplotlib's Agg canvas directly, so no display and no global pyplot
    state are involved (safe in a server or a test run)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    labels = [f"{row.month:%Y-%m}" for row in rows]
    positions = list(range(len(rows)))
    # floats only to place pixels: every figure shown as a number comes from the Decimals
    invoiced = [float(row.invoiced) for row in rows]
    recognised = [-float(row.recognised) for row in rows]
    closing = [float(row.closing) for row in rows]

    figure = Figure(figsize=(max(6.0, 0.7 * len(rows) + 2), 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.4
    axes.bar(
        [x - width / 2 for x in positions],
        invoiced,
        width,
        label="Invoiced (+)",
        color="#4c72b0",
    )
    axes.bar(
        [x + width / 2 for x in positions],
        recognised,
        width,
        label="Recognised (−)",
        color="#dd8452",
    )
    axes.plot(positions, closing, marker="o", color="#2f2f2f", label="Closing balance")
    axes.axhline(0, color="#999999", linewidth=0.8)
    axes.set_xticks(positions, labels, rotation=45, ha="right")
    axes.set_xlabel("Month")
    axes.set_ylabel("Amount excluding tax")
    axes.set_title("Deferred revenue")
    axes.legend(loc="best")
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path, format="png", dpi=100)
    return path


def _exponent(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
