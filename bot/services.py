"""What a request needs from the app: the engine, the session codec, the listings.

Blueprints call these instead of reaching into `app.extensions`, so tests and
channels share one way in, and a channel can register a hook that sees every turn
(staff insight counts, the unanswered-questions queue).

The seam between the layers: it builds the engine (bot.engine) and hands it the
directory's listings (bot.directory) at each turn, so neither imports the other's
callers. May import: bot.platform, bot.engine and bot.directory; the channels, the
staff pages and insight import it. tests/test_layers.py checks it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from flask import current_app, g

from .directory import listings as directory
from .engine.knowledge import KnowledgeError, load
from .engine.sessions import SessionCodec
from .engine.turn import Engine
from .platform.db import get_db

_EXT = "bot"


class NotReady(Exception):
    """The data files failed validation; the app answers 503 until they are fixed."""


def build(app) -> None:
    """Load and validate the data files; keep the problems if they do not fit."""
    state = {"engine": None, "problems": [], "turn_hooks": [], "keyword_hooks": [],
             "patterns": None, "patterns_version": None, "rebuild": threading.Lock(),
             "listings": directory.ListingsCache()}  # fmt: skip
    try:
        knowledge = load(app.config["INTENTS_DIR"], app.config["RESOURCES_DIR"])
        service_file = Path(app.config["RESOURCES_DIR"]) / "service.yaml"
        with open(service_file, encoding="utf-8") as f:
            service = yaml.safe_load(f)
        state["engine"] = Engine(knowledge, service, app.config["LISTINGS_PER_ANSWER"],
                                 model_dir=model_dir_of(app))
        state["knowledge"], state["service"] = knowledge, service
    except KnowledgeError as exc:
        state["problems"] = exc.problems
        for problem in exc.problems:
            app.logger.error("intent data: %s", problem)
    state["codec"] = SessionCodec(
        app.config["SECRET_KEY"], app.config["CHAT_SESSION_MAX_AGE"], app.config["LANGUAGES"]
    )
    app.extensions[_EXT] = state


def model_dir_of(app) -> Path:
    """Fitted models are cached by their data's hash in the instance folder (never
    committed: `flask train` or the first start fits them from intents/)."""
    return Path(app.config.get("MODEL_DIR") or Path(app.instance_path) / "models")


def _state() -> dict:
    return current_app.extensions[_EXT]


def engine() -> Engine:
    state = _state()
    if state["engine"] is None:
        from .platform.errors import ApiError, _messages

        raise ApiError(503, *_messages()[503])
    if state["patterns"] is not None and not g.get("_patterns_checked"):
        g._patterns_checked = True  # once per request: one small SELECT
        _refresh(state)
    return state["engine"]


def learn_from(source) -> None:
    """Let `source` add patterns to the data files' (the patterns staff learn from the
    unanswered questions, bot/insight). `source.version(db)` is a number that changes
    with every change, checked once per request, so every worker rebuilds its matcher
    on the first request after a change; `source.apply(knowledge, db)` returns the
    knowledge with the patterns added."""
    state = current_app.extensions[_EXT]
    state["patterns"], state["patterns_version"] = source, None


def _refresh(state: dict) -> None:
    source, db = state["patterns"], get_db()
    try:
        version = source.version(db)
    except Exception:  # e.g. a database not upgraded yet: answer from the data files
        if not state.get("patterns_unreadable"):
            state["patterns_unreadable"] = True
            current_app.logger.exception("learned patterns: cannot read their version")
        return
    if version == state["patterns_version"]:
        return
    with state["rebuild"]:  # one rebuild per worker, not one per thread
        if version == state["patterns_version"]:
            return
        try:
            knowledge = source.apply(state["knowledge"], db)
            state["engine"] = Engine(knowledge, state["service"],
                                     current_app.config["LISTINGS_PER_ANSWER"],
                                     model_dir=model_dir_of(current_app))  # fmt: skip
        except Exception:
            # The engine built before keeps answering; tried again at the next change.
            current_app.logger.exception("learned patterns (version %s) not applied", version)
        state["patterns_version"] = version


def ready() -> bool:
    return _state()["engine"] is not None


def session_codec() -> SessionCodec:
    return _state()["codec"]


def listings(categories: list[str], lang: str, limit: int, intent: str | None = None) -> list[dict]:
    return _state()["listings"].listings_for(get_db(), categories, lang, limit, intent=intent)


def on_turn(hook) -> None:
    """Register `hook(channel, message, reply)`, called after every answered message.

    `message` is what the resident wrote: a hook must not keep or log it as it is
    (the unanswered-questions queue scrubs it first)."""
    current_app.extensions[_EXT]["turn_hooks"].append(hook)


def after_turn(channel: str, message: str, reply) -> None:
    for hook in _state()["turn_hooks"]:
        hook(channel, message, reply)


def on_keyword(hook) -> None:
    """Register `hook(channel, kind, lang)`, called after an SMS opt-out or opt-in that
    never reached the engine (a keyword such as STOP or PARAR). No sender is passed."""
    current_app.extensions[_EXT]["keyword_hooks"].append(hook)


def after_keyword(channel: str, kind: str, lang: str | None) -> None:
    for hook in _state()["keyword_hooks"]:
        hook(channel, kind, lang)
