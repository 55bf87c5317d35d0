"""What the CLI prints, read as a person reads it: in 80 columns and in a pipe (not a terminal), names are never cut,
the promotion line is a sentence, --help shows no type for flags, and quickstart's label sits above its JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from exposure.cli import app
from exposure.commands import experiment, model
from training.selection import say_metric

REPO = Path(__file__).resolve().parents[1]
FAMILIES = ("forest", "ridge", "lightgbm", "baseline")
CONFIGS = ("forest", "ridge", "lightgbm[num_leaves=8]", "lightgbm[num_leaves=4]", "baseline")
CUSTODIAL = {
    "coverage": 0.824,
    "median_ape": 38.5,
    "mae_months": 10.697,
    "lawbench_score": 0.89,
    "cail_bucket_score": 0.597,
    "mean_width_months": 49.8,
    "winkler_months": 62.98,
    "n_cases": 72,
    "n_groups": 55,
}


def _outcome(reason: str) -> Any:
    results = [
        SimpleNamespace(family=f, metrics={k: v + i for k, v in CUSTODIAL.items()}, spread={"mae_months": 0.17})
        for i, f in enumerate(FAMILIES)
    ]
    return SimpleNamespace(
        target="custodial_months",
        primary_metric="mae_months",
        results=results,
        best_family="forest",
        chosen={"family": "forest"},
        promoted=True,
        reason=reason,
    )


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


@pytest.mark.parametrize("columns", ["80", "60"])
def test_training_leaderboard_keeps_family_names_whole(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # capsys: not a terminal
    reason = f"the best {say_metric('mae_months', 10.697)}"
    kind = SimpleNamespace(kind="criminal", promoted=True, version="1", reason="registered as the first champion")
    model._leaderboard([_outcome(reason)], [kind])
    out = capsys.readouterr().out
    assert "…" not in out
    assert all(len(line) <= int(columns) for line in _lines(out)), out
    rows = [line.split()[0] for line in _lines(out) if line.strip().split(" ")[0] in FAMILIES]
    assert rows == list(FAMILIES), out  # one row per family, each name whole
    said = " ".join(out.split())
    assert "72 cases in 55 judgments; the estimator takes forest: the best MAE 10.7 months" in said
    assert "criminal estimator: registered as the first champion (v1)" in said
    assert "PROMOTED" not in out and "no champion yet" not in out


def test_experiment_leaderboard_keeps_configuration_labels_apart(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    shown = [k for k in CUSTODIAL if not k.startswith("n_")]
    results = [
        SimpleNamespace(
            config=SimpleNamespace(label=label),
            metrics={k: CUSTODIAL[k] + i for k in shown},
            spread={k: 0.1 for k in shown},
        )
        for i, label in enumerate(CONFIGS)
    ]
    run = SimpleNamespace(
        results={"custodial_months": results}, parent_run_id="p" * 32, name="families", seconds=3.0
    )
    defn = SimpleNamespace(name="families", cv=SimpleNamespace(repeats=3), shown_metrics=lambda target: shown)
    experiment._print_leaderboard(run, defn)  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "…" not in out
    assert all(len(line) <= 80 for line in _lines(out)), out
    labels = [line.split()[0] for line in _lines(out) if line.strip().split(" ")[0] in CONFIGS]
    assert labels == list(CONFIGS), out
    assert "MAE mo = mae_months" in " ".join(out.split())


def test_help_shows_no_type_after_flags() -> None:
    runner = CliRunner()
    command = get_command(app)
    paths: list[list[str]] = [[]]
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, s] for s in getattr(sub, "commands", {})]
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}, color=False)
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
        assert all(len(line) <= 80 for line in _lines(result.output)), (path, result.output)
    train = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "80"}).output
    assert "--register / --no-register" in train and "--json " in train


def test_quickstart_prints_its_label_above_the_json(trained_home: Path, tmp_path: Path) -> None:
    """The label is on standard output, on the line right before the JSON it labels, which parses to the end.
    (Training is left out: the champions of trained_home are real; `exposure train` is tested elsewhere.)"""
    home = tmp_path / "home"
    shutil.copytree(trained_home, home, ignore=shutil.ignore_patterns("serving-cache"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPOSURE_", "MLFLOW_"))}
    env.update({"EXPOSURE_HOME": str(home), "COLUMNS": "80", "NO_COLOR": "1"})
    script = (
        "import sys\n"
        "from exposure.commands import model\n"
        "model.train = lambda **kwargs: None  # the champions are there already\n"
        "from exposure.cli import app\n"
        "sys.argv = ['exposure', 'quickstart']\n"
        "app()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    label = next(i for i, line in enumerate(lines) if line.startswith("Estimate for "))
    assert lines[label] == f"Estimate for {REPO / 'seeds' / 'examples' / 'criminal_case.json'}:"
    answer = json.loads("\n".join(lines[label + 1 :]))
    assert answer["custodial_months"]["point"] > 0 and answer["disclaimer"]
    assert "Estimate for" not in proc.stderr
