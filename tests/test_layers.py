"""Dependencies point one way (ARCHITECTURE.md): a lower layer never imports a higher one.

Read from the source, not from what happens to be imported at run time: every
`import` and `from ... import` in bot/, at the top of a module or inside a function,
is resolved to the module it names and checked against ALLOWED. A module in a new
place must be given a layer here, so the table stays the map of the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

PLATFORM, ENGINE, DIRECTORY = "bot.platform", "bot.engine", "bot.directory"
SERVICES, CHANNELS, STAFF, INSIGHT = "bot.services", "bot.channels", "bot.staff", "bot.insight"
APP = "app"  # bot/__init__.py (create_app) and the modules that wire every layer together

# Each layer, and what it may import besides itself. Lowest first.
ALLOWED = {
    PLATFORM: set(),
    ENGINE: {PLATFORM},
    DIRECTORY: {PLATFORM, ENGINE},
    SERVICES: {PLATFORM, ENGINE, DIRECTORY},
    CHANNELS: {PLATFORM, ENGINE, DIRECTORY, SERVICES},
    STAFF: {PLATFORM, ENGINE, DIRECTORY, SERVICES},
    INSIGHT: {PLATFORM, ENGINE, DIRECTORY, SERVICES, STAFF},
    APP: {PLATFORM, ENGINE, DIRECTORY, SERVICES, CHANNELS, STAFF, INSIGHT},
}
# Modules directly in bot/ that are not a layer of their own: the app factory, the
# engine's `flask check-intents`/`train` (they need the app's settings and model
# folder), the health probes (schema and a loaded engine) and the production start-up
# check (it reads every layer's settings, the SMS base URL included).
APP_MODULES = {"bot", "bot.cli", "bot.health", "bot.production"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def layer(module: str) -> str | None:
    if module in APP_MODULES:
        return APP
    return next((name for name in ALLOWED if module == name or module.startswith(name + ".")),
                None)  # fmt: skip


def imports(module: str, path: Path, tree: ast.AST | None = None):
    """(imported module, line) for every import of a `bot` module in `path`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree or ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bot" or alias.name.startswith("bot."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "bot" or target.startswith("bot.")):
                continue
            for alias in node.names:  # `from bot.x import y`: y may be a module itself
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno


def violations(module: str, path: Path, tree: ast.AST | None = None) -> list[str]:
    mine = layer(module)
    found = []
    for target, line in imports(module, path, tree):
        theirs = layer(target)
        if theirs != mine and theirs not in ALLOWED[mine]:
            allowed = ", ".join(sorted(ALLOWED[mine])) or "nothing else in bot"
            found.append(f"{path.relative_to(BOT.parent)}:{line}: {module} ({mine}) imports "
                         f"{target} ({theirs}); {mine} may import {allowed}")  # fmt: skip
    return found


def test_every_module_has_a_layer():
    assert MODULES, BOT
    assert [m for m in MODULES if layer(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    assert violations(module, MODULES[module]) == []


def test_the_table_has_no_cycle():
    """Each layer may import only layers listed before it: the order is the layering."""
    order = list(ALLOWED)
    for name, allowed in ALLOWED.items():
        assert allowed <= set(order[: order.index(name)]), name


def test_channels_and_staff_do_not_import_each_other_or_the_app():
    for module, path in MODULES.items():
        if layer(module) in (CHANNELS, STAFF, INSIGHT):
            assert not any(layer(t) == APP for t, _ in imports(module, path)), module
    assert CHANNELS not in ALLOWED[STAFF] and STAFF not in ALLOWED[CHANNELS]


def test_a_forbidden_import_is_caught():
    """The check itself can fail: the engine importing a channel, even inside a function."""
    source = "def f():\n    from ..channels import chat\n    from ..platform import i18n\n"
    found = violations("bot.engine.turn", BOT / "engine" / "turn.py", ast.parse(source))
    assert len(found) == 1 and "bot.channels.chat (bot.channels)" in found[0], found
