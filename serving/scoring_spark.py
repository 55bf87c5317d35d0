"""Batch scoring on Spark (``exposure batch score --engine spark``): the same function as the local engine
(:func:`features.model.batch.score_batch`) runs in ``mapInArrow`` on every executor, over the champions'
estimators, so that both engines write the same numbers for the same row.

Where the model comes from: the driver loads the registered champions (``exposure-criminal@champion``,
``exposure-civil@champion``) once from the tracking store, pins their versions for the whole job, and broadcasts
the fitted estimators; each executor's Python worker unpickles them once (cached for the worker's life), so
executors need no access to the tracking store. On a cluster the work spreads by partitions: a file is split
into at least as many partitions as the default parallelism (``spark.default.parallelism``: all cores of all
executors), each partition's Arrow batches (``spark.sql.execution.arrow.maxRecordsPerBatch``, default 10,000
rows) are scored on the executor that holds it, and the output is written in parallel.

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import pyarrow as pa
import pyarrow.compute as pc

from features.model.batch import output_schema, score_batch
from features.store import tracking_uri
from features.tables import parse_json_line
from serving.estimate import ChampionSet
from serving.scoring import MAX_EXAMPLES, BatchSummary, check_paths

JSON_TEXT = "value"  # the column of spark.read.text
# a list or map column's null flags, sent beside it (see nested_nulls_apart); no case field starts so
NULL_FLAG = "__exposure_null__"

_SESSION: Any = None
_WORKER_ESTIMATORS: dict[str, dict[str, Any]] = {}  # job token -> estimators, per Python worker


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


def _rows_of(batch: pa.RecordBatch) -> pa.RecordBatch | list[Any]:
    """The rows of a batch as ``score_batch`` takes them: JSON lines parsed by the one reader (each validated
    alone), any other input as the Arrow batch itself (validated column by column)."""
    if batch.schema.names == [JSON_TEXT]:
        return [
            parse_json_line(0, line)[1]
            for line in batch.column(0).to_pylist()
            if line is not None and line.strip()
        ]
    return batch


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


def _with_nulls(column: pa.Array, mask: pa.Array) -> pa.Array:
    """A list or map array null where ``mask`` is true (its offsets rebased to 0: a child array is not sliced
    with its parent, and Arrow builds a masked map only from offsets that start at 0)."""
    offsets = column.offsets
    start, stop = offsets[0].as_py(), offsets[-1].as_py()
    rebased = pc.subtract(offsets, pa.scalar(start, offsets.type))
    if pa.types.is_map(column.type):
        keys, items = (child.slice(start, stop - start) for child in (column.keys, column.items))
        return pa.MapArray.from_arrays(rebased, keys, items, type=column.type, mask=mask)
    values = column.values.slice(start, stop - start)
    return type(column).from_arrays(rebased, values, type=column.type, mask=mask)


def nested_nulls_restored(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The Arrow batch of :func:`nested_nulls_apart`'s frame as the input holds it: each flagged list or map column
    null where its flag says so, the flag columns dropped (the column order and types of the input)."""
    names = batch.schema.names
    if not any(name.startswith(NULL_FLAG) for name in names):
        return batch
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for name, column in zip(names, batch.columns, strict=True):
        if name.startswith(NULL_FLAG):
            continue
        spec = batch.schema.field(name)
        if NULL_FLAG + name in names:
            column = _with_nulls(column, batch.column(NULL_FLAG + name))
            spec = spec.with_nullable(True)  # Spark calls the coalesced column not null
        arrays.append(column)
        fields.append(spec)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def worker_estimators(broadcast: Any, token: str) -> dict[str, Any]:
    """The job's estimators in this Python worker: unpickled from the broadcast on the worker's first task, then
    kept for its life (Spark reuses workers across tasks). A module-level function, so that the ``mapInArrow``
    closure reaches this module's cache on the worker: a dict referenced by the closure itself would be pickled
    with it, and every task would unpickle the estimators again."""
    estimators = _WORKER_ESTIMATORS.get(token)
    if estimators is None:
        import io

        estimators = joblib.load(io.BytesIO(broadcast.value))
        _WORKER_ESTIMATORS.clear()  # one job's estimators at a time
        _WORKER_ESTIMATORS[token] = estimators
    return estimators


def _scorer(broadcast: Any, token: str, similar: int = 0) -> Any:
    """The ``mapInArrow`` function: the broadcast estimators (unpickled once per worker) over each Arrow batch."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        estimators = worker_estimators(broadcast, token)
        for batch in map(nested_nulls_restored, batches):
            json_text = batch.schema.names == [JSON_TEXT]  # JSON has no NaN: refused there, missing in Parquet
            yield score_batch(_rows_of(batch), estimators, nan_is_missing=not json_text, similar=similar)

    return score


def score_frame(spark: Any, frame: Any, champions: ChampionSet, similar: int = 0) -> Any:
    """The output DataFrame (``OUTPUT_COLUMNS``, and ``similar_cases`` when ``similar`` > 0: the nearest reference
    cases of each row) of a DataFrame of case rows, scored with ``champions``."""
    import io

    buffer = io.BytesIO()
    joblib.dump({kind: loaded.estimator for kind, loaded in champions.estimators.items()}, buffer)
    broadcast = spark.sparkContext.broadcast(buffer.getvalue())
    token = uuid.uuid4().hex
    schema = _spark_schema(similar > 0)
    scorer = _scorer(broadcast, token, similar)
    return nested_nulls_apart(frame).mapInArrow(scorer, schema).select(*schema.names)


def score_spark(
    source: Path, out: Path, master: str | None = None, uri: str | None = None, similar: int = 0
) -> BatchSummary:
    """Score ``source`` into the folder ``out`` on Spark; the summary is read back from the written output;
    ``similar`` > 0 adds each row's nearest reference cases (``features.model.batch``)."""
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
    frame = read_frame(spark, source)
    cores = int(spark.sparkContext.defaultParallelism)
    if frame.rdd.getNumPartitions() < cores:
        # a small file is one split: spread its rows so that every core runs the models
        frame = frame.repartition(cores)
    scored = score_frame(spark, frame, champions, similar)
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
    summary = BatchSummary(engine="spark", input=str(source), out=str(out), seconds=seconds)
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
    "nested_nulls_apart",
    "nested_nulls_restored",
    "read_frame",
    "score_frame",
    "score_spark",
    "spark_session",
]
