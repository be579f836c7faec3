"""Counts that help the city: turns per week, language, channel and intent. No text.

One row per (week, language, channel, intent) holds a number. Each process adds its
turns up in memory (`Tally`) and writes them in one short transaction every
COUNTS_FLUSH_SECONDS, when a staff page reads them, and when the process stops: a
write per turn was a second writer turn for every chat message (`make load`). A
process that is killed outright loses at most those seconds of counts. Opt-outs
and opt-ins are counted under the intent ids `opt_out` / `opt_in`; an SMS keyword
never reaches the engine, so the SMS channel reports it through
`services.after_keyword` (a Twilio retry is answered from the record of the first
attempt and reports nothing, so it is not counted twice; only a text whose own
transaction failed after it was tallied is counted again when Twilio retries it).
Counts may be kept longer than the questions (COUNTS_RETENTION_DAYS, two years by
default: a year can be compared with the one before).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from ..directory import spreadsheet
from ..platform import retention
from . import weeks

NOT_QUESTIONS = ("opt_out", "opt_in")  # subscription changes, not questions
UNANSWERED = "out_of_scope"


_ADD = (
    "insert into insight_counts (week, lang, channel, intent, n) values (?, ?, ?, ?, ?) "
    "on conflict (week, lang, channel, intent) do update set n = n + excluded.n"
)


def record(db, week: str, lang: str, channel: str, intent: str, n: int = 1) -> None:
    db.execute(_ADD, [week, lang, channel, intent, n])


class Tally:
    """This process's counts not yet written, keyed (week, lang, channel, intent).

    At most one key per week, language, channel and intent, so even a database that
    refuses every write keeps it small; a failed write puts its counts back.
    """

    def __init__(self, flush_seconds: float, clock=time.monotonic):
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: Counter = Counter()
        self._due: float | None = None

    def add(self, week: str, lang: str, channel: str, intent: str) -> None:
        with self._lock:
            self._pending[(week, lang, channel, intent)] += 1
            if self._due is None:
                self._due = self._clock() + self.flush_seconds

    def due(self) -> bool:
        due = self._due
        return due is not None and self._clock() >= due

    def pending(self) -> int:
        with self._lock:  # another thread may be adding a key
            return sum(self._pending.values())

    def flush(self, db) -> int:
        """Write every pending count in one transaction; on an error keep them and raise."""
        with self._lock:
            taken, self._pending, self._due = self._pending, Counter(), None
        if not taken:
            return 0
        try:
            with db.atomic():
                for key, n in taken.items():
                    record(db, *key, n=n)
        except BaseException:
            with self._lock:
                self._pending.update(taken)
                if self._due is None:
                    self._due = self._clock() + self.flush_seconds
            raise
        return sum(taken.values())


def _in(weeks_: list[str]) -> tuple[str, list[str]]:
    return ",".join("?" * len(weeks_)), list(weeks_)


def weekly(db, weeks_: list[str], languages: list[str]) -> list[dict]:
    """Per week and language: questions, answered, share answered, SMS opt-outs."""
    marks, params = _in(weeks_)
    rows = db.query(
        f"select week, lang, channel, intent, n from insight_counts where week in ({marks})",  # noqa: S608
        params,
    )
    table = {(w, lang): {"week": w, "lang": lang, "questions": 0, "answered": 0,
                         "opt_outs": 0, "share": None}
             for w in weeks_ for lang in languages}  # fmt: skip
    for row in rows:
        cell = table.get((row["week"], row["lang"]))
        if cell is None:
            continue
        if row["intent"] == "opt_out" and row["channel"] == "sms":
            cell["opt_outs"] += row["n"]
        elif row["intent"] not in NOT_QUESTIONS:
            cell["questions"] += row["n"]
            if row["intent"] != UNANSWERED:
                cell["answered"] += row["n"]
    for cell in table.values():
        if cell["questions"]:
            cell["share"] = cell["answered"] / cell["questions"]
    return list(table.values())


def by_intent(db, weeks_: list[str], languages: list[str]) -> list[dict]:
    """Per intent, over the weeks: questions in each language and in total, biggest first."""
    marks, params = _in(weeks_)
    rows = db.query(
        f"select intent, lang, sum(n) as n from insight_counts where week in ({marks}) "  # noqa: S608
        "group by intent, lang",
        params,
    )
    table: dict[str, dict] = {}
    for row in rows:
        if row["intent"] in NOT_QUESTIONS:
            continue
        entry = table.setdefault(row["intent"], {"intent": row["intent"], "total": 0,
                                                 **dict.fromkeys(languages, 0)})  # fmt: skip
        if row["lang"] in languages:
            entry[row["lang"]] += row["n"]
        entry["total"] += row["n"]
    return sorted(table.values(), key=lambda e: (-e["total"], e["intent"]))


CSV_FIELDS = ("week", "language", "channel", "intent", "answered", "count")


def to_csv(db, weeks_: list[str]) -> str:
    """Every count row in these weeks, one line each; no text ever reaches this table."""
    marks, params = _in(weeks_)
    rows = []
    for row in db.query(
        f"select week, lang, channel, intent, n from insight_counts where week in ({marks}) "  # noqa: S608
        "order by week, lang, channel, intent",
        params,
    ):
        answered = "" if row["intent"] in NOT_QUESTIONS else int(row["intent"] != UNANSWERED)
        rows.append([row["week"], row["lang"], row["channel"], row["intent"], answered,
                     row["n"]])  # fmt: skip
    # Every cell escaped against spreadsheet formulas, like every CSV the service writes.
    return spreadsheet.rows_to_csv(CSV_FIELDS, rows)


@retention.purger("insight_counts")
def purge(db, now: int, config) -> int:
    """Weeks that ended more than COUNTS_RETENTION_DAYS ago go."""
    days = int(config.get("COUNTS_RETENTION_DAYS", 730))
    cutoff = weeks.iso_week(weeks.today(config, now) - timedelta(days=days))
    # ISO week strings sort like the weeks themselves ("2024-W09" < "2024-W10").
    return db.execute("delete from insight_counts where week < ?", [cutoff]).rowcount
