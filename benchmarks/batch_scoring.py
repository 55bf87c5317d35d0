"""Cases per second of ``exposure batch score`` (local and Spark engines) at several sizes, against the raw
LightGBM booster on the same rows.

For each size, synthetic cases (``training.synth``, 80 % criminal) are written to Parquet once (cached in the
work folder) and scored end to end: read, validate, featurize, estimate every target, write the output table.
The raw rate is ``lightgbm.Booster.predict`` on the already featurized matrix of the same rows' criminal cases
(custodial months): the champion's booster when the champion is LightGBM, else a LightGBM model with the
project's defaults trained here on the seed cases. The ratio says what the case-level work (validation, the
statutory engine, features, conformal intervals, I/O) costs next to the bare trees.

    python benchmarks/batch_scoring.py                                # 10k, 100k, 1M; local and spark
    python benchmarks/batch_scoring.py --sizes 10000,100000 --engines local,spark,pyfunc

``pyfunc`` scores through the MLflow pyfunc models in this process (what the Spark UDF runs on each worker),
to compare with the local engine's shared-featurization fast path. Uses ``EXPOSURE_HOME``'s store (or
``MLFLOW_TRACKING_URI``); trains a quick champion into a temporary home when there is none.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import champions_present, train_quickly


def _ensure_champions() -> None:
    """Use EXPOSURE_HOME's champions, or train quick ones into a temporary home and point this process at it."""
    from features.store import tracking_uri

    if champions_present(tracking_uri()):
        return
    home = Path(tempfile.mkdtemp(prefix="exposure-bench-"))
    train_quickly(home)
    os.environ["EXPOSURE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


def _remove(path: Path) -> None:
    """Delete this benchmark's own earlier output (a file or a Spark folder)."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _synth(workdir: Path, n: int, seed: int) -> Path:
    """The cached synthetic table for (n, seed), keyed by the generator's source: a changed generator (or case
    schema) draws new rows instead of reusing ones the schema may now refuse."""
    import hashlib

    import features.law.schema
    import training.synth
    from training.synth import write_synth

    sources = (Path(training.synth.__file__).read_bytes(), Path(features.law.schema.__file__).read_bytes())
    version = hashlib.sha256(b"".join(sources)).hexdigest()[:10]
    path = workdir / f"synth-{n}-{seed}-{version}.parquet"
    if not path.is_file():
        t0 = time.perf_counter()
        write_synth(path, n, seed=seed, jobs=os.cpu_count() or 1)
        print(f"  drew {n} synthetic cases in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def _booster(champions: Any) -> tuple[Any, str]:
    """The custodial champion's LightGBM booster, or one trained here with the project's defaults."""
    from features.model.estimators import OutcomeRegressor
    from features.model.targets import target_data
    from features.tables import load_seeds

    estimator = champions.estimators["criminal"].estimator.parts_["custodial_months"]
    if estimator.family == "lightgbm":
        return estimator.model_.booster_, "the champion's"
    data = target_data(load_seeds().for_training().cases, "custodial_months")
    model = OutcomeRegressor(target="custodial_months", family="lightgbm").fit(
        data.cases, data.y, groups=data.groups
    )
    assert model.model_ is not None  # only the baseline family has no learned model
    return model.model_.booster_, f"trained here (champion is {estimator.family})"


def _raw_rate(source: Path, champions: Any, booster: Any) -> tuple[float, float, int]:
    """(booster rows/s, featurization rows/s, rows) on the criminal rows of ``source``."""
    from features.law.schema import CriminalCase
    from features.tables import read_records, validate_record

    estimator = champions.estimators["criminal"].estimator
    cases = []
    for chunk in read_records(source, 20_000):
        for _, row in chunk:
            case, _errors = validate_record(row)
            if isinstance(case, CriminalCase):
                cases.append(case)
    t0 = time.perf_counter()
    feats = estimator.prepare(cases).feats
    featurize = time.perf_counter() - t0
    booster.predict(feats[:100], num_threads=1)  # warm up
    t0 = time.perf_counter()
    booster.predict(feats, num_threads=1)
    predict = time.perf_counter() - t0
    return len(cases) / predict, len(cases) / featurize, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated numbers of cases")
    parser.add_argument("--engines", default="local,spark", help="comma-separated: local, spark")
    parser.add_argument("--master", default=None, help="Spark master (default: local[*])")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "exposure-bench")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    args.workdir.mkdir(parents=True, exist_ok=True)

    _ensure_champions()
    from serving.estimate import ChampionSet
    from serving.scoring import score_local

    champions = ChampionSet.load()
    booster, origin = _booster(champions)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; champions: "
        + ", ".join(f"{t}={p['family']}" for t, p in champions.parts().items())
        + f"; booster: {origin} ({booster.num_trees()} trees)",
        flush=True,
    )
    rows: list[tuple[int, str, float, float]] = []
    spark_ready = False
    for n in sizes:
        print(f"{n} cases:", flush=True)
        source = _synth(args.workdir, n, args.seed)
        raw, featurize, n_raw = _raw_rate(source, champions, booster)
        print(
            f"  raw booster: {raw:,.0f} rows/s on {n_raw} criminal rows (featurization alone: {featurize:,.0f}/s)",
            flush=True,
        )
        for engine in engines:
            if engine == "local":
                summary = score_local(source, args.workdir / f"out-local-{n}.parquet", champions)
                rate = summary.cases_per_second
            elif engine == "spark":
                from serving.scoring_spark import score_spark, spark_session

                if not spark_ready:
                    t0 = time.perf_counter()
                    spark_session(args.master)
                    print(
                        f"  (Spark session started in {time.perf_counter() - t0:.1f} s, not counted)", flush=True
                    )
                    spark_ready = True
                spark_out = args.workdir / f"out-spark-{n}.parquet"
                _remove(spark_out)  # an earlier run's output (of either engine) would be refused by score_spark
                summary = score_spark(source, spark_out, master=args.master)
                rate = summary.cases_per_second
            else:
                raise SystemExit(f"unknown engine {engine!r}")
            print(
                f"  {engine}: {rate:,.0f} cases/s ({n / rate:.1f} s); raw booster / {engine} = {raw / rate:,.0f}x"
            )
            rows.append((n, engine, rate, raw))
    print("\n| cases | engine | cases/s | raw LightGBM booster rows/s | booster / engine |")
    print("|---:|---|---:|---:|---:|")
    for n, engine, rate, raw in rows:
        print(f"| {n:,} | {engine} | {rate:,.0f} | {raw:,.0f} | {raw / rate:,.0f}x |")


if __name__ == "__main__":
    main()
