"""``exposure experiment run|report|list|run-all``: declared model comparisons (experiments/definitions)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from exposure.io import err_console, fail, print_json

if TYPE_CHECKING:
    from experiments.definition import Definition
    from experiments.runner import ExperimentRun

experiment_app = typer.Typer(
    help="Declared experiments: compare models on the same splits, with leaderboards and reports.",
    no_args_is_help=True,
)


def _load(definition: str) -> Definition:
    from experiments.definition import DefinitionError, find_definition, load_definition

    try:
        return load_definition(find_definition(definition))
    except DefinitionError as exc:
        fail(str(exc))


def _run(defn: Definition, jobs: int) -> ExperimentRun:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from experiments.runner import ExperimentProgress, run_experiment
    from experiments.sources import DataError
    from features.store import tracking_uri

    err_console.print(f"experiment {defn.name}: tracking store {tracking_uri()}", highlight=False)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("fits"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )

    class RichProgress(ExperimentProgress):
        task: Any = None

        def start(self, total_fits: int, n_configs: int) -> None:
            self.task = bar.add_task(f"{defn.name}: {n_configs} configurations", total=total_fits)

        def advance(self, fits: int, description: str) -> None:
            if self.task is not None:
                bar.update(self.task, advance=fits, description=f"{defn.name} {description}")

        def message(self, text: str) -> None:
            err_console.print(f"[yellow]{text}[/]", highlight=False)

    with bar:
        try:
            return run_experiment(defn, jobs=jobs, progress=RichProgress())
        except DataError as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(f"{defn.name}: {exc}")


def _print_leaderboard(run: ExperimentRun, defn: Definition) -> None:
    """One table per target, best first. Readable in 80 columns and in a pipe: configuration labels are never cut
    (``lightgbm[num_leaves=8]`` and ``lightgbm[num_leaves=4]`` stay apart), headers are short, and a value and its
    sd wrap onto two lines inside their column."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from exposure.commands.model import SHORT_HEADERS
    from training.metrics import PRIMARY_METRIC

    console = Console()
    for target, results in run.results.items():
        primary = PRIMARY_METRIC[target]
        shown = defn.shown_metrics(target)
        table = Table(
            title=f"{defn.name}: {target} (mean ± sd over {defn.cv.repeats} repeats; {primary}, lower is better)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            padding=(0, 1, 0, 0),
        )
        table.add_column("config", no_wrap=True, min_width=max(len(r.config.label) for r in results))
        for metric in shown:
            table.add_column(SHORT_HEADERS.get(metric, metric), justify="right", overflow="fold")
        for r in sorted(results, key=lambda r: r.metrics.get(primary, float("inf"))):
            table.add_row(  # Text: "[num_leaves=8]" is a label, not rich markup (it vanished: two rows "lightgbm")
                Text(r.config.label),
                *[f"{r.metrics.get(m, float('nan')):.3f} ±{r.spread.get(m, 0):.3f}" for m in shown],
            )
        console.print(table)
    console.print(
        "columns: " + "; ".join(f"{SHORT_HEADERS[m]} = {m}" for m in _shown_all(run, defn) if m in SHORT_HEADERS),
        highlight=False,
    )
    console.print(
        f"parent run {run.parent_run_id} in MLflow experiment exposure-experiment-{run.name} ({run.seconds:.0f} s)",
        highlight=False,
    )


def _shown_all(run: ExperimentRun, defn: Definition) -> list[str]:
    """The metrics of every table, once, in order of appearance."""
    out: list[str] = []
    for target in run.results:
        out += [m for m in defn.shown_metrics(target) if m not in out]
    return out


def _report(name: str, out: Path | None, run_id: str | None = None) -> dict[str, Any]:
    from experiments.report import ReportError, write_report

    folder = out or Path("reports") / name
    try:
        data = write_report(name, folder, run_id=run_id)
    except ReportError as exc:
        fail(str(exc))
    err_console.print(f"report written to {folder / 'report.md'} and {folder / 'report.html'}", highlight=False)
    return data


def _headline_lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for target, h in data["headline"].items():
        text = f"{target}: best {h['best']} {h['metric']} {h['best_mean']:.3f} ±{h['best_sd']:.3f}"
        if "baseline_mean" in h:
            text += f" (baseline {h['baseline_mean']:.3f})"
        if "paired" in h:
            p = h["paired"]
            text += f"; paired diff {p['diff']:+.3f} [{p['ci_low']:+.3f}, {p['ci_high']:+.3f}] {p['verdict']}"
        if "learning_curve" in h:
            text += f"; learning curve: {h['learning_curve']['verdict']}"
        lines.append(text)
    return lines


@experiment_app.command("run")
def run(
    definition: str = typer.Argument(..., help="A definition file (YAML/TOML) or the name of a shipped one"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Configurations evaluated in parallel (processes)"),
    report: bool = typer.Option(True, "--report/--no-report", help="Also write the report from the new runs"),
    out: Path = typer.Option(None, "--out", help="Report folder (default: reports/<name>)"),
) -> None:
    """Run every configuration of an experiment on the same splits: one MLflow parent run, a child per config."""
    defn = _load(definition)
    result = _run(defn, jobs)
    _print_leaderboard(result, defn)
    if report:
        _report(defn.name, out, result.parent_run_id)


@experiment_app.command("report")
def report_cmd(
    name: str = typer.Argument(..., help="Experiment name (the definition's `name`)"),
    out: Path = typer.Option(None, "--out", help="Report folder (default: reports/<name>)"),
    run_id: str = typer.Option(None, "--run-id", help="A parent run (default: the latest finished one)"),
    as_json: bool = typer.Option(False, "--json", help="Also print the report's numbers as JSON"),
) -> None:
    """Write report.md, report.html and plots from the experiment's MLflow runs (every number from the runs)."""
    data = _report(name, out, run_id)
    if as_json:
        print_json(data)
    else:
        for line in _headline_lines(data):
            typer.echo(line)


@experiment_app.command("list")
def list_cmd(
    runs: bool = typer.Option(True, "--runs/--no-runs", help="Show the latest finished run of each experiment"),
) -> None:
    """The shipped experiment definitions, and their latest runs in the tracking store."""
    from rich.console import Console
    from rich.table import Table

    from experiments.definition import DefinitionError, load_definition, shipped_definitions

    latest: dict[str, str] = {}
    if runs:
        latest = _latest_runs()
    table = Table(title="experiments (exposure experiment run NAME)")
    for col in ("name", "targets", "configs", "cv", "learning curve", "latest run"):
        table.add_column(col)
    for path in shipped_definitions():
        try:
            d = load_definition(path)
        except DefinitionError as exc:
            table.add_row(path.stem, f"[red]invalid[/] ({len(exc.problems)} problem(s))", "", "", "", "")
            continue
        table.add_row(
            d.name,
            ", ".join(d.targets),
            str(len(d.configs())),
            f"{d.cv.repeats}x{d.cv.folds}-fold",
            ", ".join(f"{f:.0%}" for f in d.learning_curve.fractions) if d.learning_curve else "-",
            latest.get(d.name, "-"),
        )
    Console().print(table)


def _latest_runs() -> dict[str, str]:
    """name -> "run id (date)" of the latest finished parent run; empty if the default store does not exist."""
    from features.store import exposure_home, tracking_uri

    uri = tracking_uri()
    if uri.startswith("sqlite:") and not (exposure_home() / "mlflow.db").exists():
        return {}
    import datetime

    from experiments.definition import EXPERIMENT_PREFIX
    from experiments.runner import KIND_TAG, PARENT_KIND, client_for

    client = client_for(uri)
    out: dict[str, str] = {}
    for exp in client.search_experiments(filter_string=f"name LIKE '{EXPERIMENT_PREFIX}%'"):
        found = client.search_runs(
            [exp.experiment_id],
            filter_string=f"tags.`{KIND_TAG}` = '{PARENT_KIND}' and attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        if found:
            when = datetime.datetime.fromtimestamp(found[0].info.start_time / 1000).strftime("%Y-%m-%d %H:%M")
            out[exp.name.removeprefix(EXPERIMENT_PREFIX)] = f"{found[0].info.run_id[:8]} ({when})"
    return out


@experiment_app.command("run-all")
def run_all(
    out_root: Path = typer.Option(Path("reports"), "--out-root", help="Reports go to <out-root>/<name>"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Configurations evaluated in parallel (processes)"),
    only: list[str] = typer.Option(None, "--only", help="Names of shipped definitions to run (default: all)"),
) -> None:
    """Run every shipped definition on its data and write its report (the reports under reports/ come from here)."""
    from experiments.definition import DefinitionError, load_definition, shipped_definitions

    definitions = []
    for path in shipped_definitions():
        try:
            definitions.append(load_definition(path))
        except DefinitionError as exc:
            fail(str(exc))
    if only:
        unknown = sorted(set(only) - {d.name for d in definitions})
        if unknown:
            fail(f"no shipped definition named {', '.join(unknown)}")
        definitions = [d for d in definitions if d.name in only]
    for defn in definitions:
        result = _run(defn, jobs)
        _print_leaderboard(result, defn)
        data = _report(defn.name, out_root / defn.name, result.parent_run_id)
        for line in _headline_lines(data):
            typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment")
