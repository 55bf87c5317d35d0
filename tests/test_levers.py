"""Levers (issue 17): what the defendant can still change or contest, in every criminal answer.

Over every seed case and synthetic ones, for estimators of several families: a mitigating lever's stated option
never raises the estimate (point, range, fine) nor lowers P(probation), its absent option never does the opposite,
an aggravating one (insider status) the other way round, and contesting the record count never raises it; a fact not
stated is shown both ways. The record-count lever sits just below the threshold of Interp. 2017 Art. 5 that set the
band (numbers from the law table), and every option is the estimate of the case with that fact changed, estimated in
the same batch as the case, each variant once."""

from __future__ import annotations

from typing import Any

import pytest

from features.law.schema import CriminalCase
from features.law.table import load_law_table
from features.law.vocab import Band
from features.model.answer import CriminalEstimator
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from features.model.levers import SPECS
from features.tables import load_seeds
from training.synth import synth_rows

pytestmark = pytest.mark.slow
LAW = load_law_table()
OUTCOMES = ("prison_months", "detention_months", "probation_months", "fine_yuan", "exempt_from_punishment")
MONTHS = ("point", "low", "high")
EPS = 1e-9  # float noise only: every figure is rounded the same way


def _facts(case: CriminalCase) -> CriminalCase:
    data = {k: v for k, v in case.model_dump(mode="json").items() if k not in OUTCOMES and k != "synthetic"}
    return CriminalCase.model_validate(data)


@pytest.fixture(scope="module")
def train() -> list[CriminalCase]:
    return load_seeds().for_training().criminal


@pytest.fixture(scope="module")
def cases(train: list[CriminalCase]) -> list[CriminalCase]:
    synthetic = [CriminalCase.model_validate(r) for r in synth_rows(80, seed=17, civil_share=0.0)]
    return [_facts(c) for c in train + synthetic]


def _estimator(train: list[CriminalCase], custodial: str, fine: str, probation: str) -> CriminalEstimator:
    return CriminalEstimator(
        custodial=OutcomeRegressor(target="custodial_months", family=custodial),  # type: ignore[arg-type]
        probation=ProbationClassifier(family=probation),  # type: ignore[arg-type]
        fine=OutcomeRegressor(target="fine_yuan", family=fine),  # type: ignore[arg-type]
    ).fit(train)


def _direction(lever: dict[str, Any], option: dict[str, Any]) -> int:
    """-1: the law says this option can only lower the estimate; +1: only raise it."""
    if lever["kind"] == "record_count":
        return -1  # fewer records never make a case more serious (Interp. 2017 Art. 5)
    spec = SPECS[lever["name"]]
    towards_stated = option["value"] == spec.stated
    lowers = towards_stated == (lever["kind"] == "mitigating")
    return -1 if lowers else 1


@pytest.mark.parametrize(
    ("custodial", "fine", "probation"),
    [
        ("ridge", "ridge", "base_rate"),
        ("band_quantile", "band_quantile", "base_rate"),
        ("band_adjusted", "band_adjusted", "base_rate"),
        ("baseline", "baseline", "baseline"),
        ("lightgbm", "ridge", "lightgbm"),
    ],
)
def test_levers_move_the_estimate_only_the_law_s_way(
    train: list[CriminalCase], cases: list[CriminalCase], custodial: str, fine: str, probation: str
) -> None:
    estimator = _estimator(train, custodial, fine, probation)
    wrong: list[str] = []
    n_options = 0
    for case, answer in zip(cases, estimator.answer(cases), strict=True):
        own = answer["custodial_months"]
        for lever in answer["levers"]:
            for option in lever["options"]:
                n_options += 1
                sign = _direction(lever, option)
                moved = {k: option["custodial_months"][k] - own[k] for k in MONTHS}
                moved["fine"] = option["fine_yuan"]["point"] - answer["fine_yuan"]["point"]
                for what, delta in moved.items():
                    if sign * delta < -EPS:
                        wrong.append(f"{case.case_id} {lever['name']}={option['value']}: {what} {delta:+g}")
                # mitigation never lowers P(probation), aggravation never raises it (Criminal Law Arts. 72-74)
                dp = option["probation_probability"] - answer["probation_probability"]
                if sign * dp > EPS:
                    wrong.append(f"{case.case_id} {lever['name']}={option['value']}: P(probation) {dp:+g}")
                assert option["change_months"] == pytest.approx(
                    round(option["custodial_months"]["point"] - own["point"], 1)
                )
    assert n_options > len(cases), "every case has levers"
    assert not wrong, wrong[:10]


def test_a_fact_not_stated_is_shown_both_ways(train: list[CriminalCase]) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    case = CriminalCase.model_validate(
        {"records_total": 8000, "data_types": ["contact"], "conduct": ["sell"], "n_defendants": 2, "year": 2022}
    )
    answer = estimator.answer([case])[0]
    levers = {lever["name"]: lever for lever in answer["levers"]}
    for name in ("guilty_plea", "restitution", "surrender", "truthful_confession", "accessory", "insider"):
        lever = levers[name]
        assert lever["state"] == "unknown" and lever["current"] is None
        values = [o["value"] for o in lever["options"]]
        assert values == [SPECS[name].stated, SPECS[name].absent], name
        stated, absent = (o["custodial_months"]["point"] for o in lever["options"])
        point = answer["custodial_months"]["point"]
        low, high = (stated, absent) if lever["kind"] == "mitigating" else (absent, stated)
        assert low <= point <= high, name  # unknown counts half: between the two (features.model.adjust)
    # the accessory range of 法发〔2021〕21号 never includes 0 (-20% to -50%): the role always matters
    accessory = [o["custodial_months"]["point"] for o in levers["accessory"]["options"]]
    assert accessory[0] < accessory[1]
    # a stated circumstance shows the other state only
    plea = CriminalCase.model_validate({**case.model_dump(exclude_none=True), "guilty_plea": True})
    lever = next(lv for lv in estimator.answer([plea])[0]["levers"] if lv["name"] == "guilty_plea")
    assert lever["state"] == "stated" and [o["value"] for o in lever["options"]] == [False]


def test_each_option_is_the_estimate_of_the_changed_case(train: list[CriminalCase]) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    case = CriminalCase.model_validate(
        {
            "records_by_type": {"parcel": 30000, "lodging": 120},
            "conduct": ["sell"],
            "insider": True,
            "illegal_profit_yuan": 18000,
            "guilty_plea": True,
            "n_defendants": 2,
            "year": 2024,
        }
    )
    answer = estimator.answer([case])[0]
    for lever in answer["levers"]:
        for option in lever["options"]:
            changed = CriminalCase.model_validate(
                {**case.model_dump(mode="json", exclude_none=True), **option["update"]}
            )
            alone = estimator.answer([changed], levers=False)[0]
            keys = (*MONTHS, "level", "legal_range")
            assert {k: option["custodial_months"][k] for k in keys} == {
                k: alone["custodial_months"][k] for k in keys
            }, lever["name"]
            assert option["fine_yuan"] == {k: alone["fine_yuan"][k] for k in MONTHS}
            assert option["probation_probability"] == alone["probation_probability"]
            assert option["band"] == alone["band"]
    # levers do not change the case's own numbers
    plain = estimator.answer([case], levers=False)[0]
    assert "levers" not in plain
    assert {k: v for k, v in answer.items() if k != "levers"} == plain


def test_variants_go_through_the_models_once_in_one_batch(
    train: list[CriminalCase], monkeypatch: pytest.MonkeyPatch
) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    case = CriminalCase.model_validate(
        {"records_total": 8000, "data_types": ["contact"], "conduct": ["sell"], "guilty_plea": False, "year": 2022}
    )
    batches: list[list[CriminalCase]] = []
    prepare = estimator.prepare

    def recording(rows: Any, *known: Any) -> Any:  # known: the cases' own bands, passed along
        batches.append(list(rows))
        return prepare(rows, *known)

    monkeypatch.setattr(estimator, "prepare", recording)
    estimator.answer([case])
    assert len(batches) == 1, "the case and all its variants in one batch"
    keys = [c.model_dump_json() for c in batches[0]]
    assert len(keys) == len(set(keys)), "a variant shared by a driver and a lever is estimated once"


def test_the_record_count_lever_sits_just_below_the_threshold_that_set_the_band(train: list[CriminalCase]) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    c = LAW.category("C").serious_records  # Interp. 2017 Art. 5(1)(5): 5,000 records of other information
    ten = LAW.especially_multiplier  # Art. 5(2)(3)
    half = LAW.insider_multiplier  # Art. 5(1)(8)
    a = LAW.category("A").serious_records
    b = LAW.category("B").serious_records
    rows = [
        # (case, expected count, band after, article named)
        ({"records_total": c + 1000, "data_types": ["contact"], "conduct": ["sell"]}, c - 1, "none", "5(1)(5)"),
        (
            {"records_total": int(c * ten) + 10, "data_types": ["contact"], "conduct": ["sell"]},
            int(c * ten) - 1,
            "serious",
            "5(2)(3)",
        ),
        (
            {
                "records_total": int(c * half) + 100,
                "data_types": ["identity"],
                "conduct": ["sell"],
                "insider": True,
            },
            int(c * half) - 1,
            "none",
            "5(1)(8)",
        ),
    ]
    for facts, count, band_after, article in rows:
        answer = estimator.answer([CriminalCase.model_validate({**facts, "year": 2022})])[0]
        lever = next(lv for lv in answer["levers"] if lv["name"] == "records")
        (option,) = lever["options"]
        assert option["value"] == count == option["update"]["records_total"], facts
        assert option["band"] == band_after and option["band_changes"]
        assert article in lever["basis"]["article"]
        assert f"{count:,}" in option["change"]
    # mixed types count pro rata (Art. 5(1)(6)): 30/50 + 200/500 = 1.0 exactly; contested, the sum falls below 1
    mixed = {
        "records_by_type": {"credit": int(a * 0.6), "lodging": int(b * 0.4)},
        "conduct": ["sell"],
        "year": 2022,
    }
    answer = estimator.answer([CriminalCase.model_validate(mixed)])[0]
    (option,) = next(lv for lv in answer["levers"] if lv["name"] == "records")["options"]
    split = option["update"]["records_by_type"]
    multiple = split["credit"] / a + split["lodging"] / b
    assert multiple < 1 and multiple > 1 - 2 / a, split  # just below: at most a record or two per type
    assert option["band"] == Band.none.value
    # gains that set the band too: contesting the count alone does not lower it, and the lever says so
    gains = {
        "records_total": c + 1000,
        "data_types": ["contact"],
        "conduct": ["sell"],
        "illegal_profit_yuan": LAW.serious_gains_yuan * 2,
        "year": 2022,
    }
    answer = estimator.answer([CriminalCase.model_validate(gains)])[0]
    lever = next(lv for lv in answer["levers"] if lv["name"] == "records")
    assert lever["options"][0]["band"] == "serious" and not lever["options"][0]["band_changes"]
    assert any("5(1)(7)" in n for n in lever["notes"])
    # records that set no band (below every threshold) give no record-count lever
    few = {"records_total": c // 2, "data_types": ["contact"], "conduct": ["sell"], "year": 2022}
    answer = estimator.answer([CriminalCase.model_validate(few)])[0]
    assert "records" not in {lv["name"] for lv in answer["levers"]}


def test_the_legal_basis_comes_from_the_law_table(train: list[CriminalCase]) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    case = CriminalCase.model_validate({"records_total": 8000, "data_types": ["contact"], "conduct": ["sell"]})
    levers = {lv["name"]: lv for lv in estimator.answer([case])[0]["levers"]}
    for name in ("guilty_plea", "restitution", "surrender", "truthful_confession", "accessory", "insider"):
        adj = LAW.adjustments[name]
        basis = levers[name]["basis"]
        assert basis["article"] == adj.article and tuple(basis["range"]) == adj.range
        bound = max(abs(x) for x in adj.range)
        assert f"{bound * 100:.0f}%" in basis["text"], name  # e.g. plea: up to 30% (法发〔2021〕21号)
    assert f"{-LAW.max_combined_reduction * 100:.0f}%" in levers["guilty_plea"]["basis"]["text"]
    assert f"{LAW.insider_multiplier:g}" in levers["insider"]["basis"]["text"]


def test_levers_that_cannot_apply_are_left_out(train: list[CriminalCase]) -> None:
    estimator = _estimator(train, "ridge", "ridge", "base_rate")
    sole = CriminalCase.model_validate(
        {"records_total": 8000, "data_types": ["contact"], "conduct": ["sell"], "role": "sole", "n_defendants": 1}
    )
    names = {lv["name"] for lv in estimator.answer([sole])[0]["levers"]}
    assert "accessory" not in names, "a sole defendant has no accomplice (Criminal Law Art. 27)"
    buyer = CriminalCase.model_validate(
        {"records_total": 8000, "data_types": ["contact"], "conduct": ["obtain_purchase"]}
    )
    names = {lv["name"] for lv in estimator.answer([buyer])[0]["levers"]}
    assert "insider" not in names, "Art. 5(1)(8) covers insiders who sell or provide"


def test_a_circumstance_the_estimator_does_not_read_says_so(train: list[CriminalCase]) -> None:
    """The band's own quantiles do not read the circumstances: a plea lever there moves nothing, and its note says
    why instead of letting "no change" read as the law's answer; where the adjustment layer moves the estimate (a
    learned base with the guideline's bounded effects), no such note."""
    case = CriminalCase.model_validate(
        {"records_total": 8000, "data_types": ["contact"], "conduct": ["sell"], "n_defendants": 2, "year": 2022}
    )
    quantiles = _estimator(train, "band_quantile", "band_quantile", "base_rate")
    plea = next(lv for lv in quantiles.answer([case])[0]["levers"] if lv["name"] == "guilty_plea")
    assert all(o["change_months"] == 0 and o["change_fine_yuan"] == 0 for o in plea["options"])
    assert any("does not read this circumstance" in n and "band_quantile" in n for n in plea["notes"])
    learned = _estimator(train, "ridge", "ridge", "base_rate")
    accessory = next(lv for lv in learned.answer([case])[0]["levers"] if lv["name"] == "accessory")
    assert any(o["change_months"] != 0 for o in accessory["options"])
    assert not any("does not read" in n for n in accessory["notes"])
