"""CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @, a tab or
a carriage return. OWASP's advice is to prefix such a cell with a single quote,
which the spreadsheet shows as text. Every CSV the service writes goes through
`escape`; the listings import goes through `unescape`, so a file exported and
imported again comes back exactly as it was. A value that itself starts with a
quote followed by one of those characters (or by another quote) gets a quote
too, so `unescape` never strips one that was part of the data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def escape(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) or (
        text.startswith(_QUOTE) and text[1:2] in (*FORMULA_START, _QUOTE) and len(text) > 1
    ):
        return _QUOTE + text
    return text


def unescape(cell: str) -> str:
    if len(cell) > 1 and cell[0] == _QUOTE and cell[1] in (*FORMULA_START, _QUOTE):
        return cell[1:]
    return cell


def rows_to_csv(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A CSV (CRLF line ends, as spreadsheets write them) with every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape(h) for h in header])
    for row in rows:
        writer.writerow([escape(v) for v in row])
    return out.getvalue()
