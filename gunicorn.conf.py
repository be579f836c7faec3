"""Gunicorn settings for the Procfile and `make run`; every value can be overridden by env."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
# Access logs would carry client addresses and paths; none is written. Structured,
# redacted request logs are issue 6's work.
accesslog = None
errorlog = "-"
# Migrations and seeding run once in the master before workers fork.
preload_app = True
