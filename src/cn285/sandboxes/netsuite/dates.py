"""Dates as NetSuite shows and reads them.

Three conventions meet here:

- the record API writes dates as ISO 8601 (`2024-01-15`, `2024-01-15T10:00:00Z`);
- `q` filters and SuiteQL string literals must follow the *user's date-format preference*
  (`M/d/yyyy`, `dd.MM.yyyy`, ... in the user's time zone), and SuiteQL shows dates that way
  (ERP_APIS.md §1.3, §1.5; airbytehq/airbyte#21871, #63697);
- SuiteQL's `TO_DATE`/`TO_TIMESTAMP`/`TO_CHAR` take Oracle format models (`YYYY-MM-DD
  HH24:MI:SS`), which is how careful clients write date literals (airbytehq/airbyte PR#32968).

Both pattern languages compile to the same small token list, parsed with one regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# token code -> regex of the text it reads
_READ = {
    "year4": r"\d{4}",
    "year2": r"\d{2}",
    "month": r"\d{1,2}",
    "month2": r"\d{1,2}",
    "monthname": r"[A-Za-z]{3}",
    "day": r"\d{1,2}",
    "day2": r"\d{1,2}",
    "hour24": r"\d{1,2}",
    "hour24_2": r"\d{1,2}",
    "hour12": r"\d{1,2}",
    "hour12_2": r"\d{1,2}",
    "minute": r"\d{1,2}",
    "second": r"\d{1,2}",
    "ampm": r"[AaPp]\.?[Mm]\.?",
}

Token = tuple[str, str]  # ("lit", text) or ("field", code)

_JAVA = [
    ("yyyy", "year4"),
    ("yy", "year2"),
    ("MMM", "monthname"),
    ("MM", "month2"),
    ("M", "month"),
    ("dd", "day2"),
    ("d", "day"),
    ("HH", "hour24_2"),
    ("H", "hour24"),
    ("hh", "hour12_2"),
    ("h", "hour12"),
    ("mm", "minute"),
    ("ss", "second"),
    ("a", "ampm"),
]
_ORACLE = [
    ("YYYY", "year4"),
    ("HH24", "hour24_2"),
    ("HH12", "hour12_2"),
    ("MON", "monthname"),
    ("YY", "year2"),
    ("MM", "month2"),
    ("DD", "day2"),
    ("HH", "hour12_2"),
    ("MI", "minute"),
    ("SS", "second"),
    ("AM", "ampm"),
    ("PM", "ampm"),
]


@lru_cache(maxsize=64)
def java_tokens(pattern: str) -> tuple[Token, ...]:
    """Tokens of a Java-style pattern (`M/d/yyyy h:mm a`), NetSuite's preference notation."""
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            tokens.append(("lit", pattern[i + 1 : end]))
            i = end + 1
            continue
        for text, code in _JAVA:
            if pattern.startswith(text, i) and not _continues(pattern, i + len(text), text[0]):
                tokens.append(("field", code))
                i += len(text)
                break
        else:
            if pattern[i].isalpha():
                raise ValueError(f"unsupported date pattern letter {pattern[i]!r} in {pattern!r}")
            tokens.append(("lit", pattern[i]))
            i += 1
    return tuple(tokens)


def _continues(pattern: str, index: int, letter: str) -> bool:
    return index < len(pattern) and pattern[index] == letter


@lru_cache(maxsize=64)
def oracle_tokens(model: str) -> tuple[Token, ...]:
    """Tokens of an Oracle format model (`YYYY-MM-DD"T"HH24:MI:SS`), case-insensitive."""
    tokens: list[Token] = []
    i = 0
    upper = model.upper()
    while i < len(model):
        if model[i] == '"':
            end = model.find('"', i + 1)
            end = len(model) if end < 0 else end
            tokens.append(("lit", model[i + 1 : end]))
            i = end + 1
            continue
        for text, code in _ORACLE:
            if upper.startswith(text, i):
                tokens.append(("field", code))
                i += len(text)
                break
        else:
            if model[i].isalpha():
                raise ValueError(f"unsupported format element at {model[i:]!r}")
            tokens.append(("lit", model[i]))
            i += 1
    return tuple(tokens)


@lru_cache(maxsize=64)
def _regex(tokens: tuple[Token, ...]) -> re.Pattern[str]:
    parts = []
    for kind, value in tokens:
        if kind == "lit":
            parts.append(r"\s+" if value.isspace() else re.escape(value))
        else:
            parts.append(f"({_READ[value]})")
    return re.compile("".join(parts), re.IGNORECASE)


def parse_tokens(text: str, tokens: tuple[Token, ...]) -> datetime:
    """A naive datetime from `text`; fields the pattern lacks default to 1 Jan / midnight."""
    match = _regex(tokens).fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} does not match the format")
    values = {"year": 1900, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    pm: bool | None = None
    codes = [value for kind, value in tokens if kind == "field"]
    for code, raw in zip(codes, match.groups(), strict=True):
        if code == "year4":
            values["year"] = int(raw)
        elif code == "year2":
            values["year"] = 2000 + int(raw)
        elif code in ("month", "month2"):
            values["month"] = int(raw)
        elif code == "monthname":
            if raw.upper() not in MONTHS:
                raise ValueError(f"unknown month {raw!r}")
            values["month"] = MONTHS.index(raw.upper()) + 1
        elif code in ("day", "day2"):
            values["day"] = int(raw)
        elif code in ("hour24", "hour24_2", "hour12", "hour12_2"):
            values["hour"] = int(raw)
        elif code == "minute":
            values["minute"] = int(raw)
        elif code == "second":
            values["second"] = int(raw)
        elif code == "ampm":
            pm = raw.upper().startswith("P")
    if pm is not None:
        if not 1 <= values["hour"] <= 12:
            raise ValueError("a 12-hour clock reads 1 to 12")
        values["hour"] = values["hour"] % 12 + (12 if pm else 0)
    return datetime(**values)


def format_tokens(moment: datetime, tokens: tuple[Token, ...]) -> str:
    out = []
    for kind, value in tokens:
        if kind == "lit":
            out.append(value)
            continue
        hour12 = moment.hour % 12 or 12
        out.append(
            {
                "year4": f"{moment.year:04d}",
                "year2": f"{moment.year % 100:02d}",
                "month": str(moment.month),
                "month2": f"{moment.month:02d}",
                "monthname": MONTHS[moment.month - 1].title(),
                "day": str(moment.day),
                "day2": f"{moment.day:02d}",
                "hour24": str(moment.hour),
                "hour24_2": f"{moment.hour:02d}",
                "hour12": str(hour12),
                "hour12_2": f"{hour12:02d}",
                "minute": f"{moment.minute:02d}",
                "second": f"{moment.second:02d}",
                "ampm": "PM" if moment.hour >= 12 else "AM",
            }[value]
        )
    return "".join(out)


def has_time(tokens: tuple[Token, ...]) -> bool:
    return any(kind == "field" and value.startswith(("hour", "minute")) for kind, value in tokens)


@dataclass(frozen=True)
class DatePreferences:
    """The authenticated user's date and time preferences (Set Preferences in NetSuite)."""

    date_format: str = "M/d/yyyy"
    time_format: str = "h:mm a"
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        java_tokens(self.date_format)
        java_tokens(self.time_format)
        ZoneInfo(self.timezone)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def format_date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone)
        moment = datetime.combine(value, time()) if not isinstance(value, datetime) else value
        return format_tokens(moment, java_tokens(self.date_format))

    def format_datetime(self, value: datetime) -> str:
        local = value.astimezone(self.zone)
        pattern = java_tokens(f"{self.date_format} {self.time_format}")
        return format_tokens(local, pattern)

    def parse(self, text: str) -> date | datetime:
        """A date, or an aware datetime when the literal carries a time (user's zone)."""
        with_time = java_tokens(f"{self.date_format} {self.time_format}")
        try:
            return self.localize(parse_tokens(text, with_time))
        except ValueError:
            return parse_tokens(text, java_tokens(self.date_format)).date()

    def localize(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.zone).astimezone(UTC)

    def day_start(self, day: date) -> datetime:
        return self.localize(datetime.combine(day, time()))

    def day_end(self, day: date) -> datetime:
        return self.day_start(day + timedelta(days=1))


def parse_iso_date(text: str) -> date:
    return date.fromisoformat(text)


def parse_iso_datetime(text: str) -> datetime:
    """ISO 8601 with a zone; a naive value is read as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    """Now, to the second: NetSuite keeps record timestamps at that precision."""
    return datetime.now(UTC).replace(microsecond=0)
