"""Patterns staff add from the queue: a table the matcher reads beside intents/*.yaml.

A pattern added on the staff page must answer the very next question, in every
gunicorn worker, without a restart. Each add or removal bumps one version number
in the same transaction; `services.engine()` reads it once per request (a primary
key lookup) and, when it changed, rebuilds that worker's engine from the data files
plus this table (about 0.2 s, once per change per worker: docs/staff.md).

The table is a staging area, not a second source of truth: developers fold the
patterns into intents/*.yaml with `flask insight-export-patterns` (reviewed like any
other data change), and `--prune` then removes the rows the files now hold.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from flask_babel import gettext as _

from ..engine.knowledge import LANGS, Knowledge
from ..engine.text import tokens
from ..platform import audit
from .scrub import PLACEHOLDERS, scrub

log = logging.getLogger(__name__)

MAX_CHARS = 200  # the longest pattern in intents/ is under 100 characters
NOT_LEARNABLE = ("out_of_scope",)  # its patterns are other city services, not answers


class PatternError(ValueError):
    """A pattern staff cannot add; the message says why, in the staff language."""


def key(text: str) -> str:
    """Folded words: "¿Qué es DACA?" and "que es daca" are one pattern."""
    return " ".join(tokens(text))


def learnable(knowledge: Knowledge) -> list[str]:
    """Intents a pattern can be added to: matched by similarity, not exact keywords."""
    return [i.id for i in knowledge.intents.values()
            if i.match == "fuzzy" and i.id not in NOT_LEARNABLE]  # fmt: skip


def owners(knowledge: Knowledge) -> dict[str, str]:
    """Every pattern's key and the intent it belongs to."""
    return {key(p): intent.id for intent in knowledge.intents.values()
            for lang in LANGS for p in intent.lang[lang]["patterns"]}  # fmt: skip


class LearnedPatterns:
    """The source `services.learn_from` reads: a version, and the patterns to add."""

    def version(self, db) -> int:
        row = db.execute("select version from learned_patterns_version where id = 1").fetchone()
        return row[0] if row else 0

    def apply(self, knowledge: Knowledge, db) -> Knowledge:
        rows = list(db.query("select intent, lang, pattern from learned_patterns order by id"))
        if not rows:
            return knowledge
        in_files = owners(knowledge)
        allowed = set(learnable(knowledge))
        intents = dict(knowledge.intents)
        copied: set[str] = set()
        for row in rows:
            intent_id, lang, pattern = row["intent"], row["lang"], row["pattern"]
            if intent_id not in allowed or lang not in LANGS:
                log.warning("learned pattern for %s/%s skipped: no such intent", intent_id, lang)
                continue
            if in_files.get(key(pattern), intent_id) != intent_id:
                log.warning("learned pattern for %s skipped: intents/ gives it to %s",
                            intent_id, in_files[key(pattern)])  # fmt: skip
                continue
            if intent_id not in copied:  # never change the data files' own lists
                intent = intents[intent_id]
                intents[intent_id] = replace(intent, lang={
                    code: {**block, "patterns": list(block["patterns"])}
                    for code, block in intent.lang.items()
                })  # fmt: skip
                copied.add(intent_id)
            intents[intent_id].lang[lang]["patterns"].append(pattern)
        return replace(knowledge, intents=intents)


def check(pattern: str, intent_id: str, lang: str, engine) -> str:
    """The pattern as it will be stored; PatternError says what is wrong with it."""
    knowledge = engine.knowledge
    if intent_id not in learnable(knowledge):
        raise PatternError(_("Choose the topic this question belongs to."))
    if lang not in LANGS:
        raise PatternError(_("Choose the language of the question."))
    text = " ".join(pattern.split())
    if not text:
        raise PatternError(_("Write the question as a resident would ask it."))
    if len(text) > MAX_CHARS:
        raise PatternError(_(
            "A pattern can be at most %(max)d characters; this one has %(count)d. "
            "Keep the words that carry the question.", max=MAX_CHARS, count=len(text),
        ))  # fmt: skip
    if any(p in text for p in PLACEHOLDERS) or scrub(text) != text:
        raise PatternError(_(
            "The pattern still holds something that could identify a person (a name, a "
            "phone number, an address, a long number or a placeholder in brackets). "
            "Take it out: patterns are kept for good."
        ))  # fmt: skip
    if not engine.matcher.keys(text):
        raise PatternError(_(
            "The pattern needs words the bot can match, not only short common words."
        ))  # fmt: skip
    owner = owners(knowledge).get(key(text))
    if owner == intent_id:
        raise PatternError(_("This is already a pattern of this topic."))
    if owner:
        raise PatternError(_(
            "This is already a pattern of another topic (%(topic)s). One question "
            "cannot lead to two answers.", topic=owner,
        ))  # fmt: skip
    if intent_id != "emergency" and engine.matcher.match(text).intent == "emergency":
        raise PatternError(_(
            "The bot reads this as an emergency and tells the resident to call 911 "
            "first; a pattern must not change that. Add it to the emergency topic or "
            "dismiss it."
        ))  # fmt: skip
    return text


def _bump(db) -> None:
    db.execute("update learned_patterns_version set version = version + 1 where id = 1")


def add(db, *, intent_id: str, lang: str, text: str, actor: str, staff_id: int | None,
        at: str | None = None) -> int:  # fmt: skip
    """Insert a checked pattern, bump the version, write the audit entry (the caller's
    transaction). PatternError if another worker added the same words meanwhile."""
    at = at or audit.now_iso()
    try:
        cursor = db.execute(
            "insert into learned_patterns (intent, lang, pattern, key, added_by, staff_id, "
            "added_at) values (?, ?, ?, ?, ?, ?, ?)",
            [intent_id, lang, text, key(text), actor, staff_id, at],
        )
    except sqlite3.IntegrityError:
        raise PatternError(_("Someone has just added this pattern.")) from None
    _bump(db)
    audit.record(db, actor=actor, staff_id=staff_id, listing_id=None, action="pattern_add",
                 before={}, after={"intent": intent_id, "lang": lang, "pattern": text},
                 at=at)  # fmt: skip
    return cursor.lastrowid


def remove(db, pattern_id: int, *, actor: str, staff_id: int | None) -> dict | None:
    """Delete one learned pattern (the caller's transaction); None if it was not there."""
    rows = list(db.query("select * from learned_patterns where id = ?", [pattern_id]))
    if not rows:
        return None
    row = rows[0]
    db.execute("delete from learned_patterns where id = ?", [pattern_id])
    _bump(db)
    audit.record(db, actor=actor, staff_id=staff_id, listing_id=None, action="pattern_remove",
                 before={"intent": row["intent"], "lang": row["lang"],
                         "pattern": row["pattern"]}, after={})  # fmt: skip
    return row


def listing(db) -> list[dict]:
    return list(db.query("select * from learned_patterns order by intent, lang, id"))
