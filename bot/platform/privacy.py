"""The data policy as a page: `/privacy` (English) and `/privacidad` (Spanish).

The page is rendered from PRIVACY.md and PRIVACY.es.md at the repository root, so
what a resident reads on the site and what a reviewer reads in the repository are
the same text and cannot drift apart. markdown-it-py renders them with raw HTML
turned off: nothing in the files can become script. The page loads one stylesheet
from this server and nothing else.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from markdown_it import MarkdownIt

from .config import ROOT
from .i18n import force_locale

bp = Blueprint("privacy", __name__)

FILES = {"en": ROOT / "PRIVACY.md", "es": ROOT / "PRIVACY.es.md"}
ENDPOINTS = {"en": "privacy.page", "es": "privacy.page_es"}
# Links between the two files become links between the two pages.
_CROSS_LINKS = {"PRIVACY.md": "en", "PRIVACY.es.md": "es"}

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@lru_cache(maxsize=4)
def document(lang: str) -> tuple[str, str]:
    """(title, HTML body) of the policy in `lang`, read once per process."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    text = FILES[lang].read_text(encoding="utf-8")
    tokens = md.parse(text)
    title = ""
    for i, token in enumerate(tokens):
        if not title and token.type == "heading_open" and token.tag == "h1":
            title = tokens[i + 1].content
        for child in token.children or ():
            href = child.attrGet("href") if child.type == "link_open" else None
            if href in _CROSS_LINKS:
                other = _CROSS_LINKS[href]
                child.attrSet("href", f"?lang={other}")
                child.attrSet("hreflang", other)
                child.attrSet("lang", other)
    return title, md.renderer.render(tokens, md.options, {})


def page_url(lang: str, external: bool = False) -> str:
    """The page's address; external ones use PUBLIC_BASE_URL when set, as Twilio does."""
    path = url_for(ENDPOINTS[lang])
    if not external:
        return path
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:  # it already holds any path prefix the app is mounted under
        return base.rstrip("/") + path.removeprefix(request.script_root)
    return url_for(ENDPOINTS[lang], _external=True)


def _render(lang: str) -> Response:
    g.lang = lang  # Babel's locale for the page's own strings
    title, body = document(lang)
    other = "es" if lang == "en" else "en"
    with force_locale(lang):
        html = render_template(
            "privacy.html",
            lang=lang,
            title=title,
            body=body,
            other=other,
            other_url=url_for(ENDPOINTS[other]),
            chat_url=url_for("widget.chat_page", lang=lang),
        )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


def _asked(default: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang", "")
    if asked in languages and asked in FILES:
        return asked
    if default:
        return default
    best = request.accept_languages.best_match([lang for lang in languages if lang in FILES])
    return best or current_app.config["DEFAULT_LANGUAGE"]


@bp.get("/privacy")
def page():
    return _render(_asked(None))


@bp.get("/privacidad")
def page_es():
    return _render(_asked("es"))
