"""The SMS settings, resolved once when the blueprint is registered.

Twilio's own documentation and hosting dashboards call the secret
TWILIO_AUTH_TOKEN, so that name works as well as BOT_TWILIO_AUTH_TOKEN. Flask's
`from_prefixed_env` parses BOT_* values as JSON, which would turn an all-digit
secret into a number (and lose its leading zeros), so secrets that came back as
anything but text are re-read from the environment as typed.
"""

from __future__ import annotations

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from ...platform.config import _instance_secret
from . import signature


def _text(app, name: str, *env_names: str) -> str | None:
    value = app.config.get(name)
    if isinstance(value, str) and value:
        return value
    for env_name in env_names:
        raw = os.environ.get(env_name)
        if raw:
            return raw
    return None


def configure(app) -> None:
    config = app.config
    config["TWILIO_AUTH_TOKEN"] = _text(
        app, "TWILIO_AUTH_TOKEN", "BOT_TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"
    )
    config["SENDER_HASH_KEY"] = _text(
        app, "SENDER_HASH_KEY", "BOT_SENDER_HASH_KEY"
    ) or _instance_secret(app, "sender_hash_key")

    base = config.get("PUBLIC_BASE_URL")
    if base and (problem := signature.base_url_problem(base)):
        app.logger.error(
            "PUBLIC_BASE_URL %s; ignoring it, so /sms answers only requests to a loopback "
            "host (development) until it is set", problem,
        )  # fmt: skip
        base = None
    config["PUBLIC_BASE_URL"] = str(base).rstrip("/") if base else None

    max_segments = config.get("SMS_MAX_SEGMENTS")
    if not isinstance(max_segments, int) or isinstance(max_segments, bool) or max_segments < 1:
        raise ValueError(f"SMS_MAX_SEGMENTS must be a whole number from 1: {max_segments!r}")

    hops = int(config.get("PROXY_FIX") or 0)
    if hops > 0:
        # Trust this many proxies' X-Forwarded-Proto/Host/Port/Prefix/For headers.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
