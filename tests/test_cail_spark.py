"""CAIL2018 ingestion on Spark gives the local engine's report and table (line numbers across file blocks, GB18030
lines, zip members, duplicates, skip reasons)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import training.cail as cail
from exposure.cli import app
from training.cail_spark import ingest_cail_spark

FIXTURES = Path(__file__).resolve().parent / "data" / "cail"
pytestmark = pytest.mark.slow


def _same(local: cail.IngestReport, spark: cail.IngestReport) -> None:
    a, b = local.model_dump(), spark.model_dump()
    for key in ("seconds", "out"):
        a.pop(key), b.pop(key)
    assert a == b
    assert list(local.skipped) == list(spark.skipped)  # the same order of reasons too


def test_spark_ingest_equals_local_on_the_fixtures(tmp_path: Path, spark: Any) -> None:
    local = cail.ingest_cail([FIXTURES], tmp_path / "local.jsonl")
    remote = ingest_cail_spark([FIXTURES], tmp_path / "spark.jsonl")
    _same(local, remote)
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "spark.jsonl").read_bytes()
    assert {s.source: s.encodings for s in remote.sources}["pi_gb18030.json"] == {"gb18030": 2}


def test_spark_ingest_numbers_lines_across_blocks_and_reads_zips(tmp_path: Path, spark: Any) -> None:
    lines = (FIXTURES / "pi_utf8.json").read_bytes().splitlines()
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "big.json").open("wb") as fh:
        for i in range(120):  # distinct facts per copy, so most are new cases, not duplicates
            for line in lines:
                fh.write(line.replace("某".encode(), f"某{i}".encode()) + b"\n")
            if i % 7 == 0:
                fh.write(b"\n")  # blank lines count for the numbering but are not read
    with zipfile.ZipFile(folder / "more.zip", "w") as zf:
        zf.write(FIXTURES / "pi_gb18030.json", "cail/pi_gb18030.json")
        zf.write(FIXTURES / "pi_utf8.json", "cail/pi_utf8.json")
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(64 * 1024))  # several blocks per file
    try:
        assert spark.read.text(str(folder / "big.json")).rdd.getNumPartitions() > 3
        remote = ingest_cail_spark([folder], tmp_path / "spark.parquet")
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    local = cail.ingest_cail([folder], tmp_path / "local.parquet")
    _same(local, remote)
    assert remote.rows > 300 and cail.DUPLICATE in remote.skipped
    assert any(s.source == "more.zip!cail/pi_gb18030.json" for s in remote.sources)
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "local.parquet").equals(pq.read_table(tmp_path / "spark.parquet"))


def test_ingest_cli_spark_engine(tmp_path: Path, spark: Any) -> None:
    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(
        app, ["ingest", "cail", str(FIXTURES), "--out", str(out), "--engine", "spark", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 5 and report["lines_read"] == 13
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
