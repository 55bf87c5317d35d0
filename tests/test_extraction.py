"""Fact extraction from Chinese text: number forms, evidence spans, nulls, negations, eval-set quality, fuzzing."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.law.schema import CriminalCase, parse_case
from features.text.evaluate import evaluate_by_split, load_eval
from features.text.facts import EXTRACTED_FIELDS, Extraction, extract_facts
from features.text.numbers import normalize, parse_number


def facts(text: str) -> dict:
    return extract_facts(text).case


def check_evidence(text: str, result: Extraction) -> None:
    for name, spans in result.evidence.items():
        assert name in EXTRACTED_FIELDS
        for span in spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text


# --- numbers as courts write them


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("被告人出售公民个人信息73万余条。", "records_total", 730_000),
        ("被告人非法获取公民个人信息1.2亿条。", "records_total", 120_000_000),
        ("被告人非法获利人民币一百六十万元。", "illegal_profit_yuan", 1_600_000),
        ("被告人出售个人信息，获利3,000余元。", "illegal_profit_yuan", 3000),
        ("被告人出售个人信息５０００条，获利２０００元。", "records_total", 5000),
        ("被告人出售个人信息５０００条，获利２０００元。", "illegal_profit_yuan", 2000),
        ("被告人出售公民个人信息十余万条。", "records_total", 100_000),
        ("被告人出售公民个人信息300余万份。", "records_total", 3_000_000),
        ("被告人出售公民个人信息壹拾贰万条。", "records_total", 120_000),
        ("被告人出售公民个人信息3，500余条。", "records_total", 3500),
        ("被告人出售公民个人信息一万二千余条。", "records_total", 12_000),
        ("涉及公民个人信息约3至5万条。", "records_total", 30_000),
        ("出售公民个人信息1000-2000条。", "records_total", 1000),
        ("将购房客户信息五六千条出售。", "records_total", 5000),
        ("销售金额达人民币50余万元。", "sales_yuan", 500_000),
        ("交易金额累计达人民币1.05亿元。", "sales_yuan", 105_000_000),
    ],
)
def test_number_forms(text: str, field: str, value: float) -> None:
    assert facts(text)[field] == value


def test_parse_number_forms() -> None:
    assert parse_number("73万") == 730_000
    assert parse_number("１２３") == 123
    assert parse_number("3,000") == 3000
    assert parse_number("两万") == 20_000
    assert parse_number("千") is None  # a unit alone is not a number
    assert parse_number("") is None
    assert parse_number("abc") is None


def test_normalize_keeps_offsets() -> None:
    text = "获利２，０００元（人民币）　共计５万条"
    assert len(normalize(text)) == len(text)
    assert normalize(text) == "获利2,000元(人民币) 共计5万条"


def test_range_and_vague_amounts_warn() -> None:
    ranged = extract_facts("涉及公民个人信息约3至5万条。")
    assert any("range" in w for w in ranged.warnings)
    vague = extract_facts("被告人出售公民个人信息数万条，获利数千元。")
    assert vague.case["records_total"] is None
    assert vague.case["illegal_profit_yuan"] is None
    assert vague.warnings


def test_numbers_that_are_not_records_or_gains() -> None:
    case = facts(
        "被告人罗某（男，1985年出生）违反《中华人民共和国刑法》第二百五十三条之一之规定，以每条0.5元的价格出售，"
        "曾被判处罚金人民币5,000元，盗窃手机价值人民币2,500元，发送短信3000条。"
    )
    assert case["records_total"] is None
    assert case["illegal_profit_yuan"] is None
    assert case["sales_yuan"] is None


# --- records per type, totals


def test_records_by_type_only_when_stated() -> None:
    case = facts("被告人非法获取他人行踪轨迹信息60条、通话记录300条、公民身份信息4000条，并出售。")
    assert case["records_by_type"] == {"whereabouts": 60, "communication_records": 300, "identity": 4000}
    assert case["records_total"] == 4360
    plain = facts("被告人出售公民个人信息5000条。")
    assert plain["records_by_type"] is None
    subset = facts("被告人出售公民个人信息2万余条，其中住宿信息600条。")
    assert subset["records_total"] == 20_000
    assert subset["records_by_type"] == {"lodging": 600}
    parse_case(subset)


def test_total_wins_over_parts() -> None:
    case = facts("其中范某获利5000元，郭某获利8000元，二人共计获利1.3万元。")
    assert case["illegal_profit_yuan"] == 13_000


# --- categorical fields and flags


def test_full_case_with_evidence() -> None:
    text = (
        "被告人李某利用其在某银行担任客户经理的职务便利，非法获取该行客户的征信报告、银行账户信息共计1,350条，"
        "并以每条5元的价格出售给王某，获利6750元。李某到案后如实供述，自愿认罪认罚，签署了具结书。"
    )
    result = extract_facts(text)
    case = result.case
    assert case["records_total"] == 1350
    assert set(case["data_types"]) == {"credit", "financial_account"}
    assert case["victim_category"] == "customers"
    assert case["conduct"] == ["sell"]
    assert case["insider"] is True
    assert case["illegal_profit_yuan"] == 6750
    assert case["truthful_confession"] is True and case["guilty_plea"] is True
    assert case["surrender"] is None and case["recidivist"] is None  # not stated: null, not False
    assert case["n_defendants"] == 1
    check_evidence(text, result)
    assert result.evidence["records_total"][0].text == "1,350条"
    assert result.evidence["illegal_profit_yuan"][0].text == "6750元"
    assert {s.label for s in result.evidence["data_types"]} == {"credit", "financial_account"}
    assert isinstance(parse_case(case), CriminalCase)


def test_negations_are_false() -> None:
    case = facts("被告人马某不构成自首，拒不供述，未退赃，不构成累犯。")
    assert case["surrender"] is False
    assert case["truthful_confession"] is False
    assert case["restitution"] is False
    assert case["recidivist"] is False


# --- how the defendant came in: surrender (Criminal Law Art. 67(1); SPC 1998 Interpretation Art. 1, 2010 Opinions)


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("被告人钟某经公安机关电话通知主动到案，如实供述了出售信息的经过。", "电话通知主动到案"),
        ("被告人钟某经电话通知到案后，对出售客户资料的事实供认不讳。", "电话通知到案"),
        ("被告人钟某接到派出所民警的电话后前往派出所，交代了自己的行为。", "接到派出所民警的电话后前往派出所"),
        ("被告人钟某在其妻子的陪同下到公安局投案，交代了犯罪事实。", "陪同下到公安局投案"),
        ("案发后，被告人钟某自行到案，如实交代了罪行。", "自行到案"),
        ("被告人钟某在前往公安机关投案途中被民警查获，到案后如实供述。", "投案途中"),
        ("被告人钟某到案后主动交代了公安机关尚未掌握的其他罪行，以自首论。", "自首"),
    ],
)
def test_voluntary_appearance_is_surrender(text: str, evidence: str) -> None:
    result = extract_facts(text)
    assert result.case["surrender"] is True
    check_evidence(text, result)
    assert evidence in [span.text for span in result.evidence["surrender"]]


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("被告人钟某于2021年3月被公安机关抓获，到案后如实供述。", "被公安机关抓获"),
        ("被告人钟某在其住处被民警抓获归案。", "被民警抓获"),
        ("被告人钟某经拘传到案，在讯问中如实供述。", "拘传到案"),
        (
            "被告人钟某被公安机关抓获后，辩护人提出其系自首的辩护意见，本院经查不予采纳。",
            "自首的辩护意见，本院经查不予采纳",
        ),
        ("被告人钟某自动投案后又逃跑，后在外地被抓获。", "投案后又逃跑"),
        ("被告人钟某不能认定为自首，但到案后如实供述，可从轻处罚。", "不能认定为自首"),
    ],
)
def test_arrest_refused_claims_and_undone_surrender_are_not_surrender(text: str, evidence: str) -> None:
    result = extract_facts(text)
    assert result.case["surrender"] is False
    check_evidence(text, result)
    assert evidence in [span.text for span in result.evidence["surrender"]]


def test_coming_in_without_saying_how_leaves_surrender_unknown() -> None:
    # 到案 / 归案 say that the defendant is in custody, not how: unknown, not False
    for text in ("被告人钟某到案后如实供述。", "被告人钟某归案后对犯罪事实供认不讳。"):
        result = extract_facts(text)
        assert result.case["surrender"] is None and "surrender" not in result.evidence
        assert result.case["truthful_confession"] is True
    both = extract_facts("被告人钟某主动投案，被告人蒋某被民警抓获归案。")
    assert both.case["surrender"] is None  # two defendants, two ways: not decidable for one row
    assert any(w.startswith("surrender:") for w in both.warnings)


def test_confession_retraction_and_plea_formulas() -> None:
    retracted = extract_facts("被告人钟某到案后如实供述，庭审中翻供。")
    assert retracted.case["truthful_confession"] is False
    assert [s.text for s in retracted.evidence["truthful_confession"]] == ["翻供"]
    # a retraction taken back before the first-instance judgment is a confession again (1998 Interpretation Art. 1)
    renewed = extract_facts("被告人钟某曾经翻供，后在一审判决前又如实供述了全部事实。")
    assert renewed.case["truthful_confession"] is True
    for text in ("被告人钟某未如实供述自己的罪行。", "被告人钟某归案后拒不交代出售信息的去向。"):
        assert facts(text)["truthful_confession"] is False, text
    signed = extract_facts("被告人钟某自愿认罪认罚，在辩护人见证下签署了认罪认罚具结书。")
    assert signed.case["guilty_plea"] is True
    assert {"认罪认罚", "具结书"} <= {s.text for s in signed.evidence["guilty_plea"]}
    assert facts("被告人钟某签署具结书后又撤回具结书。")["guilty_plea"] is False
    in_court = extract_facts("被告人钟某当庭自愿认罪。")
    assert in_court.case["truthful_confession"] is None and in_court.case["guilty_plea"] is None
    assert any("当庭认罪" in w for w in in_court.warnings), "said, not silently dropped"


def test_nothing_stated_gives_nulls() -> None:
    result = extract_facts("今天天气很好。")
    assert result.found() == {}
    assert result.evidence == {}
    assert all(v is None or v == [] for v in result.case.values())
    assert set(result.case) == set(EXTRACTED_FIELDS)


def test_charge_names_are_not_conduct() -> None:
    case = facts("公诉机关认为，被告人张某的行为构成出售、非法提供公民个人信息罪。")
    assert case["conduct"] == []


def test_someone_elses_use_is_not_the_defendants() -> None:
    case = facts("被告人陈某购买个人信息后提供给诈骗团伙，诈骗团伙利用该信息实施诈骗。")
    assert "use" not in case["conduct"]
    assert case["downstream_use"] == "fraud"


def test_defendant_counts() -> None:
    assert facts("被告人张某、李某、王某共同出售信息。")["n_defendants"] == 3
    assert facts("被告人曹某等5人组成团伙。")["n_defendants"] == 5
    assert facts("被告人张三伙同被告人李四出售信息。")["n_defendants"] == 2
    assert facts("被告人李×1出售信息。")["n_defendants"] == 1
    assert facts("某公司出售信息。")["n_defendants"] is None


def test_no_logging(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        extract_facts("被告人张某出售公民个人信息5000条，获利1万元。")
    assert caplog.records == []


# --- evaluation set


def test_eval_set_quality() -> None:
    items = load_eval()
    assert len(items) >= 40
    assert len({i.id for i in items}) == len(items)
    for item in items:  # expectations are valid case fields
        parse_case({k: v for k, v in item.expected.items()})
    reports = evaluate_by_split(items)
    dev = reports["dev"]
    assert dev.overall.precision >= 0.97 and dev.overall.recall >= 0.97
    for name, score in dev.fields.items():
        assert score.precision >= 0.9 and score.recall >= 0.9, name
    # holdout1 was scored once and then the rules were revised on its misses; holdout2 was never used to change
    # the rules (first and only scoring: precision 0.949, recall 0.897): guards against regressions
    assert reports["holdout1"].overall.precision >= 0.95 and reports["holdout1"].overall.recall >= 0.93
    assert reports["holdout2"].overall.precision >= 0.92 and reports["holdout2"].overall.recall >= 0.87
    # every field is exercised by the set
    assert all(score.support > 0 for score in reports["all"].fields.values())


# --- property-based: never crash, never absurd


def _check_sane(text: str) -> None:
    result = extract_facts(text)
    case = result.case
    parse_case(case)  # always valid for the schema
    for name in ("records_total", "illegal_profit_yuan", "sales_yuan"):
        value = case[name]
        assert value is None or 0 <= value <= 1e12
    assert case["n_defendants"] is None or 1 <= case["n_defendants"] <= 10_000
    for count in (case["records_by_type"] or {}).values():
        assert 0 <= count <= 1e12
    check_evidence(text, result)


FRAGMENTS = [
    "被告人",
    "张某",
    "、",
    "，",
    "。",
    "共计",
    "其中",
    "出售",
    "购买",
    "公民个人信息",
    "住宿信息",
    "行踪轨迹",
    "条",
    "组",
    "份",
    "元",
    "万",
    "亿",
    "余",
    "多",
    "至",
    "-",
    "获利",
    "违法所得",
    "销售金额",
    "人民币",
    "每条",
    "的价格",
    "以",
    "73",
    "1.2",
    "3,000",
    "３，５００",
    "一百六十",
    "十",
    "五六千",
    "数",
    "999999999999999999",
    "不构成",
    "自首",
    "累犯",
    "如实供述",
    "等",
    "5人",
    "名",
    "第",
    "（",
    "）",
    "\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _check_sane(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_court_like_text_never_crashes(text: str) -> None:
    _check_sane(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E) | st.sampled_from("万亿余条元")))
def test_fullwidth_offsets(text: str) -> None:
    assert len(normalize(text)) == len(text)
    _check_sane(text)


@pytest.mark.parametrize(
    "text",
    ["一" * 30_000, "5" * 30_000 + "元", "1," * 15_000, "被告人" * 10_000, "一" * 30_000 + "条"],
)
def test_no_catastrophic_backtracking(text: str) -> None:
    t0 = time.perf_counter()
    _check_sane(text)
    assert time.perf_counter() - t0 < 2.0
