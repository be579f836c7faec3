"""The JSON chat API, `POST /api/chat`: the web widget and any other client use it.

Input is checked byte by byte before the engine sees it (size, UTF-8, JSON, types,
length), and each refusal is a 4xx JSON error in the resident's language.
"""

import json

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .. import services
from ..engine.sessions import State
from ..platform import rate_limits
from ..platform.errors import ApiError, rate_limited
from ..platform.i18n import best_request_language

bp = Blueprint("chat", __name__, url_prefix="/api")


def _bad(code: str, message_fn, status: int = 400):
    return ApiError(status, code, message_fn)


def _read_json() -> dict:
    mimetype = request.mimetype or ""
    if mimetype != "application/json":
        raise _bad("unsupported_media_type", lambda: _("Send the request as JSON."), 415)
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("invalid_utf8", lambda: _("The request is not valid UTF-8 text.")) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise _bad("invalid_json", lambda: _("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise _bad("invalid_json", lambda: _("The request must be a JSON object."))
    return data


def _language_hint(data: dict) -> str | None:
    """The language a request asks for, before it is checked: for refusals only."""
    lang = data.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    token = data.get("session")
    state = services.session_codec().loads(token) if isinstance(token, str) else None
    return state.lang if state else None


@bp.post("/chat")
def chat():
    languages = current_app.config["LANGUAGES"]
    codec = services.session_codec()
    verdict = rate_limits.check_chat()  # every request counts, well-formed or not
    if verdict and not verdict.allowed:
        try:
            hint = _language_hint(_read_json())
        except (ApiError, HTTPException):
            hint = None
        g.lang = hint or best_request_language(languages)
        raise rate_limited(verdict.retry_after)
    data = _read_json()

    lang = data.get("lang")
    token = data.get("session")
    state = codec.loads(token) if isinstance(token, str) else None
    g.lang = (
        (lang if lang in languages else None)
        or (state.lang if state else None)
        or best_request_language(languages)
    )
    if lang is not None and lang not in languages:
        raise _bad("invalid_lang", lambda: _('\'lang\' must be "en" or "es".'))
    if token is not None and not isinstance(token, str):
        raise _bad("invalid_session", lambda: _("'session' must be a string."))
    message = data.get("message")
    if message is None:
        raise _bad("missing_message", lambda: _("'message' is required."))
    if not isinstance(message, str):
        raise _bad("invalid_message", lambda: _("'message' must be text."))
    # Lone surrogates can arrive as JSON escapes; they are not text and cannot be encoded.
    message = message.encode("utf-8", "replace").decode("utf-8")
    if not message.strip():
        raise _bad("empty_message", lambda: _("Please write a message."))
    limit = current_app.config["MAX_MESSAGE_CHARS"]
    if len(message) > limit:
        raise _bad(
            "message_too_long",
            lambda: _("Please write at most %(limit)d characters.", limit=limit),
        )

    if state is None:
        state = State(lang=lang)
    elif lang and lang != state.lang:
        state.lang = lang
    default = g.lang or current_app.config["DEFAULT_LANGUAGE"]
    reply, state = services.engine().respond(message, state, services.listings, default)
    g.lang = reply.language
    services.after_turn("chat", message, reply)
    return jsonify(
        {
            "session": codec.dumps(state),
            "language": reply.language,
            "intent": reply.intent,
            "confidence": reply.confidence,
            "reply": reply.text,
            "sources": reply.sources,
            "resources": reply.resources,
            "quick_replies": reply.quick_replies,
        }
    )
