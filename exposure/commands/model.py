"""``exposure train``, ``exposure predict`` and ``exposure quickstart`` (the README's main job)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from exposure.io import err_console, fail, print_json, read_case

DEFAULT_EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "examples" / "criminal_case.json"


def _load_training_cases(
    extra: list[Path] | None, seeds: bool = True, user_data: bool = True
) -> tuple[list[Any], str]:
    """Seeds, the user's rows (``exposure data add``) and extra tables, as chosen; the name says which and how
    many rows, e.g. ``seeds+user(123 rows)`` (it names the data in MLflow, the model card and every answer)."""
    from features.tables import LoadResult, load_jsonl, load_seeds, load_table
    from training.userdata import load_user_rows, user_rows_path

    loaded = load_seeds() if seeds else LoadResult()
    parts = ["seeds"] if seeds else []
    if user_data:
        try:
            user = load_user_rows()
        except ValueError as exc:
            fail(str(exc))
        if user.cases or user.errors:
            loaded.cases.extend(user.cases)
            loaded.errors.extend(user.errors)
            parts.append(f"user({len(user.cases)} rows)")
        elif not seeds:
            fail(f"no user data at {user_rows_path()}: add reviewed rows with `exposure data add`")
    for path in extra or []:
        if not path.is_file():
            fail(f"no such data file: {path}")
        more = load_table(path) if path.suffix == ".parquet" else load_jsonl([path])
        loaded.cases.extend(more.cases)
        loaded.errors.extend(more.errors)
        parts.append(path.name)
    if not parts:
        fail("no training data chosen: drop --no-seeds, --no-user-data or give --data")
    for error in loaded.errors:
        err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
    if loaded.n_synthetic:
        err_console.print(
            f"[yellow]skipped[/] {loaded.n_synthetic} synthetic rows (`exposure data synth` makes them for scale "
            "tests only; models never train on them)",
            highlight=False,
        )
    return loaded.for_training().cases, "+".join(parts)


SHORT_HEADERS = {
    "coverage": "cover",
    "median_ape": "MdAPE%",
    "mae_months": "MAE mo",
    "lawbench_score": "LawBench",
    "cail_bucket_score": "CAIL",
    "mean_width_months": "width mo",
    "winkler_months": "Winkler",
    "mae_log10_yuan": "MAE lg¥",
    "mean_width_log10_yuan": "width lg¥",
    "winkler_log10_yuan": "Winkler",
    "brier": "Brier",
    "auc": "AUC",
}


def _leaderboard(outcomes: list[Any], kinds: list[Any]) -> None:
    """One table per target: mean over repeats, and ± sd for the primary metric; the family each estimator takes
    and why, and whether each kind's estimator was registered.

    Readable in 80 columns and in a pipe: family names are never cut (their column is as wide as the longest);
    numbers wrap inside their column instead (rich would otherwise shorten names to "lightg…")."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(stderr=False)
    for outcome in outcomes:
        primary = outcome.primary_metric
        table = Table(
            title=f"{outcome.target} (ranked by {primary}, lower is better; * = the family its estimator takes)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
        )
        first = outcome.results[0].metrics
        cols = [k for k in first if k not in ("n_cases", "n_groups")]
        widest = max(len(r.family) + 2 for r in outcome.results)  # " *" marks the one the estimator takes
        table.add_column("family", no_wrap=True, min_width=widest)
        for col in cols:
            table.add_column(SHORT_HEADERS.get(col, col), justify="right", overflow="fold")
        for result in sorted(outcome.results, key=lambda r: r.metrics.get(primary, 1e9)):
            mark = " *" if result.family == outcome.chosen["family"] else ""
            cells = [
                f"{result.metrics[c]:.3g}" + (f" ±{result.spread.get(c, 0):.2g}" if c == primary else "")
                for c in cols
            ]
            table.add_row(Text(result.family + mark), *cells)  # a name, never rich markup
        console.print(table)
        n = first.get("n_cases", 0)
        g = first.get("n_groups", 0)
        console.print(
            f"  {n:.0f} cases in {g:.0f} judgments; the estimator takes {outcome.chosen['family']}: {outcome.reason}\n",
            highlight=False,
        )
    for kind in kinds:
        version = f" (v{kind.version})" if kind.promoted and kind.version else ""
        console.print(f"{kind.kind} estimator: {kind.reason}{version}", highlight=False)
    console.print(
        "columns: cover = interval coverage; MdAPE% = median absolute % error; MAE mo = mean absolute error in "
        "months; LawBench / CAIL = prison-term scores (higher is better); width = mean interval width; Winkler = "
        "interval score; lg¥ = log10(1 + yuan). Means over CV repeats, ± = sd over repeats.",
        highlight=False,
    )


def train(
    data: list[Path] = typer.Option(
        None, "--data", help="Extra case tables (JSONL or Parquet from `exposure ingest`)"
    ),
    seeds: bool = typer.Option(True, "--seeds/--no-seeds", help="Train on the repository's seed cases"),
    user_data: bool = typer.Option(
        True, "--user-data/--no-user-data", help="Train on your rows ($EXPOSURE_HOME/data, `exposure data add`)"
    ),
    target: list[str] = typer.Option(None, "--target", help="Targets to train (default: all)"),
    family: list[str] = typer.Option(None, "--family", help="Model families (default: all)"),
    folds: int = typer.Option(5, help="K of the grouped K-fold"),
    repeats: int = typer.Option(3, help="Repeats of the grouped K-fold"),
    seed: int = typer.Option(0, help="Seed of the splits and the models"),
    level: float = typer.Option(0.8, min=0.5, max=0.99, help="Coverage of the intervals"),
    register: bool = typer.Option(True, help="Register the best family as champion if it beats the current one"),
    as_json: bool = typer.Option(False, "--json", help="Print the leaderboard as JSON instead of tables"),
) -> None:
    """Train every target and family on the same grouped CV, log to MLflow, print the leaderboard and
    promote champions that beat the current ones."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from features.store import TARGETS, tracking_uri
    from training.pipeline import TrainConfig, train_all

    targets = list(target) if target else list(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        fail(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    cases, name = _load_training_cases(data, seeds=seeds, user_data=user_data)
    config = TrainConfig(
        targets=targets,
        families=list(family) if family else None,
        n_splits=folds,
        n_repeats=repeats,
        seed=seed,
        level=level,
        register=register,
        data_name=name,
    )
    err_console.print(f"tracking store: {tracking_uri()}", highlight=False)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True
    ) as progress:
        task = progress.add_task("training", total=None)
        try:
            outcomes, kinds = train_all(cases, config, progress=lambda msg: progress.update(task, description=msg))
        except ValueError as exc:
            fail(str(exc))
    if as_json:
        print_json(
            {
                "targets": [
                    {
                        "target": o.target,
                        "best_family": o.best_family,
                        "chosen_family": o.chosen["family"],
                        "reason": o.reason,
                        "promoted": o.promoted,
                        "version": o.version,
                        "leaderboard": {r.family: {"metrics": r.metrics, "spread": r.spread} for r in o.results},
                    }
                    for o in outcomes
                ],
                "estimators": [
                    {
                        "kind": k.kind,
                        "promoted": k.promoted,
                        "reason": k.reason,
                        "version": k.version,
                        "run_id": k.run_id,
                    }
                    for k in kinds
                ],
            }
        )
    else:
        _leaderboard(outcomes, kinds)


def _load_champions() -> Any:
    """The registered champions, or a clear error naming the store (never a traceback)."""
    from mlflow.exceptions import MlflowException

    from features.store import tracking_uri
    from serving.estimate import ChampionSet

    try:
        return ChampionSet.load()
    except (MlflowException, OSError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(
            f"could not load the champions from {tracking_uri()}: {first_line}. Run `exposure train` to register "
            "new ones."
        )


def predict(
    source: str = typer.Argument(
        ..., help="Cases: JSON lines, one JSON object or a JSON array of objects (file or - for stdin)"
    ),
    full: bool = typer.Option(False, "--full", help="Print the full answer (rules, drivers, similar cases)"),
) -> None:
    """Print one JSON line per case with the champions' estimate; a bad case gets an error line, in order
    ("line" is the line of JSON lines input, or the position in a JSON array)."""
    import sys

    from exposure.io import read_text
    from features.law.schema import CriminalCase
    from features.tables import format_errors, text_records, validate_record
    from serving.estimate import NoChampionError, compact_prediction

    records = text_records(read_text(source))
    champions = _load_champions()
    lines: list[dict[str, Any] | None] = [None] * len(records)
    by_kind: dict[str, list[tuple[int, Any]]] = {"criminal": [], "civil": []}
    for i, (lineno, item) in enumerate(records):
        case, errors = validate_record(item, nan_is_missing=False)  # JSON: NaN is refused
        if case is None:
            lines[i] = {"line": lineno, "error": format_errors(errors)}
            continue
        if case.case_id is None:
            case.case_id = f"line-{lineno}"
        by_kind["criminal" if isinstance(case, CriminalCase) else "civil"].append((i, case))
    try:
        for kind, rows in by_kind.items():
            if not rows:
                continue
            cases = [c for _, c in rows]
            answers = champions.estimate_criminal(cases) if kind == "criminal" else champions.estimate_civil(cases)
            for (i, _), answer in zip(rows, answers, strict=True):
                lines[i] = answer if full else compact_prediction(answer)
    except NoChampionError as exc:
        fail(str(exc))
    failures = sum(1 for line in lines if line is not None and "error" in line and "line" in line)
    for line in lines:
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    if failures:
        err_console.print(f"{failures} of {len(records)} lines were not valid cases (see their error lines)")
        raise typer.Exit(1)


def quickstart(
    case: str = typer.Option(str(DEFAULT_EXAMPLE), help="The example case to estimate (JSON object)"),
    repeats: int = typer.Option(3, help="Repeats of the grouped K-fold"),
) -> None:
    """Train on the seed data into the local MLflow store, then print the full estimate for an example case.

    Standard output: the leaderboards, then the line "Estimate for <case>:" and the estimate as JSON (the last
    lines, from the first "{" on). Progress and notes go to standard error."""
    train(data=[], target=[], family=[], folds=5, repeats=repeats, seed=0, level=0.8, register=True, as_json=False)
    from features.law.schema import CriminalCase

    example = read_case(case)
    champions = _load_champions()
    # on stdout, right above the JSON it labels (stdout holds the leaderboards too: it is for reading)
    typer.echo(f"Estimate for {case}:")
    if isinstance(example, CriminalCase):
        print_json(champions.estimate_criminal([example])[0])
    else:
        print_json(champions.estimate_civil([example])[0])


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("predict")(predict)
    app.command("quickstart")(quickstart)
