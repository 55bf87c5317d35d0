"""``exposure extract``, ``extract-eval``, ``outcome``, ``outcome-eval``, ``ingest cail`` and ``ingest judgments``:
from judgment text to cases."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from exposure.io import err_console, fail, print_json
from exposure.progress import progress_bar

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
    with progress_bar("reading CAIL", unit="bytes") as update:
        report = ingest_cail(paths, out, progress=update)
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


def outcome(
    source: str = typer.Argument(
        ..., help="A verdict or any text stating sentences: a .txt/.html/.docx/.pdf file, or - for stdin"
    ),
) -> None:
    """Print the sentence of every defendant as a JSON array: defendant, prison_months, detention_months,
    probation_months, fine_yuan, exempt_from_punishment, and the span of text each came from."""
    from features.text.documents import DocumentError, read_document
    from features.text.sentences import parse_outcomes

    if source == "-":
        text = sys.stdin.read()
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"no such file: {source}")
        try:
            text = read_document(path.read_bytes(), path.name).text
        except DocumentError as exc:
            fail(f"{source}: {exc.reason}")
    print_json([o.model_dump(mode="json") for o in parse_outcomes(text)])


def outcome_eval(
    path: Path = typer.Argument(
        ..., help="Hand-coded quotes, JSON lines (format: ../shared/data/quotes/README.md)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
    errors: bool = typer.Option(False, "--errors", help="Also list every defendant not fully right"),
) -> None:
    """Share of defendants whose whole sentence (term, probation, fine, exemption, right defendant) is read right."""
    from features.text.outcome_eval import evaluate_outcomes

    if not path.is_file():
        fail(f"no such file: {path}")
    try:
        report = evaluate_outcomes(path)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        out = report.model_dump(mode="json")
        out["accuracy"] = round(report.accuracy, 4)
        if not errors:
            out["errors"] = len(report.errors)
        print_json(out)
        return
    sys.stdout.write(
        f"{report.fully_right}/{report.defendants} defendants fully right ({report.accuracy:.1%}) on {path.name}\n"
        + "".join(f"  {f}: {n}/{report.defendants}\n" for f, n in report.field_right.items())
    )
    if errors:
        for e in report.errors:
            sys.stdout.write(f"line {e.line} {e.defendant}: {e.problem}; got {e.got}, expected {e.expected}\n")


@ingest_app.command("judgments")
def ingest_judgments_command(
    paths: list[Path] = typer.Argument(..., help="Judgment files (.txt .html .docx .pdf) or folders of them"),
    out: Path = typer.Option(
        None, "--out", help="Folder for rows.jsonl, review.csv and review.html; without it nothing is written"
    ),
    jobs: int = typer.Option(2, "--jobs", min=1, help="Processes reading files (PDFs are the slow part)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Read judgments into training rows (one per defendant) with every field's evidence, plus review files."""
    from training.judgments import ingest_judgments

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"not found: {', '.join(missing)}")
    with progress_bar("reading judgments") as update:
        report = ingest_judgments(paths, out, progress=update, jobs=jobs)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    err_console.print(
        f"read {report.judgments} of {report.files} files in {report.seconds:g} s "
        f"({report.judgments_per_second:g} files/s); {report.rows} rows"
        + (f" written to {report.rows_file}" if report.rows_file else " (dry run: nothing written; use --out)"),
        highlight=False,
    )
    for reason, count in report.reasons.items():
        err_console.print(f"  {count} not read as rows: {reason}", highlight=False)
    for r in report.rejected[:30]:
        who = f" {r.defendant}" if r.defendant else ""
        err_console.print(
            f"    {r.source}{who}: {r.reason}" + (f" ({r.detail})" if r.detail else ""), highlight=False
        )
    if report.review_html:
        err_console.print(
            f"review: {report.review_html} (and {report.review_csv}); then `exposure data add {report.rows_file}`",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
    app.command("extract-eval")(extract_eval)
    app.command("outcome")(outcome)
    app.command("outcome-eval")(outcome_eval)
    app.add_typer(ingest_app, name="ingest")
