"""``exposure data ...``: the seed data (summary, refresh from the shared hand-coded set) and the user's own rows."""

from __future__ import annotations

from pathlib import Path

import typer

from exposure.io import err_console, fail
from exposure.progress import progress_bar

data_app = typer.Typer(help="Seed data: summary, import; your own rows: add.", no_args_is_help=True)


@data_app.command("summary")
def summary(
    path: list[Path] = typer.Argument(None, help="JSON-lines case files (default: every seed file)"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON"),
) -> None:
    """Counts, outcome distributions and missing-value shares per field."""
    from features.summary import summarize
    from features.tables import load_jsonl, seed_files

    files = list(path) if path else seed_files()
    if not files:
        fail("no case files found")
    loaded = load_jsonl(files)
    for error in loaded.errors:
        err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
    report = summarize(loaded.cases)
    if as_json:
        from exposure.io import print_json

        print_json(report)
        return
    from features.summary import render_summary

    render_summary(report)
    if loaded.errors:
        raise typer.Exit(1)


@data_app.command("import-shared")
def import_shared(
    shared: Path = typer.Option(Path("../shared/data/cases"), help="Folder with criminal.jsonl and civil.jsonl"),
) -> None:
    """Copy the shared hand-coded cases into seeds/cases after validating every row (nothing is copied on error),
    each row labelled with its precedent ``authority`` (guiding_case, case_library, procuratorate_guiding,
    published): from seeds/cases/authority.toml, else from the markers its title or case number carries."""
    import json
    import tomllib

    from features.law.precedent import label
    from features.tables import load_jsonl, seeds_dir

    files = [shared / "criminal.jsonl", shared / "civil.jsonl"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        fail(f"not found: {', '.join(missing)}")
    loaded = load_jsonl(files)
    if loaded.errors:
        for error in loaded.errors:
            err_console.print(f"[red]invalid[/] {error}", highlight=False)
        fail(f"{len(loaded.errors)} invalid rows; nothing copied")
    target = seeds_dir() / "cases"
    target.mkdir(parents=True, exist_ok=True)
    labels_file = target / "authority.toml"
    known = (
        {k: str(v["authority"]) for k, v in tomllib.loads(labels_file.read_text("utf-8")).get("cases", {}).items()}
        if labels_file.is_file()
        else {}
    )
    counts: dict[str, int] = {}
    for f in files:
        out_lines = []
        for line in f.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            authority = label(row, known)
            if authority is not None and row.get("authority") is None:
                row["authority"] = authority.value
            counts[str(row.get("authority"))] = counts.get(str(row.get("authority")), 0) + 1
            out_lines.append(json.dumps(row, ensure_ascii=False))
        (target / f.name).write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    err_console.print(
        f"copied {len(loaded.criminal)} criminal and {len(loaded.civil)} civil rows to {target} (authority: {parts})"
    )


@data_app.command("synth")
def synth(
    n: int = typer.Argument(..., min=1, help="Number of rows"),
    out: Path = typer.Option(..., "--out", help="Table to write: .parquet, .jsonl or .csv"),
    seed: int = typer.Option(0, help="Seed (the same seed gives the same rows)"),
    civil_share: float = typer.Option(0.2, min=0.0, max=1.0, help="Share of civil/public-interest rows"),
    jobs: int = typer.Option(1, min=1, help="Processes drawing rows (the rows do not depend on it)"),
) -> None:
    """Synthetic cases for scale tests only, every row marked `synthetic: true` (never used for training)."""
    from training.synth import write_synth

    if out.suffix not in (".parquet", ".jsonl", ".csv"):
        fail("--out must end with .parquet, .jsonl or .csv")
    with progress_bar("drawing", n, eta=False) as update:
        counts = write_synth(out, n, seed, civil_share, jobs, progress=lambda done, _total: update(done, None))
    parts = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    err_console.print(f"wrote {n} synthetic rows ({parts}) to {out}; for scale tests only", highlight=False)


@data_app.command("add")
def add(
    paths: list[Path] = typer.Argument(
        ..., help="Reviewed rows (JSON lines, e.g. rows.jsonl of `exposure ingest judgments`)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Add reviewed rows to your data ($EXPOSURE_HOME/data/rows.jsonl), skipping rows already there or in the seeds
    (same case number and defendant). `exposure train` then uses them; seeds/ is never written."""
    from training.userdata import add_rows

    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        fail(f"not found: {', '.join(missing)}")
    try:
        report = add_rows(paths)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        from exposure.io import print_json

        print_json(report.model_dump(mode="json"))
    else:
        for line in report.invalid:
            err_console.print(f"[yellow]invalid[/] {line}", highlight=False)
        err_console.print(
            f"added {report.added} of {report.read} rows to {report.path} ({report.duplicates} duplicates skipped, "
            f"{len(report.invalid)} invalid); {report.total} rows in your data",
            highlight=False,
        )
    if report.invalid:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
