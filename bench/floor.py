"""`make load LOAD_FLOOR=1`: what a chat or SMS POST costs before the bot does any work.

The same gunicorn, the same app with every hook (request id and log line, security
headers, CORS, sessions), the same traffic; only the chat and SMS views answer at
once with a canned reply of a real one's median size (2,148 bytes of JSON, 282 of
TwiML, measured over the load mix). The distance from this floor to `/healthz` is
what parsing a POST body and sending a bigger answer cost; the distance from it to
the real mix is the bot's own work: the matcher, the reply, the rate-limit counter,
the SMS conversation state, Twilio's signature check. docs/figures.md quotes both.
Never a deployment: gunicorn.conf.py serves `bot:create_app()`.
"""

from __future__ import annotations

from functools import cache

from flask import jsonify, request

from bot import create_app as _create_app
from bot.channels.sms.webhook import twiml

CHAT_REPLY_BYTES = 2148
SMS_REPLY_BYTES = 282


@cache
def _canned() -> tuple[dict, str]:
    """The chat answer and the SMS text, padded to the sizes above (once a process)."""
    body = {"intent": "help", "language": "en", "reply": "", "session": "en|.floor.floor"}
    body["reply"] = "x" * (CHAT_REPLY_BYTES - len(jsonify(body).get_data()))
    return body, "x" * (SMS_REPLY_BYTES - len(twiml("x").get_data()) + 1)


def _chat():
    request.get_json(silent=True)
    return jsonify(_canned()[0])


def _sms():
    request.form  # noqa: B018 (parsing the form is the cost being measured)
    return twiml(_canned()[1])


def create_app():
    app = _create_app()
    app.view_functions["chat.chat"] = _chat
    app.view_functions["sms.incoming"] = _sms
    return app
