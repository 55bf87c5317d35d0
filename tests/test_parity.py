"""One estimator behind every door: the same cases through the HTTP API, ``exposure predict``, local batch
scoring, Spark batch scoring and ``mlflow models serve`` of the registered model give identical numbers, and
every door refuses the same bad rows in their own slot, naming the field (rows in = rows out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from servers import Server, app_env, free_port, start, uvicorn_command

from features.tables import load_seeds
from serving.estimate import ChampionSet
from serving.schemas import CivilEstimate, CriminalEstimate
from training.synth import synth_rows

pytestmark = pytest.mark.slow
N_CASES = 200
SECRET = "SECRET-7d2e"  # a value that must never appear in an answer
OUTCOME_FIELDS = (
    "prison_months",
    "detention_months",
    "probation_months",
    "fine_yuan",
    "exempt_from_punishment",
    "awarded_economic_yuan",
    "awarded_mental_yuan",
    "awarded_expenses_yuan",
    "awarded_total_yuan",
    "apology_ordered",
    "injunction",
)
# the numbers every door carries, by kind: (answer path, batch column)
CRIMINAL_NUMBERS = [
    (("custodial_months", "point"), "custodial_months_point"),
    (("custodial_months", "low"), "custodial_months_low"),
    (("custodial_months", "high"), "custodial_months_high"),
    (("custodial_months", "level"), "custodial_months_level"),
    (("p_custodial_le_36_months",), "p_custodial_le_36_months"),
    (("probation_probability",), "probation_probability"),
    (("fine_yuan", "point"), "fine_yuan_point"),
    (("fine_yuan", "low"), "fine_yuan_low"),
    (("fine_yuan", "high"), "fine_yuan_high"),
]
CIVIL_NUMBERS = [
    (("awarded_total_yuan", "point"), "awarded_total_yuan_point"),
    (("awarded_total_yuan", "low"), "awarded_total_yuan_low"),
    (("awarded_total_yuan", "high"), "awarded_total_yuan_high"),
]
BAD_ROWS: list[tuple[dict[str, Any], str]] = [  # (row, the field its error names)
    ({"case_id": "bad-extra", "records_total": 600, "nickname": SECRET}, "nickname"),
    ({"case_id": "bad-negative", "records_total": -5}, "records_total"),
    ({"case_id": "bad-vocab", "data_types": ["identity", SECRET]}, "data_types.1"),
    (
        {"case_id": "bad-probation", "records_total": 9000, "prison_months": 60, "probation_months": 60},
        "probation_months",
    ),
]


def _cases() -> list[dict[str, Any]]:
    """Every seed case (outcomes removed: they are what is estimated), then synthetic ones up to N_CASES; some
    give optional lists, some do not (a sparse case must not sink the others)."""
    seeds = [c.model_dump(mode="json", exclude_none=True) for c in load_seeds().cases]
    rows = seeds + [dict(r) for r in synth_rows(max(0, N_CASES - len(seeds)), seed=21, civil_share=0.3)]
    out = []
    for i, row in enumerate(rows[:N_CASES]):
        row = {k: v for k, v in row.items() if k not in OUTCOME_FIELDS and k not in ("synthetic", "duplicate_of")}
        row["case_id"] = f"p{i:03d}"
        if i % 7 == 0:
            row.pop("conduct", None)
            row.pop("data_types", None)
        out.append(row)
    return out


def _get(answer: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = answer
    for key in path:
        value = value[key]
    return value


def _numbers(answer: dict[str, Any]) -> dict[str, Any]:
    if "custodial_months" in answer:
        return {col: _get(answer, path) for path, col in CRIMINAL_NUMBERS} | {"band": answer["band"]}
    return {col: _get(answer, path) for path, col in CIVIL_NUMBERS}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    cases = _cases()
    bad = [r for r, _ in BAD_ROWS]
    return cases[:50] + bad[:2] + cases[50:] + bad[2:]


@pytest.fixture(scope="module")
def expected(trained_home: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the estimators answer in this process (no door): per case_id the whole answer, bad rows None."""
    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        champions = ChampionSet.load(f"sqlite:///{trained_home / 'mlflow.db'}")
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    out: dict[str, Any] = {}
    for kind in ("criminal", "civil"):
        mine = [r for r in rows if (r.get("proceeding", "criminal") == "criminal") == (kind == "criminal")]
        for row, item in zip(mine, champions.answer_records(kind, mine), strict=True):
            out[row["case_id"]] = item["estimate"]
    return out


@pytest.fixture(scope="module")
def http(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    server = start("http", uvicorn_command(port), app_env(trained_home), tmp_path_factory.mktemp("logs"), port)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def mlflow_serve(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    env = app_env(
        trained_home,
        MLFLOW_TRACKING_URI=f"sqlite:///{trained_home / 'mlflow.db'}",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    command = [
        sys.executable, "-m", "mlflow", "models", "serve", "-m", "models:/exposure-criminal@champion",
        "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port),
    ]  # fmt: skip
    server = start("mlflow-serve", command, env, tmp_path_factory.mktemp("mlflow-logs"), port)
    try:
        server.wait(timeout=180, path="/ping")
        yield server
    finally:
        server.stop()


def _check_bad_rows(errors_by_id: dict[str, str], door: str) -> None:
    for row, field in BAD_ROWS:
        error = errors_by_id[row["case_id"]]
        assert error is not None and field in error and SECRET not in error, (door, row["case_id"], error)


def test_http_api(http: Server, rows: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    with http.client() as client:
        for kind in ("criminal", "civil"):
            mine = [r for r in rows if (r.get("proceeding", "criminal") == "criminal") == (kind == "criminal")]
            for start_at in range(0, len(mine), 100):
                part = mine[start_at : start_at + 100]
                r = client.post(f"/v1/{kind}/estimate:batch", json={"cases": part})
                assert r.status_code == 200, r.text
                results = r.json()["results"]
                assert [x["index"] for x in results] == list(range(len(part)))  # rows in = rows out
                for row, item in zip(part, results, strict=True):
                    want = expected[row["case_id"]]
                    if want is None:
                        seen[row["case_id"]] = "; ".join(f"{e['field']}: {e['reason']}" for e in item["errors"])
                        continue
                    model = CriminalEstimate if kind == "criminal" else CivilEstimate
                    model.model_validate(item["estimate"])  # every answer validates against its response model
                    assert {k: v for k, v in item["estimate"].items() if k != "model"} == {
                        k: v for k, v in want.items() if k != "model"
                    }, row["case_id"]
            # the single-case door answers what the batch door answers
            one = next(r for r in mine if expected[r["case_id"]] is not None)
            single = client.post(f"/v1/{kind}/estimate", json=one).json()
            assert _numbers(single) == _numbers(expected[one["case_id"]])
    _check_bad_rows(seen, "http")


def test_predict_cli(
    trained_home: Path, rows: list[dict[str, Any]], expected: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    env = app_env(trained_home)
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "predict", "--full", str(path)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]  # bad rows were given
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == len(rows)
    errors: dict[str, str] = {}
    for row, line in zip(rows, lines, strict=True):
        want = expected[row["case_id"]]
        if want is None:
            errors[row["case_id"]] = line["error"]
        else:
            assert {k: v for k, v in line.items() if k != "model"} == {
                k: v for k, v in want.items() if k != "model"
            }
    _check_bad_rows(errors, "predict")


def _batch_frame(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out)
    frame["error"] = frame["error"].astype(object).where(frame["error"].notna(), None)
    return frame.set_index("case_id")


def _check_batch(frame: pd.DataFrame, rows: list[dict[str, Any]], expected: dict[str, Any], door: str) -> None:
    assert len(frame) == len(rows), door  # rows in = rows out
    errors = {}
    for row in rows:
        got = frame.loc[row["case_id"]]
        want = expected[row["case_id"]]
        if want is None:
            errors[row["case_id"]] = got["error"]
            continue
        assert got["error"] is None, (door, row["case_id"], got["error"])
        for col, value in _numbers(want).items():
            assert got[col] == value, (door, row["case_id"], col, got[col], value)
    _check_bad_rows(errors, door)


def test_local_batch(
    trained_home: Path, rows: list[dict[str, Any]], expected: dict[str, Any], tmp_path: Path
) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.parquet"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "batch", "score", str(src), "--out", str(out)],
        capture_output=True, text=True, env=app_env(trained_home), timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]  # bad rows were given; the output is complete
    _check_batch(_batch_frame(out), rows, expected, "local batch")


def test_spark_batch(
    trained_home: Path, rows: list[dict[str, Any]], expected: dict[str, Any], tmp_path: Path, spark: object
) -> None:

    src, out = tmp_path / "in.jsonl", tmp_path / "out.parquet"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    _score_on_spark(trained_home, src, out, rows, expected, "spark")


def _score_on_spark(
    trained_home: Path, source: Path, out: Path, rows: list[dict[str, Any]], expected: dict[str, Any], where: str
) -> None:
    """Score ``source`` on Spark with the trained store (the process's MLflow URIs restored after), and check every
    row of the output against the expected answers."""
    from serving.scoring_spark import score_spark

    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        summary = score_spark(source, out, uri=f"sqlite:///{trained_home / 'mlflow.db'}")
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    assert summary.rows_in == summary.rows_out == len(rows)
    _check_batch(_batch_frame(out), rows, expected, where)


def test_spark_batch_parquet(
    trained_home: Path, rows: list[dict[str, Any]], expected: dict[str, Any], tmp_path: Path, spark: object
) -> None:
    """Parquet on Spark is read by the Python workers themselves (pyarrow, row group by row group): a file of
    several row groups and a folder of part files give every case's numbers and refuse the same bad rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from serving.scoring_spark import parquet_pieces
    from training.synth import arrow_schema

    given = set().union(*(row.keys() for row in rows))
    schema = pa.schema([f for f in arrow_schema() if f.name in given] + [pa.field("nickname", pa.string())])
    table = pa.Table.from_pylist(rows, schema=schema)
    src, folder = tmp_path / "in.parquet", tmp_path / "parts.parquet"
    pq.write_table(table, src, row_group_size=60)
    folder.mkdir()
    for i, first in enumerate(range(0, table.num_rows, 80)):
        pq.write_table(table.slice(first, 80), folder / f"part-{i:05d}.parquet", row_group_size=50)
    for source in (src, folder):
        pieces = parquet_pieces(str(source), 2)
        assert pieces is not None and len(pieces) > 2  # the workers' reader, not Spark's
        out = tmp_path / f"out-{source.stem}.parquet"
        _score_on_spark(trained_home, source, out, rows, expected, f"spark parquet {source.name}")


def test_mlflow_models_serve(mlflow_serve: Server, rows: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    criminal = [r for r in rows if r.get("proceeding", "criminal") == "criminal"]
    with mlflow_serve.client() as client:
        r = client.post("/invocations", json={"inputs": criminal})
        assert r.status_code == 200, r.text[:2000]
        body = json.loads(r.text, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))  # NaN is not JSON
        predictions = body["predictions"]
        assert len(predictions) == len(criminal)  # rows in = rows out
        errors = {}
        for row, item in zip(criminal, predictions, strict=True):
            want = expected[row["case_id"]]
            if want is None:
                errors[row["case_id"]] = "; ".join(f"{e['field']}: {e['reason']}" for e in item["errors"])
                continue
            # the model block names the model as the door knows it: a served copy knows its name and run, not the
            # registry version it was loaded as
            for part in item["estimate"]["model"].values():
                assert part["name"] == "exposure-criminal" and part["run_id"] and part["version"] is None
            CriminalEstimate.model_validate({**item["estimate"], "model": want["model"]})
            assert {k: v for k, v in item["estimate"].items() if k != "model"} == {
                k: v for k, v in want.items() if k != "model"
            }, row["case_id"]
        _check_bad_rows(errors, "mlflow models serve")
        # one unknown-field row alone: one row in, one refused row out (not an empty answer)
        alone = client.post("/invocations", json={"inputs": [{"foo": 1}]}).json()["predictions"]
        assert len(alone) == 1 and not alone[0]["ok"] and alone[0]["errors"][0]["field"] == "foo"
        # rows that differ in the optional lists they give are each answered
        sparse = client.post(
            "/invocations",
            json={"inputs": [{"records_total": 6000, "data_types": ["contact"]}, {"records_total": 7000}]},
        ).json()["predictions"]
        assert [p["ok"] for p in sparse] == [True, True]
