"""`flask` commands that do not belong to one channel."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .knowledge import KnowledgeError, load


@click.command("check-intents")
@with_appcontext
def check_intents_command():
    """Validate intents/, the lexicon and resources/statements.yaml; list every fault."""
    try:
        knowledge = load(current_app.config["INTENTS_DIR"], current_app.config["RESOURCES_DIR"])
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None
    patterns = sum(
        len(i.lang[lang]["patterns"]) for i in knowledge.intents.values() for lang in i.lang
    )
    click.echo(
        f"OK: {len(knowledge.intents)} intents, {patterns} patterns, "
        f"{len(knowledge.statements)} statements"
    )


def init_app(app) -> None:
    app.cli.add_command(check_intents_command)
