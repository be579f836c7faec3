"""Babel wiring: every fixed string is rendered in the resident's language.

A reply's language is decided by the conversation, not the browser, so request
code sets `g.lang` and the engine renders inside `force_locale`.

Compiled catalogs (.mo) are build output, git-ignored, and a host that installs the
package and starts it from the Procfile never runs `make`: without them every fixed
string would be English inside a Spanish conversation. So the app compiles a missing
or stale catalog itself when it starts, with Babel's own reader and writer, writing
a temporary file beside it and renaming it into place (workers starting together
never read half a file). Where the translations folder is read-only, the catalog is
compiled into the instance folder, which is then searched first.
"""

import os
import tempfile
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import flask_babel
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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


def _write_atomically(path: Path, catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from other users' workers
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _fresh(mo: Path, po: Path) -> bool:
    try:
        return mo.stat().st_mtime >= po.stat().st_mtime
    except FileNotFoundError:
        return False


def compile_catalogs(app) -> list[Path]:
    """Compile every catalog whose .mo is missing or older than its .po; return the
    .mo files written. A folder that cannot be written to gets its catalogs in
    COMPILED_CATALOGS_DIR (default instance/translations) instead, put first in
    BABEL_TRANSLATION_DIRECTORIES."""
    written: list[Path] = []
    directories = [d for d in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";") if d]
    fallback = Path(app.config.get("COMPILED_CATALOGS_DIR") or
                    os.path.join(app.instance_path, "translations"))  # fmt: skip
    use_fallback = False
    for directory in directories:
        for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            local = fallback / po.relative_to(directory).with_suffix(".mo")
            if _fresh(mo, po):
                continue
            use_fallback = use_fallback or _fresh(local, po)
            if _fresh(local, po):
                continue
            with open(po, "rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            try:
                _write_atomically(mo, catalog)
                written.append(mo)
            except OSError as exc:
                app.logger.warning("cannot write %s (%s); compiling it into %s", mo, exc, local)
                _write_atomically(local, catalog)
                written.append(local)
                use_fallback = True
    if use_fallback and str(fallback) not in directories:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([str(fallback), *directories])
    for path in written:
        app.logger.info("compiled the catalog %s", path)
    return written


def init_app(app) -> None:
    compile_catalogs(app)  # before Babel reads the directories
    babel.init_app(app, locale_selector=_select_locale)
