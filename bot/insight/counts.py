"""Counts that help the city: turns per week, language, channel and intent. No text.

One row per (week, language, channel, intent) holds a number, incremented in the
turn's own short write. Opt-outs and opt-ins are counted under the intent ids
`opt_out` / `opt_in`; an SMS keyword never reaches the engine, so the SMS channel
reports it through `services.after_keyword` (a Twilio retry is answered from the
record of the first attempt and reports nothing, so it is never counted twice).
Counts may be kept longer than the questions (COUNTS_RETENTION_DAYS, two years by
default: a year can be compared with the one before).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from .. import retention
from . import weeks

NOT_QUESTIONS = ("opt_out", "opt_in")  # subscription changes, not questions
UNANSWERED = "out_of_scope"


def record(db, week: str, lang: str, channel: str, intent: str) -> None:
    db.execute(
        "insert into insight_counts (week, lang, channel, intent, n) values (?, ?, ?, ?, 1) "
        "on conflict (week, lang, channel, intent) do update set n = n + 1",
        [week, lang, channel, intent],
    )


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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in db.query(
        f"select week, lang, channel, intent, n from insight_counts where week in ({marks}) "  # noqa: S608
        "order by week, lang, channel, intent",
        params,
    ):
        answered = "" if row["intent"] in NOT_QUESTIONS else int(row["intent"] != UNANSWERED)
        writer.writerow([row["week"], row["lang"], row["channel"], row["intent"], answered,
                         row["n"]])  # fmt: skip
    return out.getvalue()


@retention.purger("insight_counts")
def purge(db, now: int, config) -> int:
    """Weeks that ended more than COUNTS_RETENTION_DAYS ago go."""
    days = int(config.get("COUNTS_RETENTION_DAYS", 730))
    cutoff = weeks.iso_week(weeks.today(config, now) - timedelta(days=days))
    # ISO week strings sort like the weeks themselves ("2024-W09" < "2024-W10").
    return db.execute("delete from insight_counts where week < ?", [cutoff]).rowcount
