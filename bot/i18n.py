"""Babel wiring: every fixed string is rendered in the resident's language.

A reply's language is decided by the conversation, not the browser, so request
code sets `g.lang` and the engine renders inside `force_locale`.
"""

from flask import g, request
from flask_babel import Babel

babel = Babel()


def best_request_language(app_languages) -> str | None:
    return request.accept_languages.best_match(app_languages) if request else None


def _select_locale():
    from flask import current_app

    langs = current_app.config["LANGUAGES"]
    return g.get("lang") or best_request_language(langs) or current_app.config["DEFAULT_LANGUAGE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=_select_locale)
