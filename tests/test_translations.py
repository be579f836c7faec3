"""The catalogs are current: CI fails when a string was added without `make translations`
or a Spanish translation is missing or fuzzy (as warehouse does)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bot.platform.config import ROOT

TRANSLATIONS = ROOT / "translations"


def ids(path: Path) -> set[str]:
    with open(path, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_template_is_not_stale(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml",
         "--no-location", "--sort-output", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    committed = ids(TRANSLATIONS / "messages.pot")
    extracted = ids(fresh)
    assert extracted == committed, (
        f"run `make translations`: new {sorted(extracted - committed)}, "
        f"gone {sorted(committed - extracted)}"
    )


def test_spanish_is_complete():
    template = ids(TRANSLATIONS / "messages.pot")
    with open(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {}
    for msg in catalog:
        if msg.id:
            assert not msg.fuzzy, f"fuzzy Spanish string: {msg.id!r}"
            assert msg.string, f"missing Spanish string: {msg.id!r}"
            translated[msg.id] = msg.string
    assert set(translated) == template


def test_placeholders_survive_translation():
    with open(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        for msg in read_po(f):
            if msg.id:
                for name in ("%(service)s", "%(city)s", "%(limit)d"):
                    assert (name in msg.id) == (name in msg.string), msg.id
