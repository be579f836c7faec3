"""Gunicorn settings for the Procfile and `make run`; every value can be overridden by env."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Two threads each: the app is CPU-bound under one GIL per worker, and on 2 cores four
# threads spent their time handing the GIL over (`make load`: 750-876 req/s with 4,
# 900-935 with 2, p99 alike). Keep-alive connections wait in gunicorn's poller, not
# in a thread.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = 30
# Migrations and seeding run once in the master before workers fork.
preload_app = True
# X-Forwarded-* are trusted in one place only: the app's ProxyFix, for exactly
# BOT_PROXY_FIX proxies (bot/channels/sms/settings.py). Gunicorn's default trusts
# X-Forwarded-Proto from 127.0.0.1 and ::1, so with PROXY_FIX=0 anything on the host
# (or a local proxy passing the client's header through) could make plain http look
# like https. With PROXY_FIX=N the app reads scheme, host and client address from the
# N proxies itself. Either way gunicorn trusts no address (and FORWARDED_ALLOW_IPS in
# the environment is not read): set here, never left to its default.
forwarded_allow_ips = ""

# Logs: JSON lines on stderr, gunicorn's and the app's alike (bot/platform/request_log.py).
# Gunicorn's access log stays off: it would carry client addresses, raw paths and query
# strings. The app writes its own redacted request line, with the request id, instead.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "bot.platform.request_log.JsonFormatter"}},
    "filters": {"redact": {"()": "bot.platform.request_log.RedactFilter"}},
    "handlers": {
        "stderr": {
            "class": "bot.platform.request_log.StderrHandler",
            "formatter": "json",
            "filters": ["redact"],
        },
    },
    "root": {"level": os.environ.get("BOT_LOG_LEVEL", "INFO"), "handlers": ["stderr"]},
    "loggers": {
        # No level here: gunicorn sets it from `loglevel` just before.
        "gunicorn.error": {"handlers": [], "propagate": True},
        # Setting logconfig_dict turns gunicorn's access logger on; keep it silent.
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}
