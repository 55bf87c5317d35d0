"""MLflow beyond the embedded default: a tracking server on PostgreSQL with a local artifact root.

The fixture starts a throwaway PostgreSQL cluster (Debian's server binaries, installed by
scripts/ensure-postgres.sh from ``make test``; initdb in a temporary folder, a free port on 127.0.0.1) and
``mlflow server --backend-store-uri postgresql://... --default-artifact-root <tmp>``, then ``exposure train``
runs against ``MLFLOW_TRACKING_URI=http://127.0.0.1:<port>`` and serving loads the champions from it. Everything
is stopped at the end. The set-up for real use is docs/mlflow-postgres.md.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import Server, free_port

pytestmark = pytest.mark.slow


def _pg_bin() -> Path:
    env = os.environ.get("EXPOSURE_PG_BIN")
    candidates = (
        [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    )
    for folder in reversed(candidates):
        if folder and (Path(folder) / "initdb").is_file():
            return Path(folder)
    pytest.fail("PostgreSQL server binaries not found: run scripts/ensure-postgres.sh (make test does)")


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the package's ``postgres`` user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Postgres:
    port: int
    data: Path
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql://mlflow@127.0.0.1:{self.port}/mlflow"

    def psql(self, sql: str) -> str:
        out = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "mlflow",
                "-d",
                "mlflow",
                "-tA",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return out.stdout.strip()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    pg_bin = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="exposure-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        [
            *_as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U", "mlflow", "--auth=trust", "-E", "UTF8"]),
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off"
    start = [str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "pg.log"), "-w", "start"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True, timeout=60)
    server = Postgres(port=port, data=data, bin=pg_bin)
    try:
        subprocess.run(
            [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "mlflow", "mlflow"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield server
    finally:
        stop = [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]  # throwaway cluster
        subprocess.run(_as_postgres(stop), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class TrackingServer:
    uri: str
    artifacts: Path


@pytest.fixture(scope="module")
def tracking_server(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingServer]:
    artifacts = tmp_path_factory.mktemp("mlflow-artifacts")
    port = free_port()
    log = (tmp_path_factory.mktemp("mlflow-server") / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            postgres.url,
            "--default-artifact-root",
            artifacts.as_uri(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        Server("mlflow server", proc, uri, Path(log.name)).wait(timeout=90, path="/health")
        yield TrackingServer(uri=uri, artifacts=artifacts)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def _train(uri: str, home: Path, families: list[str], targets: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "EXPOSURE_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "exposure", "train", "--repeats", "1", "--folds", "3", "--json"]
    for family in families:
        command += ["--family", family]
    for target in targets:
        command += ["--target", target]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_train_registry_and_serving_against_a_postgres_tracking_server(
    postgres: Postgres, tracking_server: TrackingServer, tmp_path: Path
) -> None:
    import json

    import mlflow
    from mlflow import MlflowClient

    from features.law.schema import CriminalCase
    from features.store import CHAMPION_ALIAS, KINDS, TARGETS, registered_name
    from serving.estimate import ChampionSet

    t0 = time.monotonic()
    proc = _train(tracking_server.uri, tmp_path / "home", ["baseline"], list(TARGETS))
    print(f"first training: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    trained = json.loads(proc.stdout)
    assert {o["target"] for o in trained["targets"]} == set(TARGETS)
    assert {k["kind"] for k in trained["estimators"]} == set(KINDS) and all(
        k["promoted"] for k in trained["estimators"]
    )
    assert not (tmp_path / "home" / "mlflow.db").exists()  # nothing went to the embedded default

    # the runs and the registry live in PostgreSQL, the model files under the local artifact root: one run per
    # target's family (the honest baselines are always among them) and one per kind's estimator, one alias per kind
    n_family_runs = sum(len(o["leaderboard"]) for o in trained["targets"])
    assert int(postgres.psql("select count(*) from runs")) == n_family_runs + len(KINDS)
    assert int(postgres.psql("select count(*) from registered_model_aliases")) == len(KINDS)
    assert list(tracking_server.artifacts.rglob("MLmodel"))

    client = MlflowClient(tracking_uri=tracking_server.uri, registry_uri=tracking_server.uri)
    first = {k: client.get_model_version_by_alias(registered_name(k), CHAMPION_ALIAS).version for k in KINDS}

    # a second run: the gate compares with the champion on the same splits and moves the alias only on promotion
    t0 = time.monotonic()
    proc = _train(tracking_server.uri, tmp_path / "home", ["baseline", "ridge"], ["custodial_months"])
    print(f"second training: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads(proc.stdout)
    [second] = again["estimators"]
    version = client.get_model_version_by_alias(registered_name("criminal"), CHAMPION_ALIAS).version
    assert (version != first["criminal"]) == second["promoted"], second["reason"]
    n_again = sum(len(o["leaderboard"]) for o in again["targets"]) + 1  # the criminal estimator only
    assert int(postgres.psql("select count(*) from runs")) == n_family_runs + len(KINDS) + n_again

    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        champions = ChampionSet.load(tracking_server.uri)
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    assert champions.missing == {} and set(champions.estimators) == set(KINDS)
    case = CriminalCase(records_total=6000, data_types=["identity"], conduct=["sell"], illegal_profit_yuan=9000)
    answer = champions.estimate_criminal([case])[0]
    low, high = answer["custodial_months"]["legal_range"]
    assert low <= answer["custodial_months"]["point"] <= high

    # batch scoring with the same champions
    from serving.scoring import score_local
    from training.synth import write_synth

    write_synth(tmp_path / "cases.jsonl", 30, seed=1)
    summary = score_local(tmp_path / "cases.jsonl", tmp_path / "estimates.parquet", champions)
    assert summary.rows_in == summary.rows_scored == 30
