"""``exposure batch score``: a table of cases scored with the champions, locally in chunks or on Spark."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from exposure.io import err_console, fail, print_json
from exposure.progress import progress_bar

batch_app = typer.Typer(help="Score tables of cases with the champions (local or Spark).", no_args_is_help=True)


class Engine(StrEnum):
    local = "local"
    spark = "spark"


@batch_app.command("score")
def score(
    source: Path = typer.Argument(..., help="Cases to score: .parquet, .jsonl or .csv (Spark: also a folder)"),
    out: Path = typer.Option(..., "--out", help="Output table: .parquet, .jsonl or .csv (Spark: a folder)"),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local: chunks in this process; spark: PySpark"),
    chunk_rows: int = typer.Option(5000, "--chunk-rows", min=1, help="Rows per chunk (local engine)"),
    master: str = typer.Option(None, "--master", help="Spark master (default: the configured one, else local[*])"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON"),
    similar: int = typer.Option(
        0, "--similar", min=0, max=20, help="Add a similar_cases column: the K nearest reference cases (JSON)"
    ),
) -> None:
    """Write one output row per input row: the input's case_id, the estimates, and `error` (field names and
    reasons) for rows that are not valid cases. Exits 1 when some rows were refused (the output is complete)."""
    from serving.scoring import INPUT_SUFFIXES

    if not source.exists():
        fail(f"no such file: {source}")
    if source.suffix not in INPUT_SUFFIXES:
        fail(f"the input must end with {', '.join(INPUT_SUFFIXES)}")
    if out.suffix not in (".parquet", ".jsonl", ".csv"):
        fail("--out must end with .parquet, .jsonl or .csv")
    if engine is Engine.spark:
        summary = _score_spark(source, out, master, similar)
    else:
        summary = _score_local(source, out, chunk_rows, similar)
    if summary.rows_in != summary.rows_out:
        fail(f"{summary.rows_in} rows read but {summary.rows_out} written: rows were lost", code=3)
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary)
    if summary.rows_failed:
        raise typer.Exit(1)


def _score_local(source: Path, out: Path, chunk_rows: int, similar: int) -> Any:
    from serving.estimate import ChampionSet
    from serving.scoring import input_rows_hint, score_local

    champions = ChampionSet.load()
    if not champions.estimators:
        fail("no champion is registered: run `exposure train` (it registers champions)")
    total = input_rows_hint(source)
    with progress_bar("scoring", total) as update:
        return score_local(
            source, out, champions, chunk_rows, progress=lambda done: update(done, None), similar=similar
        )


def _score_spark(source: Path, out: Path, master: str | None, similar: int) -> Any:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        fail("the Spark engine needs pyspark: pip install -e '.[spark]'")
    from serving.scoring_spark import score_spark

    err_console.print("scoring on Spark (the first run starts the JVM)", highlight=False)
    try:
        return score_spark(source, out, master=master, similar=similar)
    except RuntimeError as exc:
        fail(str(exc))


def _print_summary(summary: Any) -> None:
    err_console.print(
        f"{summary.rows_in} rows read, {summary.rows_out} written to {summary.out}: "
        f"{summary.rows_scored} scored, {summary.rows_failed} refused "
        f"({summary.engine}, {summary.seconds:.1f} s, {summary.cases_per_second:.0f} cases/s"
        + (f", after {summary.warmup_seconds:.1f} s starting the workers" if summary.warmup_seconds else "")
        + ")",
        highlight=False,
    )
    if summary.reasons:
        err_console.print("refused rows by reason:", highlight=False)
        for reason, count in summary.reasons.most_common(15):
            err_console.print(f"  {count:>8}  {reason}", highlight=False)
        for example in summary.examples[:10]:
            err_console.print(f"  e.g. {example}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
