"""Repeated grouped K-fold: co-defendants (same ``group_id``) never straddle train and test; identical splits
for every model family given the same seed and data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import GroupKFold


class RepeatedGroupKFold:
    """``n_repeats`` x ``GroupKFold(n_splits, shuffle=True)`` with seeds ``random_state + repeat``.

    ``split`` yields (repeat, train_idx, test_idx); ``n_splits`` is lowered to the number of groups if needed.
    """

    def __init__(self, n_splits: int = 5, n_repeats: int = 3, random_state: int = 0) -> None:
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.random_state = random_state

    def folds_for(self, groups: Sequence[Any]) -> int:
        return max(2, min(self.n_splits, len(set(groups))))

    def split(self, groups: Sequence[Any]) -> Iterator[tuple[int, NDArray[np.int_], NDArray[np.int_]]]:
        n = len(groups)
        if len(set(groups)) < 2:
            raise ValueError("grouped cross-validation needs at least two groups")
        dummy = np.zeros((n, 1))
        for repeat in range(self.n_repeats):
            splitter = GroupKFold(
                n_splits=self.folds_for(groups), shuffle=True, random_state=self.random_state + repeat
            )
            for train_idx, test_idx in splitter.split(dummy, groups=groups):
                yield repeat, train_idx, test_idx

    def digest(self, groups: Sequence[Any], y: Sequence[float] | NDArray[np.float64]) -> str:
        """A fingerprint of the splits (config + data): equal digests mean identical folds."""
        payload = json.dumps(
            {
                "n_splits": self.n_splits,
                "n_repeats": self.n_repeats,
                "seed": self.random_state,
                "groups": [str(g) for g in groups],
                "y": [round(float(v), 6) for v in y],
            },
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
