"""Numbers from URLs, bounded to what SQLite stores: a huge one is a 404, never a 500.

SQLite integers are 64-bit. Python hands the driver any int, and 25 nines in
`/admin/listings/<id>` or `?page=` made it raise OverflowError (a 500 with a
traceback). Every `<int:...>` in a route is read by `BoundedInt` (registered as the
app's `int` converter, so a new route cannot forget it), and every id or page
number in a query string by `query_int`.
"""

from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

SQLITE_MAX_INT = 2**63 - 1
# A page number times its page size must stay an SQLite integer too.
MAX_PAGE = 1_000_000


def _digits(raw: str) -> str | None:
    """The ASCII digits of `raw` without leading zeros, or None if it is not a number."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    return raw.lstrip("0") or "0"


class BoundedInt(IntegerConverter):
    """Flask's `int` converter, refusing (404) a number past what SQLite can store."""

    def __init__(self, map, fixed_digits=0, min=0, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, SQLITE_MAX_INT if max is None else max, signed)

    def to_python(self, value: str):
        digits = _digits(value.lstrip("-") if self.signed else value)
        # Only ASCII digits, and never a 5,000-digit int(): past 19 digits it cannot fit.
        if digits is None or len(digits) > 19:
            raise ValidationError()
        return super().to_python(value)


def query_int(name: str, high: int = SQLITE_MAX_INT) -> int | None:
    """`?name=` as a whole number; None when absent or not a number, 404 past `high`."""
    digits = _digits(request.args.get(name, ""))
    if digits is None:
        return None
    if len(digits) > 19 or int(digits) > high:
        abort(404)
    return int(digits)


def init_app(app) -> None:
    # Before any blueprint is registered: each rule binds its converter when added.
    app.url_map.converters["int"] = BoundedInt
