"""Artifacts of a training run: plots (predicted vs actual, coverage by band, feature importance) and the
model card. Matplotlib runs headless (Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from training.evaluate import CVResult

UNITS = {"custodial_months": "months", "fine_yuan": "yuan", "awarded_total_yuan": "yuan", "probation": "P"}


def plot_predicted_vs_actual(result: CVResult, path: Path) -> None:
    y, point = result.oof["y"], result.oof["point"]
    fig, ax = plt.subplots(figsize=(5, 5))
    if result.target == "probation":
        ax.hist([point[y == 0], point[y == 1]], bins=10, label=["no probation", "probation"])  # not-law: bins
        ax.set_xlabel("predicted P(probation)")
        ax.legend()
    else:
        money = result.target != "custodial_months"
        low, high = result.oof["low"], result.oof["high"]
        ax.errorbar(
            y, point, yerr=[np.maximum(point - low, 0), np.maximum(high - point, 0)], fmt="o", alpha=0.5, ms=3
        )
        lim = [min(y.min(), point.min()) + (1 if money else 0), max(y.max(), point.max()) * 1.05]
        ax.plot(lim, lim, "k--", lw=1)
        if money:
            ax.set_xscale("symlog")
            ax.set_yscale("symlog")
        ax.set_xlabel(f"actual ({UNITS[result.target]})")
        ax.set_ylabel(f"predicted, out of fold ({UNITS[result.target]})")
    ax.set_title(f"{result.target}: {result.family}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_coverage_by_band(result: CVResult, level: float, path: Path) -> None:
    bands = list(result.by_band)
    cov = [result.by_band[b]["coverage"] for b in bands]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(bands, cov)
    ax.axhline(level, color="k", ls="--", lw=1, label=f"stated level {level:.0%}")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("interval coverage (out of fold)")
    ax.legend()
    ax.set_title(f"{result.target}: coverage by band ({result.family})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def feature_importance(estimator: Any) -> dict[str, float]:
    """Importance per feature for families that have it (LightGBM gain, forest impurity, |ridge coef|)."""
    model = getattr(estimator, "model_", None)
    names = getattr(estimator, "feature_names_", None) or [
        str(n) for n in estimator.featurizer_.get_feature_names_out()
    ]
    if model is None:
        return {}
    if hasattr(model, "booster_"):
        values = model.booster_.feature_importance(importance_type="gain")
    elif hasattr(model, "feature_importances_"):
        values = model.feature_importances_
    elif hasattr(model, "__getitem__") and hasattr(model[-1], "coef_"):
        values = np.abs(np.ravel(model[-1].coef_))
    else:
        return {}
    return {str(n): float(v) for n, v in zip(names, values, strict=False)}


def plot_feature_importance(importance: dict[str, float], title: str, path: Path) -> None:
    top = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:15]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.barh([k for k, _ in reversed(top)], [v for _, v in reversed(top)])
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def model_card(
    target: str,
    family: str,
    result: CVResult,
    level: float,
    data_name: str,
    data_digest: str,
    n_rows: int,
    features: list[str],
) -> str:
    lines = [
        f"# Model card: exposure-{target} ({family})",
        "",
        "## Intended use",
        "Estimating the likely outcome of a Chinese personal-information case (Criminal Law Art. 253-1; PIPL Arts."
        " 69-70; Anti-Unfair Competition Law) for litigators and researchers, as one input among others.",
        "**Non-binding**: this is a statistical estimate from past cases, not legal advice. Under the SPC similar-"
        "case guidance only guiding cases bind; every reference case is reference only.",
        "",
        "## Data",
        f"- data set `{data_name}` (digest `{data_digest}`), {n_rows} labelled rows, grouped by judgment.",
        "- hand-coded from public court, procuratorate and press reports; press reports and shared figures among"
        " co-defendants are noise the model lives with.",
        "",
        f"## Metrics (repeated grouped K-fold, out of fold; intervals at {level:.0%})",
        "| metric | mean | spread (sd over repeats) |",
        "|---|---|---|",
    ]
    for k, v in result.metrics.items():
        lines.append(f"| {k} | {v:.4g} | {result.spread.get(k, float('nan')):.3g} |")
    if result.by_band:
        lines += [
            "",
            "### By band / proceeding (first repeat)",
            "| band | n | coverage | primary error |",
            "|---|---|---|---|",
        ]
        for band, m in result.by_band.items():
            err = m.get("mae_months", m.get("mae_log10_yuan", float("nan")))
            lines.append(f"| {band} | {m['n']:.0f} | {m['coverage']:.2f} | {err:.3g} |")
    lines += [
        "",
        "## Features",
        ", ".join(features),
        "",
        "## Limits",
        "- Small data: ranges are wide and honest about it; coverage per band is measured on few cases.",
        "- Outcomes outside the legal range of the statutory band are clipped to it (Art. 63 mitigation lowers the"
        " floor when surrender, accessory role or attempt is stated).",
        "- Facts not stated in the sources are unknown, not absent; the model treats unknown flags as not present.",
    ]
    return "\n".join(lines) + "\n"


def estimator_card(info: dict[str, Any], decisions: dict[str, dict[str, Any]], data_name: str) -> str:
    """The model card of a kind's estimator (the registered model): what each target's part is, why it was chosen,
    its cross-validated figures, the data and the law table it was trained under."""
    kind = info["kind"]
    lines = [
        f"# Model card: exposure-{kind}",
        "",
        "## Intended use",
        "Estimating the likely outcome of a Chinese personal-information case (Criminal Law Art. 253-1; PIPL Arts."
        " 69-70; Anti-Unfair Competition Law) for litigators and researchers, as one input among others.",
        "**Non-binding**: this is a statistical estimate from past cases, not legal advice. Under the SPC similar-"
        "case guidance courts shall refer to guiding cases; every other reference case is reference only.",
        "",
        "## Data",
        f"- data set `{data_name}`: {info['data']['n_cases']} {kind} cases, digest `{info['data']['digest']}`.",
        f"- law table digest `{info['law_digest']}`; featurization digest `{info['features_digest']}`.",
        "",
        "## Parts (one featurization, one law table)",
        "| target | family | training cases | why | primary figures (CV) |",
        "|---|---|---|---|---|",
    ]
    for target, part in info["targets"].items():
        decision = decisions.get(target, {})
        figures = ", ".join(
            f"{k} {v:.3g}"
            for k, v in decision.get("metrics", {}).items()
            if k in ("mae_months", "mae_log10_yuan", "brier", "coverage", "winkler_months", "winkler_log10_yuan")
        )
        why = str(decision.get("reason", "told as its base rate")).replace("|", "/")
        lines.append(f"| {target} | {part['family']} | {part['n_train']} | {why} | {figures or '-'} |")
    return "\n".join(lines) + "\n"
