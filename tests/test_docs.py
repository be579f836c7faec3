"""Every `flask` command the app registers is documented in the README (as sqlite-utils does)."""

import pytest

from bot.platform.config import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands():
    from bot import create_app

    app = create_app({"TESTING": True, "DB_UPGRADE_ON_START": False, "SECRET_KEY": "k",
                      "DATABASE": "/nonexistent/never-opened.sqlite3"})  # fmt: skip
    return sorted(app.cli.commands)


@pytest.mark.parametrize("name", commands())
def test_command_is_in_the_readme_cli_table(name):
    assert f"| `flask {name}" in README, f"add `flask {name}` to the README's CLI table"
