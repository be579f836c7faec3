"""Days and ISO weeks in the city's time zone: the only time the insight tables keep.

A question asked on Sunday night in Tucson belongs to that week for the staff who
read the page there, so weeks follow BABEL_DEFAULT_TIMEZONE, not the server's UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def today(config, now: float | None = None) -> date:
    zone = ZoneInfo(config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    moment = datetime.fromtimestamp(now, UTC) if now is not None else datetime.now(UTC)
    return moment.astimezone(zone).date()


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse(week: str) -> date | None:
    """The Monday of an ISO week written YYYY-Www, or None if it is not one."""
    m = _WEEK.match(week or "")
    if not m:
        return None
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None


def recent(day: date, count: int) -> list[str]:
    """The ISO weeks of the last `count` weeks up to `day`'s, oldest first."""
    return [iso_week(day - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]
