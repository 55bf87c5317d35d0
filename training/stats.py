"""Statistics of paired comparisons on the same out-of-fold rows: the mean per-case difference of two models'
errors with a bootstrap confidence interval over judgments (co-defendants are resampled together)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

BOOTSTRAP_CELLS = 4_000_000  # not-law: resamples x groups drawn at once (bounded memory)


@dataclass(frozen=True)
class BootstrapMean:
    mean: float
    ci_low: float
    ci_high: float
    share_below_zero: float  # share of resamples whose mean is below zero (the first model better)


def group_bootstrap_mean(
    d: NDArray[np.float64],
    groups: NDArray[Any] | list[Any],
    resamples: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
) -> BootstrapMean:
    """Mean of ``d`` (one value per case) with a bootstrap CI that resamples the cases' groups (judgments)."""
    d = np.asarray(d, dtype=float)
    labels, inverse = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    sums = np.bincount(inverse, weights=d, minlength=len(labels))
    counts = np.bincount(inverse, minlength=len(labels)).astype(float)
    rng = np.random.default_rng(seed)
    boot = np.empty(resamples)
    chunk = max(1, BOOTSTRAP_CELLS // max(1, len(labels)))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        idx = rng.integers(0, len(labels), size=(stop - start, len(labels)))
        boot[start:stop] = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    alpha = (1 - ci) / 2
    return BootstrapMean(
        mean=float(d.mean()),
        ci_low=float(np.quantile(boot, alpha)),
        ci_high=float(np.quantile(boot, 1 - alpha)),
        share_below_zero=float(np.mean(boot < 0)),
    )
