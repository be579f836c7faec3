"""`make load`: the app as the Procfile runs it, under residents' traffic and a staff editor.

Method (docs/figures.md): a platform's steps first (`release:`, `flask staff-create`,
then `web:` on a loopback port with a fresh database and real secrets). Then, from
this process, over loopback:

1. baseline: GET /healthz, closed loop: the same gunicorn doing next to nothing;
2. the mix, closed loop (each connection sends as soon as it has its answer): the
   most the machine sustains, with the staff member editing throughout;
3. the mix, open loop at a fixed rate (default 75% of 2.): requests start on a
   schedule whatever the answers do, latency counted from the scheduled start,
   which is the honest p50/p99 at a load the machine can carry.

Then the server is stopped and every staff edit is checked in the database. Exit 1
when a target is missed (any error, p99 >= 100 ms, the mix slower than half the
baseline, an edit lost or changed), saying which.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from .load_server import (
    cpu_seconds,
    create_staff,
    gunicorn_settings,
    machine_busy,
    platform_env,
    process_tree,
    procfile_server,
    run_release,
)
from .load_staff import Staff, snapshot, verify_edits
from .load_traffic import (
    Corpus,
    Recorder,
    closed_loop,
    conversation_lengths,
    healthz_like,
    open_loop,
)

PUBLIC = "https://sms.load.test"
EMAIL = "load.staff@tucsonaz.gov"
# Every request comes from 127.0.0.1, so a per-address limit would be what is measured.
NO_CHAT_LIMIT = "1000000000"
LOG_PROBLEMS = re.compile(r"Traceback|WORKER TIMEOUT|\bCRITICAL\b|\bERROR\b")


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=_env_float("LOAD_DURATION", 40),
                   help="seconds of the open-loop run (env LOAD_DURATION, 40)")
    p.add_argument("--probe", type=float, default=_env_float("LOAD_PROBE", 15),
                   help="seconds of each closed-loop run (env LOAD_PROBE, 15)")
    p.add_argument("--warmup", type=float, default=_env_float("LOAD_WARMUP", 3),
                   help="seconds of unrecorded traffic first (env LOAD_WARMUP, 3)")
    p.add_argument("--rate", type=float, default=_env_float("LOAD_RATE", 0),
                   help="open-loop requests/s (env LOAD_RATE; default: --fraction of the "
                        "closed-loop mix throughput)")
    p.add_argument("--fraction", type=float, default=_env_float("LOAD_RATE_FRACTION", 0.75),
                   help="open-loop rate as a share of the measured maximum (0.75)")
    p.add_argument("--concurrency", type=int,
                   default=int(_env_float("LOAD_CONCURRENCY", 16)),
                   help="connections in the closed-loop runs (env LOAD_CONCURRENCY, 16)")
    p.add_argument("--open-connections", type=int,
                   default=int(_env_float("LOAD_OPEN_CONNECTIONS", 64)),
                   help="connections sharing the open-loop schedule (64)")
    p.add_argument("--chat-share", type=float, default=_env_float("LOAD_CHAT_SHARE", 0.6),
                   help="share of residents on the web chat; the rest text (0.6)")
    p.add_argument("--staff-think", type=float, default=_env_float("LOAD_STAFF_THINK", 0.2),
                   help="seconds the staff member pauses between edits (0.2)")
    p.add_argument("--p99-ms", type=float, default=100.0, help="target p99 (100 ms)")
    p.add_argument("--max-ratio", type=float, default=2.0,
                   help="target: baseline throughput / mix throughput at most this (2)")
    p.add_argument("--floor", action="store_true", default=bool(os.environ.get("LOAD_FLOOR")),
                   help="canned chat and SMS answers (bench/floor.py): what a POST costs "
                        "before the bot's work; not a test of the bot (env LOAD_FLOOR)")
    p.add_argument("--keep", default=os.environ.get("LOAD_KEEP"),
                   help="keep the database and gunicorn log in this directory")
    p.add_argument("--json", default=os.environ.get("LOAD_JSON"),
                   help="also write the figures to this JSON file")
    return p.parse_args(argv)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q% of them at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class Meter:
    """CPU spent by this client, by the gunicorn processes and by the whole machine."""

    def __init__(self, master_pid: int):
        self.master_pid = master_pid

    def __enter__(self):
        self.pids = process_tree(self.master_pid)
        self.t0, self.client0 = time.perf_counter(), time.process_time()
        self.server0, self.machine0 = cpu_seconds(self.pids), machine_busy()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.client = time.process_time() - self.client0
        self.server = cpu_seconds(self.pids) - self.server0
        busy, total = machine_busy()
        self.machine = busy - self.machine0[0]
        self.cores = (total - self.machine0[1]) / self.wall
        return False


def summarise(name: str, rec: Recorder, meter: Meter, extra: dict | None = None) -> dict:
    kinds = sorted(rec.latencies)
    every = [v for k in kinds for v in rec.latencies[k]]
    requests = rec.count()
    per = {k: {"count": len(rec.latencies[k]), "errors": rec.errors.get(k, 0),
               "p50_ms": pct(rec.latencies[k], 50), "p99_ms": pct(rec.latencies[k], 99),
               "max_ms": max(rec.latencies[k])} for k in kinds}  # fmt: skip
    for k, n in rec.errors.items():
        per.setdefault(k, {"count": 0, "errors": n, "p50_ms": math.nan, "p99_ms": math.nan,
                           "max_ms": math.nan})  # fmt: skip
    residents = sum(len(v) for k, v in rec.latencies.items() if not k.startswith("staff")) \
        + sum(n for k, n in rec.errors.items() if not k.startswith("staff"))  # fmt: skip
    return {
        "phase": name, "seconds": round(meter.wall, 2), "requests": requests,
        "rps": requests / meter.wall, "resident_rps": residents / meter.wall,
        "errors": sum(rec.errors.values()),
        "error_samples": rec.samples, "p50_ms": pct(every, 50), "p99_ms": pct(every, 99),
        "max_ms": max(every) if every else math.nan, "kinds": per,
        "client_cpu_us_per_request": meter.client / max(requests, 1) * 1e6,
        "client_cores": meter.client / meter.wall,
        "server_cpu_ms_per_request": meter.server / max(requests, 1) * 1e3,
        "server_cores": meter.server / meter.wall,
        "machine_busy_cores": meter.machine / meter.wall, "machine_cores": meter.cores,
        "late_sends_ms_p99": pct(rec.late, 99) if rec.late else 0.0,
        **(extra or {}),
    }  # fmt: skip


def print_phase(s: dict) -> None:
    print(f"\n== {s['phase']}")
    print(f"   {s['requests']} requests in {s['seconds']:.1f} s = {s['rps']:.0f} req/s; "
          f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, max {s['max_ms']:.1f} ms; "
          f"errors {s['errors']}")  # fmt: skip
    print(f"   {'kind':<16}{'count':>7}{'errors':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, k in s["kinds"].items():
        print(f"   {kind:<16}{k['count']:>7}{k['errors']:>7}{k['p50_ms']:>9.1f}"
              f"{k['p99_ms']:>9.1f}{k['max_ms']:>9.1f}")  # fmt: skip
    print(f"   CPU: client {s['client_cpu_us_per_request']:.0f} µs/request "
          f"({s['client_cores']:.2f} cores), gunicorn {s['server_cpu_ms_per_request']:.2f} "
          f"ms/request ({s['server_cores']:.2f} cores), whole machine "
          f"{s['machine_busy_cores']:.2f} of {s['machine_cores']:.0f} cores busy "
          f"(other processes: {max(0.0, s['machine_busy_cores'] - s['client_cores'] - s['server_cores']):.2f})")  # noqa: E501
    if "target_rps" in s:
        print(f"   schedule: {s['target_rps']:.0f} resident req/s asked, "
              f"{s['resident_rps']:.0f} sent (+ the staff member's); "
              f"p99 lateness of a send {s['late_sends_ms_p99']:.1f} ms")  # fmt: skip
    for sample in s["error_samples"][:10]:
        print(f"   error: {sample}")


def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bot-load-"))
    db_path = tmp / "bot.sqlite3"
    password = secrets.token_urlsafe(18)
    token = secrets.token_hex(16)
    env = platform_env({
        "BOT_DATABASE": str(db_path),
        "BOT_SECRET_KEY": secrets.token_urlsafe(32),
        "BOT_SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "BOT_TWILIO_AUTH_TOKEN": token,
        "BOT_PUBLIC_BASE_URL": PUBLIC,
        # 0 turns the counter off, to measure what counting costs.
        "BOT_CHAT_RATE_LIMIT_PER_MINUTE": os.environ.get("BOT_CHAT_RATE_LIMIT_PER_MINUTE",
                                                         NO_CHAT_LIMIT),
        # Plain http on loopback; a deployment is behind TLS and keeps the Secure cookie.
        "BOT_SESSION_COOKIE_SECURE": "false",
    })  # fmt: skip
    settings = gunicorn_settings(env)
    print(f"gunicorn from the Procfile: workers={settings['workers']} "
          f"threads={settings['threads']} worker_class={settings['worker_class']} "
          f"keepalive={settings['keepalive'] or 2} s (WEB_CONCURRENCY="
          f"{os.environ.get('WEB_CONCURRENCY', 'unset')}, GUNICORN_THREADS="
          f"{os.environ.get('GUNICORN_THREADS', 'unset')}); {os.cpu_count()} CPUs; "
          f"files in {tmp}")  # fmt: skip
    try:
        return _run(args, env, settings, tmp, password, token)
    finally:
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for f in tmp.iterdir():
                shutil.copy2(f, keep / f.name)
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, env: dict, settings: dict, tmp: Path, password: str, token: str) -> int:
    db_path, log_path = tmp / "bot.sqlite3", tmp / "gunicorn.log"
    run_release(env)
    create_staff(env, EMAIL, password)
    before = snapshot(db_path)
    listing_ids = sorted(i for i, row in before.items() if row["status"] == "active")

    phases: list[dict] = []
    staff: Staff | None = None
    staff_thread = None
    app = "bench.floor:create_app()" if args.floor else None
    if args.floor:
        print("FLOOR: the chat and SMS views answer at once with canned replies (bench/floor.py)")
    with procfile_server(env, log_path, app) as (base, master):
        host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
        workers = process_tree(master)[1:]
        corpus = Corpus(token, PUBLIC + "/sms")

        def mix(i):
            return corpus.residents(random.Random(f"{time.time_ns()}-{i}"), args.chat_share)

        current = {"rec": Recorder()}
        closed_loop(host, port, mix, current["rec"], args.concurrency, args.warmup)
        warmup_errors = current["rec"]

        lengths = conversation_lengths(mix(-1), 20000)
        rec = Recorder()
        with Meter(master) as m:
            closed_loop(host, port, lambda i: healthz_like(lengths, i * 997), rec,
                        args.concurrency, args.probe)  # fmt: skip
        phases.append(summarise(f"baseline: GET /healthz, closed loop, {args.concurrency} "
                                f"connections", rec, m))  # fmt: skip
        print_phase(phases[-1])

        current["rec"] = rec = Recorder()
        staff = Staff(host, port, EMAIL, password, listing_ids, lambda: current["rec"],
                      think_seconds=args.staff_think)  # fmt: skip
        staff_thread = threading.Thread(target=staff.run, daemon=True)
        staff_thread.start()
        with Meter(master) as m:
            closed_loop(host, port, mix, rec, args.concurrency, args.probe)
        phases.append(summarise(f"mix, closed loop, {args.concurrency} connections + staff",
                                rec, m))  # fmt: skip
        print_phase(phases[-1])

        rate = args.rate or args.fraction * phases[-1]["rps"]
        current["rec"] = rec = Recorder()
        with Meter(master) as m:
            open_loop(host, port, mix, rec, rate, args.duration, args.open_connections)
        label = "" if args.rate else f" ({args.fraction:.0%} of the closed-loop mix)"
        phases.append(summarise(f"mix, open loop at {rate:.0f} req/s{label} + staff", rec, m,
                                {"target_rps": rate}))  # fmt: skip
        print_phase(phases[-1])
        staff.stop.set()
        staff_thread.join(timeout=30)
        restarted = sorted(set(workers) - set(process_tree(master)[1:]))

    # After shutdown: the database as the server left it, and the server's own log.
    problems = verify_edits(db_path, before, staff.edits, EMAIL)
    log_lines = [line for line in log_path.read_text(errors="replace").splitlines()
                 if LOG_PROBLEMS.search(line)]  # fmt: skip
    base_rps, mix_rps, open_phase = phases[0]["rps"], phases[1]["rps"], phases[2]

    print(f"\n== staff edits: {len(staff.edits)} saved through the pages"
          f"{'' if staff.failure is None else ' then stopped: ' + staff.failure}; after "
          f"shutdown {'all present and intact' if not problems else 'PROBLEMS:'}")  # fmt: skip
    for problem in problems[:20]:
        print(f"   {problem}")
    cpu_ratio = phases[1]["server_cpu_ms_per_request"] / phases[0]["server_cpu_ms_per_request"]
    print(f"== throughput: mix {mix_rps:.0f} req/s, /healthz {base_rps:.0f} req/s: "
          f"baseline/mix = {base_rps / mix_rps:.2f}x (gunicorn CPU per request: mix "
          f"{cpu_ratio:.2f}x /healthz; other processes do not skew this one)")  # fmt: skip

    failures = []
    errors = sum(p["errors"] for p in phases) + sum(warmup_errors.errors.values())
    if errors:
        failures.append(f"{errors} errors (see above)")
    for kind, k in open_phase["kinds"].items():
        if not k["p99_ms"] < args.p99_ms:
            failures.append(f"open loop: {kind} p99 {k['p99_ms']:.1f} ms >= {args.p99_ms:.0f}")
    if not open_phase["p99_ms"] < args.p99_ms:
        failures.append(f"open loop: overall p99 {open_phase['p99_ms']:.1f} ms >= "
                        f"{args.p99_ms:.0f}")  # fmt: skip
    if open_phase["resident_rps"] < 0.95 * open_phase["target_rps"]:
        failures.append(f"open loop sent {open_phase['resident_rps']:.0f} req/s of "
                        f"{open_phase['target_rps']:.0f}: the client fell behind")  # fmt: skip
    if base_rps / mix_rps > args.max_ratio:
        failures.append(f"throughput: /healthz is {base_rps / mix_rps:.2f}x the mix "
                        f"(target at most {args.max_ratio:g}x)")  # fmt: skip
    if not staff.edits:
        failures.append("the staff member saved no edit")
    if problems:
        failures.append(f"{len(problems)} problems with the staff edits")
    if restarted:
        failures.append(f"gunicorn workers {restarted} died or were restarted during the run")
    if log_lines:
        failures.append(f"{len(log_lines)} error lines in the gunicorn log, e.g. {log_lines[0]}")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "gunicorn": settings, "cpus": os.cpu_count(), "floor": args.floor, "phases": phases,
            "ratio": base_rps / mix_rps, "cpu_ratio": cpu_ratio, "staff_edits": len(staff.edits),
            "edit_problems": problems, "failures": failures}, indent=2, default=str))  # fmt: skip
    if args.floor:
        print("\nFLOOR run: the chat and SMS answers were canned; these are not the bot's "
              "figures (docs/figures.md)")  # fmt: skip
    if failures:
        print("\nFAIL:\n  " + "\n  ".join(failures))
        return 1
    print(f"\nPASS: no errors, open-loop p99 {open_phase['p99_ms']:.1f} ms < "
          f"{args.p99_ms:.0f} ms at {open_phase['rps']:.0f} req/s, baseline/mix "
          f"{base_rps / mix_rps:.2f}x <= {args.max_ratio:g}x, {len(staff.edits)} staff "
          f"edits intact")  # fmt: skip
    return 0


def main(argv=None) -> int:
    # Ctrl-C raises KeyboardInterrupt even when started from a shell that ignores
    # SIGINT in background jobs; SIGTERM (make interrupted, CI cancelled) unwinds
    # the same way, so gunicorn is stopped on both.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(parse_args(argv))
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:  # the app would not start: say why, not where
        print(f"\nFAIL: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
