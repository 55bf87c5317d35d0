"""Experiments: definitions (validation naming the key), the CSV loader, feature selection, paired statistics,
and a tiny experiment run end to end into a temporary MLflow store whose report must repeat the runs' numbers."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from experiments.definition import (
    BUILTIN_FEATURE_SETS,
    DefinitionError,
    load_definition,
    parse_definition,
    shipped_definitions,
)
from experiments.selection import featurizer_for
from experiments.sources import DataError, load_experiment_data
from experiments.stats import paired_comparison
from features.law.schema import CriminalCase
from features.model.estimators import OutcomeRegressor
from features.model.featurize import CIRCUMSTANCE_FEATURES
from features.model.targets import target_data
from features.tables import load_seeds, load_table
from training.evaluate import cross_validate, make_estimator
from training.splits import RepeatedGroupKFold

if TYPE_CHECKING:  # the runner is imported where the tiny experiment runs
    from experiments.runner import ExperimentRun

TINY = """
name: tiny
description: two families on one target, for the tests
target: custodial_months
features: [all, no_law]
models: [ridge]
cv: {folds: 2, repeats: 2}
learning_curve: {fractions: [0.5]}
bootstrap: {resamples: 500}
seed: 3
"""
# the tiny experiment: (client, run, report data, report folder, EXPOSURE_HOME)
Tiny: TypeAlias = "tuple[MlflowClient, ExperimentRun, dict[str, Any], Path, Path]"


def _write(tmp_path: Path, text: str, name: str = "def.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problem_keys(exc: DefinitionError) -> list[str]:
    return [key for key, _ in exc.problems]


# ------------------------------------------------------------------------------------------------ definitions
def test_shipped_definitions_are_valid_and_named_after_their_files() -> None:
    paths = shipped_definitions()
    assert {p.stem for p in paths} >= {"families", "feature_ablation", "learning_curve"}
    for path in paths:
        d = load_definition(path)
        assert d.name == path.stem
        configs = d.configs()
        for target in d.targets:
            labels = [c.label for c in configs if c.target == target]
            assert labels[0] == "baseline" and len(labels) == len(set(labels)) >= 2
    ablation = load_definition(next(p for p in paths if p.stem == "feature_ablation"))
    assert {fs.name for fs in ablation.features} == {"all", "no_law", "statutory"}
    curve = load_definition(next(p for p in paths if p.stem == "learning_curve"))
    assert curve.learning_curve is not None and curve.learning_curve.fractions[-1] == 1.0
    # issue 13: the families report puts the honest baselines beside the learned families for every target
    families = load_definition(next(p for p in paths if p.stem == "families"))
    honest = {
        "custodial_months": "band_quantile",
        "fine_yuan": "band_quantile",
        "awarded_total_yuan": "band_quantile",
    }
    for target in families.targets:
        family_labels = {c.label for c in families.configs() if c.target == target}
        assert {"baseline", honest.get(target, "base_rate")} <= family_labels, target


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("target: custodial_months\nmodels: [ridge]\ncv: {fold: 3}\n", "cv.fold", ["unknown key", "folds"]),
        ("target: custodial_months\nmodels: [ridge, {family: rige}]\n", "models[1].family", ["rige", "forest"]),
        ("target: prison\nmodels: [ridge]\n", "targets", ["prison", "custodial_months"]),
        (
            "target: custodial_months\nmodels: [{family: baseline, params: {a: 1}}]\n",
            "models[0].params",
            ["no hyper"],
        ),
        (
            "target: custodial_months\nmodels: [{family: lightgbm, grid: {num_leafs: [4]}}]\n",
            "models[0].grid",
            ["num_leafs"],
        ),
        (
            "target: custodial_months\nmodels: [ridge]\nfeatures: [all, {name: x, drop: [nope_*]}]\n",
            "features[1].drop",
            ["nope_*"],
        ),
        ("target: custodial_months\nmodels: [ridge]\nfeatures: [everything]\n", "features[0]", ["everything"]),
        ("target: awarded_total_yuan\nmodels: [ridge]\nfeatures: [statutory]\n", "features", ["statutory"]),
        ("target: probation\nmodels: [ridge]\n", "models[0].family", ["ridge", "probation"]),
        ("target: custodial_months\nmodels: [ridge]\nmetrics: [brier]\n", "metrics", ["brier"]),
        ("target: custodial_months\nmodels: [ridge]\ncv: {folds: 1}\n", "cv.folds", ["greater than or equal"]),
        ("target: custodial_months\n", "models", ["required"]),
        (
            "target: custodial_months\nmodels: [ridge]\ndata: [{csv: a.csv, table: b.parquet}]\n",
            "data[0]",
            ["exactly one"],
        ),
    ],
)
def test_bad_definition_names_the_key(tmp_path: Path, text: str, key: str, words: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    assert key in _problem_keys(info.value), info.value.problems
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_bad_yaml_and_bad_file_are_clear(tmp_path: Path) -> None:
    path = _write(tmp_path, "target: custodial_months\nmodels: [ridge\n")
    with pytest.raises(DefinitionError, match=r"not valid YAML at line \d+"):
        load_definition(path)
    with pytest.raises(DefinitionError, match="no such file"):
        load_definition(tmp_path / "missing.yaml")
    toml = _write(tmp_path, 'name = "t"\ntargets = ["fine_yuan"]\nmodels = [{family = "ridge"}]\n', "t.toml")
    assert load_definition(toml).targets == ["fine_yuan"]


def test_cli_refuses_a_bad_definition_naming_the_key(tmp_path: Path) -> None:
    from exposure.cli import app

    path = _write(tmp_path, "target: custodial_months\nmodels: [ridge]\ncv: {fold: 3}\n")
    result = CliRunner().invoke(app, ["experiment", "run", str(path)])
    assert result.exit_code == 2
    assert "cv.fold" in result.output and "unknown key" in result.output


def test_configs_expand_grids_and_feature_sets() -> None:
    d = parse_definition(
        {
            "name": "x",
            "targets": ["custodial_months", "probation"],
            "features": ["all", "no_law"],
            "models": [
                {"family": "lightgbm", "grid": {"num_leaves": [4, 8]}, "targets": ["custodial_months"]},
                "logistic",
            ],
        }
    )
    labels = {(c.target, c.label) for c in d.configs()}
    assert labels == {
        ("custodial_months", "baseline"),  # the honest baselines are always on the board
        ("custodial_months", "band_quantile"),
        ("custodial_months", "lightgbm[num_leaves=4]:all"),
        ("custodial_months", "lightgbm[num_leaves=4]:no_law"),
        ("custodial_months", "lightgbm[num_leaves=8]:all"),
        ("custodial_months", "lightgbm[num_leaves=8]:no_law"),
        ("probation", "baseline"),
        ("probation", "base_rate"),
        ("probation", "logistic:all"),
        ("probation", "logistic:no_law"),
    }


# ------------------------------------------------------------------------------------------------ features
def test_feature_sets_select_what_the_learner_sees() -> None:
    cases = load_seeds().for_training().cases
    data = target_data(cases, "custodial_months")
    statutory = BUILTIN_FEATURE_SETS["statutory"].selection_for("custodial_months")
    no_law = BUILTIN_FEATURE_SETS["no_law"].selection_for("custodial_months")
    assert BUILTIN_FEATURE_SETS["all"].selection_for("custodial_months") is None
    assert statutory and no_law and not set(statutory) & set(no_law)
    assert {
        "band_level",
        "range_high_months",
        "log_records_multiple_low",
        "log_gains_multiple",
        "n_rules",
    } <= set(statutory)
    est = make_estimator("custodial_months", "ridge", None, 0.8, 0, featurizer_for("custodial_months", statutory))
    est.fit(data.cases, data.y, groups=data.groups)
    assert est.model_ is not None
    assert est.feature_names_ == list(statutory)
    # the learned base sees the selection minus what depends on the circumstances (features.model.adjust)
    base = [n for n in statutory if n not in CIRCUMSTANCE_FEATURES]
    assert est.model_[-1].n_features_in_ == len(base) and "band_certain" not in base
    assert est.predict(data.cases[:3]).shape == (3,)
    # without a selection the model is the plain one
    plain = OutcomeRegressor(target="custodial_months", family="ridge").fit(data.cases, data.y, groups=data.groups)
    same = make_estimator("custodial_months", "ridge", None, 0.8, 0, featurizer_for("custodial_months", None))
    same.fit(data.cases, data.y, groups=data.groups)
    np.testing.assert_allclose(same.predict(data.cases), plain.predict(data.cases))
    prob = target_data(cases, "probation")
    clf = make_estimator("probation", "logistic", None, 0.8, 0, featurizer_for("probation", statutory))
    clf.fit(prob.cases, prob.y, groups=prob.groups)
    assert clf.featurizer_.n_features_out_ == len(statutory)
    assert clf.predict_proba(prob.cases[:4]).shape == (4, 2)


# ------------------------------------------------------------------------------------------------ CSV
CSV = (
    "case_id,group_id,proceeding,records_total,data_types,conduct,insider,prison_months,fine_yuan,"
    "records_by_type,summary_en,claimed_yuan,awarded_total_yuan\n"
    'c1,g1,,6000,"[""identity"",""contact""]",sell; provide,true,12,10000,,,,\n'
    'c2,g1,criminal,300,lodging,sell,1,8,5000,lodging:300,"two\nlines",,\n'
    "c3,,criminal,-5,identity,,,,,,,,\n"
    "c4,,criminal,10,spaceships,,,,,,,,\n"
    "c1,,criminal,10,identity,,,,,,,,\n"
    "v1,,civil,,contact,,,,,,,50000,2000\n"
    "short,row\n"
)


def test_csv_loader_reads_our_schema_and_reports_bad_rows_by_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(CSV, encoding="utf-8")
    loaded = load_table(path)
    by_id = {c.case_id: c for c in loaded.cases}
    assert set(by_id) == {"c1", "c2", "v1"}
    c1, c2, v1 = by_id["c1"], by_id["c2"], by_id["v1"]
    assert isinstance(c1, CriminalCase)
    assert [t.value for t in c1.data_types] == ["identity", "contact"] and c1.insider is True
    assert [c.value for c in c1.conduct] == ["sell", "provide"] and c1.prison_months == 12
    assert c2.records_by_type == {"lodging": 300} and c2.summary_en == "two\nlines" and c2.group_id == "g1"
    assert v1.proceeding == "civil" and v1.awarded_total_yuan == 2000 and v1.group_id == "v1"
    errors = {e.line: e.reason for e in loaded.errors}
    # header is line 1; c2's quoted cell spans lines 3-4, so c3 is on line 5
    assert set(errors) == {5, 6, 7, 9}
    assert "records_total" in errors[5] and "-5" not in errors[5]
    assert "data_types" in errors[6] and "spaceships" not in errors[6]
    assert f"duplicate of the row at {path}:2" in errors[7]
    assert "cells but the header has" in errors[9]
    assert all(e.path == str(path) for e in loaded.errors)


def test_csv_header_problems_are_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("case_id,recordz_total\nc1,5\n", encoding="utf-8")
    loaded = load_table(path)
    assert not loaded.cases
    assert [(e.line, "recordz_total" in e.reason) for e in loaded.errors] == [(1, True)]


def test_csv_source_in_a_definition(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("case_id,records_total,data_types,prison_months\nmine-1,6000,identity,10\n", encoding="utf-8")
    d = parse_definition(
        {"name": "x", "target": "custodial_months", "models": ["ridge"], "data": ["seeds", {"csv": "good.csv"}]},
        path=tmp_path / "x.yaml",
    )
    data = load_experiment_data(d)
    assert data.counts["csv:good.csv"] == 1 and "mine-1" in {c.case_id for c in data.cases}
    assert data.name == "seeds+csv:good.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV, encoding="utf-8")
    strict = parse_definition(
        {"name": "x", "target": "custodial_months", "models": ["ridge"], "data": [{"csv": str(bad)}]}
    )
    with pytest.raises(DataError, match=r"bad.csv:5: records_total"):
        load_experiment_data(strict)
    lenient = parse_definition(
        {
            "name": "x",
            "target": "custodial_months",
            "models": ["ridge"],
            "data": [{"csv": str(bad)}],
            "allow_invalid_rows": True,
        }
    )
    assert len(load_experiment_data(lenient).errors) == 4
    # an ingested table (JSON lines here; Parquet goes through the same features.tables.load_table)
    table = tmp_path / "cail.jsonl"
    table.write_text(
        json.dumps({"case_id": "cail-1", "records_total": 900, "data_types": ["identity"], "prison_months": 7})
        + "\n",
        encoding="utf-8",
    )
    mixed = parse_definition(
        {
            "name": "x",
            "target": "custodial_months",
            "models": ["ridge"],
            "data": ["seeds", {"table": "cail.jsonl"}, {"csv": "good.csv"}],
        },
        path=tmp_path / "x.yaml",
    )
    merged = load_experiment_data(mixed)
    assert merged.counts["table:cail.jsonl"] == 1 and merged.counts["csv:good.csv"] == 1
    twice = parse_definition(
        {"name": "x", "target": "custodial_months", "models": ["ridge"], "data": [{"csv": "good.csv"}] * 2},
        path=tmp_path / "x.yaml",
    )
    with pytest.raises(DataError, match="would count twice"):
        load_experiment_data(twice)


# ------------------------------------------------------------------------------------------------ statistics
def test_paired_comparison_by_group_bootstrap() -> None:
    rows = np.arange(6)
    base = pd.DataFrame(
        {"row": rows, "case_id": [f"c{i}" for i in rows], "group_id": ["a", "a", "b", "c", "d", "e"], "repeat": 0}
    )
    y = np.array([10.0, 12, 20, 30, 5, 8])
    ref = base.assign(y=y, point=y + 4)  # error 4 everywhere
    cfg = base.assign(y=y, point=y + np.array([1, 1, 2, 3, 2, 3]))  # mean error 2
    p = paired_comparison("custodial_months", "m", cfg, "baseline", ref, resamples=1000, seed=1)
    assert p.error == pytest.approx(2.0) and p.reference_error == pytest.approx(4.0)
    assert p.diff == pytest.approx(-2.0) and p.ci_low <= -2.0 <= p.ci_high < 0 and p.verdict == "better"
    assert p.n_groups == 5 and p.share_better == 1.0
    again = paired_comparison("custodial_months", "m", cfg, "baseline", ref, resamples=1000, seed=1)
    assert again == p  # fixed seed
    import training.stats as stats

    chunked = stats.BOOTSTRAP_CELLS
    try:
        stats.BOOTSTRAP_CELLS = 7  # drawn a few resamples at a time: the same resamples, the same CI
        assert paired_comparison("custodial_months", "m", cfg, "baseline", ref, resamples=1000, seed=1) == p
    finally:
        stats.BOOTSTRAP_CELLS = chunked
    with pytest.raises(ValueError, match="same cases"):
        paired_comparison("custodial_months", "m", cfg.iloc[:5], "baseline", ref)


# ------------------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiny]:
    """The tiny experiment run into a fresh sqlite MLflow store, and its report; yields (client, run, report)."""
    from experiments.report import write_report
    from experiments.runner import run_experiment

    home = tmp_path_factory.mktemp("experiment-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPOSURE_HOME", str(home))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        definition = load_definition(_write(home, TINY, "tiny.yaml"))
        run = run_experiment(definition)
        out = home / "report"
        data = write_report("tiny", out)
        client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
        yield client, run, data, out, home


@pytest.mark.slow
def test_tiny_experiment_logs_parent_and_children_on_the_same_splits(tiny: Tiny) -> None:
    client, run, _, _, _ = tiny
    experiment = client.get_experiment_by_name("exposure-experiment-tiny")
    assert experiment is not None and experiment.experiment_id == run.experiment_id
    parent = client.get_run(run.parent_run_id)
    assert parent.info.status == "FINISHED" and parent.data.tags["exposure.kind"] == "experiment-parent"
    children = client.search_runs([run.experiment_id], f"tags.mlflow.parentRunId = '{run.parent_run_id}'")
    assert sorted(c.data.tags["config"] for c in children) == [
        "band_quantile",
        "baseline",
        "ridge:all",
        "ridge:no_law",
    ]
    assert len({c.data.tags["splits_digest"] for c in children}) == 1
    assert {c.info.status for c in children} == {"FINISHED"}
    for child in children:
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"oof.csv", "per_repeat.csv", "learning_curve.csv", "features.json"} <= artifacts
        # training's metric names, mean and spread over repeats, learning-curve history
        assert {"mae_months", "mae_months_sd", "lawbench_score", "coverage", "band_serious_mae_months"} <= set(
            child.data.metrics
        )
        history = client.get_metric_history(child.info.run_id, "lc_mae_months")
        assert [m.step for m in history] == [0, 1]


@pytest.mark.slow
def test_experiment_metrics_equal_training_cross_validation(tiny: Tiny) -> None:
    """The experiment's protocol is training's: same splits, same numbers for the same family on all features."""
    client, run, _, _, _ = tiny
    data = target_data(run.data.cases, "custodial_months")
    reference = cross_validate(data, "ridge", RepeatedGroupKFold(2, 2, 3), level=0.8, seed=3)
    child = client.get_run(run.child_run_ids[("custodial_months", "ridge:all")])
    for name, value in reference.metrics.items():
        assert child.data.metrics[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


@pytest.mark.slow
def test_report_numbers_are_the_child_runs_metrics(tiny: Tiny) -> None:
    client, run, data, out, _ = tiny
    for name in ("report.md", "report.html", "report.json", "paired_custodial_months.png"):
        assert (out / name).is_file(), name
    assert (out / "coverage_width_custodial_months.png").is_file()
    assert (out / "learning_curve_custodial_months.png").is_file()

    def no_nan(constant: str) -> None:
        raise AssertionError(f"report.json holds {constant}: not strict JSON")

    assert (
        json.loads((out / "report.json").read_text(), parse_constant=no_nan)["parent_run_id"] == run.parent_run_id
    )
    markdown = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    t = data["targets"]["custodial_months"]
    assert data["parent_run_id"] == run.parent_run_id and t["same_splits"]
    runs = {
        c.data.tags["config"]: c
        for c in client.search_runs([run.experiment_id], f"tags.mlflow.parentRunId = '{run.parent_run_id}'")
    }
    # leaderboard: mean and sd over repeats, exactly the logged metrics, and printed as such
    assert [r["config"] for r in t["leaderboard"]] == sorted(
        runs, key=lambda c: runs[c].data.metrics["mae_months"]
    )
    for row in t["leaderboard"]:
        logged = runs[row["config"]].data.metrics
        for metric in t["shown_metrics"]:
            assert row["metrics"][metric] == logged[metric]
            assert row["spread"][metric] == logged[f"{metric}_sd"]
        cell = f"{logged['mae_months']:.3f} ± {logged['mae_months_sd']:.3f}"
        line = next(x for x in markdown.splitlines() if x.startswith("| ") and f"`{row['config']}`" in x)
        assert cell in line
        assert cell in html
    # paired comparison from the oof artifacts reproduces the logged primary metric
    base = runs["baseline"].data.metrics["mae_months"]
    for p in t["paired_vs_baseline"]:
        assert p["reference"] == "baseline"
        assert p["error"] == pytest.approx(runs[p["config"]].data.metrics["mae_months"], rel=1e-9)
        assert p["reference_error"] == pytest.approx(base, rel=1e-9)
        assert p["diff"] == pytest.approx(p["error"] - p["reference_error"])
        assert p["ci_low"] <= p["diff"] <= p["ci_high"]
        assert f"{p['diff']:+.3f}" in markdown
    assert [(c["config"], c["reference"]) for c in t["feature_set_contrasts"]] == [("ridge:no_law", "ridge:all")]
    # breakdowns are the logged band metrics
    for config, bands in t["by_band"].items():
        logged = runs[config].data.metrics
        for band, values in bands.items():
            assert values["n"] == logged[f"band_{band}_n"]
            assert values["mae_months"] == logged[f"band_{band}_mae_months"]
            assert values["coverage"] == logged[f"band_{band}_coverage"]
    for config in t["by_category"]:
        assert sum(v["n"] for v in t["by_category"][config].values()) == runs[config].data.metrics["n_cases"]
    # learning curve: the full-data point is the main CV; the half-data point matches the logged history
    for config, curve in t["learning_curves"].items():
        full = curve["points"][-1]
        assert full["fraction"] == 1.0
        assert full["mean"] == pytest.approx(runs[config].data.metrics["mae_months"], rel=1e-9)
        history = client.get_metric_history(runs[config].info.run_id, "lc_mae_months")
        assert [h.value for h in sorted(history, key=lambda h: h.step)] == pytest.approx(
            [p["mean"] for p in curve["points"]]
        )
    head = data["headline"]["custodial_months"]
    assert head["best"] == t["leaderboard"][0]["config"]
    assert re.search(r"<table>.*</table>", html, re.S) and '<img src="paired_custodial_months.png"' in html


@pytest.mark.slow
def test_report_and_list_commands_read_the_store(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure.cli import app

    _, _, data, _, home = tiny
    monkeypatch.setenv("EXPOSURE_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    out = home / "cli-report"
    result = CliRunner().invoke(app, ["experiment", "report", "tiny", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "custodial_months: best" in result.output and (out / "report.md").is_file()
    again = json.loads((out / "report.json").read_text())
    assert (
        again["targets"]["custodial_months"]["leaderboard"]
        == json.loads(json.dumps(data))["targets"]["custodial_months"]["leaderboard"]
    )
    missing = CliRunner().invoke(app, ["experiment", "report", "never-run", "--out", str(home / "x")])
    assert missing.exit_code == 2 and "never-run" in missing.output
    listed = CliRunner().invoke(app, ["experiment", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "families" in listed.output and "feature_ablation" in listed.output
