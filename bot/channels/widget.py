"""The web chat: `/chat` (full page, or the iframe inside a host page) and `/widget.js`.

A city web team pastes one `<script>` line; everything it loads comes from this bot,
and the chat itself runs in an iframe on the bot's origin, so the host page's CSS
and scripts never touch it and it never touches theirs. Which sites may frame the
chat or call the API from a browser is one setting, `ALLOWED_EMBED_ORIGINS`:
the CSP `frame-ancestors` and the CORS answer are both derived from it, so a
security reviewer has one list to read.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from .. import services
from ..platform import privacy
from ..platform.errors import ApiError
from ..platform.i18n import force_locale

bp = Blueprint("widget", __name__)

# scheme://host[:port], nothing else: a path, wildcard, quote or ";" in a setting
# would change the meaning of the CSP header, so such entries are ignored.
_ORIGIN = re.compile(r"^https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$")
_API_PATH = "/api/chat"
_LOADER = "widget/loader.js"


def allowed_origins() -> list[str]:
    """The configured embedding origins, normalised; malformed entries are dropped.

    Environment values arrive as JSON lists; a plain string ("https://a.org
    https://b.org") is accepted too, because that is what people type.
    """
    raw = current_app.config.get("ALLOWED_EMBED_ORIGINS") or []
    if isinstance(raw, str):
        raw = re.split(r"[\s,]+", raw)
    found = []
    for item in raw:
        origin = str(item).strip().rstrip("/").lower()
        if _ORIGIN.match(origin):
            found.append(origin)
        elif origin:
            current_app.logger.warning("ALLOWED_EMBED_ORIGINS: ignoring %r", origin)
    return found


def _own_origin() -> str:
    return request.host_url.rstrip("/").lower()


def _strings() -> dict[str, str]:
    """Every fixed string of the chat page and the launcher, in the current locale."""
    return {
        "title": _service_name(),
        "chat_label": _("Chat"),
        "lang_switch": _("Language"),
        "clear": _("Clear conversation"),
        "cleared": _("The conversation was cleared."),
        "close": _("Close chat"),
        "message_label": _("Your question"),
        "placeholder": _("Write your question"),
        "send": _("Send"),
        "you": _("You"),
        "bot": _("Answer"),
        "sending": _("Looking for an answer…"),
        "offline": _("The service could not be reached. Check your connection and try again."),
        "said_by": _("Who said it and when"),
        "quote": _("Quote"),
        "translated": _("Translated from English."),
        "listings": _("Services you can contact"),
        "website": _("Website"),
        "unverified": _("Unverified"),
        "unverified_help": _("We have not confirmed this listing recently. Call to check."),
        "call_911": _("Call 911"),
        "emergency": _("Emergency"),
        "privacy": _(
            "Nothing you write is kept in this browser after you close the tab. "
            "If you are in danger, call 911."
        ),
        "privacy_link": _("What we keep and how to delete it"),
        "open": _("Chat: questions about police and immigration"),
        "open_short": _("Ask a question"),
        "frame_title": _("Chat with community answers"),
        "greeting": _("hello"),
        "menu": _("menu"),
    }


def _service_name() -> str:
    try:
        return services.engine().service["name"][str(g.get("lang") or "en")]
    except (ApiError, KeyError, TypeError):
        return _("Community answers")


def strings_for_all_languages() -> dict[str, dict[str, str]]:
    out = {}
    for lang in current_app.config["LANGUAGES"]:
        g.lang = lang
        with force_locale(lang):
            out[lang] = _strings()
    return out


def _page_language() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang", "")
    if asked in languages:
        return asked
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["DEFAULT_LANGUAGE"]


def _parent_origin() -> str | None:
    """The host page's origin for postMessage, only if it is one allowed to frame us."""
    host = request.args.get("host", "").strip().rstrip("/").lower()
    if host and (host in allowed_origins() or host == _own_origin()):
        return host
    return None


@bp.get("/chat")
def chat_page():
    lang = _page_language()
    embed = request.args.get("embed") == "1"
    strings = strings_for_all_languages()
    g.lang = lang
    boot = {
        "lang": lang,
        "embed": embed,
        "api": url_for("chat.chat"),
        "parent_origin": _parent_origin() if embed else None,
        "max_chars": current_app.config["MAX_MESSAGE_CHARS"],
        "strings": strings,
        "privacy": {code: privacy.page_url(code) for code in privacy.ENDPOINTS},
    }
    return render_template("chat.html", lang=lang, embed=embed, t=strings[lang], boot=boot)


@bp.get("/widget.js")
def loader():
    """The loader script, with its launcher labels for both languages built in."""
    path = current_app.static_folder + "/" + _LOADER
    with open(path, encoding="utf-8") as f:
        source = f.read()
    strings = {
        lang: {k: v for k, v in s.items() if k in ("open", "open_short", "frame_title")}
        for lang, s in strings_for_all_languages().items()
    }
    # json.dumps escapes nothing dangerous here: the result is a JS object literal
    # inside a script file, never HTML.
    source = source.replace("/*STRINGS*/{}", json.dumps(strings, ensure_ascii=False), 1)
    resp = Response(source, mimetype="text/javascript")
    resp.headers["Cache-Control"] = "public, max-age=300"
    # Host pages that isolate themselves (COEP) may still load this one file.
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp


@bp.after_request
def security_headers(response: Response) -> Response:
    """The chat page's CSP, framed by the allowed origins; bot/platform/security.py adds the rest
    (and gives /widget.js, a script, the policy that allows nothing)."""
    if request.endpoint != "widget.chat_page":
        return response
    ancestors = " ".join(["'self'", *allowed_origins()])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _cors_origin() -> str | None:
    origin = (request.headers.get("Origin") or "").rstrip("/").lower()
    return origin if origin and origin in allowed_origins() else None


@bp.before_app_request
def cors_preflight():
    """Answer a CORS preflight to the chat API, for allowed origins only."""
    if request.path != _API_PATH or request.method != "OPTIONS":
        return None
    resp = Response(status=204)
    origin = _cors_origin()
    if origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Methods"] = "POST"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Max-Age"] = "600"
    resp.headers["Vary"] = "Origin"
    return resp


@bp.after_app_request
def cors_headers(response: Response) -> Response:
    """Let allowed origins read chat replies (exact match, never `*`, no credentials)."""
    if request.path == _API_PATH and request.method != "OPTIONS":
        origin = _cors_origin()
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    return response
