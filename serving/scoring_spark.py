"""Batch scoring on Spark (``exposure batch score --engine spark``): the same function as the local engine
(:func:`features.model.batch.score_batch`) runs in ``mapInArrow`` on every executor, over the champions'
estimators, so that both engines write the same numbers for the same row.

Where the model comes from: the driver loads the registered champions (``exposure-criminal@champion``,
``exposure-civil@champion``) once from the tracking store, pins their versions for the whole job, and broadcasts
the fitted estimators; each executor's Python worker unpickles them once (cached for the worker's life), so
executors need no access to the tracking store.

Where the rows come from: Parquet input (one file, or a folder of part files) is read by the Python workers
themselves: the driver lists the files' row groups from their footers (:func:`parquet_pieces`; a row group is split
in row ranges while cores would be idle), and a frame of piece numbers, one task per piece, goes through
``mapInArrow``, where each worker opens its pieces with pyarrow (``pyarrow.fs``: a local path, or a URI such as
``hdfs://`` or ``s3://``; every executor must reach the input path) and scores them in batches of
``spark.sql.execution.arrow.maxRecordsPerBatch`` rows (default 10,000). The JVM then never reads or converts the
case columns; it only takes the scored rows (flat columns) and writes them. CSV, JSON lines, and Parquet that is
not plain files with one schema (a folder partitioned by column, an empty or unreadable file) are read by Spark's
own readers, split into at least as many partitions as the default parallelism (``spark.default.parallelism``: all
cores of all executors), and each partition's Arrow batches are scored on the executor that holds it. The workers
run only :mod:`serving.spark_worker`, which imports no MLflow. The output is written in parallel by Spark.

The session is ``local[*]`` unless a master is given (``--master``) or configured the usual Spark ways
(``spark-submit``, ``SPARK_HOME/conf/spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``). Input: Parquet (arrays and
maps as such), CSV (the one reader's text conventions: JSON or ``;``-separated lists) or JSON lines (read as text
and parsed by the one reader, so a malformed line gets the local engine's error). Output: a folder of part files
in the format of the ``--out`` suffix (Spark's layout; pandas and pyarrow read it as one table) with the columns of
:data:`features.model.batch.OUTPUT_COLUMNS`. Rows are not kept in input order.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import joblib

from features.model.batch import output_schema
from features.store import tracking_uri
from features.tables import DEFAULT_CHUNK_ROWS
from serving.estimate import ChampionSet
from serving.scoring import MAX_EXAMPLES, BatchSummary, check_paths
from serving.spark_worker import (
    NULL_FLAG,
    Piece,
    _piece_scorer,
    _scorer,
    _warmer,
    filesystem,
    nested_nulls_restored,
)

_SESSION: Any = None
MIN_PIECE_ROWS = 10_000  # not-law: rows; a row group is split for idle cores only down to this
MAX_TASKS_PER_CORE = 8  # not-law: tasks of a Parquet job per core (pieces beyond share tasks)


def _quiet() -> None:
    # PySpark warns about pandas >= 3 on every batch; the paths used here are covered by the tests
    warnings.filterwarnings("ignore", message=".*does not yet fully support pandas.*", category=FutureWarning)


def spark_session(master: str | None = None, app_name: str = "exposure-batch") -> Any:
    """The process's Spark session (created once): ``master`` or the configured one, else ``local[*]``."""
    global _SESSION
    _quiet()
    from pyspark.sql import SparkSession

    if _SESSION is not None and master is None:
        return _SESSION
    # Python workers must run this interpreter (the project's environment, with crepes, LightGBM, mlflow...), not
    # whatever `python3` is first on PATH; a cluster sets PYSPARK_PYTHON itself
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    configured = "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "") or os.environ.get("MASTER")
    if master:
        builder = builder.master(master)
    elif not configured:
        builder = builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
    builder = (
        builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def read_frame(spark: Any, source: Path) -> Any:
    """The input as a Spark DataFrame: Parquet and CSV columns as Spark reads them, JSON lines as one text column."""
    path = str(source)
    suffix = source.suffix.lower()
    if suffix == ".parquet":
        return spark.read.parquet(path)
    if suffix == ".csv":
        # every cell as text, as the one reader reads a CSV
        return spark.read.option("header", "true").option("multiLine", "true").option("escape", '"').csv(path)
    return spark.read.text(path)


def _spark_schema(similar: bool = False) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(output_schema(similar))


def nested_nulls_apart(frame: Any) -> Any:
    """``frame`` with every null list or map replaced by an empty one, and a boolean column
    ``NULL_FLAG + name`` beside each such column saying where it was null (restored on the worker by
    :func:`nested_nulls_restored`).

    Why: Spark's JVM-side Arrow writer (the conversion of rows into ``mapInArrow``'s Arrow batches) spends time
    growing with the square of the batch size on null list and map values; measured here (``local[2]``, 1,000,000
    rows, one all-null ``array<string>`` column, a task that only counts rows): 2.0 s with 1,000-row batches,
    17.5 s with 10,000 (the default), 120 s with 100,000; an empty list costs 1.8 s. Case tables are full of null
    lists and maps (``other_charges``, ``records_by_type`` where not stated), so this conversion was most of the
    Spark engine's time. Empty lists and boolean flags go through at the speed of any column."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType

    if any(name.startswith(NULL_FLAG) for name in frame.columns):
        return frame  # (an input column of that name: sent as it is, and refused as an unknown field)
    columns = []
    nested = False
    for spec in frame.schema.fields:
        column = F.col("`" + spec.name.replace("`", "``") + "`")
        if isinstance(spec.dataType, ArrayType | MapType):
            nested = True
            empty = F.array() if isinstance(spec.dataType, ArrayType) else F.create_map()
            columns.append(F.coalesce(column, empty.cast(spec.dataType)).alias(spec.name))
            columns.append(column.isNull().alias(NULL_FLAG + spec.name))
        else:
            columns.append(column)
    return frame.select(*columns) if nested else frame


@dataclass(frozen=True)
class Broadcast:
    """The champions' fitted estimators broadcast for one job, and the token their worker-side cache is kept by."""

    value: Any
    token: str


def broadcast_estimators(spark: Any, champions: ChampionSet) -> Broadcast:
    """The champions' fitted estimators, pickled once on the driver and broadcast to the executors."""
    import io

    buffer = io.BytesIO()
    joblib.dump({kind: loaded.estimator for kind, loaded in champions.estimators.items()}, buffer)
    return Broadcast(spark.sparkContext.broadcast(buffer.getvalue()), uuid.uuid4().hex)


def warm_workers(spark: Any, job: Broadcast) -> int:
    """Start the Python workers before the scoring job: one task per core imports the worker module and unpickles
    the job's estimators, and Spark hands the same (reused) workers the scoring tasks. Returns the tasks run.

    Why: a worker's first task imports scikit-learn, SciPy and the project and unpickles the estimators (seconds,
    whatever the input's size); inside the scoring job that fixed cost looked like slow scoring
    (``benchmarks/batch_scoring.py`` prints it as start-up). On a cluster a core's
    warm-up task may land on an executor that is not the one its scoring tasks do; it then costs only time."""
    cores = int(spark.sparkContext.defaultParallelism)
    warm = spark.range(0, cores, 1, numPartitions=cores).mapInArrow(_warmer(job.value, job.token), "rows long")
    return len(warm.collect())


def score_frame(spark: Any, frame: Any, job: Broadcast, similar: int = 0) -> Any:
    """The output DataFrame (``OUTPUT_COLUMNS``, and ``similar_cases`` when ``similar`` > 0: the nearest reference
    cases of each row) of a DataFrame of case rows, scored with the broadcast champions ``job``."""
    schema = _spark_schema(similar > 0)
    scorer = _scorer(job.value, job.token, similar)
    return nested_nulls_apart(frame).mapInArrow(scorer, schema).select(*schema.names)


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))  # Spark's rule: _SUCCESS, _metadata, .crc files are not data


def parquet_pieces(location: str, parallelism: int) -> list[Piece] | None:
    """The row groups of a Parquet file, or of a folder of Parquet part files, as pieces for the workers to read
    (rows of a row group: a row group is split in row ranges while there are fewer pieces than ``parallelism``
    and a half keeps at least ``MIN_PIECE_ROWS`` rows); ``None`` when the input is not plain Parquet files that
    all hold the same schema (a partitioned folder, an unreadable or empty input...), which Spark's own reader
    then reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import fs

    pieces: list[Piece] = []
    try:
        files, path = filesystem(location)
        info = files.get_file_info(path)
        if info.type == fs.FileType.File:
            paths = [path]
        elif info.type == fs.FileType.Directory:
            entries = [e for e in files.get_file_info(fs.FileSelector(path)) if not _hidden(e.base_name)]
            if any(e.type != fs.FileType.File for e in entries):
                return None  # sub-folders (partitioned by a column): Spark's reader knows their layout
            paths = sorted(e.path for e in entries)
        else:
            return None
        schema = None
        for name in paths:
            with files.open_input_file(name) as handle:
                parquet = pq.ParquetFile(handle)
            if schema is None:
                schema = parquet.schema_arrow
            elif not parquet.schema_arrow.equals(schema):
                return None  # Spark's reader picks one file's schema; the workers would each read their own
            for group in range(parquet.metadata.num_row_groups):
                rows = parquet.metadata.row_group(group).num_rows
                if rows:
                    pieces.append(Piece(name, group, 0, rows))
    except (OSError, pa.ArrowException):
        return None
    if not pieces:
        return None
    while len(pieces) < parallelism:
        largest = max(pieces, key=lambda piece: piece.rows)
        if largest.rows < 2 * MIN_PIECE_ROWS:
            break
        middle = largest.start + largest.rows // 2
        at = pieces.index(largest)
        pieces[at : at + 1] = [replace(largest, stop=middle), replace(largest, start=middle)]
    return pieces


def score_pieces(spark: Any, location: str, pieces: list[Piece], job: Broadcast, similar: int = 0) -> Any:
    """The output DataFrame of the Parquet ``pieces`` of ``location`` (:func:`parquet_pieces`), each read by a
    Python worker with pyarrow and scored there: a frame of piece numbers, one task per piece (at most
    ``MAX_TASKS_PER_CORE`` tasks per core), through ``mapInArrow``. Spark reads no case column: the JVM only
    receives the scored rows (flat columns) to write."""
    parallelism = int(spark.sparkContext.defaultParallelism)
    batch_rows = int(spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch", "10000"))
    if batch_rows <= 0:
        batch_rows = DEFAULT_CHUNK_ROWS
    schema = _spark_schema(similar > 0)
    scorer = _piece_scorer(job.value, job.token, location, pieces, batch_rows, similar)
    tasks = min(len(pieces), MAX_TASKS_PER_CORE * parallelism)
    numbers = spark.range(0, len(pieces), 1, numPartitions=tasks)
    return numbers.mapInArrow(scorer, schema).select(*schema.names)


def score_spark(
    source: Path, out: Path, master: str | None = None, uri: str | None = None, similar: int = 0
) -> BatchSummary:
    """Score ``source`` into the folder ``out`` on Spark; the summary is read back from the written output;
    ``similar`` > 0 adds each row's nearest reference cases (``features.model.batch``). Parquet input (a file or
    a folder of part files) is read by the Python workers themselves (:func:`parquet_pieces`); CSV, JSON lines,
    and Parquet that is not plain files are read by Spark."""
    from pyspark.sql import functions as F

    source, out = Path(source), Path(out)
    check_paths(source, out)
    if out.exists() and not (out.is_dir() and ((out / "_SUCCESS").exists() or not any(out.iterdir()))):
        # Spark's overwrite deletes the path first: only ever an earlier Spark output (or an empty folder)
        raise RuntimeError(f"{out} exists and is not a Spark output folder; choose another --out")
    champions = ChampionSet.load(uri or tracking_uri())
    if not champions.estimators:
        raise RuntimeError("no champion is registered: run `exposure train` (it registers champions)")
    t0 = time.perf_counter()
    spark = spark_session(master)
    job = broadcast_estimators(spark, champions)
    warm_workers(spark, job)
    warmup = time.perf_counter() - t0
    t0 = time.perf_counter()
    cores = int(spark.sparkContext.defaultParallelism)
    location = str(source.resolve())
    pieces = parquet_pieces(location, cores) if source.suffix.lower() == ".parquet" else None
    if pieces is not None:
        scored = score_pieces(spark, location, pieces, job, similar)
    else:
        frame = read_frame(spark, source)
        if frame.rdd.getNumPartitions() < cores:
            # a small file is one split: spread its rows so that every core runs the models
            frame = frame.repartition(cores)
        scored = score_frame(spark, frame, job, similar)
    fmt = {".parquet": "parquet", ".jsonl": "json", ".csv": "csv"}[out.suffix]
    writer = scored.write.mode("overwrite").format(fmt)
    if fmt == "csv":
        writer = writer.option("header", "true")
    writer.save(str(out))
    seconds = time.perf_counter() - t0
    written = (
        spark.read.parquet(str(out))
        if fmt == "parquet"
        else (spark.read.option("header", "true").csv(str(out)) if fmt == "csv" else spark.read.json(str(out)))
    )
    summary = BatchSummary(engine="spark", input=str(source), out=str(out), seconds=seconds, warmup_seconds=warmup)
    counts = written.agg(F.count(F.lit(1)).alias("n"), F.count("error").alias("bad")).collect()[0]
    summary.rows_in = int(counts["n"])
    summary.rows_failed = int(counts["bad"])
    summary.rows_scored = int(counts["n"]) - summary.rows_failed
    if summary.rows_failed:
        reasons = (
            written.filter(F.col("error").isNotNull())
            .select(F.explode(F.split(F.col("error"), "; ")).alias("reason"))
            .groupBy("reason")
            .count()
            .collect()
        )
        for row in reasons:
            summary.reasons[str(row["reason"])] = int(row["count"])
        for row in (
            written.filter(F.col("error").isNotNull()).select("case_id", "error").limit(MAX_EXAMPLES).collect()
        ):
            summary.examples.append(
                f"case_id {row['case_id']}: {row['error']}" if row["case_id"] else str(row["error"])
            )
    return summary


__all__ = [
    "NULL_FLAG",
    "Broadcast",
    "Piece",
    "broadcast_estimators",
    "nested_nulls_apart",
    "nested_nulls_restored",
    "parquet_pieces",
    "read_frame",
    "score_frame",
    "score_pieces",
    "score_spark",
    "spark_session",
    "warm_workers",
]
