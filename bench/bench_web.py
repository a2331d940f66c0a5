"""Web load: a real ``zhen serve`` on the twlaw index, driven by 8
concurrent clients from this (another) process over loopback.

Each client keeps one HTTP/1.1 connection and sends, in turn, the keyword
set of ``bench/keywords.txt`` to ``/api/search`` and to the HTML results
page, until the request budget or the time limit runs out. Reported per
server configuration (worker processes x threads): requests/s, p50/p99
latency, the server's CPU time per request (its processes' user + system
time over the run: the cost of a request, which the other jobs of a shared
machine do not change as they change the rates), errors, and how many
"Task queue depth" warnings the server printed. The baseline is the same
server in the same run as ``zhen serve`` ran before this change (one
process, waitress's 4 threads, no result cache); the ratio is against it.
The keyword set repeats 24 queries, so a server with its result cache
answers nearly all of them from it: the "/nocache" runs show the cost of
searching itself.

    python bench/bench_web.py     # 1x4/nocache (baseline), default/nocache, default
    python bench/bench_web.py --configs 1x4/nocache 1x1/nocache 2x4 --requests 1200

A change to the code is measured against the code before it in the same
run: ``--old DIR`` is a copy of the package before the change (e.g.
``git archive COMMIT zhen | tar -x -C DIR``) and a config ending in ``@old``
runs its server from there (``--configs default/nocache@old
default/nocache``); ``--rounds N`` repeats the configs N times, interleaved,
and reports each config's median round (the machine is shared).
"""

import argparse
import datetime
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from common import ROOT, add_smoke_option, twlaw_or_sample

INDEX = ROOT / "bench" / "out" / "twlaw-zhen"  # shared with bench_search.py
OLD_CODE = None  # --old: the package before a change, for configs ending in @old
KEYWORDS = Path(__file__).resolve().parent / "keywords.txt"


def ensure_index(source, index):
    if not (index / "current").exists():
        from zhen.indexer import update_index

        print(f"building {index} (about a minute) ...", flush=True)
        update_index([source], index=index)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config, index):
    """(process, port) of ``zhen serve`` once it answers; ``config`` is
    WORKERSxTHREADS (e.g. 1x4) or "default", with "/nocache" for a server
    without its result cache (ZHEN_RESULT_CACHE=0)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "zhen",
        "serve",
        "--index",
        str(index),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    config, _, code = config.partition("@")
    shape, _, option = config.partition("/")
    if shape != "default":
        workers, threads = shape.split("x")
        command += ["--workers", workers, "--threads", threads]
    env = dict(os.environ, ZHEN_RESULT_CACHE="0" if option == "nocache" else "256")
    if code == "old":
        env["PYTHONPATH"] = str(OLD_CODE)
    # run from the package's folder: ``python -m`` puts the working
    # directory before PYTHONPATH on the import path
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=OLD_CODE if code == "old" else ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/search?q=x")
            if connection.getresponse().status in (200, 400):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start: " + process.stderr.read())


def paths(keywords):
    """The request mix: each keyword to the API and to the HTML page."""
    out = []
    for word in keywords:
        out.append("/api/search?q=" + quote(word))
        out.append("/?q=" + quote(word))
    return out


def client(port, mix, offset, budget, stop_at, latencies, errors):
    """One client: a keep-alive connection, requests until the budget is
    used or the time is up; latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while time.monotonic() < stop_at and budget.take():
        path = mix[i % len(mix)]
        i += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{response.status} {path}")
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{type(error).__name__} {path}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()


class Budget:
    """A shared request counter."""

    def __init__(self, total):
        self.left, self.lock = total, threading.Lock()

    def take(self):
        with self.lock:
            self.left -= 1
            return self.left >= 0


def drive(port, mix, clients, requests, seconds):
    """(requests/s, latencies, errors) of one load run."""
    latencies, errors = [], []
    budget = Budget(requests)
    started = time.perf_counter()
    stop_at = time.monotonic() + seconds
    workers = [
        threading.Thread(target=client, args=(port, mix, n * 3, budget, stop_at, latencies, errors))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def server_cpu(pid):
    """CPU seconds (user + system) used so far by the server process and its
    worker processes (its children): what a request costs, whatever else
    the shared machine runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # itself, or a child
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def run(config, mix, args, index):
    """Start a server, warm it up (every thread opens the index), load it."""
    process, port = start_server(config, index)
    try:
        # warm-up: every thread opens the index, the mix is seen once per worker
        drive(port, mix, args.clients, max(4 * args.clients, 2 * len(mix)), 60)
        cpu_before = server_cpu(process.pid)
        rate, latencies, errors = drive(port, mix, args.clients, args.requests, args.seconds)
        cpu = server_cpu(process.pid) - cpu_before
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    warnings = stderr.count("Task queue depth")
    return {
        "config": config,
        "rate": rate,
        "n": len(latencies),
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "cpu_ms": 1000 * cpu / max(1, len(latencies)),
        "errors": len(errors),
        "warnings": warnings,
        "sample": errors[:3],
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        default=["1x4/nocache", "default/nocache", "default"],
        help="servers to run: WORKERSxTHREADS or default, /nocache "
        "for no result cache; the first is the baseline "
        "(1x4/nocache: zhen serve before this change, waitress's "
        "4 threads in one process, no cache)",
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--requests", type=int, default=1000, help="requests per run (after a warm-up)"
    )
    parser.add_argument("--seconds", type=float, default=60, help="time limit per run")
    parser.add_argument("--old", type=Path, help="the package before a change (configs @old)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved repeats of the configs")
    add_smoke_option(parser)
    args = parser.parse_args()
    global OLD_CODE
    OLD_CODE = args.old
    if any(c.endswith("@old") for c in args.configs) and not (
        args.old and (args.old / "zhen" / "__init__.py").exists()
    ):
        parser.error("a config @old needs --old DIR holding the package (DIR/zhen)")
    index = INDEX
    if args.smoke:
        index = ROOT / "bench" / "out" / "sample-zhen"
        args.requests, args.seconds, args.configs = 60, 20, args.configs[:1]
    ensure_index(twlaw_or_sample(args), index)
    keywords = [k for k in KEYWORDS.read_text(encoding="utf-8").splitlines() if k.strip()]
    mix = paths(keywords)
    print(
        f"date: {datetime.date.today()}  index: {index}  clients: {args.clients}  "
        f"mix: {len(mix)} requests ({len(keywords)} keywords x API + HTML)"
    )
    rounds = [[run(c, mix, args, index) for c in args.configs] for _ in range(args.rounds)]
    for number, results in enumerate(rounds, 1):
        if args.rounds > 1:
            print(f"round {number}  load: {os.getloadavg()[0]:.1f}")
        report(results)
    if args.rounds > 1:
        print("median round of each config:")
        report([_median(runs) for runs in zip(*rounds)])


def _median(runs):
    """The run of median rate (the lower one of an even number)."""
    return sorted(runs, key=lambda r: r["rate"])[(len(runs) - 1) // 2]


def report(results):
    base = results[0]["rate"]
    for r in results:
        print(
            f"{r['config']:>7}: {r['rate']:6.1f} req/s ({r['rate'] / base:.2f}x)"
            f"  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  CPU {r['cpu_ms']:5.1f} ms/request"
            f"  n {r['n']}"
            f"  errors {r['errors']}  queue warnings {r['warnings']}"
            + (f"  e.g. {r['sample']}" if r["sample"] else "")
        )


if __name__ == "__main__":
    main()
