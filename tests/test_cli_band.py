"""The installed console script: ``exposure band`` (file and stdin) and ``exposure data summary --json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SECRET = "王五 110101198805051234"


def _exposure_command() -> list[str]:
    """The ``exposure`` script of the interpreter running the tests (the venv's), else one on PATH."""
    beside = Path(sys.executable).with_name("exposure")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("exposure")
    if found:
        return [found]
    pytest.fail("the exposure console script is not installed: run `pip install -e .` (make install)")


@pytest.fixture(scope="module")
def exposure() -> list[str]:
    return _exposure_command()


def run(
    exposure: list[str], *args: str, stdin: str | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}  # no wrapping or colour codes in messages
    env.pop("EXPOSURE_SEEDS_DIR", None)
    return subprocess.run(
        [*exposure, *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env, timeout=60, check=False
    )


def band_json(exposure: list[str], case: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    proc = run(exposure, "band", str(path))
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


KEYS = {"band", "rules", "custodial_range_months", "probation_possible", "band_certain"}


def test_band_from_a_file(exposure: list[str], tmp_path: Path) -> None:
    out = band_json(exposure, {"records_total": 120, "data_types": ["lodging"], "insider": True}, tmp_path)
    assert out.keys() >= KEYS
    assert out["band"] == "none"
    assert out["band_certain"] is True
    assert out["custodial_range_months"] == [0.0, 36.0]
    out = band_json(exposure, {"records_total": 600, "data_types": ["lodging"], "conduct": ["sell"]}, tmp_path)
    assert out["band"] == "serious"
    assert out["rules"] == [
        {
            "article": "Interp. 2017 Art. 5(1)(4)",
            "band": "serious",
            "text": out["rules"][0]["text"],
            "value": 600.0,
            "threshold": 500.0,
        }
    ]
    assert "600 records of category B" in out["rules"][0]["text"]
    assert out["custodial_range_months"] == [0.0, 36.0]
    assert out["probation_possible"] is True


def test_band_from_stdin(exposure: list[str]) -> None:
    case = {
        "records_total": 300,
        "data_types": ["credit"],
        "insider": True,
        "conduct": ["sell"],
        "recidivist": True,
    }
    proc = run(exposure, "band", "-", stdin=json.dumps(case))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out.keys() >= KEYS
    assert out["band"] == "especially_serious"
    assert out["band_certain"] is True
    assert [r["article"] for r in out["rules"]] == ["Interp. 2017 Art. 5(2)(3) [10x 5(1)(3) + 5(1)(8)]"]
    assert out["rules"][0]["value"] == 300.0
    assert out["rules"][0]["threshold"] == 250.0
    assert out["custodial_range_months"] == [36.0, 84.0]
    assert out["probation_possible"] is False  # recidivist
    assert out["fine_mandatory"] is True


def test_band_uncertain_attribution(exposure: list[str]) -> None:
    proc = run(
        exposure, "band", "-", stdin=json.dumps({"records_total": 100, "data_types": ["credit", "identity"]})
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["band"] == "none"
    assert out["band_certain"] is False
    assert out["band_if_most_sensitive"] == "serious"
    assert out["band_if_least_sensitive"] == "none"


def test_band_of_the_example_case(exposure: list[str]) -> None:
    proc = run(exposure, "band", "seeds/examples/criminal_case.json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["band"] == "especially_serious"
    assert out["custodial_range_months"] == [36.0, 84.0]
    assert out["fine_guideline_yuan"] == [18000.0, 90000.0]


def test_bad_case_names_the_field_and_hides_the_value(exposure: list[str]) -> None:
    case = {"records_total": -5, "data_types": [SECRET], "defendant": "x"}
    proc = run(exposure, "band", "-", stdin=json.dumps(case, ensure_ascii=False))
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "records_total" in proc.stderr
    assert "data_types" in proc.stderr
    assert SECRET not in proc.stderr
    assert "110101198805051234" not in proc.stderr


def test_unknown_field_names_the_field(exposure: list[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"records_total": 10, "victim_phone": SECRET}, ensure_ascii=False), encoding="utf-8"
    )
    proc = run(exposure, "band", str(path))
    assert proc.returncode != 0
    assert "victim_phone" in proc.stderr
    assert SECRET not in proc.stderr


def test_invalid_json_and_missing_file(exposure: list[str], tmp_path: Path) -> None:
    proc = run(exposure, "band", "-", stdin='{"records_total": ')
    assert proc.returncode != 0
    assert "not valid JSON" in proc.stderr
    proc = run(exposure, "band", str(tmp_path / "missing.json"))
    assert proc.returncode != 0
    assert "no such file" in proc.stderr


def test_band_refuses_civil_cases(exposure: list[str]) -> None:
    proc = run(exposure, "band", "seeds/examples/civil_case.json")
    assert proc.returncode != 0
    assert "criminal" in proc.stderr


def test_data_summary_json_counts(exposure: list[str]) -> None:
    from features.tables import load_seeds

    proc = run(exposure, "data", "summary", "--json")
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)["counts"]
    seeds = load_seeds(REPO / "seeds")
    assert counts["criminal_rows"] == len(seeds.criminal) >= 70
    assert counts["civil_rows"] + counts["public_interest_rows"] == len(seeds.civil)
    assert counts["civil_rows"] + counts["public_interest_rows"] >= 40
    assert 0 < counts["criminal_judgments"] <= counts["criminal_rows"]
    assert "skipped" not in proc.stderr


def test_data_summary_of_a_file_reports_skipped_rows(exposure: list[str], tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        json.dumps({"case_id": "a", "records_total": 10, "prison_months": 6})
        + "\n"
        + json.dumps({"case_id": "b", "records_total": -1, "defendant": SECRET}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    proc = run(exposure, "data", "summary", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["counts"]["criminal_rows"] == 1
    assert f"{path}:2" in proc.stderr
    assert "records_total" in proc.stderr
    assert SECRET not in proc.stderr


# --- readings, contested readings and the law table (Interp. 2017 Arts. 5-6, law_2017.toml [contested])


def test_band_leads_with_the_readings_when_uncertain(exposure: list[str]) -> None:
    # 1,800 records of identity + credit, not split: especially serious if at least 487 are credit
    # (x/50 + (1,800 - x)/5,000 >= 10), serious from 33, none below
    proc = run(
        exposure, "band", "-", stdin=json.dumps({"records_total": 1800, "data_types": ["identity", "credit"]})
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out)[:3] == ["band_certain", "determined", "readings"]
    assert out["band"] == "none" and out["band_certain"] is False
    assert [r["band"] for r in out["readings"]] == ["especially_serious", "serious", "none"]
    first = out["readings"][0]
    assert first["custodial_range_months"] == [36.0, 84.0] and first["fine_mandatory"] is True
    assert "at least 487 of the 1,800 records are category A (credit)" in first["condition"]
    assert first["case_update"] == {"records_by_type": {"credit": 1800}}
    assert out["deciding_facts"] == ["records_by_type"]
    # the top level belongs to the band's (none) reading: no mandatory fine
    assert out["fine_mandatory"] is False
    assert len(out["law"]["digest"]) == 12


def test_band_text_says_the_readings_in_plain_words(exposure: list[str]) -> None:
    proc = run(
        exposure,
        "band",
        "-",
        "--text",
        stdin=json.dumps({"records_total": 600, "data_types": ["whereabouts", "lodging"]}),
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Band: UNCERTAIN: especially_serious / serious")
    assert lines[1] == "Decided by: records_by_type"
    assert lines[2].startswith("1. especially_serious: 36-84 months, fine mandatory")
    assert any(line.startswith("Law table: law-2017") for line in lines)


def test_band_reading_option_chooses_a_contested_reading(exposure: list[str]) -> None:
    case = json.dumps({"records_total": 6000, "data_types": ["vehicle"], "conduct": ["sell"]})
    default = json.loads(run(exposure, "band", "-", stdin=case).stdout)
    # vehicle data: general information by default (5,000 = serious); as property information 6,000 >= 500 x 10
    assert default["band"] == "serious"
    assert default["contested"][0]["other_category"] == "A"
    assert default["contested"][0]["band_under_other"] == "especially_serious"
    chosen = json.loads(run(exposure, "band", "-", "--reading", "vehicle=A", stdin=case).stdout)
    assert chosen["band"] == "especially_serious"
    assert chosen["law"]["readings"]["vehicle"] == "A"
    assert chosen["law"]["non_default_readings"] == ["vehicle"]
    assert chosen["law"]["digest"] != default["law"]["digest"]
    assert chosen["contested"][0]["band_under_other"] == "serious"


def test_band_reading_from_the_environment(exposure: list[str]) -> None:
    case = json.dumps({"records_total": 6000, "data_types": ["vehicle"], "conduct": ["sell"]})
    env = {**os.environ, "EXPOSURE_LAW_READINGS": "vehicle=A", "NO_COLOR": "1", "COLUMNS": "250"}
    proc = subprocess.run(
        [*exposure, "band", "-"], input=case, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["band"] == "especially_serious"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("vehicle=Z", "the table allows C, A"),
        ("contact=A", "not a contested data type"),
        ("vehicle", "expected data_type=CATEGORY"),
    ],
)
def test_band_refuses_a_bad_reading(exposure: list[str], value: str, says: str) -> None:
    proc = run(exposure, "band", "-", "--reading", value, stdin=json.dumps({"records_total": 10}))
    assert proc.returncode != 0
    assert says in proc.stderr
    assert proc.stdout == ""


def test_import_shared_labels_authority(exposure: list[str], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    seeds = tmp_path / "seeds"
    (seeds / "cases").mkdir(parents=True)
    (seeds / "cases" / "authority.toml").write_text(
        '[cases.lib1]\nauthority = "case_library"\nevidence = "the source page gives an 入库编号"\n',
        encoding="utf-8",
    )
    rows = [
        {"case_id": "gc1", "source_title": "某某案 (= 最高法指导性案例193号)", "records_total": 10},
        {"case_id": "spp1", "source_title": "检例第140号 柯某侵犯公民个人信息案", "records_total": 10},
        {"case_id": "lib1", "source_url": "http://example.org/a", "records_total": 10},
        {"case_id": "pub1", "source_url": "http://example.org/b", "records_total": 10},
    ]
    (shared / "criminal.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8"
    )
    (shared / "civil.jsonl").write_text(json.dumps({"case_id": "c1", "proceeding": "civil"}) + "\n", "utf-8")
    env = {**os.environ, "EXPOSURE_SEEDS_DIR": str(seeds), "NO_COLOR": "1", "COLUMNS": "250"}
    proc = subprocess.run(
        [*exposure, "data", "import-shared", "--shared", str(shared)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in (seeds / "cases" / "criminal.jsonl").read_text("utf-8").splitlines()]
    assert {r["case_id"]: r["authority"] for r in out} == {
        "gc1": "guiding_case",
        "spp1": "procuratorate_guiding",
        "lib1": "case_library",
        "pub1": "published",
    }
    civil = json.loads((seeds / "cases" / "civil.jsonl").read_text("utf-8"))
    assert "authority" not in civil  # no source: no label
