"""The one error of accounting exports: data an accountant's file must not carry."""

from __future__ import annotations


class ExportError(ValueError):
    """An entry or a field that cannot be exported as it stands; the data must be fixed.

    `number` is the entry's number in the export and `field` the column at fault, when known,
    so that a caller can point the user at the record to correct.
    """

    def __init__(self, message: str, *, number: int | None = None, field: str | None = None):
        super().__init__(message)
        self.number = number
        self.field = field
