"""CAIL2018 ingestion: encodings, zip, charge filtering, skip reasons, provenance, ids, tables, CLI; the
shared CAIL2018-format sample is read in place (skipped when absent)."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import training.cail as cail
from exposure.cli import app
from features.law.schema import CriminalCase, parse_case
from features.tables import TABLE_PROVENANCE_COLUMNS, load_jsonl, load_table

FIXTURES = Path(__file__).resolve().parent / "data" / "cail"
SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/external/cail2018_sample"
needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"CAIL2018 sample not found at {SAMPLE}")


@pytest.fixture(scope="module")
def parquet_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[cail.IngestReport, Path]:
    out = tmp_path_factory.mktemp("cail") / "cases.parquet"
    return cail.ingest_cail([FIXTURES], out), out


def test_report_counts_and_reasons(parquet_run: tuple[cail.IngestReport, Path]) -> None:
    report, out = parquet_run
    assert report.lines_read == 13
    assert report.rows == 5
    assert report.personal_information == 8
    assert report.skipped == {
        cail.NOT_PI: 2,
        cail.BAD_ENCODING: 1,
        cail.BAD_JSON: 1,
        cail.LIFE_DEATH: 1,
        cail.NOT_ONE_DEFENDANT: 1,
        cail.DUPLICATE: 1,
        cail.BAD_FIELDS: 1,
    }
    assert sum(report.skipped.values()) + report.rows == report.lines_read
    assert "pi_utf8.json:6: " + cail.DUPLICATE in " ".join(report.examples)
    assert all(cail.NOT_PI not in e for e in report.examples)  # the bulk reason is counted, not listed
    encodings = {s.source: s.encodings for s in report.sources}
    assert encodings == {"pi_gb18030.json": {"gb18030": 2}, "pi_utf8.json": {"utf-8": 10}}
    assert report.out == str(out) and out.is_file()
    assert not out.with_name(out.name + ".part").exists()


def test_rows_are_valid_cases_with_provenance(parquet_run: tuple[cail.IngestReport, Path]) -> None:
    _, out = parquet_run
    table = pq.read_table(out)
    assert {"source_file", "source_line"} <= set(table.column_names)
    rows = table.to_pylist()
    assert len(rows) == 5
    for row in rows:
        assert row["proceeding"] == "criminal"
        assert row["case_id"].startswith("cail-") and row["group_id"].startswith("cail-g-")
        assert row["source_title"] == f"CAIL2018 {row['source_file']}:{row['source_line']}"
        assert row["probation_months"] is None  # CAIL does not give probation
    by_defendant = {r["defendant"]: r for r in rows}
    jia, yi = by_defendant["甲某"], by_defendant["乙某"]
    assert jia["group_id"] == yi["group_id"]  # co-defendants of one judgment share a group
    assert jia["case_id"] != yi["case_id"]
    assert (jia["prison_months"], jia["fine_yuan"], jia["charge"]) == (10, 5000, "非法获取公民个人信息罪")
    assert jia["records_total"] == 42_000 and jia["illegal_profit_yuan"] == 11_000  # extracted from the facts
    assert (jia["source_file"], jia["source_line"]) == ("pi_utf8.json", 1)
    wu = by_defendant["戊某"]
    assert wu["other_charges"] == ["诈骗罪"] and wu["charge"] == "出售、非法提供公民个人信息罪"
    assert by_defendant["辛某"]["source_file"] == "pi_gb18030.json"  # GB18030 text decoded
    assert by_defendant["辛某"]["insider"] is True
    assert by_defendant["己某"]["prison_months"] == 0 and by_defendant["己某"]["fine_yuan"] == 3000


def test_load_table_parquet(parquet_run: tuple[cail.IngestReport, Path]) -> None:
    _, out = parquet_run
    loaded = load_table(out)
    assert loaded.errors == []
    assert len(loaded.criminal) == 5
    assert all(isinstance(c, CriminalCase) for c in loaded.cases)


def test_ids_are_deterministic(tmp_path: Path, parquet_run: tuple[cail.IngestReport, Path]) -> None:
    _, out = parquet_run
    again = tmp_path / "again.parquet"
    cail.ingest_cail([FIXTURES], again)
    first = [r["case_id"] for r in pq.read_table(out).to_pylist()]
    second = [r["case_id"] for r in pq.read_table(again).to_pylist()]
    assert first == second


def test_jsonl_output_loads_everywhere(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    report = cail.ingest_cail([FIXTURES / "pi_utf8.json"], out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == report.rows == 4
    row = json.loads(lines[0])
    assert row["source_line"] == 1
    parse_case({k: v for k, v in row.items() if k not in TABLE_PROVENANCE_COLUMNS})
    assert load_table(out).errors == []
    assert len(load_jsonl([out]).cases) == 4  # the seed loader ignores provenance columns too


def test_zip_is_read_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "cail2018.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "pi_utf8.json", "final_all_data/first_stage/train.json")
        zf.write(FIXTURES / "pi_gb18030.json", "final_all_data/first_stage/test.json")
        zf.writestr("__MACOSX/final_all_data/._train.json", b"\x00\x01junk")
        zf.writestr("final_all_data/README.txt", "not data")
    report = cail.ingest_cail([archive], None)
    assert report.rows == 5 and report.lines_read == 13
    assert {s.source for s in report.sources} == {
        "cail2018.zip!final_all_data/first_stage/train.json",
        "cail2018.zip!final_all_data/first_stage/test.json",
    }


def test_streaming_memory(tmp_path: Path) -> None:
    """A file of many lines is read line by line: memory does not grow with the file."""
    line = json.dumps(
        {
            "fact": "被告人某甲盗窃财物，价值人民币二千元。" * 5,
            "meta": {
                "accusation": ["盗窃"],
                "criminals": ["某甲"],
                "punish_of_money": 1000,
                "term_of_imprisonment": {"imprisonment": 6, "life_imprisonment": False, "death_penalty": False},
            },
        },
        ensure_ascii=False,
    )
    big = tmp_path / "big.json"
    big.write_text((line + "\n") * 20_000, encoding="utf-8")
    size = big.stat().st_size
    tracemalloc.start()
    try:
        report = cail.ingest_cail([big], None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.lines_read == 20_000 and report.skipped == {cail.NOT_PI: 20_000}
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


def test_progress_is_reported() -> None:
    calls: list[tuple[int, int]] = []
    cail.ingest_cail([FIXTURES], None, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0


def test_charge_names() -> None:
    assert cail.is_pi_charge("非法获取公民个人信息")
    assert cail.is_pi_charge("[出售、非法提供]公民个人信息")
    assert cail.is_pi_charge("侵犯公民个人信息罪")
    assert not cail.is_pi_charge("[窃取、收买、非法提供]信用卡信息")
    assert not cail.is_pi_charge("盗窃")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        cail.ingest_cail([tmp_path / "nope.json"], None)


# --- the shared CAIL2018-format sample, read in place


@needs_sample
def test_real_sample_encodings_and_filtering() -> None:
    report = cail.ingest_cail([SAMPLE], None)
    encodings = {s.source: s.encodings for s in report.sources}
    assert encodings == {"data_train.json": {"gb18030": 3675}, "data_test.json": {"utf-8": 1397}}
    assert report.lines_read == 5072
    assert report.rows == 0 and report.personal_information == 0  # the sample has no such case
    assert report.skipped == {cail.NOT_PI: 5072}


@needs_sample
def test_real_sample_through_the_whole_pipeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Treat every charge as kept to run extraction, labels, validation and writing on real CAIL text."""

    class Everything(tuple[str, ...]):
        def __contains__(self, item: object) -> bool:
            return True

    monkeypatch.setattr(cail, "PI_CHARGES", Everything())
    out = tmp_path / "all.parquet"
    report = cail.ingest_cail([SAMPLE / "data_test.json"], out)
    assert report.skipped.get(cail.LIFE_DEATH) == 2  # the two life sentences of data_test.json
    assert cail.INVALID_CASE not in report.skipped
    assert report.rows + sum(report.skipped.values()) == report.lines_read == 1397
    loaded = load_table(out)
    assert loaded.errors == [] and len(loaded.cases) == report.rows


# --- command line


def test_cli_ingest_and_extract(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t.parquet"
    result = runner.invoke(app, ["ingest", "cail", str(FIXTURES), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 5 and out.is_file()

    bad = runner.invoke(app, ["ingest", "cail", str(FIXTURES), "--out", str(tmp_path / "t.csv")])
    assert bad.exit_code == 2

    fact = tmp_path / "fact.txt"
    fact.write_text("被告人张某出售公民个人信息73万余条，非法获利人民币3,000余元。", encoding="gb18030")
    result = runner.invoke(app, ["extract", str(fact)])
    assert result.exit_code == 0, result.output
    extracted = json.loads(result.stdout)
    assert extracted["case"]["records_total"] == 730_000
    assert extracted["evidence"]["records_total"][0]["text"] == "73万余条"

    result = runner.invoke(
        app, ["extract", "-", "--outcomes"], input="判处有期徒刑三年，缓刑四年，并处罚金人民币一百六十万元"
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)["outcomes"][0]
    assert (outcome["prison_months"], outcome["probation_months"], outcome["fine_yuan"]) == (36, 48, 1_600_000)


def test_cli_extract_eval() -> None:
    result = CliRunner().invoke(app, ["extract-eval", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["all"]["overall"]["precision"] > 0.9
    table = CliRunner().invoke(app, ["extract-eval"])
    assert "records_total" in table.stdout
