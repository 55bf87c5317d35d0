"""Feature sets for experiments without touching ``features.model.estimators``: estimators that see a subset of the
hand-coded features.

``OutcomeRegressor.fit`` and ``ProbationClassifier.fit`` build their featurizer with
``self.featurizer_ = CaseFeaturizer(kind).fit(None)``; the subclasses below turn ``featurizer_`` into a property
whose setter swaps in a :class:`SelectedFeaturizer` keeping only ``feature_keep``. Every later use (the learner's
columns, ``feature_names_``, LightGBM monotone constraints, prediction) then sees the subset. With
``feature_keep=None`` they behave exactly like their parents.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from features.model.estimators import Family, OutcomeRegressor, ProbationClassifier, Target
from features.model.featurize import CaseFeaturizer, Kind


class SelectedFeaturizer(CaseFeaturizer):
    """A :class:`CaseFeaturizer` that outputs only the features named in ``keep`` (in featurizer order)."""

    def __init__(self, kind: Kind = "criminal", keep: tuple[str, ...] = ()) -> None:
        super().__init__(kind)
        self.keep = keep

    def fit(self, X: Any = None, y: Any = None) -> SelectedFeaturizer:
        super().fit(X, y)
        wanted = set(self.keep)
        names = [str(n) for n in self.feature_names_out_ if n in wanted]
        missing = sorted(wanted - set(names))
        if missing:
            raise ValueError(f"unknown {self.kind} feature(s): {', '.join(missing)}")
        if not names:
            raise ValueError("a feature selection must keep at least one feature")
        # transform_cases reads the columns from feature_names_out_, so the output has only these
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.n_features_out_ = len(names)
        return self


class _SelectsFeatures:
    """Mixin: assignments to ``featurizer_`` are narrowed to ``feature_keep``."""

    feature_keep: tuple[str, ...] | None

    @property
    def featurizer_(self) -> CaseFeaturizer:
        try:
            return self.__dict__["_selected_featurizer"]
        except KeyError:
            raise AttributeError("featurizer_") from None

    @featurizer_.setter
    def featurizer_(self, value: CaseFeaturizer) -> None:
        if self.feature_keep is not None and not isinstance(value, SelectedFeaturizer):
            value = SelectedFeaturizer(value.kind, tuple(self.feature_keep)).fit(None)
        self.__dict__["_selected_featurizer"] = value


class SelectedOutcomeRegressor(_SelectsFeatures, OutcomeRegressor):
    """:class:`OutcomeRegressor` on a subset of features (``feature_keep``; None = all)."""

    def __init__(
        self,
        target: Target = "custodial_months",
        family: Family = "lightgbm",
        level: float = 0.8,
        params: dict[str, Any] | None = None,
        n_calibration_folds: int = 5,
        random_state: int = 0,
        feature_keep: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(target, family, level, params, n_calibration_folds, random_state)
        self.feature_keep = feature_keep


class SelectedProbationClassifier(_SelectsFeatures, ProbationClassifier):
    """:class:`ProbationClassifier` on a subset of features (``feature_keep``; None = all)."""

    def __init__(
        self,
        family: Literal["baseline", "logistic", "lightgbm"] = "logistic",
        random_state: int = 0,
        feature_keep: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(family, random_state)
        self.feature_keep = feature_keep


def make_selected_estimator(
    target: str,
    family: str,
    params: dict[str, Any] | None,
    level: float,
    seed: int,
    feature_keep: tuple[str, ...] | None,
) -> SelectedOutcomeRegressor | SelectedProbationClassifier:
    """Like ``training.evaluate.make_estimator``, on a feature subset."""
    if target == "probation":
        if params:
            raise ValueError("probation families take no hyper-parameters")
        return SelectedProbationClassifier(family=family, random_state=seed, feature_keep=feature_keep)  # type: ignore[arg-type]
    return SelectedOutcomeRegressor(
        target=target,  # type: ignore[arg-type]
        family=family,  # type: ignore[arg-type]
        level=level,
        params=params or None,
        random_state=seed,
        feature_keep=feature_keep,
    )
