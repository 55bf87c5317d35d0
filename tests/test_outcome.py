"""Sentences read from verdicts: terms, probation, fines, exemption, several defendants and charges, fuzzing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from features.law.schema import CriminalCase, parse_case
from features.text.sentences import parse_outcomes


def one(text: str) -> dict:
    outcomes = parse_outcomes(text)
    assert len(outcomes) == 1, outcomes
    return outcomes[0].model_dump()


def test_issue_example() -> None:
    o = one("判处有期徒刑三年，缓刑四年，并处罚金人民币一百六十万元")
    assert (o["prison_months"], o["probation_months"], o["fine_yuan"]) == (36, 48, 1_600_000)
    assert o["exempt_from_punishment"] is False
    assert o["defendant"] is None


def test_verdict_with_several_defendants() -> None:
    text = (
        "依照《中华人民共和国刑法》第二百五十三条之一之规定，判决如下：一、被告人张某犯侵犯公民个人信息罪，"
        "判处有期徒刑三年，并处罚金人民币五万元。（刑期从判决执行之日起计算。）二、被告人李某某犯侵犯公民个人信息罪，"
        "判处拘役五个月，缓刑六个月，并处罚金人民币5000元。三、被告人王某犯侵犯公民个人信息罪，免予刑事处罚。"
    )
    outcomes = parse_outcomes(text)
    assert [o.defendant for o in outcomes] == ["张某", "李某某", "王某"]
    zhang, li, wang = outcomes
    assert (zhang.prison_months, zhang.probation_months, zhang.fine_yuan) == (36, None, 50_000)
    assert (li.detention_months, li.probation_months, li.fine_yuan) == (5, 6, 5000)
    assert wang.exempt_from_punishment is True and wang.prison_months is None
    for o in outcomes:
        assert text[o.span.start : o.span.end] == o.span.text
        assert o.span.text.startswith("被告人")


def test_terms_in_every_form() -> None:
    assert one("被告人甲某犯侵犯公民个人信息罪，判处有期徒刑一年六个月。")["prison_months"] == 18
    assert one("被告人甲某犯侵犯公民个人信息罪，判处有期徒刑一年零六个月。")["prison_months"] == 18
    assert one("被告人甲某犯侵犯公民个人信息罪，判处有期徒刑10个月，并处罚金人民币2000元。")["prison_months"] == 10
    assert (
        one("被告人甲某犯侵犯公民个人信息罪，判处有期徒刑２年，并处罚金人民币１．５万元。")["fine_yuan"] == 15_000
    )
    o = one("被告人李×1犯非法获取公民个人信息罪，判处拘役四个月，缓刑六个月，并处罚金人民币三千元。")
    assert (o["defendant"], o["detention_months"], o["probation_months"], o["fine_yuan"]) == ("李×1", 4, 6, 3000)
    fine_only = one("被告人孙某犯侵犯公民个人信息罪，单处罚金人民币3000元。")
    assert fine_only["fine_yuan"] == 3000 and fine_only["prison_months"] is None


def test_prior_conviction_is_not_the_outcome() -> None:
    text = (
        "被告人刘某曾因犯盗窃罪于2015年被判处有期徒刑一年。经审理查明……判决如下："
        "被告人刘某犯侵犯公民个人信息罪，判处有期徒刑一年六个月，并处罚金人民币一万元。"
    )
    assert one(text)["prison_months"] == 18
    assert parse_outcomes("被告人刘某曾因犯盗窃罪于2015年被判处有期徒刑一年，2016年刑满释放。") == []


def test_several_charges_uses_the_personal_information_sentence() -> None:
    o = one(
        "被告人赵某犯侵犯公民个人信息罪，判处有期徒刑二年，并处罚金人民币二万元；犯诈骗罪，判处有期徒刑四年，"
        "并处罚金人民币五万元，决定执行有期徒刑五年，并处罚金人民币七万元。"
    )
    assert o["several_charges"] is True
    assert (o["prison_months"], o["fine_yuan"]) == (24, 20_000)
    assert o["notes"]


def test_respectively() -> None:
    outcomes = parse_outcomes(
        "被告人张某、李某犯侵犯公民个人信息罪，分别判处有期徒刑三年、二年六个月，并处罚金人民币三万元、二万元。"
    )
    assert [(o.defendant, o.prison_months, o.fine_yuan) for o in outcomes] == [
        ("张某", 36, 30_000),
        ("李某", 30, 20_000),
    ]


def test_unit_defendant() -> None:
    outcomes = parse_outcomes(
        "被告单位某某科技有限公司犯侵犯公民个人信息罪，判处罚金人民币二十万元；"
        "被告人冯某犯侵犯公民个人信息罪，判处有期徒刑三年，缓刑五年，并处罚金人民币十万元。"
    )
    unit, person = outcomes
    assert unit.unit and unit.fine_yuan == 200_000 and unit.prison_months is None
    assert (person.defendant, person.prison_months, person.probation_months) == ("冯某", 36, 60)


def test_impossible_values_are_dropped_not_clipped() -> None:
    o = one("被告人钱某犯侵犯公民个人信息罪，判处拘役八个月。")
    assert o["detention_months"] is None and o["notes"]
    o = one("被告人周某犯侵犯公民个人信息罪，判处有期徒刑四年，缓刑五年。")  # no probation over 3 years
    assert o["prison_months"] == 48 and o["probation_months"] is None
    # Art. 73: probation of criminal detention is 2-12 months, of imprisonment 12-60 months
    o = one("被告人吴某犯侵犯公民个人信息罪，判处拘役三个月，缓刑一年六个月。")
    assert o["detention_months"] == 3 and o["probation_months"] is None and "Art" in " ".join(o["notes"])
    o = one("被告人郑某犯侵犯公民个人信息罪，判处有期徒刑六个月，缓刑十个月。")
    assert o["prison_months"] == 6 and o["probation_months"] is None
    o = one("被告人王某犯侵犯公民个人信息罪，判处有期徒刑六个月，缓刑一年。")
    assert o["prison_months"] == 6 and o["probation_months"] == 12


def test_no_outcome() -> None:
    assert parse_outcomes("") == []
    assert parse_outcomes("被告人张某出售公民个人信息5000条。") == []


def test_outcomes_validate_as_cases() -> None:
    o = parse_outcomes("被告人甲某犯侵犯公民个人信息罪，判处有期徒刑三年，缓刑四年，并处罚金人民币一万元。")[0]
    case = parse_case(o.case_fields())
    assert isinstance(case, CriminalCase)
    assert case.prison_months == 36 and case.probation_months == 48


PIECES = [
    "判决如下：",
    "被告人",
    "张某",
    "、李某",
    "被告单位某某有限公司",
    "犯侵犯公民个人信息罪，",
    "犯诈骗罪，",
    "判处",
    "分别判处",
    "有期徒刑",
    "拘役",
    "缓刑",
    "宣告缓刑",
    "罚金人民币",
    "单处罚金",
    "免予刑事处罚",
    "决定执行",
    "曾因",
    "三年",
    "十个月",
    "一年零六个月",
    "99年",
    "9999个月",
    "一百六十万元",
    "999999999999999亿元",
    "3,000余元",
    "、",
    "，",
    "。",
    "管制",
]


def _sane(text: str) -> None:
    for o in parse_outcomes(text):
        assert o.prison_months is None or 0 < o.prison_months <= 300
        assert o.detention_months is None or 0 < o.detention_months <= 6
        assert o.probation_months is None or 0 < o.probation_months <= 60
        assert o.fine_yuan is None or 0 <= o.fine_yuan <= 1e11
        assert text[o.span.start : o.span.end] == o.span.text
        parse_case(o.case_fields())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _sane(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_verdict_like_text_never_crashes(text: str) -> None:
    _sane(text)


def test_long_verdicts_stay_linear() -> None:
    import time

    for text in ("判处有期徒刑一年，" * 4000, "被告人张某犯罪，判处拘役一个月。" * 2000, "一" * 30_000):
        t0 = time.perf_counter()
        _sane(text)
        assert time.perf_counter() - t0 < 3.0
