"""Defaults for every setting; each can be overridden by a `BOT_*` environment variable.

Flask's `from_prefixed_env("BOT")` parses values as JSON where it can, so
`BOT_MAX_MESSAGE_CHARS=500` becomes an int and `BOT_QUEUE_ENABLED=false` a bool.
"""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: bot/platform/config.py

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
    # SMS (bot/channels/sms, docs/sms.md). The Twilio auth token signs every webhook; the
    # sender hash key turns phone numbers into HMACs (made in instance/ when unset).
    "TWILIO_AUTH_TOKEN": None,
    "SENDER_HASH_KEY": None,
    # The public URL Twilio calls (https://bot.example.org), when a proxy or TLS
    # terminator stands in front; PROXY_FIX = how many proxies' X-Forwarded-* to trust.
    "PUBLIC_BASE_URL": None,
    "PROXY_FIX": 0,
    # Most segments one SMS reply may cost; the rest waits behind MORE/MAS.
    "SMS_MAX_SEGMENTS": 3,
    # A sender's language, menu and MORE pages are forgotten after this many days of
    # silence (PRIVACY.md); SMS_STATE_MAX_AGE, in seconds, still wins when it is set.
    "CONVERSATION_MAX_AGE_DAYS": 1,
    "SMS_STATE_MAX_AGE": None,
    # The retention purge (bot/platform/retention.py) runs at most once per this many seconds,
    # started by whichever request finds it due; 0 leaves it to `flask purge --every`.
    "PURGE_INTERVAL_SECONDS": 3600,
    # Staff pages (bot/staff/admin, docs/staff.md). The session cookie is Secure by
    # default; set BOT_SESSION_COOKIE_SECURE=false only for local http development.
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A staff session ends after this many seconds without a request (idle: Flask checks
    # the cookie's signed timestamp), and STAFF_SESSION_MAX_SECONDS after signing in
    # however busy it is (absolute). Signing out ends every session of the account.
    "PERMANENT_SESSION_LIFETIME": 2 * 3600,
    "STAFF_SESSION_MAX_SECONDS": 8 * 3600,
    # CSRF is checked by the admin blueprint itself, not on the JSON API or SMS webhook.
    "WTF_CSRF_CHECK_DEFAULT": False,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Staff sign-in (bot/staff/sign_in_limits.py, docs/operations.md): only failures count, in
    # this window. An account+address pair, or an address, that failed this often is
    # refused until the window passes; an account that failed SLOW_AFTER times from
    # anywhere is slowed (0.25 s doubling, at most MAX_DELAY), never refused; ALERT_AFTER
    # failures of an account write one audit log entry per window.
    "SIGN_IN_WINDOW_SECONDS": 15 * 60,
    "SIGN_IN_MAX_FAILURES_PER_PAIR": 5,
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 20,
    "SIGN_IN_SLOW_AFTER_FAILURES": 5,
    "SIGN_IN_MAX_DELAY_SECONDS": 2,
    "SIGN_IN_ALERT_AFTER_FAILURES": 10,
    # Chat API requests per client address per minute (bot/platform/rate_limits.py,
    # docs/operations.md); 0 turns the limit off. Typing and reading an answer takes a person
    # 10+ s, and menu taps come a few seconds apart, so one resident stays under ~10;
    # 60 leaves room for several residents behind one address (library or shelter
    # Wi-Fi, a phone carrier's shared NAT) and still stops a script within a second.
    "CHAT_RATE_LIMIT_PER_MINUTE": 60,
    # Strict-Transport-Security max-age, sent only on HTTPS requests; 0 sends none.
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    # Operations (bot/platform/request_log.py, bot/production.py, docs/operations.md).
    # PRODUCTION: refuse to start without BOT_SECRET_KEY and BOT_SENDER_HASH_KEY.
    "PRODUCTION": False,
    # Lowest level written as JSON lines to stderr (DEBUG adds the probes' lines).
    "LOG_LEVEL": "INFO",
    # A listing not verified for this many days is flagged for a call.
    "STALE_AFTER_DAYS": 180,
    # Largest CSV a staff member may upload for import, in bytes.
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    # Web chat (bot/channels/widget.py, docs/web-chat.md): sites that may frame /chat and call
    # /api/chat from a browser, as exact origins ["https://www.tucsonaz.gov"]. Empty:
    # only the bot's own origin.
    "ALLOWED_EMBED_ORIGINS": [],
    # Staff insight (bot/insight, docs/staff.md). QUEUE_ENABLED=false: no
    # question text is ever written. Scrubbed unanswered questions are deleted after
    # QUEUE_RETENTION_DAYS; counts (no text) after COUNTS_RETENTION_DAYS. Each process
    # writes its counts every COUNTS_FLUSH_SECONDS (0: at every turn).
    "QUEUE_ENABLED": True,
    "QUEUE_RETENTION_DAYS": 30,
    "COUNTS_RETENTION_DAYS": 730,
    "COUNTS_FLUSH_SECONDS": 5,
    # Dates on the staff pages are shown in the city's time zone.
    "BABEL_DEFAULT_TIMEZONE": "America/Phoenix",
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    # Where the app compiles a catalog at start when the translations folder is
    # read-only (bot/platform/i18n.py); None: instance/translations.
    "COMPILED_CATALOGS_DIR": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "JSON_SORT_KEYS": False,
}


def _instance_secret(app, name: str) -> str:
    """A per-installation secret kept in the instance folder, made on first start.

    Production sets BOT_SECRET_KEY instead (see docs/operations.md); this keeps `make run` a
    one-command start without shipping a shared default key.
    """
    path = os.path.join(app.instance_path, name)
    try:
        with open(path, encoding="ascii") as f:
            value = f.read().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _instance_secret(app, name)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value)
    return value
