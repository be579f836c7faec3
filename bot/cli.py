"""`flask` commands that do not belong to one channel."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .engine.knowledge import KnowledgeError, load


@click.command("check-intents")
@with_appcontext
def check_intents_command():
    """Validate intents/, the lexicon and resources/statements.yaml; list every fault."""
    knowledge = _knowledge_or_exit()
    patterns = sum(
        len(i.lang[lang]["patterns"]) for i in knowledge.intents.values() for lang in i.lang
    )
    click.echo(
        f"OK: {len(knowledge.intents)} intents, {patterns} patterns, "
        f"{len(knowledge.statements)} statements"
    )


@click.command("train")
@with_appcontext
def train_command():
    """Fit the intent classifier on intents/ (patterns and training sentences).

    The app fits it by itself at start when the data changed; this does it ahead,
    and says how long it took. The model is cached in the instance folder by the
    hash of the data it was fitted on; it is never committed."""
    import time

    from .engine.matcher import Matcher, fingerprint
    from .services import model_dir_of

    knowledge = _knowledge_or_exit()
    folder = model_dir_of(current_app)
    start = time.perf_counter()
    # The same Matcher the app builds, so the model is fitted on the same features
    # (fitted here, or read from the cache when this data was fitted before).
    models = Matcher(knowledge, model_dir=folder).models
    took = time.perf_counter() - start
    click.echo(f"OK: {len(knowledge.examples)} training sentences and the patterns, "
               f"{len(models.intents.classes)} intents, {len(models.intents.vocabulary)} "
               f"features; model {fingerprint(knowledge)} in {folder} ({took:.1f} s)")  # fmt: skip


def _knowledge_or_exit():
    try:
        return load(current_app.config["INTENTS_DIR"], current_app.config["RESOURCES_DIR"])
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None


def init_app(app) -> None:
    app.cli.add_command(check_intents_command)
    app.cli.add_command(train_command)
