"""Bilingual community-resource chatbot: one engine, one blueprint per channel.

The app factory wires the layers together (ARCHITECTURE.md): bot.platform under
everything, the conversation engine (bot.engine) and the directory (bot.directory),
bot.services between them and their users, then the channels (bot.channels), the
staff pages (bot.staff) and staff insight (bot.insight). Nothing imports this module
but the WSGI server and `flask --app bot`.
"""

import os

from flask import Flask

from .platform.config import DEFAULTS, _instance_secret


def create_app(test_config=None) -> Flask:
    from .platform.db import private_files

    private_files()  # before anything below makes a file (docs/operations.md)
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("BOT")
    if test_config is not None:
        app.config.update(test_config)
    from . import production
    from .platform import bounds, request_log

    bounds.init_app(app)  # <int:...> in every route, before any blueprint adds one

    request_log.init_app(app)  # first, so its request id and request line wrap the rest
    production.check(app)  # before any secret falls back to a file in instance/
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("DATABASE"):
        app.config["DATABASE"] = os.path.join(app.instance_path, "bot.sqlite3")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app, "secret_key")

    from . import cli, health, services
    from .channels import chat, sms
    from .platform import backup, db, errors, i18n
    from .staff import admin

    db.init_app(app)
    backup.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    from .platform import security  # headers on every response, errors and static files included

    security.init_app(app)
    cli.init_app(app)
    services.build(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(chat.bp)
    from .channels import api_spec  # GET /api/openapi.json

    app.register_blueprint(api_spec.bp)
    app.register_blueprint(sms.bp)
    # Staff insight adds its pages to the staff blueprint before it is registered; the
    # staff pages import nothing from insight (tests/test_layers.py).
    from . import insight
    from .insight import views as insight_views  # noqa: F401 (registers the views)

    admin.init_app(app)
    insight.init_app(app)  # the queue and counts hooks, learned patterns, its CLI
    from .channels import widget  # /chat, /widget.js, CORS for /api/chat

    app.register_blueprint(widget.bp)
    from .platform import privacy, retention  # /privacy; the purge, its schedule, `flask purge`

    retention.init_app(app)
    app.register_blueprint(privacy.bp)
    return app
