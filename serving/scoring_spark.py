"""Batch scoring on Spark (``exposure batch score --engine spark``): the champions' MLflow pyfunc models run as
``mlflow.pyfunc.spark_udf`` over a Spark DataFrame of case rows, so the same model serves both engines.

The session is ``local[*]`` unless a master is given (``--master``) or configured the usual Spark ways
(``spark-submit``, ``SPARK_HOME/conf/spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``). Input: Parquet, JSON lines
or CSV (one file or a folder of part files); list fields stay arrays (CSV: JSON text, parsed here) and
``records_by_type`` is passed as JSON text. Output: a folder of part files in the format of the ``--out``
suffix (Spark's layout; pandas and pyarrow read it as one table) with the columns of
``serving.scoring.OUTPUT_COLUMNS``; bad rows keep their ``case_id`` and carry ``error``, as in the local engine.
Rows are not kept in input order.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from features.law.schema import CivilCase, CriminalCase
from features.model.estimators import TARGET_KIND
from features.model.flavor import input_schema
from features.store import CHAMPION_ALIAS, registered_name, tracking_uri
from features.tables import TABLE_PROVENANCE_COLUMNS
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS
from serving.scoring import CUSTODIAL_THRESHOLD_MONTHS, MAX_EXAMPLES, OUTPUT_COLUMNS, BatchSummary, check_paths

PYFUNC_RESULT = (
    "case_id STRING, target STRING, point DOUBLE, low DOUBLE, high DOUBLE, level DOUBLE, "
    "p_le_36_months DOUBLE, probability DOUBLE, error STRING"
)
LIST_COLUMNS = ("data_types", "conduct", "other_charges")
EXTRA_FIELD = "Extra inputs are not permitted"
READ_ERROR = "_read_error"

_SESSION: Any = None


def _quiet() -> None:
    # PySpark warns about pandas >= 3 on every UDF call; the paths used here are covered by the tests
    warnings.filterwarnings("ignore", message=".*does not yet fully support pandas.*", category=FutureWarning)
    warnings.filterwarnings("ignore", message='.*env_manager="local".*')


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
    """The input as a Spark DataFrame of case columns (lists as arrays, ``records_by_type`` as JSON text)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    path = str(source)
    suffix = source.suffix
    if suffix == ".parquet":
        frame = spark.read.parquet(path)
    elif suffix == ".csv":
        frame = spark.read.option("header", "true").option("multiLine", "true").option("escape", '"').csv(path)
    else:
        frame = spark.read.option("mode", "PERMISSIVE").json(path)
    frame = frame.drop(*[c for c in TABLE_PROVENANCE_COLUMNS if c in frame.columns])
    if "_corrupt_record" in frame.columns:  # JSON lines that are not one JSON object (PERMISSIVE mode)
        frame = frame.withColumn(
            READ_ERROR,
            F.when(F.col("_corrupt_record").isNotNull(), F.lit("(line): not valid JSON or not one JSON object")),
        ).drop("_corrupt_record")
    else:
        frame = frame.withColumn(READ_ERROR, F.lit(None).cast("string"))
    for name in LIST_COLUMNS:
        if name in frame.columns and isinstance(frame.schema[name].dataType, T.StringType):
            frame = frame.withColumn(name, F.from_json(F.col(name), T.ArrayType(T.StringType())))
    if "records_by_type" in frame.columns and not isinstance(
        frame.schema["records_by_type"].dataType, T.StringType
    ):
        frame = frame.withColumn("records_by_type", F.to_json(F.col("records_by_type")))
    if "case_id" in frame.columns:
        frame = frame.withColumn("case_id", F.col("case_id").cast("string"))
    else:
        frame = frame.withColumn("case_id", F.lit(None).cast("string"))
    return frame


def _udf(spark: Any, target: str, uri: str) -> Any:
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    model_uri = f"models:/{registered_name(target)}@{CHAMPION_ALIAS}"
    return mlflow.pyfunc.spark_udf(spark, model_uri, result_type=PYFUNC_RESULT, env_manager="local")


def _extra_fields_error(frame: Any, allowed: set[str]) -> Any:
    """``field: Extra inputs are not permitted`` for each non-null column the case model does not know (the
    local engine's schema refuses them too); null when there is none."""
    from pyspark.sql import functions as F

    extras = [c for c in frame.columns if c not in allowed and not c.startswith("_")]
    if not extras:
        return F.lit(None).cast("string")
    parts = [F.when(F.col(f"`{c}`").isNotNull(), F.lit(f"{c}: {EXTRA_FIELD}")) for c in extras]
    joined = F.concat_ws("; ", *parts)
    return F.when(joined == "", F.lit(None)).otherwise(joined)


def _udf_error(col: Any) -> Any:
    """The pyfunc's ``error``; pandas >= 3 stores a missing string as NaN, which arrives as the text 'nan'."""
    from pyspark.sql import functions as F

    return F.when(col.isin("nan", "None", ""), F.lit(None).cast("string")).otherwise(col)


def _criminal_proceeding() -> Any:
    """``criminal`` for rows of the criminal branch, null for an unknown proceeding (an input value: not echoed)."""
    from pyspark.sql import functions as F

    known = F.col("proceeding").isNull() | (F.col("proceeding") == "criminal")
    return F.when(known, F.lit("criminal")).otherwise(F.lit(None).cast("string"))


def _join_errors(*cols: Any) -> Any:
    from pyspark.sql import functions as F

    joined = F.concat_ws("; ", *cols)
    return F.when(joined == "", F.lit(None).cast("string")).otherwise(joined)


def _no_champion(missing: list[str]) -> str:
    return "(model): no champion for " + ", ".join(missing) + "; run `exposure train`"


def score_frame(spark: Any, frame: Any, uri: str | None = None, available: set[str] | None = None) -> Any:
    """The output DataFrame (``OUTPUT_COLUMNS``) of a DataFrame of case rows."""
    from pyspark.sql import functions as F

    uri = uri or tracking_uri()
    if available is None:
        available = _available_targets(uri)
    if READ_ERROR not in frame.columns:
        frame = frame.withColumn(READ_ERROR, F.lit(None).cast("string"))
    if "proceeding" not in frame.columns:
        frame = frame.withColumn("proceeding", F.lit(None).cast("string"))
    is_civil = F.col("proceeding").isin("civil", "public_interest")
    null = F.lit(None).cast("double")
    branches = []

    # criminal (and rows whose proceeding is missing or unknown: validation reports the latter)
    crim = frame.filter(~is_civil | F.col("proceeding").isNull())
    crim_inputs = [str(n) for n in input_schema("criminal").input_names() if str(n) in crim.columns]
    # unknown non-null columns, for rows that are criminal (a row with an unknown proceeding gets only that error)
    extra = F.when(
        F.col("proceeding").isNull() | (F.col("proceeding") == "criminal"),
        _extra_fields_error(crim, set(CriminalCase.model_fields)),
    )
    missing = [t for t in CRIMINAL_TARGETS if t not in available]
    if missing:
        crim_out = crim.select(
            "case_id",
            _criminal_proceeding().alias("proceeding"),
            F.coalesce(F.col(READ_ERROR), F.lit(_no_champion(missing))).alias("error"),
        )
    else:
        args = F.struct(*[F.col(c) for c in crim_inputs])  # named: the UDF maps unnamed columns by position
        scored = crim.select(
            "case_id",
            _criminal_proceeding().alias("proceeding"),
            F.col(READ_ERROR),
            extra.alias("_extra"),
            *[_udf(spark, t, uri)(args).alias(t) for t in CRIMINAL_TARGETS],
        )
        udf_error = _udf_error(F.col("custodial_months.error"))
        ok = udf_error.isNull() & F.col("_extra").isNull() & F.col(READ_ERROR).isNull()
        p_le = F.col("custodial_months.p_le_36_months")

        def when_ok(col: Any) -> Any:
            return F.when(ok, col).otherwise(null)

        crim_out = scored.select(
            "case_id",
            "proceeding",
            when_ok(F.col("custodial_months.point")).alias("custodial_months_point"),
            when_ok(F.col("custodial_months.low")).alias("custodial_months_low"),
            when_ok(F.col("custodial_months.high")).alias("custodial_months_high"),
            when_ok(F.col("custodial_months.level")).alias("custodial_months_level"),
            when_ok(p_le).alias("p_custodial_le_36_months"),
            # P(probation) <= P(term <= 36 months) (Criminal Law Art. 72), as in the local engine
            when_ok(F.least(F.col("probation.probability"), p_le)).alias("probation_probability"),
            when_ok(F.col("fine_yuan.point")).alias("fine_yuan_point"),
            when_ok(F.col("fine_yuan.low")).alias("fine_yuan_low"),
            when_ok(F.col("fine_yuan.high")).alias("fine_yuan_high"),
            when_ok(F.col("fine_yuan.level")).alias("fine_yuan_level"),
            F.when(F.col(READ_ERROR).isNotNull(), F.col(READ_ERROR))
            .otherwise(_join_errors(udf_error, F.col("_extra")))
            .alias("error"),
        )
    branches.append(crim_out)

    civ = frame.filter(is_civil)
    civ_inputs = [str(n) for n in input_schema("civil").input_names() if str(n) in civ.columns]
    extra = _extra_fields_error(civ, set(CivilCase.model_fields))
    if "awarded_total_yuan" not in available:
        civ_out = civ.select("case_id", "proceeding", F.lit(_no_champion(list(CIVIL_TARGETS))).alias("error"))
    else:
        udf = _udf(spark, "awarded_total_yuan", uri)
        scored = civ.select(
            "case_id",
            "proceeding",
            extra.alias("_extra"),
            udf(F.struct(*[F.col(c) for c in civ_inputs])).alias("a"),
        )
        udf_error = _udf_error(F.col("a.error"))
        ok = udf_error.isNull() & F.col("_extra").isNull()
        civ_out = scored.select(
            "case_id",
            "proceeding",
            *[
                F.when(ok, F.col(f"a.{k}")).otherwise(null).alias(f"awarded_total_yuan_{k}")
                for k in ("point", "low", "high", "level")
            ],
            _join_errors(udf_error, F.col("_extra")).alias("error"),
        )
    branches.append(civ_out)

    def complete(df: Any) -> Any:
        return df.select(
            *[
                F.col(c)
                if c in df.columns
                else F.lit(None).cast("string" if c in ("case_id", "proceeding", "error") else "double").alias(c)
                for c in OUTPUT_COLUMNS
            ]
        )

    return complete(branches[0]).unionByName(complete(branches[1]))


def _available_targets(uri: str) -> set[str]:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    out = set()
    for target in TARGET_KIND:
        try:
            client.get_model_version_by_alias(registered_name(target), CHAMPION_ALIAS)
        except MlflowException:
            continue
        out.add(target)
    return out


def score_spark(source: Path, out: Path, master: str | None = None, uri: str | None = None) -> BatchSummary:
    """Score ``source`` into the folder ``out`` on Spark; the summary is read back from the written output."""
    from pyspark.sql import functions as F

    source, out = Path(source), Path(out)
    check_paths(source, out)
    if out.exists() and not (out.is_dir() and ((out / "_SUCCESS").exists() or not any(out.iterdir()))):
        # Spark's overwrite deletes the path first: only ever an earlier Spark output (or an empty folder)
        raise RuntimeError(f"{out} exists and is not a Spark output folder; choose another --out")
    uri = uri or tracking_uri()
    available = _available_targets(uri)
    if not available:
        raise RuntimeError("no champion is registered: run `exposure train` (it registers champions)")
    t0 = time.perf_counter()
    spark = spark_session(master)
    frame = read_frame(spark, source)
    cores = int(spark.sparkContext.defaultParallelism)
    if frame.rdd.getNumPartitions() < cores:
        # a small file is one split: spread its rows so that every core runs the models
        frame = frame.repartition(cores)
    scored = score_frame(spark, frame, uri, available)
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
    summary.rows_in = int(read_frame(spark, source).count())
    counts = written.agg(F.count(F.lit(1)).alias("n"), F.count("error").alias("bad")).collect()[0]
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


__all__ = ["CUSTODIAL_THRESHOLD_MONTHS", "read_frame", "score_frame", "score_spark", "spark_session"]
