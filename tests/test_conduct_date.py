"""conduct_date: the date of the last act, in the schema (validated), read from fact text with its evidence span,
carried through the CAIL ingestion, and deciding the old or amended Art. 253-1 (Criminal Law Art. 12).

Sentences are the project's own, written in the style of fact descriptions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import training.cail as cail
from features.law.schema import CriminalCase, parse_case
from features.text.facts import extract_facts

FIXTURES = Path(__file__).resolve().parent / "data" / "cail"

# (text, expected conduct_date, the text of its evidence span)
TEXTS: list[tuple[str, str | None, str | None]] = [
    ("被告人甲某于2014年3月至2015年6月间，在网上出售公民个人信息2万条。", "2015-06", "2015年6月"),
    ("2015年10月28日，被告人乙某将其在银行工作中获取的客户信息出售给他人。", "2015-10-28", "2015年10月28日"),
    ("被告人丙某于2014年至2015年间购买公民个人信息。", "2015", "2015年"),
    ("2016年3月至8月，被告人丁某非法获取公民个人信息3万条。", "2016-08", "8月"),
    ("二〇一五年十一月，被告人戊某出售公民个人信息。", "2015-11", "二〇一五年十一月"),
    ("2015年9月，被告人己某开始出售公民个人信息，同年12月又出售一批。", "2015-12", "同年12月"),
    ("自2016年5月起至案发，被告人庚某出售快递单信息，2017年3月案发。", "2017-03", "2017年3月"),
    ("2016年5月以来，被告人辛某出售快递单信息。", None, None),  # runs on, no end date written
    ("被告人壬某（1988年出生）于2019年4月2日下载公民个人信息6,000条。", "2019-04-02", "2019年4月2日"),
    (
        "被告人癸某曾于2013年因犯盗窃罪被判处有期徒刑一年，2014年刑满释放。2016年7月，癸某出售公民个人信息。",
        "2016-07",
        "2016年7月",
    ),
    ("被告人张某出售公民个人信息5,000条，获利1万元。", None, None),
]


@pytest.mark.parametrize(("text", "expected", "span"), TEXTS, ids=[t[:14] for t, _, _ in TEXTS])
def test_conduct_date_from_fact_text(text: str, expected: str | None, span: str | None) -> None:
    found = extract_facts(text)
    assert found.case["conduct_date"] == expected
    if span is None:
        assert "conduct_date" not in found.evidence
    else:
        (evidence,) = found.evidence["conduct_date"]
        assert evidence.text == span == text[evidence.start : evidence.end]
    parse_case(found.found())  # the extracted case is valid


def test_open_ended_conduct_is_said_in_a_warning() -> None:
    found = extract_facts("2016年5月以来，被告人辛某出售快递单信息。")
    assert any(w.startswith("conduct_date:") for w in found.warnings)


@pytest.mark.parametrize("value", ["2015", "2015-06", "2015-06-30", "2016-02-29"])
def test_schema_takes_the_three_precisions(value: str) -> None:
    assert parse_case({"conduct_date": value}).conduct_date == value


@pytest.mark.parametrize(
    "value",
    ["2015-02-30", "2015-13", "2015-6", "15-06", "2015/06", "June 2015", "2015-06-31", "2017-02-29", "1970"],
)
def test_schema_refuses_impossible_or_malformed_dates(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_case({"conduct_date": value})
    assert [e["loc"][-1] for e in info.value.errors()] == ["conduct_date"]
    assert value not in str(info.value.errors(include_input=False))


def test_schema_refuses_a_conduct_date_after_the_judgment_year_or_in_the_future() -> None:
    with pytest.raises(ValidationError, match="conduct_date is after the judgment year"):
        parse_case({"conduct_date": "2018-01", "year": 2017})
    assert parse_case({"conduct_date": "2017-12-31", "year": 2017}).conduct_date == "2017-12-31"
    with pytest.raises(ValidationError, match="future"):
        parse_case({"conduct_date": f"{date.today().year + 1}"})


def test_cail_rows_carry_the_conduct_date(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    cail.ingest_cail([FIXTURES / "pi_utf8.json"], out)
    rows: list[dict[str, Any]] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    jia = next(r for r in rows if r["defendant"] == "甲某")
    # the fixture's facts: 2016年3月至2017年1月 -> the last act 2017-01
    assert jia["conduct_date"] == "2017-01"
    assert isinstance(
        parse_case({k: v for k, v in jia.items() if k not in ("source_file", "source_line")}), CriminalCase
    )
