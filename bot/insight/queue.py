"""The unanswered-questions queue: what the bot could not answer, scrubbed, grouped, forgotten.

A row is the scrubbed text, its language, the day (for the week and the expiry) and
the intent the matcher thought closest. Nothing ties it to a sender or a session.
Staff read it grouped: near-duplicates ("me pueden quitar a mis hijos?", "Me pueden
quitar mis hijos??") are one group with a count. Turning a group into a pattern or
dismissing it deletes its rows at once; the rest go after QUEUE_RETENTION_DAYS.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from ..engine.text import tokens
from ..platform import retention
from . import weeks
from .scrub import scrub, without_placeholders

# rapidfuzz token_sort_ratio on the folded words. Measured: "me pueden kitar a mis hijos
# si me deportan" 85 and "si me deportan me quitan a mis hijos" 89 against "me pueden
# quitar a mis hijos si me deportan", "donde puedo sacar la licencia de manejo" 87
# against "donde saco…" (together); "me pueden deportar" 56, "cuanto cuesta la licencia
# de manejo" 69 against "donde saco…" (apart). Library "open" / "close" (83) land
# together: near enough for one look. See test_insight_queue.
SIMILAR = 80


def record(db, message: str, lang: str, closest: tuple[str, float], day: date) -> bool:
    """Keep the scrubbed question; False when nothing worth reading is left."""
    text = scrub(message)
    if not any(c.isalpha() for c in without_placeholders(text)):
        return False  # "99", "???", a bare phone number
    intent, score = closest
    db.execute(
        "insert into unanswered_questions (id, text, lang, day, week, closest_intent, "
        "closest_score) values (?, ?, ?, ?, ?, ?, ?)",
        [secrets.randbits(62), text, lang, day.isoformat(), weeks.iso_week(day), intent,
         round(float(score), 3)],
    )  # fmt: skip
    return True


@dataclass
class Group:
    key: str  # stable while its leading wording is: names the group in forms
    lang: str
    week: str
    ids: list[int]
    variants: list[tuple[str, int]]  # distinct scrubbed texts, most frequent first
    closest_intent: str | None
    closest_score: float
    forms: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def text(self) -> str:
        return self.variants[0][0]

    @property
    def suggestion(self) -> str:
        """The question as a pattern: the placeholders left out for staff to reword."""
        return without_placeholders(self.text)


def normalise(text: str) -> str:
    """Folded words (bot/engine/text.py): case, accents and punctuation do not split a group.

    Not the matcher's canonical form: that changes with every learned pattern, and a
    group must keep its key between the page and the form posted from it."""
    return " ".join(tokens(text))


def group_key(form: str) -> str:
    return hashlib.sha256(form.encode("utf-8")).hexdigest()[:16]


def groups(db, week: str, lang: str,
           normalise: Callable[[str], str] = normalise) -> list[Group]:  # fmt: skip
    """The week's questions in one language, near-duplicates together, biggest first.

    Leader clustering: the most frequent wording leads; each other wording joins the
    first leader it is SIMILAR to, else leads a group of its own. Deterministic for
    the same rows, so a form posted from the page finds its group again.
    """
    rows = list(db.query(
        "select id, text, closest_intent, closest_score from unanswered_questions "
        "where week = ? and lang = ? order by text, id", [week, lang],
    ))  # fmt: skip
    by_form: dict[str, list[dict]] = {}
    for row in rows:
        form = normalise(without_placeholders(row["text"])) or row["text"].casefold()
        by_form.setdefault(form, []).append(row)
    ordered = sorted(by_form, key=lambda f: (-len(by_form[f]), f))
    leaders: list[str] = []
    members: list[list[str]] = []
    for form in ordered:
        found = process.extractOne(form, leaders, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=SIMILAR) if leaders else None  # fmt: skip
        if found:
            members[found[2]].append(form)
        else:
            leaders.append(form)
            members.append([form])
    out = []
    for leader, forms in zip(leaders, members, strict=True):
        grouped = [row for form in forms for row in by_form[form]]
        texts = Counter(row["text"] for row in grouped)
        # The group reads as its most frequent wording, and within it the most frequent
        # spelling, preferring one with nothing taken out.
        form_of = {row["text"]: form for form in forms for row in by_form[form]}
        variants = sorted(texts.items(), key=lambda t: (
            -len(by_form[form_of[t[0]]]), -t[1], "[" in t[0], len(t[0]), t[0]))  # fmt: skip
        closest = Counter(row["closest_intent"] for row in grouped if row["closest_intent"])
        intent = closest.most_common(1)[0][0] if closest else None
        score = max((row["closest_score"] or 0.0 for row in grouped
                     if row["closest_intent"] == intent), default=0.0)  # fmt: skip
        out.append(Group(
            key=group_key(leader), lang=lang, week=week, ids=[row["id"] for row in grouped],
            variants=variants,
            closest_intent=intent, closest_score=score, forms=set(forms),
        ))  # fmt: skip
    out.sort(key=lambda g: (-g.count, g.text))
    return out


def find(db, week: str, lang: str, key: str,
         normalise: Callable[[str], str] = normalise) -> Group | None:  # fmt: skip
    for group in groups(db, week, lang, normalise):
        if group.key == key or key in {group_key(f) for f in group.forms}:
            return group
    return None


def delete(db, ids: list[int]) -> int:
    """Delete these questions (inside the caller's transaction); how many were there."""
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(f"delete from unanswered_questions where id in ({marks})",  # noqa: S608
                            chunk)  # fmt: skip
        removed += cursor.rowcount
    return removed


def week_counts(db, lang: str | None = None) -> dict[str, dict[str, int]]:
    """Questions waiting per week and language: {"2025-W07": {"es": 12, "en": 3}}."""
    out: dict[str, dict[str, int]] = {}
    for row in db.query(
        "select week, lang, count(*) as n from unanswered_questions group by week, lang"
    ):
        out.setdefault(row["week"], {})[row["lang"]] = row["n"]
    return dict(sorted(out.items(), reverse=True))


@retention.purger("unanswered_questions")
def purge(db, now: int, config) -> int:
    """Questions older than QUEUE_RETENTION_DAYS (by the day they were asked) go;
    with the queue turned off, every one goes."""
    if not config.get("QUEUE_ENABLED", True):
        return db.execute("delete from unanswered_questions").rowcount
    days = int(config.get("QUEUE_RETENTION_DAYS", 30))
    cutoff = weeks.today(config, now) - timedelta(days=days)
    return db.execute(
        "delete from unanswered_questions where day < ?", [cutoff.isoformat()]
    ).rowcount
