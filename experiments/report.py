"""``exposure experiment report NAME``: a markdown + HTML report (with PNG plots and ``report.json``) built only
from the MLflow runs of the experiment's latest finished parent run (or a given one).

Every number comes from the runs: leaderboards from the child runs' metrics (mean and sd over repeats), paired
comparisons and learning curves from their artifacts (``oof.csv``, ``learning_curve.csv``).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Run

from experiments import render
from experiments.definition import EXPERIMENT_PREFIX, Definition, metric_names, parse_definition
from experiments.runner import CHILD_KIND, KIND_TAG, PARENT_KIND, client_for
from experiments.stats import curve_verdict, learning_curve, paired_comparison
from training.metrics import PRIMARY_METRIC

UNITS = {
    "custodial_months": "months",
    "fine_yuan": "log10 yuan",
    "awarded_total_yuan": "log10 yuan",
    "probation": "Brier score",
}
HIGHER_IS_BETTER = {"lawbench_score", "cail_bucket_score", "auc"}
PNG_METADATA = {"Software": None}  # keep regenerated plots byte-stable across matplotlib builds


class ReportError(ValueError):
    """No runs to report on."""


@dataclass
class ChildRun:
    run_id: str
    target: str
    config: str
    family: str
    feature_set: str
    params: str
    n_features: int
    splits_digest: str
    metrics: dict[str, float]
    oof: pd.DataFrame
    curve: pd.DataFrame | None


@dataclass
class ExperimentRuns:
    name: str
    parent: Run
    definition: Definition
    children: list[ChildRun] = field(default_factory=list)

    def of(self, target: str) -> list[ChildRun]:
        return [c for c in self.children if c.target == target]


def _download_csv(client: MlflowClient, run_id: str, name: str, folder: Path) -> pd.DataFrame | None:
    names = {a.path for a in client.list_artifacts(run_id)}
    if name not in names:
        return None
    local = client.download_artifacts(run_id, name, str(folder))
    return pd.read_csv(local, keep_default_na=True, dtype={"case_id": str, "group_id": str})


def load_runs(name: str, run_id: str | None = None, uri: str | None = None) -> ExperimentRuns:
    """The parent run (latest finished, or ``run_id``), its definition and every child run with artifacts."""
    client = client_for(uri)
    experiment = client.get_experiment_by_name(EXPERIMENT_PREFIX + name)
    if experiment is None:
        raise ReportError(f"no runs of experiment {name!r}; run `exposure experiment run {name}` first")
    if run_id:
        parent = client.get_run(run_id)
        if parent.info.experiment_id != experiment.experiment_id:
            raise ReportError(f"run {run_id} is not a run of experiment {name!r}")
    else:
        found = client.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.`{KIND_TAG}` = '{PARENT_KIND}' and attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        if not found:
            raise ReportError(f"experiment {name!r} has no finished run; run `exposure experiment run {name}`")
        parent = found[0]
    pid = parent.info.run_id
    children_runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{pid}' and tags.`{KIND_TAG}` = '{CHILD_KIND}'",
        max_results=5000,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = json.loads(Path(client.download_artifacts(pid, "definition.json", str(folder))).read_text("utf-8"))
        definition = parse_definition(raw, f"run {pid}: definition.json")
        runs = ExperimentRuns(name, parent, definition)
        for child in children_runs:
            sub = folder / child.info.run_id
            sub.mkdir()
            oof = _download_csv(client, child.info.run_id, "oof.csv", sub)
            if oof is None:
                raise ReportError(f"child run {child.info.run_id} has no oof.csv artifact")
            tags, params = child.data.tags, child.data.params
            runs.children.append(
                ChildRun(
                    run_id=child.info.run_id,
                    target=tags["target"],
                    config=tags["config"],
                    family=tags["family"],
                    feature_set=tags["feature_set"],
                    params=params.get("params", "{}"),
                    n_features=int(params.get("n_features", "0")),
                    splits_digest=tags.get("splits_digest", ""),
                    metrics=dict(child.data.metrics),
                    oof=oof,
                    curve=_download_csv(client, child.info.run_id, "learning_curve.csv", sub),
                )
            )
    order = {(c.target, c.label): i for i, c in enumerate(definition.configs())}
    runs.children.sort(key=lambda c: order.get((c.target, c.config), len(order)))
    return runs


# ------------------------------------------------------------------------------------------------ numbers
def fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{round(value, digits) + 0.0:.{digits}f}"


def _signed(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{round(value, 3) + 0.0:+.3f}"  # no "-0.000"


def _width_metric(target: str) -> str:
    return "mean_width_months" if target == "custodial_months" else "mean_width_log10_yuan"


def _leaderboard(runs: ExperimentRuns, target: str) -> list[dict[str, Any]]:
    primary = PRIMARY_METRIC[target]
    shown = runs.definition.shown_metrics(target)
    rows = []
    for child in runs.of(target):
        rows.append(
            {
                "config": child.config,
                "family": child.family,
                "feature_set": child.feature_set,
                "params": json.loads(child.params),
                "n_features": child.n_features,
                "run_id": child.run_id,
                "metrics": {m: child.metrics.get(m, float("nan")) for m in shown},
                "spread": {m: child.metrics.get(f"{m}_sd", float("nan")) for m in shown},
            }
        )
    return sorted(rows, key=lambda r: (math.isnan(r["metrics"][primary]), r["metrics"][primary]))


def _breakdown(child: ChildRun, prefix: str, target: str) -> dict[str, dict[str, float]]:
    primary = PRIMARY_METRIC[target]
    values = [k[len(prefix) + 1 : -2] for k in child.metrics if k.startswith(prefix + "_") and k.endswith("_n")]
    out: dict[str, dict[str, float]] = {}
    for value in sorted(values):
        key = f"{prefix}_{value}"
        entry = {"n": child.metrics[f"{key}_n"], primary: child.metrics.get(f"{key}_{primary}", float("nan"))}
        if target != "probation":
            entry["coverage"] = child.metrics.get(f"{key}_coverage", float("nan"))
            entry["mean_width"] = child.metrics.get(f"{key}_{_width_metric(target)}", float("nan"))
        out[value] = entry
    return out


def _contrast_groups(children: Sequence[ChildRun]) -> list[tuple[ChildRun, ChildRun]]:
    """(configuration, same family and parameters on the `all` feature set) pairs: the feature ablation."""
    by_model: dict[tuple[str, str], dict[str, ChildRun]] = {}
    for child in children:
        if child.family == "baseline":
            continue
        by_model.setdefault((child.family, child.params), {})[child.feature_set] = child
    pairs = []
    for sets in by_model.values():
        if len(sets) < 2 or "all" not in sets:
            continue
        pairs += [(child, sets["all"]) for name, child in sets.items() if name != "all"]
    return pairs


def compute(runs: ExperimentRuns) -> dict[str, Any]:
    """Every number of the report, as JSON-ready data."""
    d = runs.definition
    params = runs.parent.data.params
    out: dict[str, Any] = {
        "experiment": runs.name,
        "description": d.description,
        "parent_run_id": runs.parent.info.run_id,
        "mlflow_experiment": d.experiment_name,
        "data": params.get("data", ""),
        "data_digest": params.get("data_digest", ""),
        "data_counts": json.loads(params.get("data_counts", "{}")),
        "folds": d.cv.folds,
        "repeats": d.cv.repeats,
        "seed": d.seed,
        "level": d.level,
        "bootstrap": d.bootstrap.model_dump(),
        "targets": {},
    }
    for target in d.targets:
        children = runs.of(target)
        if not children:
            continue
        primary = PRIMARY_METRIC[target]
        baseline = next((c for c in children if c.family == "baseline"), None)
        paired: list[dict[str, Any]] = []
        contrasts: list[dict[str, Any]] = []
        notes: list[str] = []
        seed, resamples, ci = d.seed, d.bootstrap.resamples, d.bootstrap.ci
        against_baseline = [(c, baseline) for c in children if baseline is not None and c is not baseline]
        for found, pairs in ((paired, against_baseline), (contrasts, _contrast_groups(children))):
            for child, reference in pairs:
                try:
                    p = paired_comparison(
                        target, child.config, child.oof, reference.config, reference.oof, resamples, ci, seed
                    )
                except ValueError as exc:
                    notes.append(str(exc))
                    continue
                found.append(p.as_dict())
        curves: dict[str, Any] = {}
        for child in children:
            if child.curve is None or child.curve["fraction"].nunique() < 2:
                continue
            verdict = curve_verdict(child.curve, primary)
            if verdict is not None and child.family == "baseline":
                verdict.verdict = "rules only: does not learn from the data (a reference line)"
            curves[child.config] = {
                "points": [vars(p) for p in learning_curve(child.curve, primary)],
                "verdict": verdict.as_dict() if verdict else None,
            }
        first = children[0].metrics
        out["targets"][target] = {
            "primary_metric": primary,
            "units": UNITS[target],
            "n_cases": first.get("n_cases"),
            "n_groups": first.get("n_groups"),
            "splits_digest": children[0].splits_digest,
            "same_splits": len({c.splits_digest for c in children}) == 1,
            "shown_metrics": d.shown_metrics(target),
            "leaderboard": _leaderboard(runs, target),
            "paired_vs_baseline": paired,
            "feature_set_contrasts": contrasts,
            "by_band": {c.config: _breakdown(c, "band", target) for c in children},
            "by_category": {c.config: _breakdown(c, "category", target) for c in children},
            "learning_curves": curves,
            "notes": notes,
        }
    out["headline"] = _headline(out)
    return out


def _headline(data: dict[str, Any]) -> dict[str, Any]:
    """Per target: the best configuration, the baseline, the paired difference and the curve verdict."""
    heads: dict[str, Any] = {}
    for target, t in data["targets"].items():
        primary = t["primary_metric"]
        board = t["leaderboard"]
        best = board[0]
        base = next((r for r in board if r["family"] == "baseline"), None)
        head: dict[str, Any] = {
            "metric": primary,
            "best": best["config"],
            "best_mean": best["metrics"][primary],
            "best_sd": best["spread"][primary],
        }
        if base is not None:
            head.update(baseline_mean=base["metrics"][primary], baseline_sd=base["spread"][primary])
        paired = next((p for p in t["paired_vs_baseline"] if p["config"] == best["config"]), None)
        if paired is not None:
            head["paired"] = {k: paired[k] for k in ("diff", "ci_low", "ci_high", "ci", "verdict")}
        if t["feature_set_contrasts"]:
            head["contrasts"] = [
                {k: c[k] for k in ("config", "reference", "diff", "ci_low", "ci_high", "verdict")}
                for c in t["feature_set_contrasts"]
            ]
        curve = t["learning_curves"].get(best["config"])
        if curve and curve["verdict"]:
            head["learning_curve"] = {
                "config": best["config"],
                "n_train": [p["n_train"] for p in curve["points"]],
                "mean": [p["mean"] for p in curve["points"]],
                "verdict": curve["verdict"]["verdict"],
                "per_doubling": curve["verdict"]["per_doubling"],
                "per_doubling_se": curve["verdict"]["per_doubling_se"],
            }
        heads[target] = head
    return heads


# ------------------------------------------------------------------------------------------------ plots
def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata=PNG_METADATA)
    plt.close(fig)


def plot_coverage_width(target: str, t: dict[str, Any], runs: ExperimentRuns, level: float, path: Path) -> None:
    width = _width_metric(target)
    fig, ax = plt.subplots(figsize=(6, 4))
    for child in runs.of(target):
        m = child.metrics
        ax.errorbar(
            m.get(width, float("nan")),
            m.get("coverage", float("nan")),
            xerr=m.get(f"{width}_sd", 0.0),
            yerr=m.get("coverage_sd", 0.0),
            fmt="o",
            capsize=3,
            label=child.config,
        )
    ax.axhline(level, color="k", ls="--", lw=1, label=f"stated level {level:.0%}")
    ax.set_xlabel(f"mean interval width ({'months' if target == 'custodial_months' else 'log10 yuan'})")
    ax.set_ylabel("coverage (out of fold)")
    ax.set_title(f"{target}: coverage vs width (mean ± sd over repeats)")
    ax.legend(fontsize=7, loc="best")
    _save(fig, path)


def plot_paired(target: str, comparisons: list[dict[str, Any]], title: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 1.6 + 0.4 * len(comparisons)))
    labels = [f"{c['config']} vs {c['reference']}" for c in comparisons]
    for i, c in enumerate(comparisons):
        color = "tab:green" if c["verdict"] == "better" else "tab:red" if c["verdict"] == "worse" else "tab:gray"
        ax.errorbar(
            c["diff"],
            i,
            xerr=[[c["diff"] - c["ci_low"]], [c["ci_high"] - c["diff"]]],
            fmt="o",
            color=color,
            capsize=3,
        )
    ax.axvline(0, color="k", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"difference in {PRIMARY_METRIC[target]} ({UNITS[target]}); negative = better")
    ax.set_title(title, fontsize=10)
    _save(fig, path)


def plot_learning_curves(target: str, curves: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for config, curve in curves.items():
        n = [p["n_train"] for p in curve["points"]]
        mean = [p["mean"] for p in curve["points"]]
        sd = [p["sd"] for p in curve["points"]]
        line = ax.plot(n, mean, marker="o", label=config)[0]
        ax.fill_between(
            n,
            [m - s for m, s in zip(mean, sd, strict=True)],
            [m + s for m, s in zip(mean, sd, strict=True)],
            color=line.get_color(),
            alpha=0.15,
        )
    ax.set_xlabel("training cases per fold (mean)")
    ax.set_ylabel(f"{PRIMARY_METRIC[target]} ({UNITS[target]}), lower is better")
    ax.set_title(f"{target}: learning curve (mean ± sd over repeats)")
    ax.legend(fontsize=7)
    _save(fig, path)


# ------------------------------------------------------------------------------------------------ document
def _paired_rows(comparisons: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            f"`{c['config']}`",
            f"`{c['reference']}`",
            fmt(c["error"]),
            fmt(c["reference_error"]),
            _signed(c["diff"]),
            f"[{_signed(c['ci_low'])}, {_signed(c['ci_high'])}]",
            f"{c['share_better']:.0%}",
            c["verdict"],
        ]
        for c in comparisons
    ]


PAIRED_HEADER = [
    "config",
    "reference",
    "error",
    "reference error",
    "difference",
    "CI",
    "resamples better",
    "verdict",
]


def document(data: dict[str, Any], runs: ExperimentRuns, out: Path) -> list[render.Block]:
    B: list[render.Block] = []
    d = runs.definition
    ci = f"{d.bootstrap.ci:.0%}"
    B.append(render.Heading(1, f"Experiment `{data['experiment']}`"))
    if data["description"]:
        B.append(render.Para(data["description"].strip()))
    counts = ", ".join(f"{k}: {v}" for k, v in data["data_counts"].items())
    B.append(
        render.Para(
            f"Generated by `exposure experiment report {data['experiment']}` from MLflow parent run "
            f"`{data['parent_run_id']}` (experiment `{data['mlflow_experiment']}`). Data `{data['data']}` "
            f"({counts} cases; digest `{data['data_digest']}`). Every configuration was evaluated on the same "
            f"{data['repeats']}x repeated grouped {data['folds']}-fold cross-validation (seed {data['seed']}; "
            "co-defendants of one judgment never straddle train and test); intervals at "
            f"{data['level']:.0%}. Every number below is read from the runs' metrics and artifacts."
        )
    )
    B.append(render.Heading(2, "Headline"))
    items = []
    for target, h in data["headline"].items():
        metric = h["metric"]
        text = f"**{target}** ({metric}, {UNITS[target]}, lower is better): best `{h['best']}` {fmt(h['best_mean'])} ± {fmt(h['best_sd'])}"
        if "baseline_mean" in h:
            text += f" vs statutory baseline {fmt(h['baseline_mean'])} ± {fmt(h['baseline_sd'])}"
        if "paired" in h:
            p = h["paired"]
            text += f"; paired difference {_signed(p['diff'])} ({ci} CI [{_signed(p['ci_low'])}, {_signed(p['ci_high'])}], {p['verdict']})"
        for c in h.get("contrasts", []):
            text += (
                f"; `{c['config']}` vs `{c['reference']}` {_signed(c['diff'])} "
                f"([{_signed(c['ci_low'])}, {_signed(c['ci_high'])}], {c['verdict']})"
            )
        if "learning_curve" in h:
            lc = h["learning_curve"]
            pts = ", ".join(f"{fmt(m)} at n={n:.0f}" for n, m in zip(lc["n_train"], lc["mean"], strict=True))
            text += (
                f"; learning curve {pts} ({_signed(lc['per_doubling'])} ± {fmt(lc['per_doubling_se'])} per doubling):"
                f" {lc['verdict']}"
            )
        items.append(text + ".")
    B.append(render.Bullets(items))

    for target, t in data["targets"].items():
        primary = t["primary_metric"]
        B.append(render.Heading(2, f"{target}"))
        B.append(
            render.Para(
                f"{t['n_cases']:.0f} labelled rows in {t['n_groups']:.0f} judgments; primary metric `{primary}` "
                f"({UNITS[target]}, lower is better); splits digest `{t['splits_digest']}`"
                + ("" if t["same_splits"] else " (**warning: the child runs do not share splits**)")
                + "."
            )
        )
        # leaderboard
        shown = t["shown_metrics"]
        B.append(render.Heading(3, f"Leaderboard (mean ± sd over {data['repeats']} repeats)"))
        header = ["#", "config", "features", *[m + (" ↑" if m in HIGHER_IS_BETTER else "") for m in shown]]
        rows = []
        for i, r in enumerate(t["leaderboard"], start=1):
            feats = "rules only" if r["family"] == "baseline" else f"{r['feature_set']} ({r['n_features']})"
            rows.append(
                [
                    str(i),
                    f"`{r['config']}`",
                    feats,
                    *[f"{fmt(r['metrics'][m])} ± {fmt(r['spread'][m])}" for m in shown],
                ]
            )
        B.append(render.Table(header, rows, ["r", "l", "l", *["r"] * len(shown)]))
        B.append(
            render.Para(
                "↑ higher is better; the other columns are errors (lower is better)"
                + ("" if target == "probation" else ", except `coverage` (best close to the stated level)")
                + "."
            )
        )
        # paired
        B.append(render.Heading(3, "Paired comparison against the statutory baseline"))
        if t["paired_vs_baseline"]:
            B.append(
                render.Para(
                    f"Per-case {primary} of each configuration minus that of `baseline` on the same out-of-fold rows "
                    f"(each case's error averaged over repeats); {ci} CI of the mean difference from "
                    f"{d.bootstrap.resamples} bootstrap resamples of judgments (seed {d.seed}). Negative = better than "
                    "the statutory baseline; `better`/`worse` when the CI excludes 0."
                )
            )
            B.append(
                render.Table(PAIRED_HEADER, _paired_rows(t["paired_vs_baseline"]), ["l", "l", *["r"] * 5, "l"])
            )
            name = f"paired_{target}.png"
            plot_paired(
                target, t["paired_vs_baseline"], f"{target}: paired difference vs baseline ({ci} CI)", out / name
            )
            B.append(render.Image(name, f"{target} paired differences"))
        else:
            B.append(render.Para("No configuration to compare with the baseline."))
        if t["feature_set_contrasts"]:
            B.append(render.Heading(3, "Feature-set ablation (paired, against the same model on all features)"))
            B.append(
                render.Table(PAIRED_HEADER, _paired_rows(t["feature_set_contrasts"]), ["l", "l", *["r"] * 5, "l"])
            )
            name = f"ablation_{target}.png"
            plot_paired(
                target, t["feature_set_contrasts"], f"{target}: feature sets vs all features ({ci} CI)", out / name
            )
            B.append(render.Image(name, f"{target} feature-set contrasts"))
        for note in t["notes"]:
            B.append(render.Para(f"Not compared: {note}."))
        # coverage vs width
        if target != "probation":
            B.append(render.Heading(3, "Coverage vs width"))
            name = f"coverage_width_{target}.png"
            plot_coverage_width(target, t, runs, data["level"], out / name)
            B.append(
                render.Para(
                    f"Conformal intervals at a stated {data['level']:.0%}: a configuration is better when it reaches "
                    "the level with narrower intervals (further left on the dashed line)."
                )
            )
            B.append(render.Image(name, f"{target} coverage vs width"))
        # breakdowns
        for key, title, explain in (
            (
                "by_band",
                "Error by statutory band / proceeding",
                "band of Interp. 2017 Art. 5 (criminal) or proceeding (civil)",
            ),
            (
                "by_category",
                "Error by data-type category",
                "most sensitive Interp. 2017 threshold category among the case's data types: A (50/500 records), "
                "B (500/5,000), C (5,000/50,000), `unstated` when no data type is known",
            ),
        ):
            B.append(render.Heading(3, title))
            tables = t[key]
            values = sorted({v for per in tables.values() for v in per})
            if not values:
                continue
            ns = {v: next(per[v]["n"] for per in tables.values() if v in per) for v in values}
            header = ["config", *[f"{v} (n={ns[v]:.0f})" for v in values]]
            rows = []
            for config, per in tables.items():
                cells = []
                for v in values:
                    e = per.get(v)
                    if e is None:
                        cells.append("")
                    elif target == "probation":
                        cells.append(fmt(e[primary]))
                    else:
                        cells.append(
                            f"{fmt(e[primary])} (cov {fmt(e['coverage'], 2)}, w {fmt(e['mean_width'], 1)})"
                        )
                rows.append([f"`{config}`", *cells])
            B.append(
                render.Para(
                    f"{primary} per {explain}, pooled over repeats"
                    + ("" if target == "probation" else "; cov = interval coverage, w = mean width")
                    + "."
                )
            )
            B.append(render.Table(header, rows))
        # learning curve
        B.append(render.Heading(3, "Learning curve"))
        curves = t["learning_curves"]
        if not curves:
            B.append(
                render.Para(
                    "This experiment has no learning curve: add `learning_curve: {fractions: [0.3, 0.5, 0.7, 1.0]}` "
                    "to the definition (see `experiments/definitions/learning_curve.yaml`)."
                )
            )
            continue
        first = next(iter(curves.values()))
        fractions = [p["fraction"] for p in first["points"]]
        header = ["config", *[f"{f:.0%}" for f in fractions], "per doubling", "last step", "verdict"]
        rows = []
        for config, curve in curves.items():
            by_fraction = {p["fraction"]: p for p in curve["points"]}
            cells = [
                f"{fmt(by_fraction[f]['mean'])} ± {fmt(by_fraction[f]['sd'])} (n={by_fraction[f]['n_train']:.0f})"
                if f in by_fraction
                else ""
                for f in fractions
            ]
            v = curve["verdict"] or {}
            nan = float("nan")
            rows.append(
                [
                    f"`{config}`",
                    *cells,
                    f"{_signed(v.get('per_doubling', nan))} ± {fmt(v.get('per_doubling_se', nan))}",
                    f"{_signed(v.get('last_step_change', nan))} ± {fmt(v.get('last_step_se', nan))}",
                    v.get("verdict", ""),
                ]
            )
        B.append(
            render.Para(
                f"{primary} when training on a fraction of each training fold's judgments (nested subsets, the same "
                "for every configuration; the same test folds); n = mean training rows per fold. `per doubling` is the "
                "slope of the metric against log2(training cases) over the whole curve and `last step` the change "
                "from the previous fraction to the full folds, both mean ± standard error over repeats. A slope "
                "below -2 standard errors says the metric improves with data; `still improving` when the last step "
                "improved too."
            )
        )
        B.append(render.Table(header, rows, ["l", *["r"] * (len(fractions) + 2), "l"]))
        name = f"learning_curve_{target}.png"
        plot_learning_curves(target, curves, out / name)
        B.append(render.Image(name, f"{target} learning curve"))

    B.append(render.Heading(2, "Method and caveats"))
    B.append(
        render.Bullets(
            [
                "Metrics are those of training (`training/metrics.py`): per repeat on the pooled out-of-fold rows, "
                "then mean and sd (ddof 0) over repeats; money is scored on log10(1 + yuan).",
                "Choosing the best of several configurations on the same folds is optimistic; "
                "a grid's winner needs a fresh evaluation before it is trusted.",
                "Small data: a few judgments move these numbers; read the CIs, not only the means.",
                "Estimates are non-binding statistics from past cases, not legal advice.",
            ]
        )
    )
    return B


def _json_safe(value: Any) -> Any:
    """NaN/inf (a metric undefined on these rows, e.g. AUC with one class) as null: report.json is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def write_report(name: str, out: Path, run_id: str | None = None, uri: str | None = None) -> dict[str, Any]:
    """Build the report of experiment ``name`` into ``out`` (report.md, report.html, report.json, PNGs)."""
    runs = load_runs(name, run_id, uri)
    if not runs.children:
        raise ReportError(f"run {runs.parent.info.run_id} of {name!r} has no child runs")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    data = compute(runs)
    blocks = document(data, runs, out)
    (out / "report.md").write_text(render.to_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(render.to_html(blocks, f"Experiment {name}"), encoding="utf-8")
    (out / "report.json").write_text(
        json.dumps(_json_safe(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    return data


__all__ = ["ReportError", "compute", "load_runs", "metric_names", "write_report"]
