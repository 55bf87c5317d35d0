"""``exposure extract``, ``exposure extract-eval`` and ``exposure ingest cail``: from judgment text to cases."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from exposure.io import err_console, fail, print_json

ingest_app = typer.Typer(help="Turn external judgment data sets into case tables.", no_args_is_help=True)


def _read_any(source: str) -> str:
    """A text file (UTF-8 or GB18030) or standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail(f"no such file: {source}")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(f"{source}: neither UTF-8 nor GB18030 text")


def extract(
    source: str = typer.Argument(..., help="A Chinese fact description or judgment: a text file, or - for stdin"),
    outcomes: bool = typer.Option(False, "--outcomes", help="Also read the sentences of a verdict"),
) -> None:
    """Print the case fields read from the text, each with the spans of text it came from (evidence)."""
    from features.text.facts import extract_facts

    text = _read_any(source)
    result = extract_facts(text)
    out: dict[str, Any] = result.model_dump(mode="json")
    if outcomes:
        from features.text.sentences import parse_outcomes

        out["outcomes"] = [o.model_dump(mode="json") for o in parse_outcomes(text)]
    print_json(out)


def extract_eval(
    path: Path = typer.Option(None, "--file", help="Evaluation set (default: tests/data/extraction_eval.jsonl)"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
    errors: bool = typer.Option(False, "--errors", help="Also list every disagreement (id, field, got, expected)"),
) -> None:
    """Per-field precision and recall of the fact extractor on the labelled evaluation set."""
    from features.text.evaluate import default_eval_path, evaluate_by_split, load_eval

    eval_path = path or default_eval_path()
    if not eval_path.is_file():
        fail(f"no evaluation set at {eval_path}")
    reports = evaluate_by_split(load_eval(eval_path))
    if as_json:
        print_json(
            {split: r.as_dict() if errors else {**r.as_dict(), "errors": None} for split, r in reports.items()}
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    splits = [s for s in reports if s != "all"]
    table = Table(title=f"Fact extraction on {eval_path.name}: precision (P) and recall (R) per field")
    table.add_column("field", no_wrap=True)
    table.add_column("n", justify="right")
    table.add_column("P", justify="right")
    table.add_column("R", justify="right")
    for split in splits:
        table.add_column(f"{split} P", justify="right")
        table.add_column(f"{split} R", justify="right")

    def cells(name: str | None) -> list[str]:
        out = []
        for split in ["all", *splits]:
            s = reports[split].overall if name is None else reports[split].fields[name]
            out += ([str(s.support)] if split == "all" else []) + [f"{s.precision:.2f}", f"{s.recall:.2f}"]
        return out

    for name in reports["all"].fields:
        table.add_row(name, *cells(name))
    table.add_row("[bold]all fields (micro)[/]", *cells(None))
    console.print(table)
    console.print(", ".join(f"{split}: {r.n_texts} texts" for split, r in reports.items()))
    if errors:
        for err in reports["all"].errors:
            console.print(f"{err['id']} {err['field']}: got {err['got']!r}, expected {err['expected']!r}")


@ingest_app.command("cail")
def ingest_cail_command(
    paths: list[Path] = typer.Argument(..., help="CAIL2018 files (JSON lines, plain or zip) or folders of them"),
    out: Path = typer.Option(
        None, "--out", help="Table to write: .parquet, or .jsonl; without it nothing is written (a dry run)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    engine: str = typer.Option(
        "local", "--engine", help="local: stream in this process; spark: the per-line work on PySpark"
    ),
    master: str = typer.Option(None, "--master", help="Spark master (default: the configured one, else local[*])"),
) -> None:
    """Keep the personal-information cases of CAIL2018 as labelled case rows (one per defendant)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from training.cail import ingest_cail

    if out is not None and out.suffix not in (".parquet", ".jsonl"):
        fail("--out must end with .parquet or .jsonl")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"not found: {', '.join(missing)}")
    if engine not in ("local", "spark"):
        fail("--engine must be local or spark")
    if engine == "spark":
        from training.cail_spark import ingest_cail_spark

        err_console.print("ingesting on Spark (the first run starts the JVM)", highlight=False)
        spark_report = ingest_cail_spark(paths, out, master=master)
        if as_json:
            print_json(spark_report.model_dump(mode="json"))
        else:
            _print_report(spark_report)
        return
    with Progress(
        TextColumn("reading CAIL"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("read", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        report = ingest_cail(paths, out, progress=progress)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _print_report(report)


def _print_report(report: Any) -> None:
    from rich.table import Table

    err_console.print(
        f"read {report.lines_read} lines in {report.seconds:g} s; "
        f"{report.personal_information} personal-information cases; {report.rows} rows kept"
        + (f", written to {report.out}" if report.out else " (dry run: nothing written; use --out)"),
        highlight=False,
    )
    sources = Table(title="sources")
    sources.add_column("file")
    sources.add_column("lines", justify="right")
    sources.add_column("encodings")
    for s in report.sources:
        sources.add_row(s.source, str(s.lines), ", ".join(f"{k}: {v}" for k, v in s.encodings.items()))
    err_console.print(sources)
    if report.skipped:
        skipped = Table(title="skipped")
        skipped.add_column("reason")
        skipped.add_column("lines", justify="right")
        for reason, count in report.skipped.items():
            skipped.add_row(reason, str(count))
        err_console.print(skipped)
    for example in report.examples:
        err_console.print(f"  {example}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
    app.command("extract-eval")(extract_eval)
    app.add_typer(ingest_app, name="ingest")
