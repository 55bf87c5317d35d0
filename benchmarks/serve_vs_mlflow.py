"""Throughput and latency of the Exposure service against ``mlflow models serve`` on the same champion.

Both servers run on free loopback ports from the same tracking store: ours (``uvicorn --factory
serving.app:create_app``) answers the full criminal estimate (band and rules, custodial/probation/fine ranges,
drivers, similar cases); ``mlflow models serve -m models:/exposure-criminal@champion --env-manager local``
answers the same full estimate from the same registered estimator (``{"inputs": [case]}``). A small asyncio HTTP/1.1 keep-alive client (standard library
only, so that the client costs little CPU next to the servers) drives each server in turn with the same case, for
the same time, at each concurrency; then a side-by-side table prints requests/s and p50/p99 latency and the
ratios. Last, our server is driven at one connection with the same case twice more: the estimate with its levers
(what changes if the defendant pleads, returns the gains, surrenders...: the default answer) and without them
(``?levers=false``, the plain estimate), and a table prints both latencies and their ratio (goals: with levers
within 2x of without; the plain estimate's p99 at most 5 ms).

    python benchmarks/serve_vs_mlflow.py                       # EXPOSURE_HOME's store (trains one if empty)
    python benchmarks/serve_vs_mlflow.py --tracking-uri sqlite:////path/mlflow.db --duration 15
    python benchmarks/serve_vs_mlflow.py --levers-only          # only the levers / plain table (no mlflow)

Nothing is trained here unless the store has no champion: then ``exposure train --repeats 1 --family baseline
--family ridge --family logistic`` runs into a temporary EXPOSURE_HOME first.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import DEFAULT_CASE, ServerProcess, free_port, store_with_champions


@dataclass(kw_only=True)
class Server(ServerProcess):
    """A server under load: every request POSTs ``body`` to ``path``; a good answer holds ``expect``."""

    path: str
    body: bytes
    expect: bytes

    def check_answer(self) -> int:
        import httpx

        r = httpx.post(
            f"http://127.0.0.1:{self.port}{self.path}",
            content=self.body,
            headers={"content-type": "application/json"},
            timeout=30,
        )
        if r.status_code != 200 or self.expect not in r.content:
            raise SystemExit(f"{self.name} answered {r.status_code}: {r.text[:500]}")
        return len(r.content)


# ---------------------------------------------------------------------------------------------------- client
@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    chunked = close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value.strip())
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif key == b"connection" and b"close" in value.lower():
            close = True
    if not chunked:
        return status, await reader.readexactly(length), close
    body = b""
    while True:
        size = int((await reader.readline()).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body, close
        body += chunk[:-2]


async def _connection(server: Server, until: float, result: Result, record: bool) -> None:
    request = (
        f"POST {server.path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(server.body)}\r\n\r\n"
    ).encode() + server.body
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                writer.write(request)
                status, body, close = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                if record:
                    result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                continue
            elapsed = time.perf_counter() - start
            if record:
                result.requests += 1
                result.latencies.append(elapsed)
                if status != 200 or server.expect not in body:
                    result.errors += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    finally:
        writer.close()


async def drive(server: Server, connections: int, seconds: float, warmup: float) -> Result:
    if warmup > 0:
        until = time.perf_counter() + warmup
        await asyncio.gather(*(_connection(server, until, Result(), False) for _ in range(connections)))
    result = Result()
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(_connection(server, until, result, True) for _ in range(connections)))
    result.seconds = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------------------------------- main
LEVER_RATIO_GOAL = 2.0  # with levers, at most this many times the latency of the plain estimate
PLAIN_P99_GOAL_MS = 5.0  # the plain estimate's p99 at one connection


def _print_levers(plain: Result, levers: Result) -> dict[str, Any]:
    """The table of the estimate with and without levers (one connection, same case) and the goals."""
    print("\nexposure serve, 1 connection, same case: the plain estimate (?levers=false) and with its levers\n")
    header = f"{'metric':<8} {'plain estimate':>15} {'with levers':>12} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for metric, x, y in (
        ("req/s", plain.rps, levers.rps),
        ("p50 ms", plain.percentile(0.50), levers.percentile(0.50)),
        ("p99 ms", plain.percentile(0.99), levers.percentile(0.99)),
    ):
        print(f"{metric:<8} {x:>15.2f} {y:>12.2f} {y / x if x else float('nan'):>7.2f}x")
    print(f"{'errors':<8} {plain.errors:>15} {levers.errors:>12}")
    ratio = levers.percentile(0.5) / plain.percentile(0.5)
    p99 = plain.percentile(0.99)
    print(
        f"\ngoals: with levers <= {LEVER_RATIO_GOAL:g}x the plain p50 ({'met' if ratio <= LEVER_RATIO_GOAL else 'NOT met'}"
        f", {ratio:.2f}x); plain p99 <= {PLAIN_P99_GOAL_MS:g} ms ({'met' if p99 <= PLAIN_P99_GOAL_MS else 'NOT met'}, "
        f"{p99:.2f} ms)"
    )
    return {
        "plain": {"rps": plain.rps, "p50_ms": plain.percentile(0.5), "p99_ms": p99, "errors": plain.errors},
        "levers": {
            "rps": levers.rps,
            "p50_ms": levers.percentile(0.5),
            "p99_ms": levers.percentile(0.99),
            "errors": levers.errors,
        },
        "ratio_p50": ratio,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracking-uri", help="MLflow store with the champions (default: EXPOSURE_HOME's)")
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE, help="The criminal case sent every request")
    parser.add_argument("--duration", type=float, default=10.0, help="Measured seconds per server and concurrency")
    parser.add_argument("--warmup", type=float, default=2.0, help="Unmeasured seconds before each measurement")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16], help="Connections to hold open")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes of each server")
    parser.add_argument(
        "--factory", default="serving.app:create_app", help="uvicorn app factory of our side (to compare variants)"
    )
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON line")
    parser.add_argument(
        "--levers-only", action="store_true", help="Only measure the estimate with and without levers (no mlflow)"
    )
    args = parser.parse_args()

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    tmp = Path(tempfile.mkdtemp(prefix="exposure-bench-"))
    uri = store_with_champions(args.tracking_uri, tmp)
    case = json.loads(args.case.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPOSURE_")}
    env.update({"MLFLOW_TRACKING_URI": uri, "EXPOSURE_TRACKING_URI": uri, "EXPOSURE_RELOAD_INTERVAL_S": "0"})

    ours_port, mlflow_port = free_port(), free_port()
    ours = Server(
        name="exposure serve",
        command=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            args.factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(ours_port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        port=ours_port,
        path="/v1/criminal/estimate",
        body=json.dumps(case, ensure_ascii=False).encode(),
        ready_path="/readyz",
        expect=b'"similar_cases"',
        env=env,
        log=tmp / "exposure.log",
    )
    mlflow_server = Server(
        name="mlflow models serve",
        command=[
            sys.executable,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            "models:/exposure-criminal@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(mlflow_port),
            "-w",
            str(args.workers),
        ],
        port=mlflow_port,
        path="/invocations",
        body=json.dumps({"inputs": [case]}, ensure_ascii=False).encode(),
        ready_path="/ping",
        expect=b'"predictions"',
        env=env,
        log=tmp / "mlflow.log",
    )
    servers = (ours,) if args.levers_only else (ours, mlflow_server)
    # the same server and case: the plain estimate (no levers) and the default one (with its levers)
    plain = dataclasses.replace(ours, name="plain estimate", path="/v1/criminal/estimate?levers=false")
    with_levers = dataclasses.replace(ours, name="with levers", expect=b'"levers":[{')
    levers: dict[str, Result] = {}
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        sizes = {s.name: s.check_answer() for s in servers}
        results: dict[tuple[str, int], Result] = {}
        for connections in [] if args.levers_only else args.concurrency:
            for server in servers:
                print(f"driving {server.name} with {connections} connection(s) ...", file=sys.stderr, flush=True)
                results[(server.name, connections)] = asyncio.run(
                    drive(server, connections, args.duration, args.warmup)
                )
        for variant in (plain, with_levers):
            variant.check_answer()
            print(f"driving {variant.name} with 1 connection ...", file=sys.stderr, flush=True)
            levers[variant.name] = asyncio.run(drive(variant, 1, args.duration, args.warmup))
    finally:
        for server in servers:
            server.stop()

    print(
        f"\n{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, {args.workers} worker(s) "
        f"per server, {args.duration:g} s per run after {args.warmup:g} s warm-up, same case, loopback"
    )
    summary: dict[str, Any] = {"levers": _print_levers(levers[plain.name], levers[with_levers.name])}
    if args.levers_only:
        if args.json:
            print(json.dumps(summary))
        return
    print(f"answer size: exposure {sizes[ours.name]} bytes (full), mlflow {sizes[mlflow_server.name]} bytes\n")
    header = f"{'connections':>11}  {'metric':<8} {'exposure serve':>15} {'mlflow models serve':>20} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for connections in args.concurrency:
        a, b = results[(ours.name, connections)], results[(mlflow_server.name, connections)]
        rows = (
            ("req/s", a.rps, b.rps, a.rps / b.rps if b.rps else float("inf")),
            ("p50 ms", a.percentile(0.50), b.percentile(0.50), b.percentile(0.50) / a.percentile(0.50)),
            ("p99 ms", a.percentile(0.99), b.percentile(0.99), b.percentile(0.99) / a.percentile(0.99)),
            ("errors", a.errors, b.errors, float("nan")),
        )
        for metric, x, y, ratio in rows:
            ratio_text = f"{ratio:7.1f}x" if ratio == ratio else ""
            print(f"{connections:>11}  {metric:<8} {x:>15.1f} {y:>20.1f} {ratio_text:>8}")
        summary[str(connections)] = {
            "exposure": {
                "rps": a.rps,
                "p50_ms": a.percentile(0.5),
                "p99_ms": a.percentile(0.99),
                "errors": a.errors,
            },
            "mlflow": {
                "rps": b.rps,
                "p50_ms": b.percentile(0.5),
                "p99_ms": b.percentile(0.99),
                "errors": b.errors,
            },
        }
    print("\n(ratio: throughput exposure/mlflow; latency mlflow/exposure; higher is better for exposure)")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
