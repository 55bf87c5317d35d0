"""The estimators' fast paths give sklearn's numbers, answers are repeatable, and outputs respect the law."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

from features.law.schema import CriminalCase
from features.model.calibration import MIN_BIN_RESIDUALS, UNSEEN_BIN, calibration_groups
from features.model.estimators import MITIGATED_FLOOR_MONTHS, Family, OutcomeRegressor, ProbationClassifier
from features.tables import load_seeds


@pytest.fixture(scope="module")
def criminal() -> list[CriminalCase]:
    return [c for c in load_seeds().for_training().criminal if c.custodial_months is not None]


def _months(cases: list[CriminalCase]) -> list[float]:
    """The custodial months of the fixture's cases (each has one: the fixture keeps only those)."""
    months = [c.custodial_months for c in cases if c.custodial_months is not None]
    assert len(months) == len(cases)
    return months


@pytest.mark.parametrize("family", ["ridge", "forest"])
def test_fast_regression_path_equals_sklearn_predict(criminal: list[CriminalCase], family: Family) -> None:
    model = OutcomeRegressor("custodial_months", family).fit(criminal, _months(criminal))
    prepared = model.prepare(criminal)
    assert model.model_ is not None  # ridge and forest learn (only the baselines have no model)
    base = prepared.feats[:, model.base_columns_]
    np.testing.assert_allclose(model._base(prepared.feats), model.model_.predict(base), rtol=1e-9, atol=1e-9)


def test_fast_probation_path_equals_calibrated_predict_proba(criminal: list[CriminalCase]) -> None:
    custodial = [c for c in criminal if c.custodial_months]
    y = [int(bool(c.probation_months)) for c in custodial]
    model = ProbationClassifier("logistic").fit(custodial, y)
    feats = model.prepare(custodial).feats
    fast = model._fast_logistic(feats)
    assert fast is not None
    np.testing.assert_allclose(fast, model.model_.predict_proba(feats)[:, 1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("family", ["logistic", "lightgbm"])
def test_probation_with_one_suspended_sentence_is_told_as_the_base_rate(
    criminal: list[CriminalCase], family: Literal["logistic", "lightgbm"]
) -> None:
    """A calibrated classifier needs each outcome twice (two calibration folds); a learning curve's small subset
    can hold one suspended sentence: the model then answers the band's base rate and says so, as base_rate does."""
    custodial = [c for c in criminal if c.custodial_months]
    suspended = [c for c in custodial if c.probation_months]
    subset = [c for c in custodial if not c.probation_months] + suspended[:1]
    y = [int(bool(c.probation_months)) for c in subset]
    assert sum(y) == 1
    model = ProbationClassifier(family).fit(subset, y)
    rates = ProbationClassifier("base_rate").fit(subset, y)
    assert model.model_ is None and model.is_base_rate
    prepared = model.prepare(subset)
    np.testing.assert_array_equal(model.proba(prepared), rates.proba(prepared))


def test_estimates_are_repeatable_and_inside_the_legal_range(criminal: list[CriminalCase]) -> None:
    model = OutcomeRegressor("custodial_months", "forest").fit(
        criminal, _months(criminal), groups=[c.group_id for c in criminal]
    )
    prepared = model.prepare(criminal)
    first = model.estimate(prepared, threshold=36.0)
    second = model.estimate(prepared, threshold=36.0)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    for band, low, point, high in zip(prepared.bands, first["low"], first["point"], first["high"], strict=True):
        assert band is not None  # every criminal case has a statutory band
        legal_low, legal_high = band.custodial_range_months
        # the point stays in the band; the interval may reach down to the Art. 63 floor, never above the maximum
        assert MITIGATED_FLOOR_MONTHS <= low <= point <= high <= legal_high and legal_low <= point
    # below the minimum only where the band has one; P(term <= 36) agrees with the interval
    assert any(low < b.custodial_range_months[0] for b, low in zip(prepared.bands, first["low"], strict=True) if b)
    for low, p in zip(first["low"], first["p_le_threshold"], strict=True):
        assert p > 0.0 or low >= 36  # an interval reaching below 36 months cannot say P(term <= 36) = 0


def test_base_drivers_add_up_to_the_base_and_are_named_as_legal_reasons(criminal: list[CriminalCase]) -> None:
    model = OutcomeRegressor("custodial_months", "forest").fit(criminal, _months(criminal))
    prepared = model.prepare(criminal[:5])
    assert model.forest_tables_ is not None and model.model_ is not None
    base = prepared.feats[:, model.base_columns_]
    phi, bias = model.forest_tables_.contributions_of(base)
    np.testing.assert_allclose(phi.sum(axis=1) + bias, model.model_.predict(base), rtol=1e-9)
    drivers = model.base_drivers(prepared)
    assert all(d and {"feature", "reason", "contribution", "value"} <= set(d[0]) for d in drivers)
    names = {d["feature"] for row in drivers for d in row}
    assert names <= {"records", "gains", "band", "data_types", "conduct", "victims", "downstream_use", "year",
                     "defendants", "unit_crime", "other_charges", "other"}  # fmt: skip
    assert not names & {"range_low_months", "year_missing", "log_records"}  # groups, not internal feature names
    # the base never sees a sentencing circumstance: they act only through the guideline's bounded adjustments
    assert not {model.feature_names_[i] for i in model.base_columns_} & {"guilty_plea", "surrender", "recidivist"}


def test_calibration_groups_merge_small_bins_with_the_next_smallest() -> None:
    groups = calibration_groups(["es"] * 27 + ["none"] * 22 + ["serious"] * 8)
    assert groups == {"es": "es", "none": "none+serious", "serious": "none+serious", UNSEEN_BIN: "none+serious"}
    # enough residuals everywhere: one group per bin, unseen labels go to the largest
    assert calibration_groups(["a"] * 30 + ["b"] * 12) == {"a": "a", "b": "b", UNSEEN_BIN: "a"}
    # everything merges into one group: pooled
    assert calibration_groups(["a"] * 5 + ["b"] * 5 + ["c"] * 5) == {}
    assert calibration_groups(["civil"] * 40 + ["public_interest"] * 6) == {}
    assert calibration_groups([]) == {}


def test_custodial_intervals_are_calibrated_per_group_of_bands(criminal: list[CriminalCase]) -> None:
    model = OutcomeRegressor("custodial_months", "ridge").fit(
        criminal, _months(criminal), groups=[c.group_id for c in criminal]
    )
    prepared = model.prepare(criminal)
    cases, bands = prepared.cases, prepared.bands
    labels = model._bins(cases, bands)
    groups = model.calibrator_.groups_
    # the seed data hold enough cases of at least two groups of bands: every group holds enough calibration
    # residuals, and every band seen has one
    assert set(labels) <= set(groups)
    sizes: dict[str, int] = {}
    for label in labels:
        sizes[groups[label]] = sizes.get(groups[label], 0) + 1
    assert min(sizes.values()) >= MIN_BIN_RESIDUALS and len(sizes) >= 2
    fine = OutcomeRegressor("fine_yuan", "ridge").fit(
        criminal, [c.fine_yuan or 1000.0 for c in criminal], groups=[c.group_id for c in criminal]
    )
    assert fine.calibrator_.groups_ == {}  # fines: pooled (measured better)


def test_floor_facts_reaches_below_the_minimum_only_where_mitigation_is_possible(
    criminal: list[CriminalCase],
) -> None:
    """Criminal Law Art. 63: a term below the band's minimum needs a mitigating circumstance (Arts. 23, 27, 67). With
    ``floor="facts"`` a case whose surrender, role and attempt are all stated against mitigation keeps the minimum;
    the same case with surrender unknown, or under ``floor="always"``, may reach below it."""
    from features.law.statutory import statutory_band

    base = next(c for c in criminal if statutory_band(c).custodial_range_months == (36.0, 84.0))
    closed = base.model_copy(update={"surrender": False, "role": "principal", "attempt": False})
    open_ = closed.model_copy(update={"surrender": None})
    facts = OutcomeRegressor("custodial_months", "band_quantile", floor="facts").fit(criminal, _months(criminal))
    always = OutcomeRegressor("custodial_months", "band_quantile").fit(criminal, _months(criminal))
    low_facts = facts.estimate(facts.prepare([closed, open_]))["low"]
    low_always = always.estimate(always.prepare([closed]))["low"]
    assert low_facts[0] >= 36.0  # no mitigating circumstance stated or unknown: the band's minimum holds
    # the band's own 10th percentile lies below its minimum (seed cases mitigated under Art. 63), so where the
    # facts allow it the interval reaches there
    assert low_facts[1] < 36.0 and low_always[0] < 36.0


def test_a_saved_band_quantile_model_carries_no_memo_and_answers_the_same(criminal: list[CriminalCase]) -> None:
    """The band quantiles of each (band, q) are memoized at prediction time; the memo is derivable, so a pickled
    model (what MLflow stores) leaves it out and, loaded, gives the same numbers."""
    import pickle

    model = OutcomeRegressor("custodial_months", "band_quantile").fit(criminal, _months(criminal))
    prepared = model.prepare(criminal)
    before = model.estimate(prepared, threshold=36.0)
    assert "_quantile_memo" in model.__dict__
    loaded = pickle.loads(pickle.dumps(model))
    assert "_quantile_memo" not in loaded.__dict__ and "_quantile_memo" in model.__dict__
    after = loaded.estimate(loaded.prepare(criminal), threshold=36.0)
    for key, values in before.items():
        np.testing.assert_array_equal(values, after[key], err_msg=key)


@pytest.fixture(scope="module")
def adjusted(criminal: list[CriminalCase]) -> OutcomeRegressor:
    return OutcomeRegressor("custodial_months", "band_adjusted").fit(criminal, _months(criminal))


def test_band_adjusted_moves_the_band_s_range_by_the_guideline_s_adjustments(
    criminal: list[CriminalCase], adjusted: OutcomeRegressor
) -> None:
    """An accessory is punished more lightly than a principal (Criminal Law Art. 27: 应当从轻、减轻或者免除处罚),
    by the guideline's 20-50% (法发〔2021〕21号): on the same facts, the band's whole range moves down, and by no
    more than the guideline's range where the band's limits do not clip it."""
    from features.law.table import load_law_table

    low, high = load_law_table().adjustments["accessory"].range
    moved = 0
    for case in criminal:
        principal = case.model_copy(update={"role": "principal"})
        accessory = case.model_copy(update={"role": "accessory"})
        est = adjusted.estimate(adjusted.prepare([principal, accessory]))
        for key in ("point", "low", "high"):
            assert est[key][1] <= est[key][0] + 1e-9, (case.case_id, key)
        band = adjusted.prepare([principal]).cols.criminal_band
        inside = band.range_low[0] < est["point"][1] and est["point"][0] < band.range_high[0]
        if inside:
            ratio = np.log1p(est["point"][1]) - np.log1p(est["point"][0])
            assert np.log1p(low) - 1e-9 <= ratio <= np.log1p(high) + 1e-9, case.case_id
            moved += 1
    assert moved > 0, "some case's point lies inside its band's limits"


def test_band_adjusted_answers_a_case_alone_as_in_a_batch_and_after_pickling(
    criminal: list[CriminalCase], adjusted: OutcomeRegressor
) -> None:
    import pickle

    batch = adjusted.estimate(adjusted.prepare(criminal), threshold=36.0)
    loaded = pickle.loads(pickle.dumps(adjusted))
    for i in (0, len(criminal) // 2, len(criminal) - 1):
        alone = loaded.estimate(loaded.prepare([criminal[i]]), threshold=36.0)
        for key, values in batch.items():
            assert alone[key][0] == values[i], (key, i)
    cdf = adjusted.cdf(adjusted.prepare(criminal), np.full(len(criminal), 36.0))
    np.testing.assert_array_equal(cdf, batch["p_le_threshold"])


def test_band_adjusted_is_refused_for_awards() -> None:
    with pytest.raises(ValueError, match="family: band_adjusted estimates criminal targets only"):
        OutcomeRegressor("awarded_total_yuan", "band_adjusted").fit([], [])


@pytest.mark.parametrize("family", ["baseline", "band_quantile", "band_adjusted", "ridge"])
def test_the_point_alone_is_the_estimate_s_point(criminal: list[CriminalCase], family: Family) -> None:
    model = OutcomeRegressor("custodial_months", family).fit(criminal, _months(criminal))
    prepared = model.prepare(criminal)
    np.testing.assert_array_equal(model.point(prepared), model.estimate(prepared)["point"])
