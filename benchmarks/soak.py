"""Soak test of ``exposure serve``: a bounded run of loopback load at 64 connections, then errors, latency
percentiles and the server's memory at start and end, with PASS/FAIL against stated bounds.

The server is started here (``python -m exposure serve`` on a free loopback port, champions from the tracking
store) and every request POSTs the full criminal estimate (band and rules, custodial/probation/fine ranges, drivers,
similar cases) of ``seeds/examples/criminal_case.json``. The load comes from ``wrk`` when it is installed (Debian:
``apt-get install wrk``), else from an asyncio client of the standard library (keep-alive HTTP/1.1, one connection
per task); the report says which. The server's resident memory (RSS, summed over its process tree, from /proc) is
read after start-up, after a warm-up (the "start" figure: imports and allocator pools are settled by then), every
second during the run, and at the end.

PASS when there was no error (socket errors and non-2xx answers) and the RSS grew by at most ``--rss-bound-mb``
(default 50 MB) from start to end.

    python benchmarks/soak.py                                   # EXPOSURE_HOME's store (trains one if empty)
    python benchmarks/soak.py --duration 600 --connections 64 --tracking-uri sqlite:////path/mlflow.db
    python benchmarks/soak.py --tool python --json              # without wrk; machine-readable summary

Run by hand (not in CI): it takes ``--duration`` plus about 20 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import DEFAULT_CASE, ServerProcess, free_port, store_with_champions

PATH = "/v1/criminal/estimate"


# ---------------------------------------------------------------------------------------------------- memory
def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, MB (Linux /proc)."""
    total_kb = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
        todo += _children(current)
    return total_kb / 1024


# ---------------------------------------------------------------------------------------------------- server
def exposure_server(uri: str, port: int, workers: int, log_level: str, log: Path) -> ServerProcess:
    env = {
        **os.environ,
        "EXPOSURE_TRACKING_URI": uri,
        "EXPOSURE_RELOAD_INTERVAL_S": "30",
        "EXPOSURE_API_KEYS": "",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "exposure", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", log_level]
    return ServerProcess(name="exposure serve", command=command, port=port, ready_path="/readyz", env=env, log=log)


# ---------------------------------------------------------------------------------------------------- load
@dataclass
class LoadResult:
    tool: str
    requests: int
    duration_s: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = io.open(os.getenv("SOAK_BODY"), "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SOAK_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"status\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"timeout\\": %d, \\"p50\\": %d, \\"p90\\": %d, \\"p99\\": %d, \\"max\\": %d}\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def run_wrk(wrk: str, url: str, body: Path, connections: int, threads: int, duration: float) -> LoadResult:
    """wrk with a Lua script that POSTs the case and prints the summary as JSON. wrk counts answers with a status
    of 400 or more as "status" errors (no redirects here, so that is every non-2xx answer); no per-response Lua
    callback, which would slow wrk down."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "soak.lua"
        script.write_text(WRK_SCRIPT)
        command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
        command += ["--timeout", "10s", "-s", str(script), url]
        proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "SOAK_BODY": str(body)})
    line = next((x for x in proc.stdout.splitlines() if x.startswith("SOAK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("SOAK_JSON "))
    non_2xx = int(raw["status"])
    return LoadResult(
        tool=f"wrk ({threads} threads)",
        requests=int(raw["requests"]),
        duration_s=raw["duration_us"] / 1e6,
        non_2xx=non_2xx,
        socket_errors=int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
        p50_ms=raw["p50"] / 1000,
        p90_ms=raw["p90"] / 1000,
        p99_ms=raw["p99"] / 1000,
        max_ms=raw["max"] / 1000,
        detail={k: raw[k] for k in ("connect", "read", "write", "timeout")},
    )


async def _one_connection(
    port: int, request: bytes, deadline: float, latencies: list[float], counts: dict[str, int]
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout=10)
            length, close = 0, False
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                    close = True
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            status = int(status_line.split()[1])
            counts["requests"] += 1
            if not 200 <= status <= 299:
                counts["non_2xx"] += 1
            if close:
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            counts["socket_errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def run_python(port: int, body: bytes, connections: int, duration: float, label: str) -> LoadResult:
    """The fallback without wrk: ``connections`` asyncio tasks, each on its own keep-alive connection."""
    request = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    counts = {"requests": 0, "non_2xx": 0, "socket_errors": 0}

    async def main() -> float:
        start = time.monotonic()
        deadline = start + duration
        await asyncio.gather(
            *(_one_connection(port, request, deadline, latencies, counts) for _ in range(connections))
        )
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    ordered = sorted(latencies) or [float("nan")]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return LoadResult(
        tool=label,
        requests=counts["requests"],
        duration_s=elapsed,
        non_2xx=counts["non_2xx"],
        socket_errors=counts["socket_errors"],
        p50_ms=pct(0.50),
        p90_ms=pct(0.90),
        p99_ms=pct(0.99),
        max_ms=ordered[-1] * 1000,
    )


def load(tool: str, port: int, body_path: Path, connections: int, threads: int, duration: float) -> LoadResult:
    wrk = shutil.which("wrk") if tool in ("auto", "wrk") else None
    if tool == "wrk" and wrk is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk); --tool python needs nothing")
    if wrk is not None:
        return run_wrk(wrk, f"http://127.0.0.1:{port}{PATH}", body_path, connections, threads, duration)
    label = "python asyncio client" + (" (wrk not found)" if tool == "auto" else "")
    return run_python(port, body_path.read_bytes(), connections, duration, label)


# ---------------------------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument(
        "--tracking-uri", help="MLflow store with champions (default: EXPOSURE_HOME's; trains if empty)"
    )
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the start figure (default 5)")
    p.add_argument("--connections", type=int, default=64, help="concurrent keep-alive connections (default 64)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    p.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    p.add_argument("--case", type=Path, default=DEFAULT_CASE, help="criminal case JSON to POST")
    p.add_argument("--rss-bound-mb", type=float, default=50.0, help="most RSS growth start->end to PASS (MB)")
    p.add_argument("--log-level", default="warning", help="server log level (info logs a line per request)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="exposure-soak-") as tmp:
        tmp_dir = Path(tmp)
        uri = store_with_champions(args.tracking_uri, tmp_dir)
        port = free_port()
        log = tmp_dir / "server.log"
        server = exposure_server(uri, port, args.workers, args.log_level, log)
        server.start()
        assert server.proc is not None
        proc = server.proc
        try:
            server.wait_ready()
            rss_boot = rss_mb(proc.pid)
            if args.warmup > 0:
                load(args.tool, port, args.case, args.connections, args.threads, args.warmup)
            rss_start = rss_mb(proc.pid)
            samples: list[float] = []
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    samples.append(rss_mb(proc.pid))
                    time.sleep(1.0)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            result = load(args.tool, port, args.case, args.connections, args.threads, args.duration)
            stop.set()
            sampler.join(timeout=5)
            time.sleep(0.5)
            rss_end = rss_mb(proc.pid)
            alive = server.alive()
        finally:
            server.stop()
        unhandled = sum(1 for line in log.read_text(errors="replace").splitlines() if "unhandled" in line)
    growth = rss_end - rss_start
    passed = result.errors == 0 and growth <= args.rss_bound_mb and alive and unhandled == 0
    summary = {
        "tool": result.tool,
        "connections": args.connections,
        "duration_s": round(result.duration_s, 1),
        "requests": result.requests,
        "requests_per_s": round(result.requests / result.duration_s, 1) if result.duration_s else 0.0,
        "errors": result.errors,
        "non_2xx": result.non_2xx,
        "socket_errors": result.socket_errors,
        "latency_ms": {
            "p50": round(result.p50_ms, 2),
            "p90": round(result.p90_ms, 2),
            "p99": round(result.p99_ms, 2),
            "max": round(result.max_ms, 2),
        },
        "rss_mb": {
            "after_start_up": round(rss_boot, 1),
            "start": round(rss_start, 1),
            "peak": round(max([rss_start, rss_end, *samples]), 1),
            "end": round(rss_end, 1),
            "growth": round(growth, 1),
            "bound": args.rss_bound_mb,
        },
        "server_alive": alive,
        "unhandled_errors_logged": unhandled,
        "result": "PASS" if passed else "FAIL",
    }
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        lat, rss = summary["latency_ms"], summary["rss_mb"]
        print(f"soak: {PATH} (full criminal estimate), {args.connections} connections, {summary['duration_s']} s")
        print(f"load generator: {result.tool}; server workers: {args.workers}")
        print(f"requests: {result.requests} ({summary['requests_per_s']} req/s)")
        print(f"errors: {result.errors} (non-2xx {result.non_2xx}, socket {result.socket_errors})")
        print(f"latency ms: p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  max {lat['max']}")
        print(
            f"server RSS MB: after start-up {rss['after_start_up']}, start (after {args.warmup:.0f} s warm-up) "
            f"{rss['start']}, peak {rss['peak']}, end {rss['end']}: growth {rss['growth']:+} (bound {rss['bound']})"
        )
        print(f"{summary['result']}: errors == 0 and RSS growth <= {args.rss_bound_mb} MB")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
