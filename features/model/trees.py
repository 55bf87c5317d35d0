"""Flat lookup tables of a fitted tree ensemble: predictions and path contributions in numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


class ForestTables:
    """Per-tree lookup tables of a fitted tree ensemble, built once after fitting.

    For every node: its mean value and its Saabas path contributions (each split's change of the node mean on
    the way from the root, credited to the split feature). At inference a row's leaf per tree is found with
    ``tree_.apply`` and the tables are summed: the prediction and contributions that add up exactly to
    prediction - bias, without sklearn's per-call joblib overhead or walking decision paths per request.
    """

    def __init__(self, model: Any, n_features: int) -> None:
        self.trees = [tree.tree_ for tree in model.estimators_]
        self.values: list[NDArray[np.float64]] = []
        self.contributions: list[NDArray[np.float64]] = []
        self.bias = 0.0
        for t in self.trees:
            values = np.asarray(t.value[:, 0, 0], dtype=float)
            contrib = np.zeros((t.node_count, n_features))
            stack = [0]
            while stack:
                node = stack.pop()
                for child in (t.children_left[node], t.children_right[node]):
                    if child < 0:
                        continue
                    contrib[child] = contrib[node]
                    contrib[child, t.feature[node]] += values[child] - values[node]
                    stack.append(child)
            self.values.append(values)
            self.contributions.append(contrib)
            self.bias += values[0]
        self.bias /= len(self.trees)
        self._flatten()

    def _flatten(self) -> None:
        """All trees in flat arrays (node ids offset per tree) so that every tree is walked at once in numpy."""
        offsets = np.cumsum([0] + [t.node_count for t in self.trees[:-1]])
        self.roots_ = np.asarray(offsets, dtype=np.int64)
        lefts, rights, feats, thresholds = [], [], [], []
        for offset, t in zip(offsets, self.trees, strict=True):
            leaf = t.children_left < 0
            node_ids = np.arange(t.node_count) + offset
            lefts.append(np.where(leaf, node_ids, t.children_left + offset))
            rights.append(np.where(leaf, node_ids, t.children_right + offset))
            feats.append(np.where(leaf, 0, t.feature))
            thresholds.append(np.where(leaf, np.inf, t.threshold))
        self.left_ = np.concatenate(lefts)
        self.right_ = np.concatenate(rights)
        self.feature_ = np.concatenate(feats)
        self.threshold_ = np.concatenate(thresholds)
        self.value_flat_ = np.concatenate(self.values)
        self.contribution_flat_ = np.concatenate(self.contributions)
        self.max_depth_ = max(int(t.max_depth) for t in self.trees)

    def leaves(self, feats: NDArray[np.float64]) -> NDArray[np.int64]:
        """Leaf id (flat) of every row in every tree, shape (n_rows, n_trees); same routing as sklearn (float32
        features, go left when x <= threshold)."""
        if not hasattr(self, "roots_"):
            self._flatten()
        x = np.asarray(feats, dtype=np.float32).astype(np.float64)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots_, (len(x), len(self.roots_))).copy()
        for _ in range(self.max_depth_):
            go_left = x[rows, self.feature_[node]] <= self.threshold_[node]
            node = np.where(go_left, self.left_[node], self.right_[node])
        return node

    def predict(self, feats: NDArray[np.float64]) -> NDArray[np.float64]:
        leaves = self.leaves(feats)  # first: it builds the flat arrays for tables pickled before they existed
        return np.asarray(self.value_flat_[leaves].mean(axis=1), dtype=float)

    def contributions_of(self, feats: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        leaves = self.leaves(feats)
        phi = self.contribution_flat_[leaves].mean(axis=1)
        return np.asarray(phi, dtype=float), np.full(len(feats), self.bias)
