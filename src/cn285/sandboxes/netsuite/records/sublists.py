"""How a PATCH changes a sublist (Oracle help section_1545142173, section_1545295601).

- On a keyed sublist, a request line whose key matches an existing line updates it; the
  other request lines are added.
- On a non-keyed sublist, request lines are appended.
- `?replace=item,apply` (or `replaceSelectedFields=true`) replaces the named sublists' lines:
  that is the only way to remove a line, since DELETE cannot address one.

Line numbers (`line`) are assigned here, one more than the highest so far.
"""

from __future__ import annotations

from typing import Any

from cn285.sandboxes.netsuite.records.fields import Field

Line = dict[str, Any]


def merge(field: Field, current: list[Line], incoming: list[Line], replace: bool) -> list[Line]:
    if replace or not current:
        return number_lines(field, [dict(line) for line in incoming])
    lines = [dict(line) for line in current]
    for request_line in incoming:
        match = _matching(field, lines, request_line)
        if match is None:
            lines.append(dict(request_line))
            continue
        for name, value in request_line.items():
            if value is None:
                match.pop(name, None)
            else:
                match[name] = value
    return number_lines(field, lines)


def _matching(field: Field, lines: list[Line], request_line: Line) -> Line | None:
    if field.key is None:
        return None
    wanted = request_line.get(field.key)
    if wanted is None:
        return None
    return next((line for line in lines if line.get(field.key) == wanted), None)


def number_lines(field: Field, lines: list[Line]) -> list[Line]:
    """Give `line` numbers to new lines of sublists that have a `line` field."""
    if field.line_field("line") is None:
        return lines
    taken = {line["line"] for line in lines if isinstance(line.get("line"), int)}
    next_number = max(taken, default=0)
    seen: set[int] = set()
    for line in lines:
        number = line.get("line")
        if not isinstance(number, int) or number in seen:
            next_number += 1
            line["line"] = next_number
        seen.add(line["line"])
    return [{k: v for k, v in line.items() if v is not None} for line in lines]
