"""Feature sets for experiments: a featurizer that keeps a subset of the hand-coded features, passed to the
models as their ``featurizer`` (a constructor parameter, so the models stay clone-safe)."""

from __future__ import annotations

from typing import Any

import numpy as np

from features.law.statutory import LawTable
from features.model.estimators import TARGET_KIND
from features.model.featurize import CaseFeaturizer, Kind


class SelectedFeaturizer(CaseFeaturizer):
    """A :class:`CaseFeaturizer` that outputs only the features named in ``keep`` (in featurizer order)."""

    def __init__(self, kind: Kind = "criminal", keep: tuple[str, ...] = (), law: LawTable | None = None) -> None:
        super().__init__(kind, law)
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


def featurizer_for(target: str, feature_keep: tuple[str, ...] | None) -> CaseFeaturizer | None:
    """The featurizer of an experiment's feature set for ``target`` (None: the models' default, every feature)."""
    if feature_keep is None:
        return None
    return SelectedFeaturizer(TARGET_KIND[target], tuple(feature_keep))
