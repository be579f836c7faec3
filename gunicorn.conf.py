"""Gunicorn settings for the Procfile and `make run`; every value can be overridden by env."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
# Access logs would carry query strings and client addresses; the app logs its own
# redacted request line instead (see bot/logs.py).
accesslog = None
errorlog = "-"
# Migrations and seeding run once in the master before workers fork.
preload_app = True
