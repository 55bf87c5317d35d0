"""What the benchmarks share: finding (or quickly training) champions, and a server process on a free loopback
port that is started in its own session, polled until ready and stopped with its whole process group.

Benchmarks run as scripts (``python benchmarks/<name>.py``), so this module is imported as ``_common``.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CASE = REPO / "seeds" / "examples" / "criminal_case.json"
KINDS = ("criminal", "civil")
QUICK_FAMILIES = ("baseline", "ridge", "logistic")

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def champions_present(uri: str) -> bool:
    """Whether ``exposure-<kind>@champion`` is registered for every kind in the store at ``uri``."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        for kind in KINDS:
            client.get_model_version_by_alias(f"exposure-{kind}", "champion")
    except MlflowException:
        return False
    return True


def train_quickly(home: Path) -> str:
    """Train cheap champions (one repeat, ``QUICK_FAMILIES``) into ``home``; returns its tracking URI."""
    print(f"no champion in the store: training a quick one into {home} ...", file=sys.stderr, flush=True)
    env = {**os.environ, "EXPOSURE_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    command = [sys.executable, "-m", "exposure", "train", "--repeats", "1", "--json"]
    for family in QUICK_FAMILIES:
        command += ["--family", family]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return f"sqlite:///{home / 'mlflow.db'}"


def store_with_champions(uri: str | None, scratch: Path) -> str:
    """``uri`` (default: EXPOSURE_HOME's store) when it has champions, else a quick store trained in ``scratch``."""
    from features.store import tracking_uri

    uri = uri or tracking_uri()
    return uri if champions_present(uri) else train_quickly(scratch / "home")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(kw_only=True)
class ServerProcess:
    """A server command on ``127.0.0.1:port``, its output in ``log``; ready when ``ready_path`` answers 200."""

    name: str
    command: list[str]
    port: int
    ready_path: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as fh:
            # own session: `mlflow models serve` and `--workers N` start children; stop() ends the whole group
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=REPO,
            )

    def wait_ready(self, timeout: float = 180.0) -> None:
        assert self.proc is not None, "start() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} not ready after {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
