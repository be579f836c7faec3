"""Start the app exactly as the Procfile's `web:` line does, on a free loopback port.

Used by tests that must see real gunicorn workers (several processes sharing the
SQLite file), not the Flask test client. `make load` starts it the same way
(bench/load_server.py), so both share its helpers.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

from bench.load_server import (
    ROOT,
    free_port,
    platform_env,
    procfile_command,
    stop,
    wait_healthy,
)

__all__ = ["ROOT", "free_port", "live_server", "procfile_command"]


@contextmanager
def live_server(env: dict[str, str], workers: int = 2, log_path: Path | None = None):
    """Yield the base URL of gunicorn started from the Procfile with `env` added."""
    port = free_port()
    full_env = platform_env(
        {"PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers), **env}
    )
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        procfile_command("web"),
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, base, 30, log_path)
        yield base
    finally:
        stop(proc)
        if log_path:
            log.close()
