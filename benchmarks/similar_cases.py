"""Similar cases at scale: the index of reference cases (features.model.similar.SimilarCases, scikit-learn's
NearestNeighbors over standardized float32 features, the references' descriptions in pyarrow columns) with 10,000
to 1,000,000 reference cases: memory and the latency of one query (k = 5), as the answer asks it.

    python benchmarks/similar_cases.py                      # 10k, 100k, 1M references
    python benchmarks/similar_cases.py --sizes 1000000 --queries 500

The reference cases are synthetic criminal cases (training/synth.py, never trained on) featurized by the criminal
featurizer; beyond the first 50,000 they are repeated with a small jitter of their features (the index's cost
depends on their number and dimension, not on their content). Goals (issue "one estimator behind every interface"):
1,000,000 reference cases in under 2 GB and under 50 ms per query.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DISTINCT = 50_000  # distinct synthetic cases featurized; larger sets repeat them with jitter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated numbers of references")
    parser.add_argument("--queries", type=int, default=300, help="single-case queries timed per size")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]

    from features.law.schema import CriminalCase
    from features.model.featurize import CaseFeaturizer
    from features.model.similar import SimilarCases
    from training.synth import synth_rows

    t0 = time.perf_counter()
    base_cases = [
        CriminalCase.model_validate(r) for r in synth_rows(min(DISTINCT, max(sizes)), seed=3, civil_share=0.0)
    ]
    featurizer = CaseFeaturizer("criminal").fit()
    base_feats = featurizer.prepare_cases(base_cases).feats
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{len(base_cases)} distinct synthetic cases featurized in {time.perf_counter() - t0:.1f} s "
        f"({base_feats.shape[1]} features)",
        flush=True,
    )
    rng = np.random.default_rng(0)
    queries = base_feats[rng.integers(0, len(base_feats), size=args.queries)] + rng.normal(
        0, 0.01, size=(args.queries, base_feats.shape[1])
    )
    rows = []
    for n in sizes:
        reps = -(-n // len(base_cases))
        feats = np.tile(base_feats, (reps, 1))[:n] + rng.normal(0, 0.01, size=(n, base_feats.shape[1]))
        cases = (base_cases * reps)[:n]
        gc.collect()
        t0 = time.perf_counter()
        index = SimilarCases().fit(feats, cases)
        fit_s = time.perf_counter() - t0
        del feats, cases
        gc.collect()
        grown = index.nbytes / 2**20
        index.nearest(queries[:5], k=args.k)  # warm up
        times = []
        for q in queries:
            t0 = time.perf_counter()
            index.nearest(q[None, :], k=args.k)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p50, p99 = statistics.median(times), times[int(0.99 * (len(times) - 1))]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:,} references: index built in {fit_s:.1f} s, {grown:,.0f} MB (peak RSS {peak:,.0f} MB); "
            f"one query: p50 {p50:.1f} ms, p99 {p99:.1f} ms",
            flush=True,
        )
        rows.append((n, fit_s, grown, peak, p50, p99))
        del index
        gc.collect()
    print("\n| references | build (s) | index memory (MB) | peak RSS (MB) | query p50 (ms) | query p99 (ms) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, fit_s, grown, peak, p50, p99 in rows:
        print(f"| {n:,} | {fit_s:.1f} | {grown:,.0f} | {peak:,.0f} | {p50:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    main()
