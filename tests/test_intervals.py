"""The interval methods issue #13 asks to try (``OutcomeRegressor`` options): properties that follow from each method.

- conformalized quantile regression (family ``cqr``): the conformal correction brings quantiles that are too narrow
  to the stated coverage on held-out data; its interval contains its point, stays in the legal range, and keeps the
  law's direction (the audit of ``features.model.direction``);
- partial pooling (``calibration="partial"``): every bound lies between the band's own and the pooled one, and
  moves to the band's own as the band grows;
- normalized conformal (``difficulty="missing_facts"``): a fine whose gains are not stated cannot be read off
  Interp. 2017 Art. 12 (1x-5x the gains), so its interval is wider, and coverage holds in both groups;
- every option gives a case the same numbers alone as in a batch, and bad options are refused by name.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from features.law.schema import CriminalCase
from features.law.statutory import load_law_table
from features.model import direction
from features.model.calibration import Calibrator, CQRCalibrator, PartialCalibrator
from features.model.difficulty import missing_facts
from features.model.estimators import MITIGATED_FLOOR_MONTHS, OutcomeRegressor
from features.tables import load_seeds

LEVEL = 0.8
ORDER = ("none", "serious", "especially_serious")


@pytest.fixture(scope="module")
def criminal() -> list[CriminalCase]:
    return [c for c in load_seeds().for_training().criminal if c.custodial_months is not None]


def _months(cases: list[CriminalCase]) -> list[float]:
    return [float(c.custodial_months) for c in cases if c.custodial_months is not None]


# ------------------------------------------------------------------------------------------ partial pooling
def _band_residuals(rng: np.random.Generator, sizes: dict[str, int], scales: dict[str, float]) -> tuple[Any, Any]:
    labels = np.concatenate([np.full(n, band, dtype=object) for band, n in sizes.items()])
    residuals = np.concatenate([rng.normal(0.0, scales[band], n) for band, n in sizes.items()])
    return residuals, labels


def test_partial_pooling_lies_between_the_band_and_the_pooled_calibration() -> None:
    rng = np.random.default_rng(1)
    sizes = {"none": 30, "serious": 14, "especially_serious": 60}
    residuals, labels = _band_residuals(rng, sizes, {"none": 0.3, "serious": 1.5, "especially_serious": 0.6})
    z = rng.normal(2.0, 0.5, 40)
    rows = np.asarray([ORDER[i % 3] for i in range(40)], dtype=object)
    band = Calibrator(residuals, labels, order=ORDER)
    assert set(band.systems_) == set(ORDER)  # every band has its own residuals (no merged bins)
    pooled = Calibrator(residuals, np.full(len(labels), "all", dtype=object), order=ORDER)
    partial = PartialCalibrator(residuals, labels, order=ORDER)
    for (lo_b, hi_b), (lo_p, hi_p), (lo, hi) in zip(
        zip(*band.interval(z, rows, LEVEL), strict=True),
        zip(*pooled.interval(z, rows, LEVEL), strict=True),
        zip(*partial.interval(z, rows, LEVEL), strict=True),
        strict=True,
    ):
        assert min(lo_b, lo_p) - 1e-12 <= lo <= max(lo_b, lo_p) + 1e-12
        assert min(hi_b, hi_p) - 1e-12 <= hi <= max(hi_b, hi_p) + 1e-12
    # the small, wide band is pulled toward the pooled spread: narrower than its own, wider than pooled
    lo_b, hi_b = band.interval(np.zeros(1), np.asarray(["serious"], dtype=object), LEVEL)
    lo_p, hi_p = pooled.interval(np.zeros(1), np.asarray(["serious"], dtype=object), LEVEL)
    lo, hi = partial.interval(np.zeros(1), np.asarray(["serious"], dtype=object), LEVEL)
    assert hi_p[0] - lo_p[0] < hi[0] - lo[0] < hi_b[0] - lo_b[0]
    # P(Y <= y) is the mixture of the two distributions: between them too
    for y in (1.0, 2.0, 3.0):
        p_b, p_p, p = band.cdf(z, rows, y), pooled.cdf(z, rows, y), partial.cdf(z, rows, y)
        assert np.all((np.minimum(p_b, p_p) - 1e-12 <= p) & (p <= np.maximum(p_b, p_p) + 1e-12))


def test_partial_pooling_trusts_a_band_more_as_it_grows() -> None:
    """With the band's own residuals repeated k times (same distribution, k times the cases) its upper bound moves
    monotonically to its own; a band training never saw gets the pooled one."""
    rng = np.random.default_rng(2)
    own = rng.normal(0.0, 2.0, 10)
    rest = rng.normal(0.0, 0.3, 80)
    gaps = []
    for k in (1, 2, 4, 8, 16):
        residuals = np.concatenate([np.tile(own, k), rest])
        labels = np.asarray(["serious"] * (10 * k) + ["none"] * 80, dtype=object)
        partial = PartialCalibrator(residuals, labels)
        own_only = Calibrator(np.tile(own, k), np.full(10 * k, "all", dtype=object))
        _, hi = partial.interval(np.zeros(1), np.asarray(["serious"], dtype=object), LEVEL)
        _, hi_own = own_only.interval(np.zeros(1), np.asarray(["all"], dtype=object), LEVEL)
        gaps.append(abs(hi_own[0] - hi[0]))
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(gaps)) and gaps[-1] < gaps[0]
    pooled = Calibrator(residuals, np.full(len(labels), "all", dtype=object))
    unseen = partial.interval(np.zeros(1), np.asarray(["especially_serious"], dtype=object), LEVEL)
    np.testing.assert_array_equal(unseen, pooled.interval(np.zeros(1), np.asarray(["all"], dtype=object), LEVEL))


def test_partial_pooling_of_a_single_group_is_the_pooled_calibration() -> None:
    """One bin holding every residual (the fines, calibrated pooled) mixes the pooled distribution with itself: the
    pooled answers exactly, at sizes where p (m + 1) lands on a rank."""
    rng = np.random.default_rng(6)
    for m in (19, 39, 49, 59, 99):
        residuals = rng.normal(size=m)
        labels = np.full(m, "all", dtype=object)
        z = rng.normal(size=7)
        rows = np.full(7, "all", dtype=object)
        pooled, partial = Calibrator(residuals, labels), PartialCalibrator(residuals, labels)
        np.testing.assert_array_equal(partial.interval(z, rows, LEVEL), pooled.interval(z, rows, LEVEL))
        for y in (-1.0, 0.0, 0.5):
            np.testing.assert_array_equal(partial.cdf(z, rows, y), pooled.cdf(z, rows, y))


# ------------------------------------------------------------------------------------------------ CQR
def test_cqr_correction_reaches_the_stated_coverage_on_held_out_data() -> None:
    """Quantile bands that cover 38% of a standard normal are widened to cover 80% (CQR's guarantee: at least the
    level, at most level + 1/(n + 1) in expectation); bands that are too wide are narrowed."""
    rng = np.random.default_rng(3)
    n, m = 2000, 40_000
    z_cal, z_test = rng.normal(size=n), rng.normal(size=m)
    labels = np.full(n, "serious", dtype=object)
    for half_width in (0.5, 2.5):  # too narrow, too wide
        cqr = CQRCalibrator(z_cal, np.full(n, -half_width), np.full(n, half_width), labels, LEVEL)
        low, high = cqr.interval(
            np.full(m, -half_width), np.full(m, half_width), np.full(m, "serious", dtype=object)
        )
        covered = float(np.mean((z_test >= low) & (z_test <= high)))
        assert abs(covered - LEVEL) < 0.02, (half_width, covered)
        assert abs(high[0] - 1.2816) < 0.1  # the normal's 90th percentile


def test_cqr_keeps_the_law_order_across_bands() -> None:
    """A more severe band never gets a lower upper bound or a higher lower bound for the same quantiles."""
    rng = np.random.default_rng(4)
    labels = np.asarray([ORDER[i % 3] for i in range(300)], dtype=object)
    scale = np.where(labels == "serious", 2.0, 0.5)  # the middle band's quantiles miss most
    z = rng.normal(size=300) * scale
    cqr = CQRCalibrator(z, np.full(300, -0.5), np.full(300, 0.5), labels, LEVEL, order=ORDER)
    lows, highs = cqr.interval(np.full(3, -0.5), np.full(3, 0.5), np.asarray(ORDER, dtype=object))
    assert np.all(np.diff(highs) >= 0) and np.all(np.diff(lows) >= 0)
    assert highs[1] > 0.5 + 1.0 and highs[2] >= highs[1]  # the wide band's correction reaches the more severe one


def test_cqr_estimator_contains_its_point_respects_the_legal_range_and_the_direction(
    criminal: list[CriminalCase],
) -> None:
    model = OutcomeRegressor("custodial_months", "cqr").fit(
        criminal, _months(criminal), groups=[c.group_id for c in criminal]
    )
    prepared = model.prepare(criminal)
    est = model.estimate(prepared, threshold=36.0)
    for band, low, point, high in zip(prepared.bands, est["low"], est["point"], est["high"], strict=True):
        assert band is not None
        legal_low, legal_high = band.custodial_range_months
        assert MITIGATED_FLOOR_MONTHS <= low <= point <= high <= legal_high and legal_low <= point
    assert np.all((est["p_le_threshold"] >= 0) & (est["p_le_threshold"] <= 1))
    assert direction.violations(model, criminal) == []


# -------------------------------------------------------------------------------------- normalized conformal
def _fine_cases(rng: np.random.Generator, n: int, start: int) -> tuple[list[CriminalCase], list[float]]:
    """Defendants selling identity records: with the gains stated, a fine of 1x-5x the gains (Interp. 2017 Art. 12,
    the law table's multiples); without them, a fine that only loosely follows the records."""
    lo_mult, hi_mult = load_law_table().fine_gains_multiple
    cases, fines = [], []
    for i in range(n):
        records = int(np.exp(rng.uniform(math.log(6_000), math.log(400_000))))
        stated = bool(rng.random() < 0.5)
        gains = float(round(records * rng.uniform(0.2, 2.0), -2)) if stated else None
        case = CriminalCase.model_validate(
            {
                "case_id": f"fine-{start + i}",
                "group_id": f"fine-{start + i}",
                "proceeding": "criminal",
                "year": 2021,
                "records_total": records,
                "data_types": ["identity"],
                "conduct": ["sell"],
                "illegal_profit_yuan": gains,
                "n_defendants": 1,
                "role": "sole",
            }
        )
        fine = gains * rng.uniform(lo_mult, hi_mult) if gains else 3.0 * records * float(rng.lognormal(0.0, 1.2))
        cases.append(case)
        fines.append(float(round(fine, -2)))
    return cases, fines


def test_normalized_intervals_widen_with_missing_facts_and_cover_in_each_group() -> None:
    rng = np.random.default_rng(5)
    train, y_train = _fine_cases(rng, 300, 0)
    test, y_test = _fine_cases(rng, 1500, 10_000)
    normalized = OutcomeRegressor("fine_yuan", "ridge", difficulty="missing_facts").fit(train, y_train)
    plain = OutcomeRegressor("fine_yuan", "ridge").fit(train, y_train)
    assert normalized.difficulty_ is not None and normalized.difficulty_.slope > 0
    prepared = normalized.prepare(test)
    missing = missing_facts(prepared.cols.facts)
    assert set(missing.tolist()) == {0, 1}  # only the gains are ever missing here
    est = normalized.estimate(prepared)
    width = np.log1p(est["high"]) - np.log1p(est["low"])
    assert width[missing == 1].min() > width[missing == 0].max()
    y = np.asarray(y_test)
    covered = (y >= est["low"]) & (y <= est["high"])
    assert abs(covered.mean() - LEVEL) <= 0.05
    for k in (0, 1):  # issue #13: within 0.10 of the level in every group with enough cases
        assert abs(covered[missing == k].mean() - LEVEL) <= 0.10, (k, covered[missing == k].mean())
    # one spread for all misses the wide group (the reason for normalizing)
    flat = plain.estimate(plain.prepare(test))
    flat_covered = (y >= flat["low"]) & (y <= flat["high"])
    assert flat_covered[missing == 1].mean() < covered[missing == 1].mean()


# ------------------------------------------------------------------------------------ batch and refusals
# (lightgbm rather than ridge: ridge's point itself differs in the last bit between a case alone and in a batch on
# main, before any of these options; see the report of the intervals branch)
OPTIONS: list[dict[str, Any]] = [
    {"family": "cqr"},
    {"family": "lightgbm", "calibration": "partial"},
    {"family": "lightgbm", "difficulty": "missing_facts"},
    {"family": "baseline", "calibration": "partial", "difficulty": "missing_facts"},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o.values()))
def test_a_case_gets_the_same_numbers_alone_and_in_a_batch(
    criminal: list[CriminalCase], options: dict[str, Any]
) -> None:
    model = OutcomeRegressor("custodial_months", **options).fit(criminal, _months(criminal))
    batch = model.estimate(model.prepare(criminal), threshold=36.0)
    cdf = model.cdf(model.prepare(criminal), np.full(len(criminal), 24.0))
    for i, case in enumerate(criminal):
        alone = model.estimate(model.prepare([case]), threshold=36.0)
        for key, values in alone.items():
            assert values[0] == batch[key][i], (options, key, case.case_id)
        assert model.cdf(model.prepare([case]), np.asarray([24.0]))[0] == cdf[i]
    assert direction.violations(model, criminal[:20]) == []


@pytest.mark.parametrize(
    ("target", "options", "named"),
    [
        ("custodial_months", {"calibration": "nested"}, "calibration"),
        ("custodial_months", {"difficulty": "unknown_facts"}, "difficulty"),
        ("awarded_total_yuan", {"family": "cqr"}, "family"),
        ("custodial_months", {"family": "band_quantile", "calibration": "partial"}, "calibration"),
        ("custodial_months", {"family": "cqr", "difficulty": "missing_facts"}, "difficulty"),
        ("awarded_total_yuan", {"family": "ridge", "difficulty": "missing_facts"}, "difficulty"),
    ],
)
def test_options_a_family_cannot_take_are_refused_by_name(
    criminal: list[CriminalCase], target: str, options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=f"^{named}:"):
        OutcomeRegressor(target, **options).fit(criminal[:10], _months(criminal[:10]))  # type: ignore[arg-type]


def test_experiment_definitions_accept_the_new_options() -> None:
    from experiments.definition import ModelSpec

    spec = ModelSpec.model_validate(
        {"family": "ridge", "intervals": {"calibration": "partial", "difficulty": "missing_facts"}}
    )
    assert spec.intervals == {"calibration": "partial", "difficulty": "missing_facts"}
    cqr = ModelSpec.model_validate({"family": "cqr"})
    assert cqr.applies_to("custodial_months") and cqr.applies_to("fine_yuan")
    assert not cqr.applies_to("awarded_total_yuan") and not cqr.applies_to("probation")
    with pytest.raises(ValueError, match="difficulty"):
        ModelSpec.model_validate({"family": "ridge", "intervals": {"difficulty": "sometimes"}})
    with pytest.raises(ValueError, match="objective"):
        ModelSpec.model_validate({"family": "cqr", "params": {"objective": "l2"}})
