"""bench/floor.py: the canned-answer app `make load LOAD_FLOOR=1` measures the bot against."""

from __future__ import annotations

from bench import floor
from bench.load_server import APP_SPEC, procfile_command


def test_floor_answers_chat_and_sms_at_once_with_real_sized_replies(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "floor.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY", "floor-secret")
    monkeypatch.setenv("BOT_LOG_LEVEL", "WARNING")
    client = floor.create_app().test_client()

    chat = client.post("/api/chat", json={"message": "necesito un abogado"})
    assert chat.status_code == 200 and chat.get_json()["intent"] == "help"  # canned, not matched
    assert len(chat.get_data()) == floor.CHAT_REPLY_BYTES
    assert chat.headers["X-Request-ID"] and chat.headers["Content-Security-Policy"]

    sms = client.post("/sms", data={"From": "+15205550100", "Body": "hola"})  # not signed
    assert sms.status_code == 200 and sms.mimetype == "text/xml"
    assert len(sms.get_data()) == floor.SMS_REPLY_BYTES


def test_the_floor_replaces_only_the_procfiles_app():
    command = procfile_command("web")
    assert command.count(APP_SPEC) == 1, "bench/load_server.py swaps this one argument"
