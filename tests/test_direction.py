"""The law's direction holds by construction: over every seed case and synthetic ones, each circumstance set to
stated, unknown and stated absent, a mitigating one never raises the point, the range or the fine and never
lowers P(probation); an aggravating one never does the opposite; and unknown is not false."""

from __future__ import annotations

import numpy as np
import pytest

from features.law.schema import CriminalCase
from features.model import direction
from features.model.adjust import CIRCUMSTANCES
from features.model.answer import CriminalEstimator
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from features.model.targets import target_data
from features.tables import load_seeds
from training.synth import synth_rows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cases() -> list[CriminalCase]:
    seeds = load_seeds().for_training().criminal
    synthetic = [CriminalCase.model_validate(r) for r in synth_rows(60, seed=5, civil_share=0.0)]
    return seeds + synthetic


@pytest.fixture(scope="module")
def train() -> list[CriminalCase]:
    return load_seeds().for_training().criminal


def _fit(model: OutcomeRegressor | ProbationClassifier, train: list[CriminalCase]) -> None:
    target = "probation" if isinstance(model, ProbationClassifier) else model.target
    data = target_data(train, target)
    model.fit(data.cases, data.y, groups=data.groups)


@pytest.mark.parametrize("target", ["custodial_months", "fine_yuan"])
@pytest.mark.parametrize("family", ["baseline", "band_quantile", "band_adjusted", "ridge", "lightgbm"])
def test_regressors_follow_the_law_direction(
    train: list[CriminalCase], cases: list[CriminalCase], target: str, family: str
) -> None:
    model = OutcomeRegressor(target=target, family=family)  # type: ignore[arg-type]
    _fit(model, train)
    problems = direction.violations(model, cases)
    assert not problems, [str(p) for p in problems[:5]]


@pytest.mark.parametrize("family", ["base_rate", "baseline", "lightgbm"])
def test_probation_follows_the_law_direction(
    train: list[CriminalCase], cases: list[CriminalCase], family: str
) -> None:
    model = ProbationClassifier(family=family)  # type: ignore[arg-type]
    _fit(model, train)
    problems = direction.violations(model, cases)
    assert not problems, [str(p) for p in problems[:5]]


def test_the_audit_catches_a_model_that_breaks_the_direction(train: list[CriminalCase]) -> None:
    model = OutcomeRegressor(target="custodial_months", family="ridge")
    _fit(model, train)
    assert model.adjust_ is not None
    plea = [c.name for c in CIRCUMSTANCES].index("guilty_plea")
    model.adjust_.coef_[plea] = abs(model.adjust_.coef_[plea]) + 0.3  # a plea that raises the term
    problems = direction.violations(model, train[:10])
    assert {p.circumstance for p in problems} == {"guilty_plea"}
    assert {p.what for p in problems} >= {"custodial_months.point"}


def test_adjustments_stay_inside_the_guideline_ranges(train: list[CriminalCase]) -> None:
    from features.law.table import load_law_table

    law = load_law_table()
    model = OutcomeRegressor(target="custodial_months", family="ridge")
    _fit(model, train)
    assert model.adjust_ is not None
    for circumstance, coef in zip(CIRCUMSTANCES, model.adjust_.coef_, strict=True):
        low, high = law.adjustments[circumstance.name].range  # 法发〔2021〕21号, e.g. plea up to -30%
        assert np.log1p(low) - 1e-12 <= coef <= np.log1p(high) + 1e-12, circumstance.name
        if circumstance.mitigating:
            assert coef <= 0
        else:
            assert coef >= 0


def test_unknown_is_not_false_and_the_answer_shows_it(train: list[CriminalCase]) -> None:
    estimator = CriminalEstimator(
        custodial=OutcomeRegressor(target="custodial_months", family="ridge"),
        probation=ProbationClassifier(family="base_rate"),
        fine=OutcomeRegressor(target="fine_yuan", family="ridge"),
    ).fit(train)
    base = {"records_total": 12000, "data_types": ["identity"], "conduct": ["sell"], "insider": True, "year": 2022}
    # the accessory role: the guideline's range is -20% to -50%, so its effect is never zero (Criminal Law Art. 27)
    unknown = CriminalCase.model_validate(base)
    stated = CriminalCase.model_validate({**base, "role": "accessory"})
    absent = CriminalCase.model_validate({**base, "role": "principal"})
    a_unknown, a_stated, a_absent = estimator.answer([unknown, stated, absent])
    points = [a["custodial_months"]["point"] for a in (a_stated, a_unknown, a_absent)]
    assert points == sorted(points) and points[0] < points[2]  # the role lowers the term; unknown in between
    assert a_unknown["custodial_months"]["point"] != a_absent["custodial_months"]["point"]  # unknown is not false
    role = next(d for d in a_unknown["drivers"] if d["feature"] == "accessory")
    assert role["contribution_months"] < 0 and "not stated" in role["reason"] and role["value"] == 0.5
    assert "Criminal Law Art. 27" in role["reason"]
    assert all(d["reason"] for d in a_unknown["drivers"])  # named as legal reasons
    assert a_stated["probation_probability"] >= a_absent["probation_probability"]
