"""Defaults for every setting; each can be overridden by a `BOT_*` environment variable.

Flask's `from_prefixed_env("BOT")` parses values as JSON where it can, so
`BOT_MAX_MESSAGE_CHARS=500` becomes an int and `BOT_QUEUE_ENABLED=false` a bool.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # The embedded default database lives in the instance folder (see create_app).
    "DATABASE": None,
    "INTENTS_DIR": str(ROOT / "intents"),
    "RESOURCES_DIR": str(ROOT / "resources"),
    "LANGUAGES": ["en", "es"],
    "DEFAULT_LANGUAGE": "en",
    # A resident's message, in characters, and a request body, in bytes.
    "MAX_MESSAGE_CHARS": 1000,
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # Signed chat-session tokens expire after this many seconds (default: 1 day).
    "CHAT_SESSION_MAX_AGE": 24 * 3600,
    # How many directory listings an answer shows.
    "LISTINGS_PER_ANSWER": 3,
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    "BABEL_DEFAULT_LOCALE": "en",
    "JSON_SORT_KEYS": False,
}
