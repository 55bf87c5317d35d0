"""Estimators that trained models are made of: the rule layer (statutory engine) + a learned model, as
scikit-learn estimators over *cases* (models, dicts or a DataFrame of case rows), so that cross-validation,
MLflow and serving all see one object with ``fit``/``predict``.

They live in ``features`` (not ``training``) because a model saved by training must load in serving, and
serving never imports training.

Targets and units:
- ``custodial_months``: months of imprisonment or detention (0 = fine only / exempt), clipped to the legal range
  of the case's statutory band (Criminal Law Art. 253-1; Art. 63 mitigation; see ``features.law.statutory``);
- ``fine_yuan``: criminal fine in yuan; ``awarded_total_yuan``: civil award in yuan (never above the claim).
Regression is on log(1 + y). Intervals and P(y <= t) come from a conformal predictive system (crepes) over
out-of-fold residuals, Mondrian by statutory band (criminal) or proceeding (civil) when each bin has enough
residuals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.model_selection import GroupKFold, KFold

from features.law.guideline import (
    baseline_award_yuan,
    baseline_custodial_months,
    baseline_fine_yuan,
    baseline_probation_probability,
)
from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import BandResult
from features.model.calibration import fit_cps, group_of
from features.model.cases import CaseInput, CaseModel
from features.model.featurize import MONOTONE_INCREASING, CaseFeaturizer, Prepared
from features.model.trees import ForestTables

Target = Literal["custodial_months", "fine_yuan", "awarded_total_yuan"]
Family = Literal["baseline", "ridge", "forest", "lightgbm"]
TARGET_KIND: dict[str, Literal["criminal", "civil"]] = {
    "custodial_months": "criminal",
    "fine_yuan": "criminal",
    "probation": "criminal",
    "awarded_total_yuan": "civil",
}
# Criminal Law Art. 63: with mitigation (surrender, accessory role, attempt, meritorious service, or the SPC's
# approval) a court sentences below the band's minimum, in the next lower range of Art. 253-1, whose bottom is a
# fine alone. Such facts are often unstated or arise later, so a custodial interval may reach down to here while
# the point stays inside the band: clipping intervals at the band's minimum left 8% of real terms outside every
# interval (80% intervals covered 76%; measured on the seed data, 3 x 5-fold grouped CV).
MITIGATED_FLOOR_MONTHS = 0.0


def make_regressor(family: str, feature_names: Sequence[str], params: dict[str, Any] | None, seed: int) -> Any:
    """A fresh learner on log(1 + y) for one family, with the project's defaults for small data."""
    params = dict(params or {})
    if family == "ridge":
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        alphas = params.pop("alphas", list(np.logspace(-2, 3, 21)))
        return make_pipeline(StandardScaler(), RidgeCV(alphas=alphas, **params))
    if family == "forest":
        from sklearn.ensemble import RandomForestRegressor

        forest_defaults: dict[str, Any] = {
            "n_estimators": 200,
            "min_samples_leaf": 2,
            "max_features": 0.5,
            "n_jobs": 1,
        }
        return RandomForestRegressor(random_state=seed, **{**forest_defaults, **params})
    if family == "lightgbm":
        from lightgbm import LGBMRegressor

        monotone = [1 if name in MONOTONE_INCREASING else 0 for name in feature_names]
        defaults: dict[str, Any] = {
            "n_estimators": 300,
            "learning_rate": 0.03,
            "num_leaves": 8,
            "min_child_samples": 5,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "reg_lambda": 1.0,
            "n_jobs": 1,
            "verbose": -1,
        }
        if params.pop("monotone", True):
            defaults["monotone_constraints"] = monotone
            defaults["monotone_constraints_method"] = "advanced"
        return LGBMRegressor(random_state=seed, **{**defaults, **params})
    raise ValueError(f"unknown model family {family!r}; choose baseline, ridge, forest or lightgbm")


class OutcomeRegressor(RegressorMixin, BaseEstimator):
    """Cases -> outcome in natural units (months or yuan), with conformal intervals clipped to the legal range
    (custodial months: points inside the band, intervals from ``MITIGATED_FLOOR_MONTHS`` (Art. 63) to its maximum).

    Parameters:
        target: ``custodial_months`` | ``fine_yuan`` | ``awarded_total_yuan``.
        family: ``baseline`` (statutory, no learning) | ``ridge`` | ``forest`` | ``lightgbm``.
        level: coverage of the intervals (e.g. 0.8).
        params: hyper-parameters of the family's learner.
        featurizer: the :class:`CaseFeaturizer` (cloned at fit; default ``CaseFeaturizer(kind)``); experiments pass
            one that keeps a subset of the features.
        n_calibration_folds: folds of the internal cross-fit that produces calibration residuals.
        random_state: seed.
    ``fit(X, y, groups=None)``: X cases (n,), y natural units (n,), groups keep co-defendants together.
    ``prepare(X)`` -> :class:`Prepared` (bands and features once); ``estimate(prepared)`` -> arrays of shape (n,):
    ``point``, ``low``, ``high`` (and ``p_le_threshold``); ``predict(X)`` -> (n,) points;
    ``predict_interval(X)`` -> (n, 2) [low, high].
    """

    def __init__(
        self,
        target: Target = "custodial_months",
        family: Family = "lightgbm",
        level: float = 0.8,
        params: dict[str, Any] | None = None,
        featurizer: CaseFeaturizer | None = None,
        n_calibration_folds: int = 5,
        random_state: int = 0,
    ) -> None:
        self.target = target
        self.family = family
        self.level = level
        self.params = params
        self.featurizer = featurizer
        self.n_calibration_folds = n_calibration_folds
        self.random_state = random_state

    # ---- rule layer
    def prepare(self, X: CaseInput) -> Prepared:
        """Validate ``X`` and compute its bands and features with this model's featurizer."""
        return self.featurizer_.prepare(X)

    def _bins(self, cases: Sequence[CaseModel], bands: Sequence[BandResult | None]) -> NDArray[Any]:
        """Mondrian labels: the band for custodial months, the proceeding for awards, one label for fines.

        Fines are calibrated pooled: by band (3 x 5-fold grouped CV on the seed data) their intervals widened by
        15% at no gain in coverage, while by-band custodial intervals cover every band near the stated level."""
        if self.target == "fine_yuan":
            return np.full(len(cases), "all", dtype=object)
        if TARGET_KIND[self.target] == "criminal":
            return np.asarray([b.band.value if b is not None else "none" for b in bands], dtype=object)
        return np.asarray([c.proceeding for c in cases], dtype=object)

    def _calibration_bins(
        self, cases: Sequence[CaseModel], bands: Sequence[BandResult | None]
    ) -> NDArray[Any] | None:
        """The Mondrian groups of the cases for ``cps_`` (None when it is pooled)."""
        if not self.mondrian_:
            return None
        groups = getattr(self, "calibration_groups_", None)
        raw = self._bins(cases, bands)
        return raw if groups is None else group_of(raw, groups)  # None: fitted before groups existed

    def _legal_bounds(
        self, cases: Sequence[CaseModel], bands: Sequence[BandResult | None]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        low = np.zeros(len(cases))
        high = np.full(len(cases), np.inf)
        for i, (case, band) in enumerate(zip(cases, bands, strict=True)):
            if self.target == "custodial_months" and band is not None:
                low[i], high[i] = band.custodial_range_months
            elif (
                self.target == "awarded_total_yuan"
                and isinstance(case, CivilCase)
                and case.claimed_yuan is not None
            ):
                high[i] = case.claimed_yuan  # a court awards no more than is claimed
        return low, high

    def _baseline(self, cases: Sequence[CaseModel], bands: Sequence[BandResult | None]) -> NDArray[np.float64]:
        out = np.empty(len(cases))
        for i, (case, band) in enumerate(zip(cases, bands, strict=True)):
            if self.target == "custodial_months":
                assert isinstance(case, CriminalCase) and band is not None
                out[i] = baseline_custodial_months(case, band)
            elif self.target == "fine_yuan":
                assert isinstance(case, CriminalCase) and band is not None
                out[i] = baseline_fine_yuan(case, band)
            else:
                assert isinstance(case, CivilCase)
                out[i] = baseline_award_yuan(case)
        return np.log1p(out)

    # ---- fitting
    def fit(
        self, X: CaseInput, y: Sequence[float] | NDArray[np.float64], groups: Sequence[Any] | None = None
    ) -> OutcomeRegressor:
        self.featurizer_ = _fitted_featurizer(self.featurizer, TARGET_KIND[self.target])
        self.feature_names_ = [str(n) for n in self.featurizer_.get_feature_names_out()]
        prepared = self.prepare(X)
        cases, bands, feats = prepared.cases, prepared.bands, prepared.feats
        z = np.log1p(np.asarray(y, dtype=float))
        if np.any(~np.isfinite(z)):
            raise ValueError(f"{self.target}: targets must be finite and >= 0")
        self.n_train_ = len(cases)
        bins = self._bins(cases, bands)
        if self.family == "baseline":
            self.model_ = None
            self.forest_tables_ = None
            oof = self._baseline(cases, bands)
        else:
            self.model_ = make_regressor(self.family, self.feature_names_, self.params, self.random_state)
            self.model_.fit(feats, z)
            self.forest_tables_ = ForestTables(self.model_, feats.shape[1]) if self.family == "forest" else None
            oof = np.empty_like(z)
            folds = min(self.n_calibration_folds, len(set(groups)) if groups is not None else len(z))
            splitter = (
                GroupKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
                if groups is not None
                else KFold(n_splits=folds, shuffle=True, random_state=self.random_state)
            )
            for train_idx, test_idx in splitter.split(feats, z, groups):
                learner = clone(self.model_).fit(feats[train_idx], z[train_idx])
                oof[test_idx] = learner.predict(feats[test_idx])
        self.cps_, self.calibration_groups_ = fit_cps(z - oof, bins)
        self.mondrian_ = bool(self.calibration_groups_)
        self.calibration_residual_mae_ = float(np.mean(np.abs(z - oof)))
        return self

    # ---- prediction
    def _raw(
        self, feats: NDArray[np.float64], cases: Sequence[CaseModel], bands: Sequence[BandResult | None]
    ) -> NDArray[np.float64]:
        if self.model_ is None:
            return self._baseline(cases, bands)
        if self.family == "forest" and self.forest_tables_ is not None:
            return self.forest_tables_.predict(feats)
        if self.family == "ridge":
            # scaler + linear model in numpy: identical numbers without sklearn's per-call input checks (~0.3 ms)
            scaler, linear = self.model_[0], self.model_[-1]
            return np.asarray(
                ((feats - scaler.mean_) / scaler.scale_) @ linear.coef_ + linear.intercept_, dtype=float
            )
        return np.asarray(self.model_.predict(feats), dtype=float)

    def estimate(self, prepared: Prepared, threshold: float | None = None) -> dict[str, NDArray[np.float64]]:
        """Point, interval and (optionally) P(y <= threshold) of a prepared batch; natural units, shape (n,)."""
        cases, bands, feats = prepared.cases, prepared.bands, prepared.feats
        z_hat = self._raw(feats, cases, bands)
        bins = self._calibration_bins(cases, bands)
        alpha = (1 - self.level) / 2 * 100
        # smoothing=False: no random tie-breaking, so the same case always gets the same interval and P(y <= t)
        interval = self.cps_.predict(
            z_hat, bins=bins, lower_percentiles=alpha, higher_percentiles=100 - alpha, smoothing=False
        )
        interval = np.asarray(interval, dtype=float).reshape(len(cases), 2)
        low_legal, high_legal = self._legal_bounds(cases, bands)
        floor = np.minimum(low_legal, MITIGATED_FLOOR_MONTHS) if self.target == "custodial_months" else low_legal
        point = np.clip(np.expm1(z_hat), low_legal, high_legal)
        low = np.clip(np.expm1(np.clip(interval[:, 0], -50, 50)), floor, high_legal)  # not-law: overflow guard
        high = np.clip(np.expm1(np.clip(interval[:, 1], -50, 50)), floor, high_legal)  # not-law: overflow guard
        low, high = np.minimum(low, point), np.maximum(high, point)
        out = {"point": point, "low": low, "high": high}
        if threshold is not None:
            p = self.cps_.predict(z_hat, bins=bins, y=math.log1p(threshold), smoothing=False)
            p = np.asarray(p, dtype=float).reshape(-1)
            p = np.where(high_legal <= threshold, 1.0, np.where(floor > threshold, 0.0, p))
            out["p_le_threshold"] = np.clip(p, 0.0, 1.0)
        return out

    def predict(self, X: CaseInput) -> NDArray[np.float64]:
        return self.estimate(self.prepare(X))["point"]

    def predict_interval(self, X: CaseInput) -> NDArray[np.float64]:
        est = self.estimate(self.prepare(X))
        return np.column_stack([est["low"], est["high"]])

    def drivers(self, prepared: Prepared, top: int = 6) -> list[list[dict[str, float | str]]]:
        """Signed contributions of features to each estimate, in the target's units (months or yuan).

        LightGBM: TreeSHAP contributions (``pred_contrib``); forest: Saabas path contributions; ridge:
        coefficient x standardized deviation.
        Contributions are computed on log(1 + y) and rescaled so they add up to point - base, where base is the
        prediction for an average training case. Empty for families without additive contributions.
        """
        cases, bands, feats = prepared.cases, prepared.bands, prepared.feats
        if self.model_ is None:
            return [[] for _ in range(len(feats))]
        if self.family == "forest" and self.forest_tables_ is not None:
            phi, bias = self.forest_tables_.contributions_of(feats)
        elif self.family == "lightgbm":
            contrib = np.asarray(self.model_.predict(feats, pred_contrib=True), dtype=float)
            phi, bias = contrib[:, :-1], contrib[:, -1]
        else:  # ridge pipeline: scaler + linear model
            scaler, linear = self.model_[0], self.model_[-1]
            phi = (feats - scaler.mean_) / scaler.scale_ * linear.coef_
            bias = np.full(len(feats), float(linear.intercept_))
        low_legal, high_legal = self._legal_bounds(cases, bands)
        out: list[list[dict[str, float | str]]] = []
        for i in range(len(feats)):
            base = float(np.expm1(bias[i]))
            point = float(np.clip(np.expm1(bias[i] + phi[i].sum()), low_legal[i], high_legal[i]))
            total = phi[i].sum()
            scale = (point - base) / total if abs(total) > 1e-9 else 0.0
            order = np.argsort(-np.abs(phi[i]))[:top]
            out.append(
                [
                    {
                        "feature": self.feature_names_[j],
                        "contribution": round(float(phi[i, j] * scale), 3),
                        "value": float(feats[i, j]),
                    }
                    for j in order
                    if abs(phi[i, j]) > 1e-6
                ]
            )
        return out


class ProbationClassifier(ClassifierMixin, BaseEstimator):
    """Criminal cases -> P(probation), calibrated. Trained on defendants with a custodial term.

    Parameters: family ``baseline`` (rule of thumb, no learning) | ``logistic`` | ``lightgbm``; featurizer (as
    for :class:`OutcomeRegressor`); random_state. Probability is 0 where the law forbids probation (recidivists,
    Criminal Law Art. 74; terms above the Art. 72 limit, when ``custodial_months`` is passed to ``proba``).
    ``proba(prepared)`` -> shape (n,); ``predict_proba(X)`` -> shape (n, 2), one row per case given.
    """

    def __init__(
        self,
        family: Literal["baseline", "logistic", "lightgbm"] = "logistic",
        featurizer: CaseFeaturizer | None = None,
        random_state: int = 0,
    ) -> None:
        self.family = family
        self.featurizer = featurizer
        self.random_state = random_state

    def prepare(self, X: CaseInput) -> Prepared:
        return self.featurizer_.prepare(X)

    def fit(
        self, X: CaseInput, y: Sequence[int] | NDArray[Any], groups: Sequence[Any] | None = None
    ) -> ProbationClassifier:
        self.featurizer_ = _fitted_featurizer(self.featurizer, "criminal")
        self.feature_names_ = [str(n) for n in self.featurizer_.get_feature_names_out()]
        feats = self.prepare(X).feats
        y_arr = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.prior_ = float(y_arr.mean()) if len(y_arr) else 0.0
        if self.family == "baseline" or len(set(y_arr)) < 2:
            self.model_: Any = None
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
                num_leaves=6,
                min_child_samples=5,
                subsample=0.8,
                subsample_freq=1,
                colsample_bytree=0.8,
                n_jobs=1,
                verbose=-1,
                random_state=self.random_state,
            )
        else:
            raise ValueError(f"unknown probation family {self.family!r}")
        cv = min(3, int(np.bincount(y_arr).min()))
        self.model_ = CalibratedClassifierCV(base, method="sigmoid", cv=max(cv, 2)).fit(feats, y_arr)
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
            if not hasattr(calibrator, "a_") or len(pipeline) != 2:
                return None
            scaler, logistic = pipeline[0], pipeline[-1]
            decision = ((feats - scaler.mean_) / scaler.scale_) @ logistic.coef_[0] + logistic.intercept_[0]
            total += 1.0 / (1.0 + np.exp(calibrator.a_ * decision + calibrator.b_))
        return total / len(calibrated)

    def proba(
        self, prepared: Prepared, custodial_months: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """P(probation) per case of an all-criminal prepared batch, shape (n,)."""
        bands = prepared.criminal_bands
        cases = [c for c in prepared.cases if isinstance(c, CriminalCase)]
        if self.model_ is None:
            points = (
                custodial_months
                if custodial_months is not None
                else np.array([baseline_custodial_months(c, b) for c, b in zip(cases, bands, strict=True)])
            )
            p = np.array(
                [
                    baseline_probation_probability(c, b, float(m))
                    for c, b, m in zip(cases, bands, points, strict=True)
                ],
                dtype=float,
            ).reshape(-1)
        else:
            fast = self._fast_logistic(prepared.feats) if self.family == "logistic" else None
            p = (
                fast
                if fast is not None
                else np.asarray(self.model_.predict_proba(prepared.feats)[:, 1], dtype=float)
            )
        forbidden = np.array(
            [bool(c.recidivist) or not b.probation_possible for c, b in zip(cases, bands, strict=True)]
        )
        if custodial_months is not None:
            forbidden |= np.asarray(custodial_months) > self.featurizer_.law_.probation_max_months
        return np.where(forbidden, 0.0, p)

    def predict_proba(self, X: CaseInput) -> NDArray[np.float64]:
        """[P(no probation), P(probation)] per case, shape (n, 2); every case must be criminal."""
        p = self.proba(self.prepare(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: CaseInput) -> NDArray[np.int_]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _fitted_featurizer(featurizer: CaseFeaturizer | None, kind: Literal["criminal", "civil"]) -> CaseFeaturizer:
    """A fitted copy of the given featurizer (or of the default one for ``kind``)."""
    if featurizer is not None and featurizer.kind != kind:
        raise ValueError(f"a {kind} model got a {featurizer.kind} featurizer")
    return clone(featurizer if featurizer is not None else CaseFeaturizer(kind)).fit(None)
