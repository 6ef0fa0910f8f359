"""How a CSV file is written, read from its first 256 KB: encoding, delimiter, decimal mark
and date format.

Spreadsheets export CSV in the user's locale (semicolons and decimal commas in France,
Windows-1252 from older Excel), so each trait is detected from the sample, and whatever the
user declares on the command line wins. What cannot be told safely (dates such as 03/04/2026,
which could be 3 April or 4 March) is a file-level error asking for the option, never a
guess.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

from cn285.hub.imports.model import Dialect

SAMPLE = 256 * 1024  # bytes read to detect the dialect
DELIMITERS = (",", ";", "\t")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
DATE_FORMATS = ("iso", "dmy")
OPTIONS = ("delimiter", "encoding", "decimal", "date_format")

_DELIMITER_NAMES = {",": ",", ";": ";", "\t": "\t", "\\t": "\t", "tab": "\t"}
_DELIMITER_NAMES |= {"comma": ",", "semicolon": ";"}
_DECIMAL_NAMES = {".": ".", ",": ",", "point": ".", "comma": ","}
_DATE_NAMES = {"iso": "iso", "yyyy-mm-dd": "iso", "dmy": "dmy", "dd/mm/yyyy": "dmy"}
_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+),\d+")
_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?")


class ImportFileError(Exception):
    """A file-level problem: nothing in the file can be imported until it is fixed (or an
    option declared). Row-level problems are `RowError`s instead."""


def detect(path: Path, declared: Mapping[str, str | None] | None = None) -> Dialect:
    """The dialect of the file at `path`; `declared` options (delimiter, encoding, decimal,
    date_format; None: detect) win over detection."""
    options = _declared(declared or {})
    try:
        with open(path, "rb") as stream:
            sample = stream.read(SAMPLE + 1)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    truncated = len(sample) > SAMPLE
    sample = sample[:SAMPLE]
    if not sample.strip():
        raise ImportFileError(f"{path.name} is empty")
    if sample.startswith(_UTF16_BOMS):
        raise ImportFileError(f"{path.name} is UTF-16: save it as UTF-8 or Windows-1252 CSV")
    encoding = _encoding(sample, options.get("encoding"), truncated)
    text = _decode(sample, encoding, truncated)
    if truncated and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    delimiter = options.get("delimiter") or _delimiter(text, truncated)
    records = _records(text, delimiter, truncated)[1:]  # the header is no data
    decimal = options.get("decimal") or _decimal(records, delimiter)
    date_format = options.get("date_format") or _date_format(records)
    return Dialect(delimiter, encoding, decimal, date_format)


def _declared(declared: Mapping[str, str | None]) -> dict[str, str]:
    """The declared options, normalised; an unknown option or value names the option."""
    unknown = sorted(set(declared) - set(OPTIONS))
    if unknown:
        raise ImportFileError(f"unknown option {unknown[0]!r} (options: {', '.join(OPTIONS)})")
    tables = {
        "delimiter": (_DELIMITER_NAMES, "',', ';' or tab"),
        "decimal": (_DECIMAL_NAMES, "'.' or ','"),
        "date_format": (_DATE_NAMES, "iso (YYYY-MM-DD) or dmy (DD/MM/YYYY)"),
    }
    options: dict[str, str] = {}
    for key, value in declared.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if key == "encoding":
            options[key] = _encoding_name(value, flag)
            continue
        table, allowed = tables[key]
        raw = value if key == "delimiter" else value.strip().lower()
        normal = table.get(raw) or table.get(raw.strip().lower())
        if normal is None:
            raise ImportFileError(f"{flag}: {value!r} is not valid (write {allowed})")
        options[key] = normal
    return options


def _encoding_name(value: str, flag: str) -> str:
    try:
        name = codecs.lookup(value.strip()).name
    except LookupError:
        name = ""
    names = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}
    if name not in names:
        raise ImportFileError(f"{flag}: {value!r} is not supported (write {', '.join(ENCODINGS)})")
    return names[name]


def _encoding(sample: bytes, declared: str | None, truncated: bool) -> str:
    has_bom = sample.startswith(_BOM)
    if declared is not None:
        if declared == "utf-8" and has_bom:
            return "utf-8-sig"  # else the BOM would end up in the first column's name
        return declared
    if has_bom:
        return "utf-8-sig"
    try:
        # an incomplete character at the very end is a UTF-8 file cut short, not cp1252:
        # the reader refuses that last record instead of mis-reading every accent
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode(sample: bytes, encoding: str, truncated: bool) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=not truncated)
    except UnicodeDecodeError as exc:
        line = sample.count(b"\n", 0, exc.start) + 1
        hint = " (declare --encoding)" if encoding != "cp1252" else ""
        raise ImportFileError(
            f"line {line}: byte 0x{sample[exc.start]:02x} is not valid {encoding}: "
            f"the file is neither UTF-8 nor Windows-1252{hint}"
        ) from None


def _records(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """The sample's non-blank records; a record cut by the end of the sample is dropped."""
    reader = csv.reader(
        io.StringIO(text.replace("\0", " "), newline=""),
        delimiter=delimiter,
        skipinitialspace=True,
    )
    records: list[list[str]] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, SAMPLE * 4))  # a huge field must not hide the dialect
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue  # a damaged record says nothing about the dialect
            if any(field.strip() for field in record):
                records.append(record)
    finally:
        csv.field_size_limit(limit)
    if truncated and len(records) > 1:
        records.pop()
    return records


def _delimiter(text: str, truncated: bool) -> str:
    """The delimiter whose header has most fields (more than one) and that most records
    agree with; a tie is a question for the user."""
    scores: list[tuple[float, int, str]] = []
    for delimiter in DELIMITERS:
        records = _records(text, delimiter, truncated)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        rows = records[1:] or records
        agree = sum(1 for record in rows if len(record) == width) / len(rows)
        scores.append((agree, width, delimiter))
    if not scores:
        raise ImportFileError(
            "cannot find the delimiter: the header has one column with ',', ';' and tab "
            "(declare --delimiter)"
        )
    scores.sort(reverse=True)
    if len(scores) > 1 and scores[0][:2] == scores[1][:2]:
        names = " or ".join(repr(s[2]) for s in scores[:2])
        raise ImportFileError(f"cannot tell the delimiter ({names}): declare --delimiter")
    return scores[0][2]


def _decimal(records: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    match = _DECIMAL_COMMA.fullmatch
    for record in records:
        for cell in record:
            if "," in cell and match(cell.strip()):
                return ","
    return "."


def _date_format(records: list[list[str]]) -> str:
    """dmy when a slashed date shows its day (a first part over 12); iso when there is no
    slashed date; otherwise the user must say."""
    ambiguous: str | None = None
    match = _SLASHED_DATE.fullmatch
    for record in records:
        for cell in record:
            if "/" not in cell:
                continue
            found = match(cell.strip())
            if found is None:
                continue
            first, second = int(found[1]), int(found[2])
            if first > 12:
                return "dmy"
            if second > 12:
                raise ImportFileError(
                    f"{cell.strip()!r} puts the month first: write dates as YYYY-MM-DD "
                    "or DD/MM/YYYY"
                )
            ambiguous = ambiguous or cell.strip()
    if ambiguous is not None:
        raise ImportFileError(
            f"cannot tell whether {ambiguous!r} is day or month first: declare "
            "--date-format dmy (DD/MM/YYYY) or write dates as YYYY-MM-DD"
        )
    return "iso"
