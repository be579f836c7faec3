"""Is this request from Twilio? Checked with the twilio library's RequestValidator.

Twilio signs the URL it was told to call, so the signature is checked against that
URL, which the operator configures as PUBLIC_BASE_URL (https://bot.example.org).
Never against the Host header a request brings: that is the client's word, so a
request signed for another app on the same Twilio account
(http://other-app.example/sms), sent with that Host, would pass. Without
PUBLIC_BASE_URL only a request to a loopback host (`make run`, `flask sms-try`) is
checked against its own URL; production refuses to start without it (bot/production.py).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


def base_url_problem(value, require_https: bool = False) -> str | None:
    """Why `value` cannot be PUBLIC_BASE_URL, or None when it is a usable base URL."""
    parts = urlsplit(str(value))
    schemes = ("https",) if require_https else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname:
        return f"must be like https://bot.example.org (an {' or '.join(schemes)} URL with a host)"
    if parts.query or parts.fragment:
        return "must not carry a query string or a fragment"
    return None


def is_loopback(host: str) -> bool:
    name = urlsplit("//" + host).hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def signed_url(request, public_base_url: str | None) -> str | None:
    """The URL Twilio signed, or None when this process cannot know it."""
    if not public_base_url:
        return request.url if is_loopback(request.host) else None
    url = public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def is_valid(request, token: str, public_base_url: str | None) -> bool:
    signature = request.headers.get(HEADER, "")
    url = signed_url(request, public_base_url)
    if not signature or url is None:
        return False
    return RequestValidator(token).validate(url, request.form, signature)
