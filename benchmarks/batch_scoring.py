"""Cases per second and peak memory of batch scoring at 100k, 1M and 10M cases: the raw LightGBM booster, the local
engine (``exposure batch score``) and the Spark engine (``--engine spark``), in one run.

    python benchmarks/batch_scoring.py                                   # 100k, 1M, 10M; raw, local, spark
    python benchmarks/batch_scoring.py --sizes 100000,1000000 --engines raw,local
    python benchmarks/batch_scoring.py --master spark://host:7077 --engines spark

What each engine does, on the same Parquet file of ``n`` cases (80 % criminal):

- ``raw``: ``lightgbm.Booster.predict`` (one thread) on the feature matrix of the file's criminal rows, timed alone
  (the rows are featurized batch by batch outside the timer): the custodial champion's booster when it is LightGBM,
  else a LightGBM model with the project's defaults trained here on the seed cases. The bare trees, the yardstick.
- ``local``: :func:`serving.scoring.score_local`, end to end: Parquet read in row groups, every row validated, the
  statutory band, the three criminal models (custodial months, P(term <= 36 months) and probation, fine) with their
  conformal intervals, or the civil award, and the output Parquet written. One process, one core.
- ``spark``: :func:`serving.scoring_spark.score_spark`: the driver lists the file's row groups, the Python workers
  read them with pyarrow inside ``mapInArrow`` and run the same :func:`features.model.batch.score_batch` on them,
  the champions broadcast once and unpickled once per Python worker; the output is written by Spark. The fixed start-up
  (JVM and session, the champions loaded from the registry, the Python workers started with the estimators by a
  warm-up job) is printed apart from the scoring time.

Each engine runs in its own child process; its peak memory is the peak resident set size of the child's whole
process tree (the local engine is one process; Spark's is the driver, the JVM and its Python workers), sampled
every 0.2 s with psutil. (Not ``ru_maxrss``: a forked child starts with this parent's pages mapped and Linux
keeps that peak across exec, so the child's figure would include this parent's.)

The table: ``--distinct`` synthetic cases (``training.synth``, default 100,000) are drawn once, and a larger size
repeats them (each copy's ``case_id`` suffixed ``~k``) up to ``n`` rows, in row groups of ``--row-group`` rows:
drawing 10,000,000 distinct cases would take hours on 2 cores, and no engine caches anything between rows, so a
repeated row costs what a new one does. Tables are cached in ``--workdir`` by size, seed and the generator's
source. Uses ``EXPOSURE_HOME``'s champions (or ``MLFLOW_TRACKING_URI``); trains quick ones into a temporary home
when there are none.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, champions_present, train_quickly

DEFAULT_SIZES = "100000,1000000,10000000"
ENGINES = ("raw", "local", "spark")
SAMPLE_SECONDS = 0.2


# ------------------------------------------------------------------------------------------------- tables
def _ensure_champions() -> None:
    """Use EXPOSURE_HOME's champions, or train quick ones into a temporary home and point this process (and its
    children) at it."""
    from features.store import tracking_uri

    if champions_present(tracking_uri()):
        return
    home = Path(tempfile.mkdtemp(prefix="exposure-bench-"))
    train_quickly(home)
    os.environ["EXPOSURE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


def _version() -> str:
    """The generator's and the schema's source, hashed: a changed generator draws new rows."""
    import features.law.schema
    import training.synth

    sources = (Path(training.synth.__file__).read_bytes(), Path(features.law.schema.__file__).read_bytes())
    return hashlib.sha256(b"".join(sources)).hexdigest()[:10]


def _distinct(workdir: Path, n: int, seed: int) -> Path:
    from training.synth import write_synth

    path = workdir / f"synth-{n}-{seed}-{_version()}.parquet"
    if not path.is_file():
        t0 = time.perf_counter()
        write_synth(path, n, seed=seed, jobs=os.cpu_count() or 1)
        print(f"  drew {n:,} synthetic cases in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def _table(workdir: Path, n: int, distinct: int, seed: int, row_group: int) -> Path:
    """A Parquet file of ``n`` cases: the ``distinct`` drawn ones, repeated with suffixed case ids (cached)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base_path = _distinct(workdir, min(n, distinct), seed)
    path = workdir / f"cases-{n}-of-{min(n, distinct)}-{seed}-{_version()}-rg{row_group}.parquet"
    if path.is_file():
        return path
    t0 = time.perf_counter()
    base = pq.read_table(base_path)
    tmp = path.with_name(path.name + ".part")
    with pq.ParquetWriter(tmp, base.schema) as writer:
        written, copy = 0, 0
        while written < n:
            part = base.slice(0, min(base.num_rows, n - written))
            if copy:
                ids = pc.binary_join_element_wise(part.column("case_id"), pa.scalar(f"~{copy}"), "")
                part = part.set_column(part.schema.get_field_index("case_id"), "case_id", ids)
            writer.write_table(part, row_group_size=row_group)
            written += part.num_rows
            copy += 1
    os.replace(tmp, path)
    print(f"  wrote {n:,} cases ({min(n, distinct):,} distinct) in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# ------------------------------------------------------------------------------------------------- children
def _booster(champions: Any) -> tuple[Any, str]:
    """The custodial champion when it is LightGBM, else a LightGBM regressor with the project's defaults trained
    here on the seed cases (an ``OutcomeRegressor``: its ``model_.booster_`` reads ``base_columns_`` of the
    features)."""
    from features.model.estimators import OutcomeRegressor
    from features.model.targets import target_data
    from features.tables import load_seeds

    estimator = champions.estimators["criminal"].estimator.parts_["custodial_months"]
    if estimator.family == "lightgbm":
        return estimator, "the champion's"
    data = target_data(load_seeds().for_training().cases, "custodial_months")
    model = OutcomeRegressor(target="custodial_months", family="lightgbm").fit(
        data.cases, data.y, groups=data.groups
    )
    assert model.model_ is not None  # only the baseline family has no learned model
    return model, f"trained here on the seed cases (the champion is {estimator.family})"


def _criminal_features(batch: Any, estimator: Any, model: Any) -> Any:
    """The booster's input for a batch's criminal rows, built the way batch scoring builds it (columnar checks, the
    vectorized engine under the champion's law table, the featurizer over the columns, the model's columns)."""
    import numpy as np

    from features.columnar import validate_arrow
    from features.model.batch import batch_columns
    from features.tables import validate_record

    checked = validate_arrow(batch, nan_is_missing=True, require_fact=True)
    where = np.flatnonzero(checked.valid & np.asarray(checked.proceeding == "criminal", dtype=bool))

    def case_of(i: int) -> Any:
        return validate_record(batch.slice(int(where[i]), 1).to_pylist()[0], require_fact=True)[0]

    cols = batch_columns(estimator, checked.facts.take(where), case_of=case_of)
    return model.featurizer_.prepare_columns(cols).feats[:, model.base_columns_]


def _child_raw(source: Path, chunk_rows: int) -> dict[str, Any]:
    from features.tables import read_batches
    from serving.estimate import ChampionSet

    champions = ChampionSet.load()
    model, origin = _booster(champions)
    booster = model.model_.booster_
    estimator = champions.estimators["criminal"].estimator
    rows = criminal = 0
    predict = 0.0
    warm = False
    for batch in read_batches(source, chunk_rows):
        feats = _criminal_features(batch, estimator, model)
        if not warm:
            booster.predict(feats[:100], num_threads=1)
            warm = True
        t0 = time.perf_counter()
        booster.predict(feats, num_threads=1)
        predict += time.perf_counter() - t0
        rows += batch.num_rows
        criminal += len(feats)
    return {
        "rows": criminal,
        "seconds": predict,
        "rate": criminal / predict,
        "note": f"{criminal:,} criminal rows of {rows:,}; booster {origin}, {booster.num_trees()} trees",
    }


def _figures(summary: Any, startup: float, note: str = "") -> dict[str, Any]:
    """An engine's figures from its batch summary (rows in = rows out, or the run is void)."""
    assert summary.rows_in == summary.rows_out, (summary.rows_in, summary.rows_out)
    return {
        "rows": summary.rows_in,
        "seconds": summary.seconds,
        "rate": summary.cases_per_second,
        "startup": startup,
        "note": f"{summary.rows_failed:,} rows refused{note}",
    }


def _child_local(source: Path, out: Path, chunk_rows: int) -> dict[str, Any]:
    from serving.estimate import ChampionSet
    from serving.scoring import score_local

    t0 = time.perf_counter()
    champions = ChampionSet.load()
    startup = time.perf_counter() - t0
    return _figures(score_local(source, out, champions, chunk_rows), startup)


def _child_spark(source: Path, out: Path, master: str | None) -> dict[str, Any]:
    from serving.estimate import ChampionSet
    from serving.scoring_spark import parquet_pieces, score_spark, spark_session

    t0 = time.perf_counter()
    spark = spark_session(master)
    ChampionSet.load()  # what score_spark loads again (from the store's cache), timed apart
    startup = time.perf_counter() - t0
    parallelism = int(spark.sparkContext.defaultParallelism)
    pieces = parquet_pieces(str(source.resolve()), parallelism)
    read = f"{len(pieces)} row-group pieces read by the workers" if pieces else "read by Spark's Parquet reader"
    summary = score_spark(source, out, master=master)
    # the Python workers' start (imports, the estimators unpickled) is fixed start-up, as the JVM's is
    return _figures(summary, startup + summary.warmup_seconds, f"; {read}, parallelism {parallelism}")


def _child(args: argparse.Namespace) -> None:
    """Run one engine in this process and print its figures as one JSON line."""
    if args.child == "raw":
        result = _child_raw(args.source, args.chunk_rows)
    elif args.child == "local":
        result = _child_local(args.source, args.out, args.chunk_rows)
    else:
        result = _child_spark(args.source, args.out, args.master)
    print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------------------------------------- parent
def _tree_rss(proc: Any) -> int:
    """Resident bytes of a process and all its descendants (those that vanish while read are skipped)."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _run(engine: str, source: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One engine in a child process; its JSON figures plus the peak resident memory of its process tree."""
    import psutil

    command = [sys.executable, __file__, "--child", engine, "--source", str(source), "--out", str(out)]
    command += ["--chunk-rows", str(args.chunk_rows)] + (["--master", args.master] if args.master else [])
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:  # a file, not a pipe: a chatty child never blocks
        child = subprocess.Popen(command, stdout=fh, text=True, cwd=REPO)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, _tree_rss(watched))
            time.sleep(SAMPLE_SECONDS)
        fh.seek(0)
        stdout = fh.read()
    if child.returncode != 0:
        raise SystemExit(f"the {engine} engine failed (exit {child.returncode})")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    result["peak_tree_mb"] = peak / 2**20
    return result


def _remove(path: Path) -> None:
    """Delete this benchmark's own earlier output (a file or a Spark folder)."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _machine() -> str:
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = " (busy: other work was running)" if load > cores * 0.75 else ""
    return (
        f"machine: {platform.machine()}, {cores} cores, load average {load:.1f} at start{busy}; "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated numbers of cases")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: raw, local, spark")
    parser.add_argument("--master", default=None, help="Spark master (default: the configured one, else local[*])")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "exposure-bench")
    parser.add_argument("--distinct", type=int, default=100_000, help="distinct synthetic cases drawn (see above)")
    parser.add_argument("--row-group", type=int, default=100_000, help="rows per Parquet row group of the input")
    parser.add_argument("--chunk-rows", type=int, default=20_000, help="rows per batch of the local engine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"--engines: unknown {', '.join(unknown)} (choose from {', '.join(ENGINES)})")
    args.workdir.mkdir(parents=True, exist_ok=True)

    _ensure_champions()
    from serving.estimate import ChampionSet

    print(_machine(), flush=True)
    print(
        "champions: " + ", ".join(f"{t}={p['family']}" for t, p in ChampionSet.load().parts().items()), flush=True
    )
    rows: list[tuple[int, str, dict[str, Any]]] = []
    for n in sizes:
        print(f"{n:,} cases:", flush=True)
        source = _table(args.workdir, n, args.distinct, args.seed, args.row_group)
        raw_rate: float | None = None
        for engine in engines:
            out = args.workdir / f"out-{engine}-{n}.parquet"  # Spark's: a folder of part files
            _remove(out)
            result = _run(engine, source, out, args)
            if engine == "raw":
                raw_rate = result["rate"]
            ratio = f"{result['rate'] / raw_rate:.3f}x the raw booster" if raw_rate else "no raw figure"
            startup = f" after {result['startup']:.1f} s start-up" if "startup" in result else ""
            print(
                f"  {engine}: {result['rate']:,.0f} cases/s ({result['rows']:,} in {result['seconds']:.1f} s"
                f"{startup}); {ratio}; peak RSS {result['peak_tree_mb']:,.0f} MB; {result['note']}",
                flush=True,
            )
            result["ratio"] = result["rate"] / raw_rate if raw_rate else None
            rows.append((n, engine, result))
            _remove(out)
    print("\n| cases | engine | cases/s | scoring s | start-up s | / raw booster | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n, engine, r in rows:
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "-"
        startup = f"{r['startup']:.1f}" if "startup" in r else "-"
        print(
            f"| {n:,} | {engine} | {r['rate']:,.0f} | {r['seconds']:.1f} | {startup} | {ratio} "
            f"| {r['peak_tree_mb']:,.0f} |"
        )


if __name__ == "__main__":
    main()
