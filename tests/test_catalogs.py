"""The app compiles a missing or stale Spanish catalog when it starts (bot/platform/i18n.py), so
a host that never runs `make` still answers in Spanish (tests/test_install.py does it
through pip and the Procfile)."""

import os
import shutil
from pathlib import Path

from babel.support import Translations

from bot.platform import i18n
from bot.platform.config import ROOT

MORE = "Reply MORE for the rest."


def _translations(tmp_path):
    """A copy of the catalogs without .mo files. Every app here also gets its own
    COMPILED_CATALOGS_DIR, so no compiled copy is shared between tests."""
    dest = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", dest, ignore=shutil.ignore_patterns("*.mo"))
    return dest


def start(make_app, translations, compiled):
    return make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations),
                    COMPILED_CATALOGS_DIR=str(compiled))  # fmt: skip


def _spanish(directory) -> str:
    """The Spanish MORE prompt as the compiled catalog in `directory` has it."""
    return Translations.load(str(directory), ["es"]).gettext(MORE)


def test_a_missing_catalog_is_compiled_at_start(make_app, tmp_path):
    translations = _translations(tmp_path)
    mo = translations / "es" / "LC_MESSAGES" / "messages.mo"
    assert _spanish(translations) == MORE  # nothing compiled yet: English
    start(make_app, translations, tmp_path / "c")
    assert mo.is_file() and oct(mo.stat().st_mode & 0o777) == "0o644"
    assert _spanish(translations) == "Responda MAS."
    assert not list(mo.parent.glob("*.tmp"))  # written beside it, then renamed


def test_a_stale_catalog_is_compiled_again_and_a_fresh_one_is_left_alone(make_app, tmp_path):
    translations = _translations(tmp_path)
    po = translations / "es" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    start(make_app, translations, tmp_path / "c")
    written = mo.stat().st_mtime_ns
    start(make_app, translations, tmp_path / "c")
    assert mo.stat().st_mtime_ns == written  # fresh: not compiled again
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Responda MAS."',
                               'msgstr "Responda MAS para leer el resto."'), encoding="utf-8")
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))
    start(make_app, translations, tmp_path / "c")
    assert _spanish(translations) == "Responda MAS para leer el resto."


def test_a_read_only_folder_gets_its_catalog_in_the_instance_folder(make_app, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    translations = _translations(tmp_path)
    write = i18n._write_atomically

    def read_only(path: Path, catalog):
        if translations in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        write(path, catalog)

    monkeypatch.setattr(i18n, "_write_atomically", read_only)
    fallback = tmp_path / "compiled"
    app = start(make_app, translations, fallback)
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";") == [
        str(fallback), str(translations)
    ]
    assert not (translations / "es" / "LC_MESSAGES" / "messages.mo").exists()
    assert _spanish(fallback) == "Responda MAS."
    # The next start finds it there and compiles nothing.
    again = start(make_app, translations, fallback)
    assert again.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0] == str(fallback)


def test_the_sms_check_counts_the_spanish_strings_even_where_no_catalog_is_compiled(tmp_path):
    """A read-only install compiles into instance/: the check in `flask check-intents`
    must still count "Responda MAS." and "(sin verificar)", not the English, or it
    would refuse (or pass) short texts by the wrong length."""
    from bot.engine import sms_budget as budget

    translations = _translations(tmp_path)
    assert not list(translations.glob("*/LC_MESSAGES/*.mo"))
    assert budget.fixed_strings(translations, "es") == ("Responda MAS.", "(sin verificar)")
