"""`flask insight-export-patterns`: fold the patterns staff learned into intents/*.yaml.

The learned_patterns table answers residents at once; the YAML files are where the
team reviews data. The export prints, per intent and language, the patterns the
files do not hold yet, ready to paste under `patterns:`; after `flask check-intents`
passes, `--prune` deletes the rows the files now hold (audited as cli:<user>).
"""

from __future__ import annotations

import getpass

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext

from ..engine.knowledge import KnowledgeError, load
from ..platform.db import connect
from . import learned


def _files_knowledge():
    try:
        return load(current_app.config["INTENTS_DIR"], current_app.config["RESOURCES_DIR"])
    except KnowledgeError as exc:
        raise click.ClickException(
            "intents/ does not validate; fix it first (flask check-intents):\n"
            + "\n".join(exc.problems)
        ) from None


@click.command("insight-export-patterns")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write the YAML here instead of the terminal.")  # fmt: skip
@click.option("--prune", is_flag=True,
              help="Delete learned patterns that intents/*.yaml now holds for the same intent.")
@with_appcontext
def export_patterns(output, prune):
    """Learned patterns not yet in intents/*.yaml, as YAML to paste; --prune the folded ones."""
    knowledge = _files_knowledge()
    in_files = learned.owners(knowledge)
    db = connect(current_app.config["DATABASE"])
    try:
        rows = learned.listing(db)
        pending: dict[str, dict[str, list[str]]] = {}
        folded, conflicts = [], []
        for row in rows:
            owner = in_files.get(learned.key(row["pattern"]))
            if owner == row["intent"]:
                folded.append(row)
            elif owner:
                conflicts.append((row, owner))
            else:
                pending.setdefault(row["intent"], {}).setdefault(row["lang"], []).append(
                    row["pattern"]
                )
        output.write(
            "# Learned patterns not yet in intents/*.yaml (flask insight-export-patterns).\n"
            "# Add each list to the `patterns:` of that language in intents/<intent>.yaml,\n"
            "# run `flask check-intents`, then `flask insight-export-patterns --prune`.\n"
        )
        if pending:
            output.write(yaml.safe_dump(pending, allow_unicode=True, sort_keys=True, width=1000))
        else:
            output.write("# (none)\n")
        for row, owner in conflicts:
            click.echo(f"conflict: {row['pattern']!r} is learned for {row['intent']} but "
                       f"intents/{owner}.yaml has it; the files win (remove it on the "
                       "staff page)", err=True)  # fmt: skip
        if prune and folded:
            actor = f"cli:{getpass.getuser()}"
            with db.atomic():
                for row in folded:
                    learned.remove(db, row["id"], actor=actor, staff_id=None)
            click.echo(f"pruned {len(folded)} learned pattern(s) now in intents/", err=True)
        elif folded:
            click.echo(f"{len(folded)} learned pattern(s) are already in intents/; "
                       "--prune deletes them", err=True)  # fmt: skip
    finally:
        db.conn.close()


def init_app(app) -> None:
    app.cli.add_command(export_patterns)
