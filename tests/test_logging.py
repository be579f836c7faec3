"""Structured, redacted logs: one JSON object per line, a request id on each, and no
phone number, message text, session token, client address or query string in any."""

import io
import json
import logging
import re
import secrets
import sys

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.platform.request_log import HEADER, JsonFormatter, RedactFilter, json_handler, redact

TOKEN = "0123456789abcdef0123456789abcdef"
NUMBER = "+15205551234"


@pytest.fixture
def lines(app):
    """Every log line the app writes during the test, as parsed JSON, through the same
    handler (redact filter + JSON formatter) production uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:

        def read():
            return [json.loads(line) for line in stream.getvalue().splitlines()]

        yield read
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def request_lines(lines):
    return [line for line in lines() if line["logger"] == "bot.request"]


def test_the_handler_writes_json_lines_to_stderr_as_it_is_at_the_time(capsys):
    log = logging.getLogger("test.json_handler")
    log.propagate = False
    handler = json_handler()
    log.addHandler(handler)
    try:
        log.warning("texted from %s", NUMBER)
    finally:
        log.removeHandler(handler)
    entry = json.loads(capsys.readouterr().err)
    assert entry["message"] == "texted from [phone]" and entry["level"] == "WARNING"
    assert entry["logger"] == "test.json_handler" and entry["request_id"] is None


@pytest.mark.parametrize(
    "text",
    [
        "+15205551234",
        "520-555-1234",
        "(520) 555-1234",
        "520.555.1234",
        "5205551234",
        "+52 55 1234 5678",
        "+1 520 555 1234",
    ],
)
def test_phone_numbers_in_any_form_are_masked(text):
    assert redact(f"from {text} today") == "from [phone] today"


@pytest.mark.parametrize(
    "text,masked",
    [
        ("write to maria.lopez+x@example.org now", "write to [email] now"),
        ("client 203.0.113.9 sent", "client [ip] sent"),
        ("client 2001:db8::1f sent", "client [ip] sent"),
    ],
)
def test_emails_and_client_addresses_are_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Listening at: http://127.0.0.1:8000 (123)",
        "Listening at: http://0.0.0.0:8000",
        "Booting worker with pid: 48213",
        "applied m008_rate_limits on 2025-01-31 12:00",
        "took 12.5 ms at 10:42:07",
        "sms answered by legal_help: 2 segment(s)",
        "request id 9f86d081884c7d659a2feaa0c55ad015",
    ],
)
def test_ordinary_operational_text_is_left_alone(text):
    assert redact(text) == text


def test_the_filter_masks_arguments_before_any_handler_formats_them():
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "from %s: %r", None, None)
    record.args = (NUMBER, {"email": "a@b.org"})
    assert RedactFilter().filter(record) is True
    assert record.getMessage() == "from [phone]: {'email': '[email]'}"


def test_gunicorn_lines_lose_their_query_strings():
    record = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s", None, None
    )
    record.args = ("/chat?lang=es&token=abc",)
    RedactFilter().filter(record)
    assert record.getMessage() == "Error handling request /chat"


def test_the_formatter_redacts_exceptions_and_writes_one_line():
    try:
        raise ValueError(f"could not parse {NUMBER}\nsecond line")
    except ValueError:
        record = logging.LogRecord(
            "bot", logging.ERROR, __file__, 1, "failed", None, exc_info=sys.exc_info()
        )
    out = JsonFormatter().format(record)
    assert "\n" not in out
    entry = json.loads(out)
    assert NUMBER not in out and "[phone]" in entry["exception"]
    assert set(entry) >= {"time", "level", "logger", "message", "request_id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_a_chat_request_writes_one_line_with_its_fields(client, lines):
    resp = client.post("/api/chat?utm=5205551234", json={"message": "necesito un abogado"})
    assert resp.status_code == 200
    (line,) = request_lines(lines)
    assert line["method"] == "POST" and line["route"] == "/api/chat"
    assert line["status"] == 200 and line["channel"] == "chat" and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == resp.headers[HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_the_route_is_the_pattern_not_the_path(app, lines):
    client = app.test_client()
    client.get("/admin/listings/12345")  # redirected to sign in, but the rule matched
    client.get("/no/such/page/5205551234?x=1")
    routes = [(line["route"], line["status"]) for line in request_lines(lines)]
    assert routes[0][0] == "/admin/listings/<int:listing_id>"
    assert routes[1] == (None, 404)
    assert "12345" not in json.dumps(lines()) and "5205551234" not in json.dumps(lines())


@pytest.mark.parametrize("supplied", ["abc-123_X.y", "a" * 64])
def test_a_safe_client_request_id_is_kept(client, lines, supplied):
    resp = client.get("/healthz", headers={HEADER: supplied})
    assert resp.headers[HEADER] == supplied
    assert request_lines(lines)[0]["request_id"] == supplied


@pytest.mark.parametrize(
    "supplied",
    [
        "a" * 65,  # too long
        "has space",
        "semi;colon",
        "<script>",
        "5205551234",  # looks like a phone number
        "id-15205551234",
        "SM" + "0123456789abcdef" * 2,  # a Twilio MessageSid leads to a phone number
        "",
    ],
)
def test_an_unsafe_client_request_id_is_replaced(client, lines, supplied):
    resp = client.get("/healthz", headers={HEADER: supplied})
    assert resp.headers[HEADER] != supplied
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers[HEADER])
    assert supplied not in json.dumps(lines()) or supplied == ""


def test_every_line_during_a_request_carries_its_id(tmp_path, lines):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k"})  # fmt: skip  (no Twilio token: /sms logs an error)
    resp = app.test_client().post("/sms", data={"From": NUMBER}, headers={HEADER: "req-1"})
    assert resp.status_code == 503
    during = [line for line in lines() if line["request_id"] == "req-1"]
    assert {line["logger"] for line in during} == {"bot", "bot.request"}
    assert [line["channel"] for line in during if line["logger"] == "bot.request"] == ["sms"]


def test_probes_are_logged_at_debug_only_when_they_pass(client, lines):
    client.get("/healthz")
    assert [line["level"] for line in request_lines(lines)] == ["DEBUG"]


def test_unexpected_errors_are_logged_without_the_request(app, lines):
    @app.get("/boom")
    def boom():
        raise RuntimeError(f"broke on {NUMBER}")

    resp = app.test_client().get("/boom?token=opaque", headers={HEADER: "boom-1"})
    assert resp.status_code == 500
    out = json.dumps(lines())
    assert NUMBER not in out and "opaque" not in out
    assert any("RuntimeError: broke on [phone]" in line.get("exception", "") for line in lines())
    (request_line,) = [
        line for line in request_lines(lines) if line["request_id"] == "boom-1"
    ]
    assert request_line["status"] == 500 and request_line["level"] == "WARNING"


def test_sms_and_chat_traffic_leave_no_number_body_token_or_sid_in_the_logs(tmp_path, lines):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": TOKEN,
                      "SENDER_HASH_KEY": "h"})  # fmt: skip
    client = app.test_client()
    mark = "zq" + secrets.token_hex(4)
    sid = "SM" + secrets.token_hex(16)
    form = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": NUMBER,
            "To": "+15205550000", "Body": f"necesito abogado {mark}", "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/sms", form)
    headers = {"X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": sid + "-x"}
    assert client.post("/sms", data=form, headers=headers).status_code == 200
    chat = client.post("/api/chat", json={"message": f"hola {mark}", "lang": "es"},
                       environ_base={"REMOTE_ADDR": "203.0.113.77"})  # fmt: skip
    token = chat.get_json()["session"]
    client.post("/api/chat", json={"message": f"ayuda {mark}", "session": token})
    out = json.dumps(lines())
    assert len(request_lines(lines)) == 3
    for secret in (NUMBER, NUMBER[2:], mark, sid, token, "203.0.113.77", "abogado"):
        assert secret not in out, secret


@pytest.mark.server
def test_gunicorn_from_the_procfile_writes_only_redacted_json_lines(tmp_path):
    import urllib.request

    from live_server import live_server

    log = tmp_path / "server.log"
    env = {"BOT_DATABASE": str(tmp_path / "db.sqlite3"), "BOT_SECRET_KEY": "s" * 40,
           "BOT_SENDER_HASH_KEY": "h" * 40}  # fmt: skip
    mark = "zq" + secrets.token_hex(4)
    with live_server(env, workers=2, log_path=log) as base:
        body = json.dumps({"message": f"food bank {mark}"}).encode()
        req = urllib.request.Request(
            base + "/api/chat?phone=5205551234", body,
            {"Content-Type": "application/json", HEADER: "gunicorn-test-1"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200 and resp.headers[HEADER] == "gunicorn-test-1"
    text = log.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in entries)  # fmt: skip
    (chat,) = [e for e in entries if e["request_id"] == "gunicorn-test-1"]
    assert chat["route"] == "/api/chat" and chat["status"] == 200
    # gunicorn's access log (client address, path and query) stays off
    assert "5205551234" not in text and mark not in text and "food bank" not in text
    assert not any(e["logger"] == "gunicorn.access" for e in entries)


def test_the_development_server_access_line_is_dropped_but_its_banner_kept(app, lines):
    from werkzeug._internal import _log

    _log("info", '203.0.113.9 - - [21/Nov/2026 08:00:00] "GET /chat?lang=es HTTP/1.1" 200 -')
    _log("info", " * Running on http://127.0.0.1:5000")
    assert [line["message"] for line in lines() if line["logger"] == "werkzeug"] == [
        " * Running on http://127.0.0.1:5000"
    ]
