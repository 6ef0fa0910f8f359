from datetime import date
from decimal import Decimal as D

from cn285.billing_core.catalog import Customer, Item
from cn285.billing_core.charges import Charge
from cn285.billing_core.invoicing import build_invoices
from cn285.billing_core.money import currency
from cn285.billing_core.tax import TaxRegime, TaxRules

EUR = currency("EUR")
ITEMS = {"A": Item("A", "Alpha"), "B": Item("B", "Beta", "reduced")}
TAX = TaxRules("FR", {"FR": {"standard": D("20"), "reduced": D("5.5")}})


def charge(contract, day, amount, item="A", line="L1"):
    return Charge(
        f"{contract}/{line}", item, "recurring", day, day, day, D(amount), EUR, contract, ("p",)
    )


def test_one_invoice_per_contract_and_date_taxed_per_line():
    customers = {"C": Customer("C", "C", "FR")}
    day = date(2026, 1, 1)
    invoices = build_invoices(
        [charge("K1", day, "10.05"), charge("K1", day, "10.05", "B", "L2"), charge("K2", day, "1")],
        customers,
        ITEMS,
        lambda contract, d: "C",
        TAX,
    )
    assert [(i.contract, i.total_excl_tax, i.tax, i.total) for i in invoices] == [
        ("K1", D("20.10"), D("2.01") + D("0.55"), D("22.66")),
        ("K2", D("1"), D("0.20"), D("1.20")),
    ]
    assert invoices[0].tax_regime is TaxRegime.DOMESTIC
    assert [i.number for i in invoices] == ["INV-000001", "INV-000002"]


def test_grouping_customers_get_one_invoice_and_credit_notes_have_their_series():
    customers = {"C": Customer("C", "C", "FR", group_invoices=True)}
    day = date(2026, 1, 1)
    invoices = build_invoices(
        [charge("K1", day, "10"), charge("K2", day, "5"), charge("K1", date(2026, 2, 1), "-3")],
        customers,
        ITEMS,
        lambda contract, d: "C",
        TAX,
    )
    assert [(i.contract, i.kind, i.number, i.total) for i in invoices] == [
        (None, "invoice", "INV-000001", D("18.00")),
        (None, "credit_note", "CN-000001", D("-3.60")),
    ]
    assert invoices[0].contracts == ("K1", "K2")


def test_the_holder_on_the_invoice_date_receives_it():
    customers = {"OLD": Customer("OLD", "Old", "FR"), "NEW": Customer("NEW", "New", "US")}
    invoices = build_invoices(
        [charge("K", date(2026, 1, 1), "10"), charge("K", date(2026, 2, 1), "10")],
        customers,
        ITEMS,
        lambda c, d: "OLD" if d < date(2026, 1, 15) else "NEW",
        TAX,
    )
    assert [(i.customer, i.tax) for i in invoices] == [("OLD", D("2.00")), ("NEW", D("0.00"))]
    assert invoices[1].note is not None and "outside the EU" in invoices[1].note
