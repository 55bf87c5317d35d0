"""Batch scoring (local and Spark engines), bad rows, and synthetic rows kept out of training."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import joblib
import mlflow
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from exposure.cli import app
from features.law.schema import CriminalCase
from features.law.statutory import statutory_band
from features.model.batch import ESTIMATE_COLUMNS, OUTPUT_COLUMNS
from features.tables import load_table
from serving.estimate import ChampionSet
from serving.scoring import score_local
from training.synth import synth_rows, write_synth

SECRET = "SECRET-VALUE-8c1f"  # a value that must never appear in an error or a summary


@pytest.fixture(scope="module")
def champions(trained_home: Path) -> Iterator[ChampionSet]:
    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    loaded = ChampionSet.load(f"sqlite:///{trained_home / 'mlflow.db'}")
    yield loaded
    mlflow.set_tracking_uri(before[0])
    mlflow.set_registry_uri(before[1])


def _bad_rows() -> list[tuple[str, dict[str, object], str]]:
    """(case_id, row, a field its error must name) for rows that are not valid cases."""
    return [
        ("bad-negative", {"case_id": "bad-negative", "records_total": -5}, "records_total"),
        ("bad-vocab", {"case_id": "bad-vocab", "data_types": ["identity", SECRET]}, "data_types"),
        ("bad-extra", {"case_id": "bad-extra", "records_total": 600, "nickname": SECRET}, "nickname"),
        ("bad-proceeding", {"case_id": "bad-proceeding", "proceeding": SECRET}, "proceeding"),
        (
            "bad-probation",
            {"case_id": "bad-probation", "records_total": 9000, "prison_months": 60, "probation_months": 60},
            "probation_months",
        ),
        ("bad-civil", {"case_id": "bad-civil", "proceeding": "civil", "claimed_yuan": -1}, "claimed_yuan"),
    ]


def _mixed_rows(n_good: int = 60) -> list[dict[str, object]]:
    good = list(synth_rows(n_good, seed=7, civil_share=0.3))
    rows: list[dict[str, object]] = []
    bad = _bad_rows()
    for i, row in enumerate(good):
        rows.append(row)
        if i % 10 == 3 and bad:
            rows.append(bad.pop()[1])
    return rows + [b[1] for b in bad]


def _write_jsonl(path: Path, rows: list[dict[str, object]], extra_lines: list[str] = ()) -> None:  # type: ignore[assignment]
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        for line in extra_lines:
            fh.write(line + "\n")


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    cells = [{k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in r.items()} for r in rows]
    pd.DataFrame(cells).to_csv(path, index=False)


# ---------------------------------------------------------------------------------------------------------
# synthetic rows


def test_synthetic_rows_are_valid_marked_and_inside_the_legal_range(tmp_path: Path) -> None:
    out = tmp_path / "synth.parquet"
    counts = write_synth(out, 400, seed=3, civil_share=0.25)
    assert sum(counts.values()) == 400 and counts["criminal"] > 200
    loaded = load_table(out)
    assert loaded.errors == [] and len(loaded.cases) == 400
    assert all(c.synthetic for c in loaded.cases)
    assert loaded.for_training().cases == []  # never trained on
    for case in loaded.criminal:
        low, high = statutory_band(case).custodial_range_months
        assert case.custodial_months is not None and low <= case.custodial_months <= high
        assert case.fine_yuan is not None and case.fine_yuan > 0
    for civil in loaded.civil:
        assert civil.awarded_total_yuan is not None and civil.claimed_yuan is not None
        assert civil.awarded_total_yuan <= civil.claimed_yuan
    assert any(c.records_by_type for c in loaded.criminal)  # the map column is exercised
    # deterministic for a seed, whatever the output format
    write_synth(tmp_path / "synth.jsonl", 400, seed=3, civil_share=0.25)
    again = load_table(tmp_path / "synth.jsonl")
    assert [c.model_dump() for c in again.cases] == [c.model_dump() for c in loaded.cases]


def test_training_skips_and_refuses_synthetic_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from exposure.commands.model import _load_training_cases
    from features.tables import load_seeds
    from training.pipeline import TrainConfig, train_all

    path = tmp_path / "synth.jsonl"
    write_synth(path, 50, seed=1)
    cases, _ = _load_training_cases([path])
    assert not any(c.synthetic for c in cases)
    assert len(cases) == len(load_seeds().for_training().cases)
    assert "50 synthetic rows" in capsys.readouterr().err
    synthetic = load_table(path).cases
    with pytest.raises(ValueError, match="synthetic"):
        train_all([*load_seeds().cases, *synthetic], TrainConfig(targets=["custodial_months"]))


def test_synth_cli_writes_marked_rows(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["data", "synth", "120", "--out", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str)
    assert len(frame) == 120 and set(frame["synthetic"]) == {"True"}


# ---------------------------------------------------------------------------------------------------------
# local engine


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_local_batch_scores_good_rows_and_reports_bad_ones(
    tmp_path: Path, champions: ChampionSet, fmt: str
) -> None:
    rows = _mixed_rows()
    src = tmp_path / f"in.{fmt}"
    if fmt == "jsonl":
        _write_jsonl(src, rows, extra_lines=["{not json", "[1, 2]"])
    elif fmt == "csv":
        _write_csv(src, rows)
    else:
        write_synth(src, 60, seed=7, civil_share=0.3)
        rows = list(synth_rows(60, seed=7, civil_share=0.3))
    out = tmp_path / f"out.{fmt}"
    summary = score_local(src, out, champions, chunk_rows=17)  # several chunks, one partial
    expected_rows = len(rows) + (2 if fmt == "jsonl" else 0)
    assert summary.rows_in == summary.rows_out == expected_rows  # nothing lost
    frame = (
        pd.read_parquet(out)
        if fmt == "parquet"
        else pd.read_csv(out, dtype={"case_id": str, "error": str})
        if fmt == "csv"
        else pd.read_json(out, lines=True, dtype={"case_id": str})
    )
    assert list(frame.columns) == list(OUTPUT_COLUMNS)
    assert len(frame) == expected_rows
    assert list(frame["case_id"][: len(rows)]) == [r.get("case_id") for r in rows]  # input order, ids kept
    bad = {b[0]: b[2] for b in _bad_rows()} if fmt != "parquet" else {}
    errors = frame.set_index(frame["case_id"].fillna("?"))["error"]
    for case_id, field in bad.items():
        assert isinstance(errors[case_id], str) and field in errors[case_id], (case_id, errors[case_id])
    n_bad = len(bad) + (2 if fmt == "jsonl" else 0)
    assert summary.rows_failed == n_bad and int(frame["error"].notna().sum()) == n_bad
    # good rows have estimates of their kind only; bad rows none
    good = frame[frame["error"].isna()]
    crim = good[good["proceeding"] == "criminal"]
    civ = good[good["proceeding"] != "criminal"]
    assert len(crim) > 20 and len(civ) > 5
    assert crim["custodial_months_point"].notna().all() and crim["awarded_total_yuan_point"].isna().all()
    assert (crim["custodial_months_low"] <= crim["custodial_months_point"]).all()
    assert (crim["custodial_months_point"] <= crim["custodial_months_high"]).all()
    assert (crim["probation_probability"] <= crim["p_custodial_le_36_months"] + 1e-12).all()
    assert civ["awarded_total_yuan_point"].notna().all() and civ["fine_yuan_point"].isna().all()
    assert frame.loc[frame["error"].notna(), list(ESTIMATE_COLUMNS)].isna().all().all()
    # reasons name fields, never values
    text = out.read_bytes().decode("utf-8", "replace") if fmt != "parquet" else frame.to_json()
    assert SECRET not in text and SECRET not in json.dumps(summary.as_dict(), ensure_ascii=False)


def test_local_batch_matches_the_inference_core(tmp_path: Path, champions: ChampionSet) -> None:
    rows = [r for r in synth_rows(20, seed=11, civil_share=0.0)]
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, rows)
    score_local(src, tmp_path / "out.parquet", champions)
    frame = pd.read_parquet(tmp_path / "out.parquet")
    cases = [CriminalCase.model_validate(r) for r in rows]
    answers = champions.estimate_criminal(cases)
    for (_, row), answer in zip(frame.iterrows(), answers, strict=True):  # the same numbers, not close ones
        assert row["band"] == answer["band"]
        for key in ("point", "low", "high"):
            assert row[f"custodial_months_{key}"] == answer["custodial_months"][key]
            assert row[f"fine_yuan_{key}"] == answer["fine_yuan"][key]
        assert row["p_custodial_le_36_months"] == answer["p_custodial_le_36_months"]
        assert row["probation_probability"] == answer["probation_probability"]


def test_batch_cli_exit_code_and_summary(
    tmp_path: Path, trained_home: Path, monkeypatch: pytest.MonkeyPatch, champions: ChampionSet
) -> None:
    monkeypatch.setenv("EXPOSURE_HOME", str(trained_home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, _mixed_rows(20))
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["batch", "score", str(src), "--out", str(out), "--json"])
    assert result.exit_code == 1, result.output  # some rows refused; the output is complete
    summary = json.loads(result.stdout)
    assert summary["rows_in"] == summary["rows_out"] == 20 + len(_bad_rows())
    assert summary["rows_failed"] == len(_bad_rows())
    assert any(reason.startswith("records_total:") for reason in summary["reasons"])
    assert len(pd.read_csv(out)) == summary["rows_in"]
    good = tmp_path / "good.jsonl"
    _write_jsonl(good, list(synth_rows(10, seed=5)))
    result = CliRunner().invoke(app, ["batch", "score", str(good), "--out", str(tmp_path / "g.parquet")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "g.parquet.part").exists()


def test_batch_cli_adds_similar_cases_only_when_asked(
    tmp_path: Path, trained_home: Path, monkeypatch: pytest.MonkeyPatch, champions: ChampionSet
) -> None:
    """``--similar K``: a ``similar_cases`` column with, for each scored row, its K nearest reference cases (most
    similar first, similarity in (0, 1]); none for a refused row; without the flag the columns are unchanged."""
    monkeypatch.setenv("EXPOSURE_HOME", str(trained_home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, _mixed_rows(20))
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["batch", "score", str(src), "--out", str(out), "--similar", "3"])
    assert result.exit_code == 1, result.output  # the bad rows are refused, the output is complete
    table = pd.read_parquet(out)
    assert list(table.columns) == [*OUTPUT_COLUMNS, "similar_cases"]
    references = {
        str(i)
        for loaded in champions.estimators.values()
        for i in loaded.estimator.similar_.references_.column("case_id").to_pylist()
    }
    for error, text in zip(table["error"], table["similar_cases"], strict=True):
        if not pd.isna(error):  # pandas reads a missing text as NaN
            assert pd.isna(text)
            continue
        near = json.loads(text)
        assert len(near) == 3
        assert {n["case_id"] for n in near} <= references
        sims = [n["similarity"] for n in near]
        assert all(0 < s <= 1 for s in sims) and sims == sorted(sims, reverse=True)
    plain = tmp_path / "plain.parquet"
    CliRunner().invoke(app, ["batch", "score", str(src), "--out", str(plain)])
    assert list(pd.read_parquet(plain).columns) == list(OUTPUT_COLUMNS)


# ---------------------------------------------------------------------------------------------------------
# Spark engine (the session-wide local[2] session of conftest.py)


@pytest.mark.slow
def test_spark_batch_matches_local_and_keeps_bad_rows(
    tmp_path: Path, trained_home: Path, champions: ChampionSet, spark: object
) -> None:
    from serving.scoring_spark import score_spark

    uri = f"sqlite:///{trained_home / 'mlflow.db'}"
    rows = _mixed_rows(150)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, rows, extra_lines=["{not json"])
    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        summary = score_spark(src, tmp_path / "spark_out.parquet", uri=uri)
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    local = score_local(src, tmp_path / "local_out.parquet", champions)
    assert summary.rows_in == summary.rows_out == local.rows_in == len(rows) + 1  # nothing lost
    assert summary.warmup_seconds > 0  # the workers were started (imports, estimators) before the scoring job
    assert summary.rows_failed == local.rows_failed == len(_bad_rows()) + 1
    a = pd.read_parquet(tmp_path / "spark_out.parquet")  # a folder of part files, read as one table
    b = pd.read_parquet(tmp_path / "local_out.parquet")
    assert list(a.columns) == list(OUTPUT_COLUMNS)
    a = a.sort_values("case_id", na_position="last").reset_index(drop=True)
    b = b.sort_values("case_id", na_position="last").reset_index(drop=True)
    assert list(a["case_id"]) == list(b["case_id"])
    assert list(a["error"].isna()) == list(b["error"].isna())
    for case_id, field in ((c, f) for c, _, f in _bad_rows()):
        assert field in a.loc[a["case_id"] == case_id, "error"].iloc[0]
    # the same estimators through the same function: the same numbers
    for col in ESTIMATE_COLUMNS:
        assert np.array_equal(a[col].to_numpy(float), b[col].to_numpy(float), equal_nan=True), col
    assert list(a["band"]) == list(b["band"])
    assert SECRET not in a.to_json() and SECRET not in json.dumps(summary.as_dict(), ensure_ascii=False)


def _parquet_with_bad_rows(path: Path, n_good: int, row_group: int) -> None:
    """``_mixed_rows`` as a Parquet file in row groups of ``row_group`` rows (the synthetic table's columns and an
    unknown ``nickname`` column, set on one row)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from training.synth import arrow_schema

    rows = _mixed_rows(n_good)
    schema = arrow_schema()
    schema = schema.append(pa.field("nickname", pa.string()))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=row_group)


def _sorted_output(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    assert list(frame.columns) == list(OUTPUT_COLUMNS)
    return frame.sort_values("case_id", na_position="last").reset_index(drop=True)


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b)
    for col in OUTPUT_COLUMNS:
        left = a[col].astype(object).where(a[col].notna(), None).tolist()
        right = b[col].astype(object).where(b[col].notna(), None).tolist()
        assert left == right, col


@pytest.mark.slow
def test_spark_reads_parquet_row_groups_in_its_workers_as_the_local_engine_reads_them(
    tmp_path: Path, trained_home: Path, champions: ChampionSet, spark: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet input on Spark is read by the Python workers (pyarrow, row group by row group, a row group split
    in row ranges for idle cores): one file of several row groups, a folder of part files, and one row group
    split, each give the local engine's rows (bad rows included, counted by reason) and Spark's own reader's."""
    import pyarrow.parquet as pq

    from serving import scoring_spark
    from serving.scoring_spark import parquet_pieces, score_spark

    uri = f"sqlite:///{trained_home / 'mlflow.db'}"
    src = tmp_path / "in.parquet"
    _parquet_with_bad_rows(src, 150, row_group=40)
    table = pq.read_table(src)
    assert table.column("nickname").drop_null().to_pylist() == [SECRET]
    local = score_local(src, tmp_path / "local.parquet", champions)
    assert local.rows_failed == len(_bad_rows())
    expected = _sorted_output(tmp_path / "local.parquet")

    folder = tmp_path / "parts.parquet"  # a folder of part files, as Spark writes them
    folder.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 70)):
        pq.write_table(table.slice(start, 70), folder / f"part-{i:05d}.parquet", row_group_size=30)
    (folder / "_SUCCESS").write_text("")
    single = tmp_path / "single.parquet"  # one row group, split across the cores
    pq.write_table(table, single, row_group_size=table.num_rows)

    pieces = parquet_pieces(str(src), 2)
    assert pieces is not None and len(pieces) == pq.ParquetFile(src).num_row_groups > 2
    folder_pieces = parquet_pieces(str(folder), 2)
    assert folder_pieces is not None and len({p.path for p in folder_pieces}) == 3
    monkeypatch.setattr(scoring_spark, "MIN_PIECE_ROWS", 20)
    split = parquet_pieces(str(single), 4)
    assert split is not None and len(split) == 4 and sum(p.rows for p in split) == table.num_rows
    assert {p.row_group for p in split} == {0}

    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        for name, source in (("file", src), ("folder", folder), ("split", single)):
            out = tmp_path / f"spark-{name}.parquet"
            summary = score_spark(source, out, uri=uri)
            assert summary.rows_in == summary.rows_out == local.rows_in, name  # nothing lost
            assert summary.rows_failed == local.rows_failed and summary.reasons == local.reasons, name
            _same_rows(_sorted_output(out), expected)
        # Spark's own reader (the path of CSV and JSON lines, and of Parquet it is not given as plain files)
        monkeypatch.setattr(scoring_spark, "parquet_pieces", lambda *args: None)
        score_spark(src, tmp_path / "spark-reader.parquet", uri=uri)
        _same_rows(_sorted_output(tmp_path / "spark-reader.parquet"), expected)
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    assert SECRET not in expected.to_json()


@pytest.mark.slow
def test_spark_batch_reads_parquet_lists_and_maps(tmp_path: Path, trained_home: Path, spark: object) -> None:
    from serving.scoring_spark import read_frame, score_spark

    src = tmp_path / "synth.parquet"
    write_synth(src, 200, seed=4, civil_share=0.3)
    frame = read_frame(spark, src)
    first = frame.filter("records_by_type is not null").select("records_by_type", "data_types").first()
    assert isinstance(first["records_by_type"], dict) and isinstance(first["data_types"], list)
    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        summary = score_spark(src, tmp_path / "out.csv", uri=f"sqlite:///{trained_home / 'mlflow.db'}")
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    assert summary.rows_in == summary.rows_out == summary.rows_scored == 200, summary.as_dict()
    written = pd.concat(pd.read_csv(p) for p in sorted((tmp_path / "out.csv").glob("part-*.csv")))
    assert len(written) == 200 and written["error"].isna().all()


@pytest.mark.slow
def test_spark_arrow_batches_hold_the_input_lists_and_maps(
    tmp_path: Path, champions: ChampionSet, spark: object
) -> None:
    """The Spark engine sends null lists and maps to its Python workers as empty ones plus a null flag (Spark's
    Arrow writer is slow on null nested values); the batch the worker rebuilds must be the input as pyarrow reads
    it (null, empty and filled lists and maps, null elements, any slice), and score to the same rows and errors."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from features.model.batch import estimators_of, score_batch
    from serving.scoring_spark import NULL_FLAG, nested_nulls_apart, nested_nulls_restored, read_frame

    base = tmp_path / "synth.parquet"
    write_synth(base, 120, seed=5, civil_share=0.3)
    table = pq.read_table(base)
    extra = [
        {"case_id": "x-empty", "records_total": 600, "data_types": [], "other_charges": [], "records_by_type": []},
        {"case_id": "x-filled", "data_types": ["identity"], "other_charges": ["fraud"],
         "records_by_type": [("identity", 600), ("location", 3)]},
        {"case_id": "x-null-element", "records_total": 60, "data_types": ["identity", None], "conduct": [None]},
        {"case_id": "x-null", "records_total": 60, "data_types": None, "records_by_type": None},
    ]  # fmt: skip
    table = pa.concat_tables([table, pa.Table.from_pylist(extra, schema=table.schema)])
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=50)

    frame = nested_nulls_apart(read_frame(spark, src))
    nested = [c for c in ("data_types", "conduct", "other_charges", "records_by_type") if c in table.column_names]
    assert frame.filter(" or ".join(f"{c} is null" for c in nested)).count() == 0  # none reaches Arrow null
    assert {NULL_FLAG + c for c in nested} <= set(frame.columns)

    def as_ipc(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for start, length in ((0, batch.num_rows), (1, max(batch.num_rows - 2, 0))):  # whole, and a slice
                sink = pa.BufferOutputStream()
                restored = nested_nulls_restored(batch.slice(start, length))
                with pa.ipc.new_stream(sink, restored.schema) as writer:
                    writer.write_batch(restored)
                yield pa.RecordBatch.from_pylist([{"start": start, "ipc": sink.getvalue().to_pybytes()}])

    got = frame.mapInArrow(as_ipc, "start long, ipc binary").collect()
    wholes = [pa.ipc.open_stream(r["ipc"]).read_all() for r in got if r["start"] == 0]
    slices = [pa.ipc.open_stream(r["ipc"]).read_all() for r in got if r["start"] == 1]
    assert sum(t.num_rows for t in wholes) == table.num_rows and all(
        t.column_names == table.column_names for t in wholes
    )
    by_id = {cid: i for i, cid in enumerate(table.column("case_id").to_pylist())}
    estimators = estimators_of(champions.estimators)
    for part in wholes + slices:
        plain = table.take([by_id[c] for c in part.column("case_id").to_pylist()])
        for name in table.column_names:
            assert part.column(name).combine_chunks().equals(plain.column(name).combine_chunks()), name
        if part.num_rows:
            assert score_batch(part, estimators).equals(score_batch(plain, estimators))


def test_warm_workers_runs_one_task_per_core_and_leaves_the_estimators_cached(tmp_path: Path) -> None:
    """The warm-up job's tasks each load the job's estimators into their worker's cache (what the scoring tasks
    then find), one task per core of the session."""
    from serving.scoring_spark import Broadcast, spark_session, warm_workers

    spark = spark_session()
    payload = io.BytesIO()
    joblib.dump({"criminal": "estimator"}, payload)
    job = Broadcast(spark.sparkContext.broadcast(payload.getvalue()), "warm-test")
    assert warm_workers(spark, job) == int(spark.sparkContext.defaultParallelism)

    def cached(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from serving import spark_worker

        for batch in batches:
            hit = "warm-test" in spark_worker._WORKER_ESTIMATORS
            yield pa.RecordBatch.from_arrays([pa.array([hit] * batch.num_rows)], names=["hit"])

    cores = int(spark.sparkContext.defaultParallelism)
    hits = spark.range(0, cores, 1, numPartitions=cores).mapInArrow(cached, "hit boolean").collect()
    # Spark hands an idle reused worker the next task; it may also start a fresh one (then that task loads the
    # estimators itself): at least one task must find them already there
    assert len(hits) == cores and any(row["hit"] for row in hits)
