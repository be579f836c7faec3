"""With `BOT_PRODUCTION=true` the app refuses to start without the secrets it must keep.

Without them the app still starts for development: it makes a secret key and a
sender hash key in the instance folder. In production that quiet fallback is a trap:
on a host whose disk is replaced at each deploy (or with two machines, each making
its own), a new sender hash key forgets every SMS sender, their language and their
STOP, and a new secret key signs every resident and staff member out. Failing at
start with the names of what is missing is cheaper than finding out from residents.

With the SMS channel on (a Twilio token set), BOT_PUBLIC_BASE_URL is required too, as
an https URL: Twilio signs the URL it calls, and without the operator saying which
that is, the only other source is the Host header each request brings, which the
sender chooses (bot/channels/sms/signature.py).
"""

from __future__ import annotations

import logging
import os

MIN_SECRET_CHARS = 32

# setting -> environment variables that may carry it (as bot/channels/sms/settings.py reads them)
REQUIRED = {
    "SECRET_KEY": ("BOT_SECRET_KEY",),
    "SENDER_HASH_KEY": ("BOT_SENDER_HASH_KEY",),
}
# Missing in production is logged, not fatal: a deployment may serve the web chat only.
RECOMMENDED = {
    "TWILIO_AUTH_TOKEN": ("BOT_TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
}


class ConfigurationError(RuntimeError):
    """The app cannot run safely with these settings."""


def _value(config, name: str, env_names: tuple[str, ...]) -> str | None:
    value = config.get(name)
    if isinstance(value, str) and value:
        return value
    for env_name in env_names:  # BOT_* values that parsed as JSON numbers, as typed
        if os.environ.get(env_name):
            return os.environ[env_name]
    return None


def problems(config) -> list[str]:
    found = []
    for name, env_names in REQUIRED.items():
        value = _value(config, name, env_names)
        if value is None:
            found.append(f"{env_names[0]} is not set")
        elif len(value) < MIN_SECRET_CHARS:
            found.append(f"{env_names[0]} is shorter than {MIN_SECRET_CHARS} characters")
    if _value(config, "TWILIO_AUTH_TOKEN", RECOMMENDED["TWILIO_AUTH_TOKEN"]) is not None:
        from .channels.sms.signature import base_url_problem

        base = _value(config, "PUBLIC_BASE_URL", ("BOT_PUBLIC_BASE_URL",))
        if base is None:
            found.append("BOT_PUBLIC_BASE_URL is not set (with SMS on, Twilio signatures are "
                         "checked against the webhook URL you gave Twilio, never the Host "
                         "header a request brings)")  # fmt: skip
        elif problem := base_url_problem(base, require_https=True):
            found.append(f"BOT_PUBLIC_BASE_URL {problem}")
    return found


def check(app) -> None:
    """Raise ConfigurationError (after logging why) when production settings are unsafe."""
    if not app.config.get("PRODUCTION"):
        return
    log = logging.getLogger(app.name)
    for name, env_names in RECOMMENDED.items():
        if _value(app.config, name, env_names) is None:
            log.error("%s is not set: POST /sms answers 503 until it is", env_names[0])
    found = problems(app.config)
    if found:
        message = "refusing to start with BOT_PRODUCTION=true: " + "; ".join(found) + (
            " (make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
        log.critical(message)
        raise ConfigurationError(message)
