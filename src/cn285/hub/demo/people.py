"""The customers: French transport and service companies, a few elsewhere in the EU (with a
VAT number: reverse charge; without: their own country's VAT) and outside it (export).

Names and addresses are made up; e-mail addresses use the reserved `.example` domain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from random import Random

from cn285.billing_core.scenario.schema import CustomerIn
from cn285.hub.demo.vat import vat_number

_SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
)  # fmt: skip
_TRADES = (
    "Transports", "Logistique", "Ambulances", "Taxis", "Déménagements", "Messagerie",
    "Frigorifiques", "Location", "Cars", "Travaux publics", "Dépannage", "Livraisons",
)  # fmt: skip
_FORMS = ("SAS", "SARL", "SA", "EURL")
_CITIES = (
    ("Paris", "75011"), ("Lyon", "69007"), ("Marseille", "13002"), ("Toulouse", "31200"),
    ("Nantes", "44300"), ("Bordeaux", "33300"), ("Lille", "59000"), ("Rennes", "35000"),
    ("Strasbourg", "67100"), ("Montpellier", "34000"), ("Grenoble", "38100"),
    ("Rouen", "76100"), ("Dijon", "21000"), ("Tours", "37100"), ("Reims", "51100"),
    ("Le Havre", "76600"), ("Clermont-Ferrand", "63100"), ("Orléans", "45100"),
    ("Angers", "49100"), ("Brest", "29200"), ("Rungis", "94150"), ("Valence", "26000"),
)  # fmt: skip
_STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue des Entrepreneurs", "boulevard Pasteur",
    "rue du Port", "zone d'activités des Pins", "avenue de l'Europe", "rue Gambetta",
    "chemin des Transporteurs", "rue Victor Hugo",
)  # fmt: skip


@dataclass(frozen=True)
class Foreign:
    name: str
    country: str
    street: str
    zip: str
    city: str
    vat: bool  # registered for VAT (the EU ones): reverse charge
    is_company: bool = True


_ABROAD = (
    Foreign("Spedition Hoffmann GmbH", "DE", "Am Sandtorkai 41", "20457", "Hamburg", True),
    Foreign("Kühllogistik Brandt GmbH", "DE", "Hansastraße 12", "80686", "München", True),
    Foreign("Busreisen Keller KG", "DE", "Rheinuferstraße 3", "50678", "Köln", True),
    Foreign("Transports Janssens SRL", "BE", "Noorderlaan 133", "2030", "Antwerpen", True),
    Foreign("Ambulances Lemaire SRL", "BE", "Rue de la Loi 81", "1040", "Bruxelles", True),
    Foreign("Autotrasporti Rossi S.r.l.", "IT", "Via Tortona 27", "20144", "Milano", True),
    Foreign("Logistica Bianchi S.p.A.", "IT", "Corso Francia 110", "10143", "Torino", True),
    Foreign("Stichting Zorgvervoer Utrecht", "NL", "Vredenburg 40", "3511 BD", "Utrecht", False),
    Foreign("Lucía Fernández Ortega", "ES", "Calle de Colón 14", "46004", "Valencia", False,
            is_company=False),
    Foreign("Bluegrass Freight LLC", "US", "400 W Market St", "40202", "Louisville", False),
    Foreign("Alpentransit AG", "CH", "Hardturmstrasse 161", "8005", "Zürich", False),
    Foreign("Thames Couriers Ltd", "GB", "12 Old Street", "EC1V 9BE", "London", False),
)  # fmt: skip
_SIGNED_ABROAD = (
    Foreign("Nordfracht Petersen GmbH", "DE", "Ballindamm 7", "20095", "Hamburg", True),
    Foreign("Léman Livraisons SA", "CH", "Rue du Rhône 65", "1204", "Genève", False),
)


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def _email(rng: Random, name: str) -> str:
    return f"{rng.choice(('facturation', 'compta', 'billing', 'ap'))}@{_slug(name)}.example"


def _french(rng: Random, code: str, surname: str, group: bool) -> CustomerIn:
    name = f"{rng.choice(_TRADES)} {surname} {rng.choice(_FORMS)}"
    city, zip_code = rng.choice(_CITIES)
    return CustomerIn(
        code=code,
        name=name,
        country="FR",
        vat_number=vat_number("FR", rng),
        group_invoices=group,
        email=_email(rng, name),
        street=f"{rng.randint(1, 180)} {rng.choice(_STREETS)}",
        zip=zip_code,
        city=city,
    )


def _abroad(rng: Random, code: str, who: Foreign) -> CustomerIn:
    return CustomerIn(
        code=code,
        name=who.name,
        country=who.country,
        vat_number=vat_number(who.country, rng) if who.vat else None,
        email=_email(rng, who.name),
        street=who.street,
        zip=who.zip,
        city=who.city,
        is_company=who.is_company,
    )


def customers(rng: Random, *, french: int = 28, groups: int = 4) -> list[CustomerIn]:
    """The initial customers: `french` French ones (the first `groups` group their
    invoices), then those abroad."""
    surnames = rng.sample(_SURNAMES, french)
    result = [
        _french(rng, f"CUS-{n + 1:03d}", surname, n < groups) for n, surname in enumerate(surnames)
    ]
    for who in _ABROAD:
        result.append(_abroad(rng, f"CUS-{len(result) + 1:03d}", who))
    return result


def signed_customers(rng: Random, taken: list[CustomerIn], count: int) -> list[CustomerIn]:
    """Customers signed during the year: French ones with unused names, and those abroad."""
    used = {c.name.split(" ")[-2] for c in taken if c.country == "FR"}
    surnames = rng.sample([s for s in _SURNAMES if s not in used], count - len(_SIGNED_ABROAD))
    first = len(taken) + 1
    result = [_french(rng, f"CUS-{first + n:03d}", s, False) for n, s in enumerate(surnames)]
    for who in _SIGNED_ABROAD:
        result.append(_abroad(rng, f"CUS-{first + len(result):03d}", who))
    return result
