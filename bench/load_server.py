"""The app as a platform runs it, for `make load`: the Procfile's `release:` then `web:`.

Both lines are read from the Procfile and run with the virtualenv's PATH, so the
load test measures what a deployment runs, not a copy of it. The server is stopped
on every way out: a normal end, an exception, Ctrl-C, SIGTERM (bench/load.py turns it
into SystemExit), and even a SIGKILL of the load test (PR_SET_PDEATHSIG makes the
kernel send the gunicorn master SIGTERM when its parent dies).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


APP_SPEC = "bot:create_app()"


def procfile_command(kind: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return shlex.split(command.strip())
    raise LookupError(f"no {kind}: line in Procfile")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def platform_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment with the virtualenv's bin first on PATH, as `make run` has it."""
    env = {**os.environ, **extra}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def gunicorn_settings(env: dict[str, str]) -> dict:
    """The settings gunicorn.conf.py yields under `env` (workers, threads, worker class)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: conf.get(k) for k in ("workers", "threads", "worker_class", "timeout",
                                     "keepalive", "preload_app")}  # fmt: skip


def run_release(env: dict[str, str]) -> None:
    """The Procfile's `release:` step, as a platform runs it before starting `web:`."""
    done = subprocess.run(procfile_command("release"), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, start_new_session=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"release step failed ({done.returncode}): {done.stderr[-2000:]}")


def create_staff(env: dict[str, str], email: str, password: str) -> None:
    """`flask staff-create`, the documented way; the password goes to its prompt on stdin.

    A new session has no controlling terminal, so the hidden prompt reads stdin
    instead of /dev/tty and the password never appears in an argument list.
    """
    done = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "bot", "staff-create", email],
        cwd=ROOT, env=env, input=f"{password}\n{password}\n", capture_output=True, text=True,
        timeout=60, start_new_session=True,
    )  # fmt: skip
    if done.returncode or "Created staff account" not in done.stdout:
        raise RuntimeError(f"flask staff-create failed: {done.stdout[-500:]} {done.stderr[-500:]}")


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the load test's process dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: Ctrl-C and errors are still handled
        pass


def process_tree(pid: int) -> list[int]:
    """`pid` and its children (the gunicorn master and its workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks


@contextmanager
def procfile_server(env: dict[str, str], log_path: Path, app: str | None = None):
    """Yield (base URL, gunicorn master pid) of the Procfile's `web:` on a free loopback port.

    `app` replaces the Procfile's app spec (bench/floor.py), nothing else."""
    port = free_port()
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
    command = procfile_command("web")
    if app is not None:
        command = [app if arg == APP_SPEC else arg for arg in command]
        if app not in command:
            raise RuntimeError(f"the Procfile's web: line has no {APP_SPEC}")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=_die_with_parent)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(proc, base, 60, log_path)
            yield base, proc.pid
        finally:
            stop(proc)


def wait_healthy(proc: subprocess.Popen, base: str, seconds: float, log_path=None) -> None:
    """Return once `base`/healthz answers 200; raise if gunicorn exits or takes too long."""
    where = f"; see {log_path}" if log_path else ""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}{where}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not become healthy in {seconds:g} s{where}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the whole process group (graceful), SIGKILL it if that takes over 15 s."""
    with contextlib.suppress(ProcessLookupError):  # also reaches orphaned workers
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
