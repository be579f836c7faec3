"""Babel wiring: every fixed string is rendered in the resident's language.

A reply's language is decided by the conversation, not the browser, so request
code sets `g.lang` and the engine renders inside `force_locale`.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import flask_babel
from babel import Locale
from flask import g, request
from flask_babel import Babel

babel = Babel()
# The catalog of the innermost `force_locale`, found at its first gettext.
_forced: ContextVar = ContextVar("bot_forced_translations", default=None)
_UNLOADED = object()


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@contextmanager
def force_locale(lang: str):
    """flask_babel's `force_locale`, made cheap for the replies rendered inside it.

    Babel looks for the locale's data file on disk at every parse (a stat per reply,
    3% of a worker's time in `make load`), so each Locale is parsed once; and
    flask_babel finds the request context again at every gettext (about 20 lookups
    each, five or six per reply), so `gettext` below looks the catalog up once.
    """
    with flask_babel.force_locale(_locale(lang)):
        token = _forced.set(_UNLOADED)
        try:
            yield
        finally:
            _forced.reset(token)


def gettext(message: str, **variables) -> str:
    """flask_babel's gettext (same catalogs, same %-formatting), faster inside
    `force_locale`; elsewhere it is flask_babel's own."""
    translations = _forced.get()
    if translations is None:  # not inside force_locale
        return flask_babel.gettext(message, **variables)
    if translations is _UNLOADED:
        translations = flask_babel.get_translations()
        _forced.set(translations)
    text = translations.ugettext(message)
    return text % variables if variables else text


def best_request_language(app_languages) -> str | None:
    return request.accept_languages.best_match(app_languages) if request else None


def _select_locale():
    from flask import current_app

    langs = current_app.config["LANGUAGES"]
    return g.get("lang") or best_request_language(langs) or current_app.config["DEFAULT_LANGUAGE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=_select_locale)
