"""The models an estimator is made of: the rule layer (statutory engine) + a learned or empirical model, as
scikit-learn estimators over *cases* (models, dicts or a DataFrame of case rows).

They live in ``features`` (not ``training``) because a model saved by training must load in serving, and
serving never imports training.

Targets and units:
- ``custodial_months``: months of imprisonment or detention (0 = fine only / exempt); points stay inside the
  legal range of the case's statutory band (Criminal Law Art. 253-1), intervals may reach below its minimum
  (Art. 63 mitigation);
- ``fine_yuan``: criminal fine in yuan;
- ``awarded_total_yuan``: civil award in yuan (never above the claim), modelled as courts decide it: whether
  anything is awarded (by kind of suit), then how much (see ``AWARD_SEGMENTS``).

Families of :class:`OutcomeRegressor`:
- ``baseline``: the statutory baseline (the band placed by its thresholds, the guideline's adjustments at the
  middle of their ranges; Interp. 2017 Art. 12 for fines; PIPL Art. 69 for awards), no learning;
- ``band_quantile``: the honest empirical baseline: the median of the training outcomes of the case's band
  (kind of suit for awards) as the point, their quantiles as the interval;
- ``band_adjusted`` (criminal targets): the band's empirical distribution with the sentencing circumstances
  applied as the guideline adjusts a starting point: the bounded adjustment layer (:mod:`features.model.adjust`,
  the same as the learned families') is fitted on the out-of-fold residuals of each case's band median, the
  band's outcomes are stored with their circumstances' effect taken out, and a case's quantiles are those of its
  band with its own circumstances' effect put back (so a plea lowers the point and the whole range, within the
  guideline's bounds, and mitigation never raises it);
- ``ridge`` | ``forest`` | ``lightgbm`` | ``custom`` (a researcher's estimator by import path): a learned base on
  log(1 + y); for criminal targets the circumstances act only through the guideline's bounded adjustments
  (:mod:`features.model.adjust`), so mitigation never raises an estimate;
- ``cqr`` (criminal targets): conformalized quantile regression: LightGBM on the pinball loss at the two tails
  of the level and the median (monotone in records and gains as ``lightgbm``), the same adjustment layer added to all three,
  the tails conformalized on out-of-fold CQR scores by band (:class:`features.model.calibration.CQRCalibrator`);
  the point is the median, P(y <= t) the conformal distribution of the residuals around it.
Intervals and P(y <= t) come from conformal predictive distributions over out-of-fold residuals, Mondrian by band
(criminal) or kind of suit (awards) when each bin has enough residuals (:class:`features.model.calibration.
Calibrator`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.model_selection import GroupKFold, KFold

from features.law.columnar import NOT_STATED, CaseFacts
from features.law.schema import CivilCase, CriminalCase
from features.law.table import LawTable
from features.law.vocab import Band
from features.model import baselines
from features.model.adjust import STATES, AdjustmentLayer
from features.model.calibration import (
    UNSEEN_BIN,
    Calibrator,
    CQRCalibrator,
    PartialCalibrator,
    calibration_groups,
    group_of,
)
from features.model.cases import CaseInput, CaseModel
from features.model.columns import SEGMENTS, award_segment_codes, award_segments
from features.model.difficulty import DifficultyScale, missing_facts
from features.model.featurize import (
    CIRCUMSTANCE_FEATURES,
    MONOTONE_INCREASING,
    PROBATION_DIRECTION,
    CaseFeaturizer,
    Prepared,
)
from features.model.learners import LEARNED_FAMILIES, make_regressor
from features.model.reasons import reason_of
from features.model.trees import ForestTables

Target = Literal["custodial_months", "fine_yuan", "awarded_total_yuan"]
Family = Literal["baseline", "band_quantile", "band_adjusted", "ridge", "forest", "lightgbm", "cqr", "custom"]
Calibration = Literal["band", "pooled", "partial"]
Difficulty = Literal["none", "missing_facts"]
CQR_FAMILY = "cqr"  # conformalized quantile regression (criminal targets; see OutcomeRegressor)
TARGET_KIND: dict[str, Literal["criminal", "civil"]] = {
    "custodial_months": "criminal",
    "fine_yuan": "criminal",
    "probation": "criminal",
    "awarded_total_yuan": "civil",
}
BASELINE_FAMILIES = ("baseline", "band_quantile")
BAND_ADJUSTED = "band_adjusted"  # the band's quantiles with the circumstances' bounded adjustments (criminal)
QUANTILE_FAMILIES = ("band_quantile", BAND_ADJUSTED)  # empirical quantiles of the band, no conformal residuals
ADJUST_ROUNDS = 3  # not-law: backfitting rounds of band medians and adjustments (the coefficients settle by 3)
BAND_ORDER = tuple(b.value for b in Band)  # none, serious, especially_serious: least to most severe
# Criminal Law Art. 63: with mitigation (surrender, accessory role, attempt, meritorious service, or the SPC's
# approval) a court sentences below the band's minimum, in the next lower range of Art. 253-1, whose bottom is a
# fine alone. Such facts are often unstated or arise later, so a custodial interval may reach down to here while
# the point stays inside the band: clipping intervals at the band's minimum left 8% of real terms outside every
# interval (80% intervals covered 76%; measured on the seed data, 3 x 5-fold grouped CV).
MITIGATED_FLOOR_MONTHS = 0.0
# Kinds of civil suit, which courts decide on different scales (hundreds of yuan to tens of millions)
AWARD_SEGMENTS = ("individual", "public_interest", "data_competition")
PRIOR_WEIGHT = 2.0  # pseudo-cases pulling a segment's rate towards the pooled rate (partial pooling)
EXP_LIMIT = 50.0  # not-law: log(1 + y) is clipped here so that expm1 stays finite


def award_segment(case: CaseModel) -> str:
    """The kind of civil suit: public interest (PIPL Art. 70), data unfair competition, or an individual's."""
    if isinstance(case, CivilCase):
        if case.proceeding == "public_interest" or case.claim_type == "public_interest":
            return "public_interest"
        if case.claim_type == "data_unfair_competition":
            return "data_competition"
    return "individual"


QUANTILE_MEMO_SIZE = 10_000  # not-law: (band, q) pairs kept; the hurdle's q varies by kind of suit only
SMALL_BATCH = 256  # not-law: up to this many rows, factorize without pandas (same codes: first appearance order)


def factorize(labels: NDArray[Any]) -> tuple[NDArray[np.int64], list[str]]:
    """Each row's index into the distinct labels (as text), and those labels (pandas' hash-based factorize)."""
    values = np.asarray(labels, dtype=object)
    if len(values) <= SMALL_BATCH:  # a request's few rows: a dict is ~50x faster than pandas' set-up
        index: dict[Any, int] = {}
        codes_list = [index.setdefault(v, len(index)) for v in values.tolist()]
        return np.asarray(codes_list, dtype=np.int64), [str(u) for u in index]
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


@dataclass(frozen=True)
class Bins:
    """Mondrian labels as codes into ``names`` (the bands, or the kinds of suit): shape (n,)."""

    codes: NDArray[np.int64]
    names: tuple[str, ...]

    @staticmethod
    def of(labels: NDArray[Any] | Bins) -> Bins:
        if isinstance(labels, Bins):
            return labels
        codes, names = factorize(labels)
        return Bins(codes, tuple(names))

    @property
    def labels(self) -> NDArray[np.object_]:
        return np.asarray(np.asarray(self.names, dtype=object)[self.codes], dtype=object)

    def __len__(self) -> int:
        return len(self.codes)


def _by_unique(labels: NDArray[Any] | Bins, compute: Any) -> NDArray[np.float64]:
    """``compute(label)`` of each row, computed once per distinct label (shape (n,))."""
    bins = Bins.of(labels)
    if not len(bins):
        return np.empty(0)
    values = np.asarray([compute(name) for name in bins.names], dtype=float)
    return np.asarray(values[bins.codes], dtype=float)


def smoothed_rates(labels: Sequence[str], positive: NDArray[np.bool_]) -> tuple[dict[str, float], float]:
    """Per label the share of ``positive``, pulled towards the pooled share by ``PRIOR_WEIGHT`` pseudo-cases."""
    pooled = float(np.mean(positive)) if len(positive) else 0.0
    rates: dict[str, float] = {}
    arr = np.asarray(labels, dtype=object)
    for label in sorted(set(arr.tolist())):
        mask = arr == label
        rates[str(label)] = float((positive[mask].sum() + PRIOR_WEIGHT * pooled) / (mask.sum() + PRIOR_WEIGHT))
    return rates, pooled


def _splitter(n_folds: int, groups: Sequence[Any] | None, n: int, seed: int) -> Any:
    folds = max(2, min(n_folds, len(set(groups)) if groups is not None else n))
    if groups is not None:
        return GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return KFold(n_splits=folds, shuffle=True, random_state=seed)


class OutcomeRegressor(RegressorMixin, BaseEstimator):
    """Cases -> outcome in natural units (months or yuan), with conformal intervals (see module docstring).

    Parameters:
        target: ``custodial_months`` | ``fine_yuan`` | ``awarded_total_yuan``.
        family: see module docstring.
        level: coverage of the intervals (e.g. 0.8).
        params: hyper-parameters of the family's learner.
        learner: import path of a ``custom`` family's scikit-learn regressor (``package.module:Class``).
        featurizer: the :class:`CaseFeaturizer` (cloned at fit; default ``CaseFeaturizer(kind)``); experiments pass
            one that keeps a subset of the features.
        n_calibration_folds: folds of the internal cross-fit that produces calibration residuals.
        calibration: ``band`` (Mondrian by band / kind of suit, the law's order kept) | ``pooled`` (one group) |
            ``partial`` (each band's residuals mixed with the pooled ones by its size, the law's order kept:
            :class:`features.model.calibration.PartialCalibrator`; not for ``band_quantile`` or ``cqr``).
        floor: where a custodial interval may reach below the band's minimum (Criminal Law Art. 63): ``always``
            (down to a fine alone for every case: the facts that allow it are often unstated) | ``facts`` (only
            when surrender, an accessory role or an attempt is stated or unknown; not when all three are stated
            absent).
        difficulty: ``none`` | ``missing_facts`` (criminal targets, conformal families other than ``cqr``):
            normalized conformal, each residual divided by a scale that grows with the band-deciding facts the
            case does not state (:mod:`features.model.difficulty`), intervals multiplied back by it.
        random_state: seed.
    ``fit(X, y, groups=None)``: X cases (n,), y natural units (n,), groups keep co-defendants together.
    ``prepare(X)`` -> :class:`Prepared`; ``estimate(prepared)`` -> arrays of shape (n,): ``point``, ``low``,
    ``high`` (and ``p_le_threshold``); ``predict(X)`` -> (n,) points; ``predict_interval(X)`` -> (n, 2).
    """

    def __init__(
        self,
        target: Target = "custodial_months",
        family: Family = "lightgbm",
        level: float = 0.8,
        params: dict[str, Any] | None = None,
        learner: str | None = None,
        featurizer: CaseFeaturizer | None = None,
        n_calibration_folds: int = 5,
        calibration: Calibration = "band",
        floor: Literal["always", "facts"] = "always",
        random_state: int = 0,
        difficulty: Difficulty = "none",
    ) -> None:
        self.target = target
        self.family = family
        self.level = level
        self.params = params
        self.learner = learner
        self.featurizer = featurizer
        self.n_calibration_folds = n_calibration_folds
        self.calibration = calibration
        self.floor = floor
        self.random_state = random_state
        self.difficulty = difficulty

    def __getstate__(self) -> dict[str, Any]:
        """The fitted state without the band-quantile memo (derivable: rebuilt on first use after loading)."""
        state = dict(super().__getstate__())  # Python 3.11 hands over the live __dict__: copy before editing
        state.pop("_quantile_memo", None)
        return state

    # ---- rule layer
    def prepare(self, X: CaseInput) -> Prepared:
        """Validate ``X`` and compute its bands and features with this model's featurizer."""
        return self.featurizer_.prepare(X)

    @property
    def _criminal(self) -> bool:
        return TARGET_KIND[self.target] == "criminal"

    @property
    def _hurdle(self) -> bool:
        return self.target == "awarded_total_yuan"

    def _bins(self, prepared: Prepared | Sequence[CaseModel], bands: Sequence[Any] | None = None) -> NDArray[Any]:
        """Mondrian labels: the band (criminal targets) or the kind of suit (awards). The residuals of fines are
        pooled ("all"): by band their intervals widened by 15% at no gain in coverage (3 x 5-fold grouped CV on the
        seed data); the band-quantile baseline keeps its band's fines. Takes a prepared batch (or, as before, its
        cases and their bands)."""
        if not isinstance(prepared, Prepared):
            cases = list(prepared)
            prepared = Prepared(cases, list(bands or []), np.zeros((len(cases), 0)))
        return self._bin_codes(prepared).labels

    def _bin_codes(self, prepared: Prepared) -> Bins:
        """``_bins`` as codes (what the per-label computations of a whole batch read)."""
        n = len(prepared)
        if self.target == "fine_yuan" and self.family not in QUANTILE_FAMILIES:
            return Bins(np.zeros(n, dtype=np.int64), ("all",))
        if self._criminal:
            return Bins(prepared.cols.criminal_band.level.astype(np.int64), BAND_ORDER)
        return Bins(award_segment_codes(prepared.cols.facts), SEGMENTS)

    def _legal_bounds(self, prepared: Prepared) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The legal range of each outcome: the band's custodial range (months, Criminal Law Art. 253-1); for
        awards at most the claim (a court awards no more than is claimed); else [0, inf)."""
        n = len(prepared)
        if self.target == "custodial_months":
            band = prepared.cols.criminal_band
            return band.range_low.astype(float), band.range_high.astype(float)
        if self._hurdle:
            claimed = prepared.cols.facts.numbers["claimed_yuan"]
            return np.zeros(n), np.where(np.isnan(claimed), np.inf, claimed)
        return np.zeros(n), np.full(n, np.inf)

    def _floor(self, low_legal: NDArray[np.float64], prepared: Prepared) -> NDArray[np.float64]:
        """How low an interval may reach (months): the band's minimum, or below it where Art. 63 mitigation may
        apply (``floor="always"``: every case; ``"facts"``: only where :func:`_mitigation_possible`)."""
        if self.target != "custodial_months":
            return low_legal
        mitigated = np.minimum(low_legal, MITIGATED_FLOOR_MONTHS)
        if getattr(self, "floor", "always") == "always":
            return mitigated
        return np.where(_mitigation_possible(prepared.cols.facts), mitigated, low_legal)

    def _baseline(self, prepared: Prepared) -> NDArray[np.float64]:
        """The statutory baseline on log(1 + y) (``features.model.baselines``, under the featurizer's law table)."""
        law = self.featurizer_.law_
        if self.target == "custodial_months":
            out = baselines.custodial_months(prepared.cols, law)
        elif self.target == "fine_yuan":
            out = baselines.fine_yuan(prepared.cols, law)
        else:
            out = baselines.award_yuan(prepared.cols, law)
        return np.asarray(np.log1p(out), dtype=float)

    def _base_columns(self) -> NDArray[np.int_]:
        """Columns the learned base sees: for criminal targets every feature but the circumstances."""
        if not self._criminal:
            return np.arange(len(self.feature_names_))
        return np.asarray(
            [i for i, n in enumerate(self.feature_names_) if n not in CIRCUMSTANCE_FEATURES], dtype=int
        )

    # ---- fitting
    def fit(
        self, X: CaseInput, y: Sequence[float] | NDArray[np.float64], groups: Sequence[Any] | None = None
    ) -> OutcomeRegressor:
        if self.family not in (*BASELINE_FAMILIES, BAND_ADJUSTED, *LEARNED_FAMILIES, CQR_FAMILY):
            raise ValueError(f"unknown model family {self.family!r}")
        self._check_interval_options()
        self.featurizer_ = _fitted_featurizer(self.featurizer, TARGET_KIND[self.target])
        self.feature_names_ = [str(n) for n in self.featurizer_.get_feature_names_out()]
        prepared = self.prepare(X)
        y_arr = np.asarray(y, dtype=float)
        if np.any(~np.isfinite(y_arr)) or np.any(y_arr < 0):
            raise ValueError(f"{self.target}: targets must be finite and >= 0")
        self.n_train_ = len(prepared)
        self.pooled_median_ = float(np.median(y_arr)) if len(y_arr) else 0.0
        labels = self._bins(prepared)
        self.model_: Any = None
        self.forest_tables_: ForestTables | None = None
        self.adjust_: AdjustmentLayer | None = None
        self.quantiles_: dict[str, NDArray[np.float64]] | None = None
        self.difficulty_: DifficultyScale | None = None
        self.cqr_: CQRCalibrator | None = None
        self.tail_models_: tuple[Any, Any] | None = None
        self.rates_: dict[str, float] = {}
        self.pooled_rate_ = 1.0
        keep = np.ones(len(prepared), dtype=bool)
        if self._hurdle:  # whether anything is awarded, by kind of suit; the amount on the awards made
            positive = y_arr > 0
            self.rates_, self.pooled_rate_ = smoothed_rates(labels.tolist(), positive)
            keep = positive
        sub = prepared.take(np.flatnonzero(keep))
        z = np.log1p(y_arr[keep])
        sub_groups = [g for g, k in zip(groups, keep, strict=True) if k] if groups is not None else None
        sub_labels = labels[keep]
        if self.family == "band_quantile":
            self._fit_quantiles(sub_labels, y_arr[keep])
            return self
        if self.family == BAND_ADJUSTED:
            self._fit_adjusted_quantiles(sub, sub_labels, y_arr[keep], sub_groups)
            return self
        if self.family == CQR_FAMILY:
            oof, q_low, q_high = self._fit_cqr(sub, z, sub_groups)
        else:
            oof = self._baseline(sub) if self.family == "baseline" else self._fit_learned(sub, z, sub_groups)
        if self.calibration == "pooled":  # one set of residuals for every band (the intervals experiment)
            sub_labels = np.full(len(sub_labels), "all", dtype=object)
        order = BAND_ORDER if self._criminal else None
        scaled = z - oof
        if self.difficulty == "missing_facts":
            missing = missing_facts(sub.cols.facts)
            self.difficulty_ = DifficultyScale.fit(missing, z - oof)
            scaled = (z - oof) / self.difficulty_.sigma(missing)
        if self.calibration == "partial":
            self.calibrator_: Calibrator | PartialCalibrator = PartialCalibrator(scaled, sub_labels, order=order)
        else:
            self.calibrator_ = Calibrator(scaled, sub_labels, order=order)
        if self.family == CQR_FAMILY:
            self.cqr_ = CQRCalibrator(z, q_low, q_high, sub_labels, self.level, order=order)
        self.calibration_residual_mae_ = float(np.mean(np.abs(z - oof))) if len(z) else float("nan")
        return self

    def _check_interval_options(self) -> None:
        """Refuse interval options a family or target cannot take, naming the parameter."""
        calibration = getattr(self, "calibration", "band")
        difficulty = getattr(self, "difficulty", "none")
        if calibration not in ("band", "pooled", "partial"):
            raise ValueError(f"calibration: {calibration!r} is not one of band, pooled, partial")
        if difficulty not in ("none", "missing_facts"):
            raise ValueError(f"difficulty: {difficulty!r} is not one of none, missing_facts")
        if self.family in (CQR_FAMILY, BAND_ADJUSTED) and not self._criminal:
            raise ValueError(
                f"family: {self.family} estimates criminal targets only (custodial_months, fine_yuan)"
            )
        if calibration == "partial" and self.family in (*QUANTILE_FAMILIES, CQR_FAMILY):
            raise ValueError(f"calibration: partial needs conformal residuals; the {self.family} family has none")
        if difficulty != "none" and (not self._criminal or self.family in (*QUANTILE_FAMILIES, CQR_FAMILY)):
            raise ValueError(
                "difficulty: missing_facts applies to criminal targets of the conformal families "
                "(baseline, ridge, forest, lightgbm, custom)"
            )

    def _cqr_learner(self, names: Sequence[str], quantile: float) -> Any:
        """LightGBM on the pinball loss at ``quantile`` (:class:`features.model.quantile.QuantileBoost`), non-decreasing
        in the features the law orders as the ``lightgbm`` family, with that family's sizes."""
        from features.model.quantile import QuantileBoost

        monotone = [1 if name in MONOTONE_INCREASING else 0 for name in names]
        return QuantileBoost(quantile, monotone, self.params, self.random_state)

    def _cqr_levels(self) -> tuple[float, float, float]:
        alpha = (1 - self.level) / 2
        return alpha, 0.5, 1 - alpha

    def _fit_cqr(
        self, prepared: Prepared, z: NDArray[np.float64], groups: Sequence[Any] | None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Fit the median and the two tail quantiles of the base on log(1 + y) and the circumstances' bounded
        adjustments (from the median's out-of-fold residuals, as :meth:`_fit_learned`); returns the out-of-fold
        median, lower and upper quantiles (the adjustment added to each; the tails put in order)."""
        columns = self._base_columns()
        self.base_columns_ = columns
        names = [self.feature_names_[i] for i in columns]
        x = prepared.feats[:, columns]
        low_l, median_l, high_l = (self._cqr_learner(names, q) for q in self._cqr_levels())
        C = prepared.cols.criminal_circumstances
        self.adjust_ = AdjustmentLayer(self.featurizer_.law_)
        self.adjust_.fit(C, z - self._cross_fit(median_l, x, z, groups))
        effect = self.adjust_.effect(C)
        self.model_ = clone(median_l).fit(x, z - effect)
        self.tail_models_ = (clone(low_l).fit(x, z - effect), clone(high_l).fit(x, z - effect))
        oof = [self._cross_fit(m, x, z - effect, groups) + effect for m in (median_l, low_l, high_l)]
        return oof[0], np.minimum(oof[1], oof[2]), np.maximum(oof[1], oof[2])

    def _cqr_interval(
        self, prepared: Prepared, labels: NDArray[Any]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The conformalized quantile interval on log(1 + y), shape (n,) each."""
        assert self.tail_models_ is not None and self.cqr_ is not None
        x = prepared.feats[:, self.base_columns_]
        effect = self._effect(prepared)
        a, b = (np.asarray(m.predict(x), dtype=float) + effect for m in self.tail_models_)
        return self.cqr_.interval(np.minimum(a, b), np.maximum(a, b), labels)

    def _sigma(self, prepared: Prepared) -> NDArray[np.float64] | None:
        """The normalized-conformal scale of each case (``difficulty="missing_facts"``), or None."""
        scale = getattr(self, "difficulty_", None)
        return None if scale is None else scale.sigma(missing_facts(prepared.cols.facts))

    def _fit_quantiles(self, labels: NDArray[Any], y: NDArray[np.float64]) -> None:
        groups = calibration_groups(labels)
        keys = group_of(labels, groups) if groups else np.full(len(labels), "*", dtype=object)
        self.quantile_groups_ = groups
        self.__dict__.pop("_quantile_memo", None)  # quantiles of an earlier fit
        self.quantiles_ = {str(k): np.sort(y[keys == k]) for k in sorted(set(keys.tolist()))}
        self.quantiles_["*"] = np.sort(y)

    def _fit_adjusted_quantiles(
        self, prepared: Prepared, labels: NDArray[Any], y: NDArray[np.float64], groups: Sequence[Any] | None
    ) -> None:
        """band_adjusted: the circumstances' bounded adjustments and the band's outcomes without them.

        Backfitting, ``ADJUST_ROUNDS`` times: each case's band median out of fold (the case's judgment left out
        with its fold: ``groups``), the adjustment layer fitted on log(1 + y) minus log(1 + that median), the
        outcomes de-adjusted (``expm1(log1p(y) - effect)``, months or yuan) for the next round's medians. The
        quantile tables are then those of the de-adjusted outcomes; ``_adjusted`` puts a case's effect back."""
        C = prepared.cols.criminal_circumstances
        z = np.log1p(y)
        self.adjust_ = AdjustmentLayer(self.featurizer_.law_)
        effect = np.zeros(len(y))
        if len(y) >= 2:
            splitter = _splitter(self.n_calibration_folds, groups, len(y), self.random_state)
            folds = list(splitter.split(C, z, groups))
            for _ in range(ADJUST_ROUNDS):
                base = np.asarray(np.expm1(z - effect), dtype=float)
                median = np.empty(len(y))
                for train_idx, test_idx in folds:
                    self._fit_quantiles(labels[train_idx], base[train_idx])
                    median[test_idx] = self._quantile_values(labels[test_idx], np.full(len(test_idx), 0.5), True)
                self.adjust_.fit(C, z - np.log1p(median))
                effect = self.adjust_.effect(C)
            # the stored outcomes are de-adjusted by effects fitted without their own fold, so that the ranges
            # carry the adjustments' estimation error (effects fitted on the case itself understate its spread)
            residual = z - np.log1p(median)
            layer = AdjustmentLayer(self.featurizer_.law_)
            for train_idx, test_idx in folds:
                layer.fit(C[train_idx], residual[train_idx])
                effect[test_idx] = layer.effect(C[test_idx])
        self._fit_quantiles(labels, np.asarray(np.expm1(z - effect), dtype=float))

    def _circumstance_effect(self, prepared: Prepared) -> NDArray[np.float64] | None:
        """band_adjusted: each case's adjustment of log(1 + y), shape (n,); None for the other quantile family."""
        if self.quantiles_ is None or self.adjust_ is None:
            return None
        return self._effect(prepared)

    @staticmethod
    def _adjusted(values: NDArray[np.float64], effect: NDArray[np.float64] | None) -> NDArray[np.float64]:
        """Quantiles of the de-adjusted outcomes (natural units) with each case's effect put back."""
        if effect is None:
            return values
        return np.asarray(np.expm1(np.clip(np.log1p(values) + effect, -EXP_LIMIT, EXP_LIMIT)), dtype=float)

    def _learner(self, names: Sequence[str]) -> Any:
        return make_regressor(
            self.family, names, self.params, self.random_state, MONOTONE_INCREASING, learner=self.learner
        )

    def _cross_fit(
        self, learner: Any, x: NDArray[np.float64], target: NDArray[np.float64], groups: Sequence[Any] | None
    ) -> NDArray[np.float64]:
        oof = np.empty_like(target)
        splitter = _splitter(self.n_calibration_folds, groups, len(target), self.random_state)
        for train_idx, test_idx in splitter.split(x, target, groups):
            fold = clone(learner).fit(x[train_idx], target[train_idx])
            oof[test_idx] = fold.predict(x[test_idx])
        return oof

    def _fit_learned(
        self, prepared: Prepared, z: NDArray[np.float64], groups: Sequence[Any] | None
    ) -> NDArray[np.float64]:
        """Fit the base (and, for criminal targets, the circumstances' bounded adjustments); returns the
        out-of-fold predictions of log(1 + y) the calibration residuals come from."""
        columns = self._base_columns()
        self.base_columns_ = columns
        names = [self.feature_names_[i] for i in columns]
        x = prepared.feats[:, columns]
        learner = self._learner(names)
        effect = np.zeros(len(z))
        if self._criminal:
            C = prepared.cols.criminal_circumstances
            self.adjust_ = AdjustmentLayer(self.featurizer_.law_)
            base_oof = self._cross_fit(learner, x, z, groups)
            self.adjust_.fit(C, z - base_oof)
            effect = self.adjust_.effect(C)
        self.model_ = clone(learner).fit(x, z - effect)
        if self.family == "forest":
            self.forest_tables_ = ForestTables(self.model_, x.shape[1])
        return self._cross_fit(learner, x, z - effect, groups) + effect

    # ---- prediction
    def _base(self, feats: NDArray[np.float64]) -> NDArray[np.float64]:
        x = feats[:, self.base_columns_]
        if self.forest_tables_ is not None:
            return self.forest_tables_.predict(x)
        if self.family == "ridge":
            # scaler + linear model in numpy without sklearn's per-call input checks (~0.3 ms); the dot product is
            # a row-wise sum, so a case gets the same number alone or in a batch of any size (BLAS kernels sum a
            # row differently by its position in the batch)
            scaler, linear = self.model_[0], self.model_[-1]
            standardized = (x - scaler.mean_) / scaler.scale_
            return np.asarray((standardized * linear.coef_).sum(axis=1) + linear.intercept_, dtype=float)
        return np.asarray(self.model_.predict(x), dtype=float)

    def _effect(self, prepared: Prepared) -> NDArray[np.float64]:
        if self.adjust_ is None:
            return np.zeros(len(prepared))
        return self.adjust_.effect(prepared.cols.criminal_circumstances)

    def _raw(self, prepared: Prepared) -> NDArray[np.float64]:
        """The point on log(1 + y), before the legal range (baseline and learned families)."""
        if self.model_ is None:
            return self._baseline(prepared)
        return self._base(prepared.feats) + self._effect(prepared)

    def _positive_rate(self, labels: NDArray[Any] | Bins) -> NDArray[np.float64]:
        if not self._hurdle:
            return np.ones(len(labels))
        return _by_unique(labels, lambda k: self.rates_.get(k, self.pooled_rate_))

    def _quantile_groups(self, label: Any, towards: str) -> list[NDArray[np.float64]]:
        """band_quantile: the outcome values of a label's group and, for criminal bands, of every less severe
        (``towards="lower"``) or more severe (``"higher"``) band's group (the law's direction, as in
        :class:`Calibrator`)."""
        quantiles = self.quantiles_
        assert quantiles is not None
        groups = getattr(self, "quantile_groups_", {})

        def values(lab: Any) -> NDArray[np.float64]:
            key = groups.get(str(lab), groups.get(UNSEEN_BIN)) if groups else "*"
            return quantiles.get(str(key), quantiles["*"])

        if not self._criminal or str(label) not in BAND_ORDER:
            return [values(label)]
        rank = BAND_ORDER.index(str(label))
        if towards == "lower":
            return [values(b) for b in BAND_ORDER[: rank + 1]]
        return [values(b) for b in BAND_ORDER[rank:]]

    def _quantile_values(
        self, labels: NDArray[Any] | Bins, q: NDArray[np.float64], higher: bool
    ) -> NDArray[np.float64]:
        """band_quantile: the q-th empirical quantile of each row's band (natural units); an upper or middle
        quantile is the largest over its band and the less severe ones, a lower one the smallest over its band and
        the more severe ones. Computed once per distinct (band, q)."""

        memo: dict[tuple[str, float, bool], float] = self.__dict__.setdefault("_quantile_memo", {})

        def one(label: str, qi: float) -> float:
            key = (label, qi, higher)  # the fitted quantiles never change: each (band, q) is computed once
            if key not in memo:
                if len(memo) > QUANTILE_MEMO_SIZE:
                    memo.clear()
                qs = [
                    float(np.quantile(v, min(max(qi, 0.0), 1.0), method="inverted_cdf")) if len(v) else 0.0
                    for v in self._quantile_groups(label, "lower" if higher else "higher")
                ]
                memo[key] = max(qs) if higher else min(qs)
            return memo[key]

        out = np.empty(len(labels))
        if not len(labels):
            return out
        bins = Bins.of(labels)
        by_name, names = bins.codes, bins.names
        by_q, qs = factorize(np.asarray(q, dtype=float))
        q_values = [float(x) for x in qs]
        by_pair, pairs = factorize(by_name * len(q_values) + by_q)
        values = np.asarray(
            [one(names[int(p) // len(q_values)], q_values[int(p) % len(q_values)]) for p in pairs], dtype=float
        )
        return np.asarray(values[by_pair], dtype=float)

    def _empirical_cdf(
        self, labels: NDArray[Any] | Bins, y: float, effect: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """band_quantile: P(Y <= y) of each row's band, never above that of a less severe band; band_adjusted: of
        the de-adjusted outcomes at ``y`` with the row's ``effect`` taken out (computed once per distinct pair)."""

        def at(label: str, value: float) -> float:
            ps = [
                float(np.mean(v <= value + 1e-9)) if len(v) else 1.0 for v in self._quantile_groups(label, "lower")
            ]
            return min(ps)

        if effect is None:
            return _by_unique(labels, lambda label: at(label, y))
        bins = Bins.of(labels)
        shifted = np.expm1(np.clip(math.log1p(y) - effect, -EXP_LIMIT, EXP_LIMIT))
        by_effect, effects = factorize(shifted)
        by_pair, pairs = factorize(bins.codes * len(effects) + by_effect)
        values = np.asarray(
            [at(bins.names[int(p) // len(effects)], float(effects[int(p) % len(effects)])) for p in pairs],
            dtype=float,
        )
        return np.asarray(values[by_pair], dtype=float)

    def _distribution_quantile(
        self,
        prepared: Prepared,
        labels: Bins,
        z_hat: NDArray[np.float64] | None,
        q: NDArray[np.float64],
        higher: bool,
    ) -> NDArray[np.float64]:
        """The q-th quantile (natural units) of each case's predictive distribution: for awards the mixture of
        "nothing awarded" (probability 1 - rate of its kind of suit) and the distribution of the amount."""
        rate = self._positive_rate(labels)
        zero = 1.0 - rate
        inner = np.clip((q - zero) / np.maximum(rate, 1e-12), 0.0, 1.0)
        if self.quantiles_ is not None:
            values = self._adjusted(
                self._quantile_values(labels, inner, higher=higher), self._circumstance_effect(prepared)
            )
        else:
            assert z_hat is not None
            values = np.expm1(
                np.clip(self.calibrator_.quantile(z_hat, labels.labels, inner, higher), -EXP_LIMIT, EXP_LIMIT)
            )
        return np.where(q <= zero, 0.0, values)

    def _point_raw(self, prepared: Prepared, bins: Bins, z_hat: NDArray[np.float64] | None) -> NDArray[np.float64]:
        """The point before the legal range (natural units): the distribution's median (quantile families, awards)
        or ``expm1`` of the learned log point."""
        if self._hurdle or self.quantiles_ is not None:
            return self._distribution_quantile(prepared, bins, z_hat, np.full(len(prepared), 0.5), higher=True)
        assert z_hat is not None
        return np.asarray(np.expm1(z_hat), dtype=float)

    def point(self, prepared: Prepared) -> NDArray[np.float64]:
        """The point of :meth:`estimate` alone (natural units, shape (n,)): what a driver reads, without the
        interval's quantiles."""
        low_legal, high_legal = self._legal_bounds(prepared)
        z_hat = None if self.quantiles_ is not None else self._raw(prepared)
        point_raw = self._point_raw(prepared, self._bin_codes(prepared), z_hat)
        return np.asarray(np.clip(point_raw, low_legal, high_legal), dtype=float)

    def estimate(self, prepared: Prepared, threshold: float | None = None) -> dict[str, NDArray[np.float64]]:
        """Point, interval and (optionally) P(y <= threshold) of a prepared batch; natural units, shape (n,)."""
        n = len(prepared)
        bins = self._bin_codes(prepared)
        labels = bins.labels
        low_legal, high_legal = self._legal_bounds(prepared)
        floor = self._floor(low_legal, prepared)
        alpha = (1 - self.level) / 2
        z_hat = None if self.quantiles_ is not None else self._raw(prepared)
        point_raw = self._point_raw(prepared, bins, z_hat)
        if self._hurdle or self.quantiles_ is not None:
            lo = self._distribution_quantile(prepared, bins, z_hat, np.full(n, alpha), higher=False)
            hi = self._distribution_quantile(prepared, bins, z_hat, np.full(n, 1 - alpha), higher=True)
        else:
            assert z_hat is not None
            sigma = self._sigma(prepared)
            if getattr(self, "cqr_", None) is not None:
                lo_z, hi_z = self._cqr_interval(prepared, labels)
            elif sigma is not None:  # normalized: the residual percentiles scaled by each case's difficulty
                lo_off, hi_off = self.calibrator_.interval(np.zeros(n), labels, self.level)
                lo_z, hi_z = z_hat + sigma * lo_off, z_hat + sigma * hi_off
            else:
                lo_z, hi_z = self.calibrator_.interval(z_hat, labels, self.level)
            lo, hi = np.expm1(np.clip(lo_z, -EXP_LIMIT, EXP_LIMIT)), np.expm1(np.clip(hi_z, -EXP_LIMIT, EXP_LIMIT))
        point = np.clip(point_raw, low_legal, high_legal)
        low = np.clip(lo, floor, high_legal)
        high = np.clip(hi, floor, high_legal)
        low, high = np.minimum(low, point), np.maximum(high, point)
        out = {"point": point, "low": low, "high": high}
        if threshold is not None:
            if self.quantiles_ is not None:
                p = self._empirical_cdf(bins, threshold, self._circumstance_effect(prepared))
            else:
                assert z_hat is not None
                p = self._calibrated_cdf(self._sigma(prepared), z_hat, labels, math.log1p(threshold))
            p = np.where(high_legal <= threshold, 1.0, np.where(floor > threshold, 0.0, p))
            out["p_le_threshold"] = np.clip(p, 0.0, 1.0)
        if self._hurdle:
            out["p_positive"] = self._positive_rate(bins)
        return out

    def _calibrated_cdf(
        self, sigma: NDArray[np.float64] | None, z_hat: NDArray[np.float64], labels: NDArray[Any], z: float
    ) -> NDArray[np.float64]:
        """P(log(1 + Y) <= z) of each case's conformal distribution (normalized by ``sigma``, each case's
        difficulty, when not None)."""
        if sigma is None:
            return self.calibrator_.cdf(z_hat, labels, z)
        # P(z_hat + sigma A <= z) = P(A <= (z - z_hat) / sigma): a system's test on (z_hat - z) / sigma against 0
        return self.calibrator_.cdf((z_hat - z) / sigma, labels, 0.0)

    def cdf(self, prepared: Prepared, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(outcome <= values[i]) for each case of a prepared batch (natural units), within the legal range."""
        labels = self._bins(prepared)
        low_legal, high_legal = self._legal_bounds(prepared)
        floor = self._floor(low_legal, prepared)
        out = np.empty(len(prepared))
        z_hat = None if self.quantiles_ is not None else self._raw(prepared)
        sigma = None if self.quantiles_ is not None else self._sigma(prepared)
        effect = self._circumstance_effect(prepared)
        rate = self._positive_rate(labels)
        for i, v in enumerate(values):
            if v >= high_legal[i]:
                out[i] = 1.0
                continue
            if v < floor[i]:
                out[i] = 0.0
                continue
            if self.quantiles_ is not None:
                row_effect = None if effect is None else effect[i : i + 1]
                inner = float(self._empirical_cdf(labels[i : i + 1], float(v), row_effect)[0])
            else:
                assert z_hat is not None
                row_sigma = None if sigma is None else sigma[i : i + 1]
                inner = float(
                    self._calibrated_cdf(row_sigma, z_hat[i : i + 1], labels[i : i + 1], math.log1p(v))[0]
                )
            out[i] = (1 - rate[i]) + rate[i] * inner if self._hurdle else inner
        return np.clip(out, 0.0, 1.0)

    def predict(self, X: CaseInput) -> NDArray[np.float64]:
        return self.estimate(self.prepare(X))["point"]

    def predict_interval(self, X: CaseInput) -> NDArray[np.float64]:
        est = self.estimate(self.prepare(X))
        return np.column_stack([est["low"], est["high"]])

    def base_contributions(self, prepared: Prepared) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Signed contributions of the base's features to log(1 + y), shape (n, n_base), and the bias (n,):
        LightGBM TreeSHAP, forest path contributions, ridge coefficient x standardized deviation; None for
        families without additive contributions."""
        if self.model_ is None:
            return None
        x = prepared.feats[:, self.base_columns_]
        if self.forest_tables_ is not None:
            return self.forest_tables_.contributions_of(x)
        if self.family == "lightgbm":
            contrib = np.asarray(self.model_.predict(x, pred_contrib=True), dtype=float)
            return contrib[:, :-1], contrib[:, -1]
        if self.family == "ridge":
            scaler, linear = self.model_[0], self.model_[-1]
            return (x - scaler.mean_) / scaler.scale_ * linear.coef_, np.full(len(x), float(linear.intercept_))
        return None

    def _group_drivers(self, prepared: Prepared) -> list[list[dict[str, Any]]]:
        """The one reason of a baseline's estimate: the case's band (criminal) or kind of suit (civil), as the
        estimate (circumstances aside, within the legal range) minus the median outcome of all training cases."""
        labels = self._bins(prepared)
        if self._criminal:
            reason = reason_of("band_level")
            estimate = self.point(_without_circumstances(prepared, self.featurizer_.law_))
        else:
            reason = reason_of("public_interest")
            estimate = self.point(prepared)
        out: list[list[dict[str, Any]]] = []
        for label, value in zip(labels, estimate, strict=True):
            delta = round(float(value) - self.pooled_median_, 3)
            out.append(
                []
                if abs(delta) < 0.05
                else [  # not-law: smaller differences are not shown
                    {
                        "feature": reason.key,
                        "reason": f"{reason.label}: {label}",
                        "contribution": delta,
                        "value": 1.0,
                    }
                ]
            )
        return out

    def base_drivers(self, prepared: Prepared, top: int = 4) -> list[list[dict[str, Any]]]:
        """The facts behind the base of each estimate, grouped as the law weighs them (``features.model.reasons``):
        ``{"feature": group key, "reason": label, "contribution": natural units, "value": the group's leading
        feature value}``, largest first. Contributions are computed on log(1 + y) and rescaled to add up to the
        base (circumstances removed, within the legal range) minus the estimate for an average training case."""
        contributions = self.base_contributions(prepared)
        if contributions is None:
            return self._group_drivers(prepared)
        phi, bias = contributions
        names = [self.feature_names_[i] for i in self.base_columns_]
        reasons = [reason_of(n) for n in names]
        keys = sorted({r.key for r in reasons})
        labels = {r.key: r.label for r in reasons}
        low_legal, high_legal = self._legal_bounds(prepared)
        x = prepared.feats[:, self.base_columns_]
        out: list[list[dict[str, Any]]] = []
        for i in range(len(prepared)):
            base = float(np.expm1(bias[i]))
            point = float(np.clip(np.expm1(bias[i] + phi[i].sum()), low_legal[i], high_legal[i]))
            total = phi[i].sum()
            scale = (point - base) / total if abs(total) > 1e-9 else 0.0
            grouped = {k: 0.0 for k in keys}
            lead: dict[str, tuple[float, float]] = {}
            for j, reason in enumerate(reasons):
                grouped[reason.key] += phi[i, j]
                if abs(phi[i, j]) > abs(lead.get(reason.key, (0.0, 0.0))[0]):
                    lead[reason.key] = (phi[i, j], float(x[i, j]))
            ranked = sorted(grouped.items(), key=lambda kv: -abs(kv[1]))[:top]
            out.append(
                [
                    {
                        "feature": key,
                        "reason": labels[key],
                        "contribution": round(float(value * scale), 3),
                        "value": lead.get(key, (0.0, 0.0))[1],
                    }
                    for key, value in ranked
                    if abs(value * scale) >= 0.05  # not-law: smaller contributions are not shown
                ]
            )
        return out


class ProbationClassifier(ClassifierMixin, BaseEstimator):
    """Criminal cases -> P(probation). Trained on defendants with a custodial term.

    Parameters: family ``base_rate`` (the share of suspended sentences among past defendants of the same band,
    pulled towards the pooled share: told as a base rate) | ``baseline`` (rule of thumb, no learning) |
    ``logistic`` | ``lightgbm`` (calibrated) | ``custom`` (a classifier by import path, ``learner``); featurizer
    (as for :class:`OutcomeRegressor`); random_state. Probability is 0 where the law forbids probation
    (recidivists and ringleaders, Criminal Law Art. 74; terms above the Art. 72 limit).
    ``proba(prepared)`` -> shape (n,); ``predict_proba(X)`` -> shape (n, 2), one row per case given.
    """

    def __init__(
        self,
        family: Literal["base_rate", "baseline", "logistic", "lightgbm", "custom"] = "logistic",
        featurizer: CaseFeaturizer | None = None,
        learner: str | None = None,
        params: dict[str, Any] | None = None,
        random_state: int = 0,
    ) -> None:
        self.family = family
        self.featurizer = featurizer
        self.learner = learner
        self.params = params
        self.random_state = random_state

    def prepare(self, X: CaseInput) -> Prepared:
        return self.featurizer_.prepare(X)

    def fit(
        self, X: CaseInput, y: Sequence[int] | NDArray[Any], groups: Sequence[Any] | None = None
    ) -> ProbationClassifier:
        self.featurizer_ = _fitted_featurizer(self.featurizer, "criminal")
        self.feature_names_ = [str(n) for n in self.featurizer_.get_feature_names_out()]
        prepared = self.prepare(X)
        feats = prepared.feats
        y_arr = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.prior_ = float(y_arr.mean()) if len(y_arr) else 0.0
        bands = prepared.cols.criminal_band.labels.tolist()
        self.rates_, _ = smoothed_rates(bands, y_arr.astype(bool))
        self.model_: Any = None
        minority = int(np.bincount(y_arr.astype(np.int64), minlength=2).min()) if len(y_arr) else 0
        if self.family in ("base_rate", "baseline") or minority < 2:
            # a calibrated model needs each outcome at least twice (two calibration folds); with fewer (a small
            # subset of a learning curve) P(probation) is the band's base rate, as for the base_rate family
            return self
        from sklearn.calibration import CalibratedClassifierCV

        if self.family == "logistic":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            base: Any = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))
        elif self.family == "lightgbm":
            from lightgbm import LGBMClassifier

            base = LGBMClassifier(
                n_estimators=150,
                learning_rate=0.05,
                num_leaves=6,  # not-law: leaves per tree
                min_child_samples=5,
                subsample=0.8,
                subsample_freq=1,
                colsample_bytree=0.8,
                n_jobs=1,
                verbose=-1,
                random_state=self.random_state,
                # the law's direction: mitigation never lowers P(probation), aggravation never raises it
                monotone_constraints=[PROBATION_DIRECTION.get(n, 0) for n in self.feature_names_],
                monotone_constraints_method="advanced",
            )
        elif self.family == "custom":
            from features.model.learners import custom_learner

            if not self.learner:
                raise ValueError("the custom family needs an estimator: package.module:ClassName")
            base = custom_learner(self.learner, self.params)
        else:
            raise ValueError(f"unknown probation family {self.family!r}")
        cv = min(3, minority)
        # LightGBM is monotone in the circumstances by its constraints; a sigmoid calibration fitted on folds where
        # it ranks badly can invert that order, an isotonic one never does (it is non-decreasing)
        method = "isotonic" if self.family == "lightgbm" else "sigmoid"
        self.model_ = CalibratedClassifierCV(base, method=method, cv=cv).fit(feats, y_arr)
        return self

    def _fast_logistic(self, feats: NDArray[np.float64]) -> NDArray[np.float64] | None:
        """P(probation) of the sigmoid-calibrated logistic pipelines in numpy (identical to ``predict_proba``,
        without sklearn's input validation that costs ~2 ms per call); None if the model has another shape."""
        calibrated = getattr(self.model_, "calibrated_classifiers_", None)
        if not calibrated:
            return None
        total = np.zeros(len(feats))
        for member in calibrated:
            pipeline, calibrator = member.estimator, member.calibrators[0]
            if not hasattr(calibrator, "a_") or not hasattr(pipeline, "__len__") or len(pipeline) != 2:
                return None
            scaler, logistic = pipeline[0], pipeline[-1]
            # a row-wise sum, not BLAS: the same number for a case alone or in a batch of any size
            decision = (((feats - scaler.mean_) / scaler.scale_) * logistic.coef_[0]).sum(axis=1)
            decision = decision + logistic.intercept_[0]
            total += 1.0 / (1.0 + np.exp(calibrator.a_ * decision + calibrator.b_))
        return total / len(calibrated)

    @property
    def is_base_rate(self) -> bool:
        """True when the probability is told as a base rate (no model beats it)."""
        return self.family == "base_rate" or (self.family != "baseline" and self.model_ is None)

    def base_rates(self, prepared: Prepared) -> NDArray[np.float64]:
        """The base rate of probation among past defendants of each case's band (partially pooled), never above that
        of a less severe band (a more severe band never makes probation likelier: the law's direction)."""
        return _by_unique(
            Bins(prepared.cols.criminal_band.level.astype(np.int64), BAND_ORDER),
            lambda band: min(
                self.rates_.get(lab, self.prior_) for lab in BAND_ORDER[: BAND_ORDER.index(band) + 1]
            ),
        )

    def proba(
        self, prepared: Prepared, custodial_months: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """P(probation) per case of an all-criminal prepared batch, shape (n,)."""
        band = prepared.cols.criminal_band
        law = self.featurizer_.law_
        if self.family == "baseline":
            points = (
                np.asarray(custodial_months, dtype=float)
                if custodial_months is not None
                else baselines.custodial_months(prepared.cols, law)
            )
            p = baselines.probation_probability(prepared.cols, points, law)
        elif self.model_ is None:
            p = self.base_rates(prepared)
        else:
            fast = self._fast_logistic(prepared.feats) if self.family == "logistic" else None
            p = (
                fast
                if fast is not None
                else np.asarray(self.model_.predict_proba(prepared.feats)[:, 1], dtype=float)
            )
        forbidden = ~band.probation_possible
        if custodial_months is not None:
            forbidden = forbidden | (np.asarray(custodial_months) > law.probation_max_months)
        return np.where(forbidden, 0.0, p)

    def predict_proba(self, X: CaseInput) -> NDArray[np.float64]:
        """[P(no probation), P(probation)] per case, shape (n, 2); every case must be criminal."""
        p = self.proba(self.prepare(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: CaseInput) -> NDArray[np.int_]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class OrderRate(BaseEstimator):
    """Civil judgments -> P(an order is made: an apology, or an injunction / deletion), as the share of such
    orders among past judgments of the same kind of suit, partially pooled; ``base_rate_`` is the pooled share.
    ``fit(X, y)``: y 0/1 for the judgments whose outcome records the order; ``proba(prepared)`` -> shape (n,)."""

    family = "base_rate"  # told as a base rate: too few judgments record these orders to select a model

    def __init__(self, featurizer: CaseFeaturizer | None = None) -> None:
        self.featurizer = featurizer

    def prepare(self, X: CaseInput) -> Prepared:
        return self.featurizer_.prepare(X)

    def fit(self, X: CaseInput, y: Sequence[int] | NDArray[Any], groups: Sequence[Any] | None = None) -> OrderRate:
        self.featurizer_ = _fitted_featurizer(self.featurizer, "civil")
        self.feature_names_ = [str(n) for n in self.featurizer_.get_feature_names_out()]
        prepared = self.prepare(X)
        self.rates_, self.base_rate_ = smoothed_rates(
            award_segments(prepared.cols.facts).tolist(), np.asarray(y, dtype=bool)
        )
        return self

    def proba(self, prepared: Prepared) -> NDArray[np.float64]:
        bins = Bins(award_segment_codes(prepared.cols.facts), SEGMENTS)
        return _by_unique(bins, lambda k: self.rates_.get(k, self.base_rate_))


def _mitigation_possible(facts: CaseFacts) -> NDArray[np.bool_]:
    """Whether the recorded facts leave room for mitigation below the band's minimum (Criminal Law Art. 63 with
    Arts. 23, 27, 67), per row: surrender, an accessory role or an attempt stated or not stated (unknown is not
    false). Circumstances the schema does not record (meritorious service, Art. 68; a minor, Art. 17) are assumed
    absent: that is the assumption ``floor="facts"`` makes, and the intervals experiment measures what it costs."""
    not_absent = [facts.flags[name] != 0 for name in ("surrender", "attempt")]
    role = facts.codes["role"]
    role_open = (role == NOT_STATED) | facts.code_is("role", "accessory")
    return np.asarray(not_absent[0] | not_absent[1] | role_open, dtype=bool)


def _without_circumstances(prepared: Prepared, law: LawTable) -> Prepared:
    """The batch with every sentencing circumstance stated absent (the base a baseline's band driver is read from)."""

    absent: dict[str, Any] = {}
    for _stated, _unknown, no in STATES.values():
        absent.update(no)
    cases = [c.model_copy(update=absent) if isinstance(c, CriminalCase) else c for c in prepared.cases]
    return Prepared(cases, list(prepared.bands), prepared.feats, prepared.cols.without_circumstances(law))


def _fitted_featurizer(featurizer: CaseFeaturizer | None, kind: Literal["criminal", "civil"]) -> CaseFeaturizer:
    """A fitted copy of the given featurizer (or of the default one for ``kind``)."""
    if featurizer is not None and featurizer.kind != kind:
        raise ValueError(f"a {kind} model got a {featurizer.kind} featurizer")
    return clone(featurizer if featurizer is not None else CaseFeaturizer(kind)).fit(None)
