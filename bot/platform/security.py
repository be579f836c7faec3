"""Security headers on every response, set in one place so no route can miss them.

One `after_request` hook, registered on the app, runs after each blueprint's own and
after every error handler, so 404s, 405s, static files, TwiML and JSON errors get
the same headers as pages. Pages that need a looser policy set it themselves and
this hook leaves it: `/chat` (bot/channels/widget.py: framed by ALLOWED_EMBED_ORIGINS) and
the staff pages (bot/staff/admin: they load their stylesheet and post forms). Everything
else is not a page, so it gets a policy that allows nothing at all.
"""

from __future__ import annotations

from flask import Response, current_app, request

# Nothing to load, run, frame or submit: JSON, TwiML, scripts, plain errors.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Features no page of this service uses; a framed /chat cannot be granted them either.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=()"
)


def _frame_ancestors(csp: str) -> str | None:
    for directive in csp.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "frame-ancestors":
            return value.strip()
    return None


def add_headers(response: Response) -> Response:
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = STRICT_CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # Old browsers ignore frame-ancestors; only where framing is allowed (/chat)
    # must X-Frame-Options stay away, since DENY there would override the list.
    ancestors = _frame_ancestors(headers["Content-Security-Policy"])
    if ancestors in (None, "'none'"):
        headers.setdefault("X-Frame-Options", "DENY")
    # HSTS over HTTPS only (request.is_secure follows X-Forwarded-Proto when
    # PROXY_FIX trusts a proxy). No includeSubDomains: the bot may live on a city
    # domain whose other hosts are not ours to force onto HTTPS.
    max_age = current_app.config["HSTS_MAX_AGE"]
    if request.is_secure and max_age > 0:
        headers["Strict-Transport-Security"] = f"max-age={max_age}"
    return response


def init_app(app) -> None:
    from . import rate_limits

    rate_limits.configure(app.config)
    max_age = app.config.get("HSTS_MAX_AGE")
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise ValueError(f"HSTS_MAX_AGE must be a whole number of seconds from 0: {max_age!r}")
    app.after_request(add_headers)
