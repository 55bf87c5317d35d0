"""Loading case files (features.tables): every seed row loads; a bad row is reported with its line and does not
take the good rows with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from features.law.schema import CivilCase, CriminalCase, parse_case
from features.law.statutory import statutory_band
from features.tables import RowError, load_jsonl, load_seeds, seed_files, seeds_dir

REPO = Path(__file__).resolve().parents[1]
SECRET = "李四 13800138000"


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


# --- the seed data ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> Any:
    return load_seeds(REPO / "seeds")


def test_every_seed_row_loads(seeds: Any) -> None:
    assert seeds.errors == [], "\n".join(map(str, seeds.errors))
    assert len(seeds.criminal) >= 70
    assert len(seeds.civil) >= 40
    assert len(seeds.cases) == len(seeds.criminal) + len(seeds.civil)


def test_seed_rows_are_all_counted() -> None:
    files = seed_files(REPO / "seeds")
    assert {f.relative_to(REPO / "seeds").as_posix() for f in files} >= {
        "cases/criminal.jsonl",
        "cases/civil.jsonl",
        "documents/criminal.jsonl",
        "documents/civil.jsonl",
    }
    non_blank = sum(1 for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(load_seeds(REPO / "seeds").cases) == non_blank


def test_seed_rows_have_ids_groups_and_sources(seeds: Any) -> None:
    ids = [c.case_id for c in seeds.cases]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(c.group_id for c in seeds.cases)
    assert all(c.source_url or c.source_title for c in seeds.cases)


def test_seed_duplicates_point_at_loaded_rows(seeds: Any) -> None:
    ids = {c.case_id for c in seeds.cases}
    duplicates = [c for c in seeds.cases if c.duplicate_of is not None]
    assert all(c.duplicate_of in ids and c.duplicate_of != c.case_id for c in duplicates)
    training = seeds.for_training()
    assert len(training.cases) == len(seeds.cases) - len(duplicates)
    assert all(c.duplicate_of is None for c in training.cases)


def test_every_seed_criminal_row_gets_a_band(seeds: Any) -> None:
    for case in seeds.criminal:
        result = statutory_band(case)
        low, high = result.custodial_range_months
        assert 0 <= low <= high <= 84, case.case_id


def test_seed_examples_parse() -> None:
    examples = REPO / "seeds" / "examples"
    criminal = parse_case(json.loads((examples / "criminal_case.json").read_text(encoding="utf-8")))
    civil = parse_case(json.loads((examples / "civil_case.json").read_text(encoding="utf-8")))
    assert isinstance(criminal, CriminalCase)
    assert isinstance(civil, CivilCase)
    assert civil.proceeding == "public_interest"


def test_seeds_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_jsonl(tmp_path / "one.jsonl", [row(case_id="x1", records_total=10)])
    monkeypatch.setenv("EXPOSURE_SEEDS_DIR", str(tmp_path))
    assert seeds_dir() == tmp_path
    loaded = load_seeds()
    assert [c.case_id for c in loaded.cases] == ["x1"]
    monkeypatch.delenv("EXPOSURE_SEEDS_DIR")
    assert seeds_dir() == REPO / "seeds"


# --- errors with line numbers -----------------------------------------------------------------------------------


@pytest.fixture
def messy_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "messy.jsonl",
        [
            row(case_id="c1", records_total=100, data_types=["credit"]),  # 1 good
            row(case_id="c2", records_total=-5, defendant=SECRET),  # 2 negative records
            '{"case_id": "c3", "records_total": ',  # 3 invalid JSON
            "",  # 4 blank: skipped silently
            row(case_id="c1", records_total=7),  # 5 duplicate case_id
            row(case_id="c4", proceeding="civil", awarded_total_yuan=2000),  # 6 good (civil)
            "[1, 2]",  # 7 not an object
            row(records_total=10),  # 8 no case_id
            row(case_id="c5", data_types=[SECRET]),  # 9 unknown data type
            row(case_id="c6", prison_months=12, probation_months=24, duplicate_of="c1"),  # 10 good
        ],
    )


def test_bad_rows_are_reported_with_their_line(messy_file: Path) -> None:
    loaded = load_jsonl([messy_file])
    by_line = {e.line: e for e in loaded.errors}
    assert sorted(by_line) == [2, 3, 5, 7, 8, 9]
    assert all(e.path == str(messy_file) for e in loaded.errors)
    assert by_line[2].reason == "records_total: Input should be greater than or equal to 0"
    assert by_line[3].reason.startswith("not valid JSON")
    assert by_line[5].reason == f"case_id: duplicate of the row at {messy_file}:1"
    assert by_line[7].reason == "a line must hold one JSON object"
    assert by_line[8].reason == "case_id: required in a data file"
    assert by_line[9].reason.startswith("data_types.0: ")
    assert str(by_line[2]) == f"{messy_file}:2: records_total: Input should be greater than or equal to 0"


def test_bad_rows_do_not_leak_values(messy_file: Path) -> None:
    loaded = load_jsonl([messy_file])
    assert all(SECRET not in str(e) for e in loaded.errors)


def test_good_rows_survive_bad_ones(messy_file: Path) -> None:
    loaded = load_jsonl([messy_file])
    assert [c.case_id for c in loaded.cases] == ["c1", "c4", "c6"]
    assert [c.case_id for c in loaded.criminal] == ["c1", "c6"]
    assert [c.case_id for c in loaded.civil] == ["c4"]
    first = loaded.cases[0]
    assert first.records_total == 100  # the first c1 wins over the duplicate on line 5
    assert first.group_id == "c1"  # defaults to case_id


def test_for_training_drops_duplicate_rows(messy_file: Path) -> None:
    loaded = load_jsonl([messy_file])
    training = loaded.for_training()
    assert [c.case_id for c in training.cases] == ["c1", "c4"]
    assert training.errors == loaded.errors
    assert len(loaded.cases) == 3  # the original is untouched


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [row(case_id="same", records_total=1)])
    b = write_jsonl(tmp_path / "b.jsonl", [row(case_id="other"), row(case_id="same", records_total=2)])
    loaded = load_jsonl([a, b])
    assert [c.case_id for c in loaded.cases] == ["same", "other"]
    assert loaded.errors == [RowError(str(b), 2, f"case_id: duplicate of the row at {a}:1")]


def test_group_id_is_kept_when_given(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "g.jsonl", [row(case_id="d1", group_id="j1"), row(case_id="d2", group_id="j1")])
    assert [c.group_id for c in load_jsonl([f]).cases] == ["j1", "j1"]
