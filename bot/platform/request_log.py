"""Logs as one JSON object per line, each tied to its request, and none naming a resident.

The people who text or chat with the bot must not turn up in a log that could be
leaked or subpoenaed, so the request line is written here, from the app, with a
whitelist of fields (method, the route's pattern, status, duration, channel): no
client address, no path with ids or query string, no headers, no body, no session
token, no Twilio MessageSid. Gunicorn's own access log stays off (gunicorn.conf.py)
because it would carry exactly those. Every handler also masks anything that looks
like a phone number, an email address or an IP address in any message, as a second
line of defence against a careless log call.

The request id lets one request's lines be found together: a caller's `X-Request-ID`
is kept when it is short and plain, otherwise one is made; either way it is returned.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Twilio resource ids (MessageSid SM…, AccountSid AC…): a MessageSid leads to a phone
# number at Twilio, so one is never accepted as a request id.
_TWILIO_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")

# Fields a request line may carry, and nothing else (see module docstring). A text's
# line also says which path answered it (an intent id or "retry") and how many
# segments went back: set with `note()`, one line per request instead of two.
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "channel", "answered_by",
                  "segments")  # fmt: skip
NOTED_FIELDS = ("answered_by", "segments")

# Blueprint -> channel, so a line says which door a request came in by.
CHANNELS = {
    "chat": "chat",
    "sms": "sms",
    "widget": "widget",
    "admin": "staff",
    "health": "probe",
}
PROBE_ROUTES = ("/healthz", "/readyz")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# 7 to 15 digits: an optional +country code, an optional (area code), then digits
# with at most two of space . - between them: every E.164 number and the ways people
# type a US or Mexican one.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]{0,2})?(?:\(\d{1,4}\)[\s.-]{0,2})?\d(?:[\s.-]{0,2}\d){3,14}(?!\w)"
)
_NOT_A_PHONE = re.compile(
    r"\d{1,3}(?:\.\d{1,3}){3}"  # dotted quad (an address, masked above when it is one)
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?"  # an ISO date, maybe with its hour
)
_KEPT_ADDRESSES = {"0.0.0.0", "127.0.0.1", "::", "::1"}  # noqa: S104 (listening, not clients)


def _mask_ip(match: re.Match) -> str:
    text = match.group(0)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if text in _KEPT_ADDRESSES or address.is_loopback or address.is_unspecified:
        return text
    return "[ip]"


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _NOT_A_PHONE.fullmatch(text):
        return text
    return "[phone]"


def redact(text: str) -> str:
    """Mask email addresses, IP addresses and phone-number-like digit runs in `text`."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    text = _IPV4.sub(_mask_ip, text)
    if ":" in text:
        text = _IPV6.sub(_mask_ip, text)
    return _PHONE.sub(_mask_phone, text)


_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


class RedactFilter(logging.Filter):
    """Rewrite a record's message, redacted, before any handler formats it.

    The message is formatted once with its arguments and the result redacted, so an
    argument that carries a number is masked wherever it lands. Gunicorn's lines
    ("Error handling request /path?query") also lose their query strings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what can be kept
            message = str(record.msg)
        if record.name.startswith("gunicorn"):
            message = _QUERY.sub(r"\1", message)
        record.msg, record.args = redact(message), None
        return True


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ request fields).

    Redacts again on its own, so a handler configured without RedactFilter still
    never writes a number; exception text is redacted too (an exception's message
    can quote what it choked on).
    """

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        entry = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(message),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging.lastResort does), so a
    handler made once keeps working when a test runner or gunicorn swaps the stream."""

    def __init__(self, level: int = logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):  # StreamHandler.setStream; the stream is always stderr
        pass


def json_handler() -> logging.Handler:
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter())
    return handler


def _has_json_handler(logger: logging.Logger) -> bool:
    return any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers)


def configure_logging(level: str | int = "INFO") -> None:
    """Give the root logger the JSON handler, once per process.

    Under gunicorn, gunicorn.conf.py's logconfig_dict has already done so (and sent
    gunicorn's own error log through it); `flask` commands, `flask run` and the tests
    get it here.
    """
    root = logging.getLogger()
    if not _has_json_handler(root):
        root.addHandler(json_handler())
        root.setLevel(level)
    # Werkzeug's development server (`flask run`) writes an access line with the
    # client address and the query string; our request line replaces it.
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DropAccessLines) for f in werkzeug.filters):
        werkzeug.addFilter(_DropAccessLines())


class _DropAccessLines(logging.Filter):
    _ACCESS = re.compile(r"\S+ - - \[")  # "203.0.113.9 - - [date] \"GET /x?y HTTP/1.1\" 200"

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._ACCESS.match(str(record.msg))


def note(**fields) -> None:
    """Add fields to this request's log line (only those in NOTED_FIELDS)."""
    unknown = set(fields) - set(NOTED_FIELDS)
    if unknown:
        raise ValueError(f"not a field a request line may carry: {sorted(unknown)}")
    g.setdefault("log_fields", {}).update(fields)


def _request_id() -> str:
    supplied = request.headers.get(HEADER, "")
    if (
        _SAFE_ID.fullmatch(supplied)
        and not _TWILIO_SID.fullmatch(supplied)
        and redact(supplied) == supplied
    ):
        return supplied
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Register first in create_app, so its after_request runs last and sees the final
    status, and its before_request first, so every other log line has the id."""
    configure_logging(app.config.get("LOG_LEVEL") or "INFO")
    app.logger.removeHandler(default_handler)  # the root JSON handler writes instead
    log = logging.getLogger(f"{app.logger.name}.request")

    @app.before_request
    def start():
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response):
        request_id = g.get("request_id") or _request_id()
        response.headers[HEADER] = request_id
        started = g.get("request_started")
        rule = request.url_rule
        route = rule.rule if rule is not None else None
        status = response.status_code
        if status >= 500:
            level = logging.WARNING
        elif route in PROBE_ROUTES and status == 200:
            level = logging.DEBUG  # a probe every few seconds would drown the rest
        else:
            level = logging.INFO
        log.log(
            level,
            "request",
            extra={
                "request_id": request_id,
                "method": request.method if request.method in METHODS else "OTHER",
                "route": route,
                "status": status,
                "duration_ms": (
                    round((time.perf_counter() - started) * 1000, 2) if started else None
                ),
                "channel": CHANNELS.get(request.blueprint or "", "other"),
                **g.get("log_fields", {}),
            },
        )
        return response
