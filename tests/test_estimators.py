"""The estimators' fast paths give sklearn's numbers, answers are repeatable, and outputs respect the law."""

from __future__ import annotations

import numpy as np
import pytest

from features.dataset import load_seeds
from features.estimators import OutcomeRegressor, ProbationClassifier
from features.schema import CriminalCase


@pytest.fixture(scope="module")
def criminal() -> list[CriminalCase]:
    return [c for c in load_seeds().for_training().criminal if c.custodial_months is not None]


@pytest.mark.parametrize("family", ["ridge", "forest"])
def test_fast_regression_path_equals_sklearn_predict(criminal, family):
    model = OutcomeRegressor("custodial_months", family).fit(criminal, [c.custodial_months for c in criminal])
    cases, bands, feats = model._prepare(criminal)
    np.testing.assert_allclose(model._raw(feats, cases, bands), model.model_.predict(feats), rtol=1e-9, atol=1e-9)


def test_fast_probation_path_equals_calibrated_predict_proba(criminal):
    custodial = [c for c in criminal if c.custodial_months]
    y = [int(bool(c.probation_months)) for c in custodial]
    model = ProbationClassifier("logistic").fit(custodial, y)
    feats = model.featurizer_.transform_cases(custodial)
    fast = model._fast_logistic(feats)
    assert fast is not None
    np.testing.assert_allclose(fast, model.model_.predict_proba(feats)[:, 1], rtol=1e-9, atol=1e-12)


def test_estimates_are_repeatable_and_inside_the_legal_range(criminal):
    model = OutcomeRegressor("custodial_months", "forest").fit(
        criminal, [c.custodial_months for c in criminal], groups=[c.group_id for c in criminal]
    )
    prepared = model._prepare(criminal)
    first = model.estimate_prepared(*prepared, threshold=36.0)
    second = model.estimate_prepared(*prepared, threshold=36.0)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    for band, low, point, high in zip(prepared[1], first["low"], first["point"], first["high"], strict=True):
        legal_low, legal_high = band.custodial_range_months
        assert legal_low <= low <= point <= high <= legal_high


def test_drivers_add_up_to_point_minus_base_for_forest(criminal):
    model = OutcomeRegressor("custodial_months", "forest").fit(criminal, [c.custodial_months for c in criminal])
    cases, bands, feats = model._prepare(criminal[:5])
    phi, bias = model.forest_tables_.contributions_of(feats)
    np.testing.assert_allclose(phi.sum(axis=1) + bias, model.model_.predict(feats), rtol=1e-9)
    drivers = model.drivers(feats, cases, bands)
    assert all(d and {"feature", "contribution", "value"} <= set(d[0]) for d in drivers)
