"""Staff insight's tables, as their own sqlite-utils migration set ("insight").

No table has a column for a sender, a session, a request or a time finer than a
day: the queue cannot be joined to anything that says who wrote.
"""

from sqlite_utils import Migrations

migrations = Migrations("insight")


@migrations()
def m001_insight_tables(db):
    # Scrubbed questions the bot could not answer. The id is random, not a sequence, so
    # the order in which residents wrote on a day is not kept either.
    db["unanswered_questions"].create(
        {
            "id": int,
            "text": str,  # scrubbed (bot/insight/scrub.py) before it is ever written
            "lang": str,  # the conversation's language, en | es
            "day": str,  # YYYY-MM-DD in the city's time zone: enough for weeks and expiry
            "week": str,  # ISO week, YYYY-Www
            "closest_intent": str,
            "closest_score": float,
        },
        pk="id",
        not_null={"text", "lang", "day", "week"},
    )
    db["unanswered_questions"].create_index(["week", "lang"])
    db["unanswered_questions"].create_index(["day"])
    # Counts only: how many turns per week, language, channel and intent.
    db["insight_counts"].create(
        {"week": str, "lang": str, "channel": str, "intent": str, "n": int},
        pk=("week", "lang", "channel", "intent"),
        not_null={"week", "lang", "channel", "intent", "n"},
        defaults={"n": 0},
    )
    # Patterns staff added from the queue; the matcher reads them with intents/*.yaml.
    db["learned_patterns"].create(
        {
            "id": int,
            "intent": str,
            "lang": str,
            "pattern": str,
            "key": str,  # folded words: one pattern per key across every intent
            "added_by": str,
            "staff_id": int,
            "added_at": str,
        },
        pk="id",
        not_null={"intent", "lang", "pattern", "key", "added_by", "added_at"},
    )
    db["learned_patterns"].create_index(["key"], unique=True)
    # Bumped in the same transaction as every add or removal: each worker compares it
    # with the version its matcher was built from, once per request.
    db["learned_patterns_version"].insert({"id": 1, "version": 0}, pk="id")
