"""What a request needs from the app: the engine, the session codec, the listings.

Blueprints call these instead of reaching into `app.extensions`, so tests and
channels share one way in, and a channel can register a hook that sees every turn
(staff insight counts, the unanswered-questions queue).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import current_app

from . import directory
from .db import get_db
from .engine import Engine
from .knowledge import KnowledgeError, load
from .sessions import SessionCodec

_EXT = "bot"


class NotReady(Exception):
    """The data files failed validation; the app answers 503 until they are fixed."""


def build(app) -> None:
    """Load and validate the data files; keep the problems if they do not fit."""
    state = {"engine": None, "problems": [], "turn_hooks": []}
    try:
        knowledge = load(app.config["INTENTS_DIR"], app.config["RESOURCES_DIR"])
        service_file = Path(app.config["RESOURCES_DIR"]) / "service.yaml"
        with open(service_file, encoding="utf-8") as f:
            service = yaml.safe_load(f)
        state["engine"] = Engine(knowledge, service, app.config["LISTINGS_PER_ANSWER"])
    except KnowledgeError as exc:
        state["problems"] = exc.problems
        for problem in exc.problems:
            app.logger.error("intent data: %s", problem)
    state["codec"] = SessionCodec(
        app.config["SECRET_KEY"], app.config["CHAT_SESSION_MAX_AGE"], app.config["LANGUAGES"]
    )
    app.extensions[_EXT] = state


def _state() -> dict:
    return current_app.extensions[_EXT]


def engine() -> Engine:
    eng = _state()["engine"]
    if eng is None:
        from .errors import ApiError, _messages

        raise ApiError(503, *_messages()[503])
    return eng


def ready() -> bool:
    return _state()["engine"] is not None


def session_codec() -> SessionCodec:
    return _state()["codec"]


def listings(categories: list[str], lang: str, limit: int, intent: str | None = None) -> list[dict]:
    return directory.listings_for(get_db(), categories, lang, limit, intent=intent)


def on_turn(hook) -> None:
    """Register `hook(channel, reply)`, called after every answered message."""
    current_app.extensions[_EXT]["turn_hooks"].append(hook)


def after_turn(channel: str, reply) -> None:
    for hook in _state()["turn_hooks"]:
        hook(channel, reply)
