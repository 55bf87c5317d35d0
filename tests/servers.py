"""Real server processes for tests: started by the test module, polled until they answer, stopped at the end;
and the registry moves the serving tests make (re-registering champions as new versions)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from features.store import CHAMPION_ALIAS, registered_name

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def wait(self, timeout: float = 120.0, path: str = "/healthz") -> None:
        """Until ``path`` answers 200; fails the test with the log's tail if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server {self.name} exited ({self.proc.returncode}):\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.url}{path}", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"server {self.name} did not answer {path} in {timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **kwargs)


def app_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment of a served app on the store in ``home``: no EXPOSURE_/MLFLOW_ settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPOSURE_", "MLFLOW_"))}
    env.update({"EXPOSURE_HOME": str(home), "PYTHONUNBUFFERED": "1", **settings})
    return env


def uvicorn_command(port: int) -> list[str]:
    app = ["-m", "uvicorn", "--factory", "serving.app:create_app", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, *app, "--no-access-log"]


def start(name: str, command: list[str], env: dict[str, str], logs: Path, port: int) -> Server:
    """Start ``command`` (a server on ``port``) from the repository, its output in ``logs/<name>.log``."""
    log = logs / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(command, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)
    return Server(name, proc, f"http://127.0.0.1:{port}", log)


def registry_client(home: Path) -> Any:
    """An MLflow client of the sqlite store in ``home`` (explicit URIs: no MLflow global state)."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def register_again(client: Any, kind: str, version: str) -> str:
    """Register the estimator of ``kind``'s ``version`` again as a new version and move the champion alias there."""
    name = registered_name(kind)
    old = client.get_model_version(name, version)
    model = client.get_logged_model(str(old.source).removeprefix("models:/"))
    new = client.create_model_version(name, source=model.artifact_location, run_id=old.run_id)
    client.set_registered_model_alias(name, CHAMPION_ALIAS, str(new.version))
    return str(new.version)
