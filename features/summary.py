"""Summary of a case set: counts, outcome distributions and missing-value shares per field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from features.law.schema import CivilCase, CriminalCase

CaseModel = CriminalCase | CivilCase


def _describe(values: Sequence[float]) -> dict[str, float | int]:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return {"n": 0}
    q = np.quantile(arr, [0.1, 0.25, 0.5, 0.75, 0.9])
    return {
        "n": int(arr.size),
        "min": float(arr.min()),
        "p10": float(q[0]),
        "p25": float(q[1]),
        "median": float(q[2]),
        "p75": float(q[3]),
        "p90": float(q[4]),
        "max": float(arr.max()),
        "mean": float(arr.mean()),
    }


def _missing(cases: Sequence[CaseModel]) -> dict[str, float]:
    if not cases:
        return {}
    fields = type(cases[0]).model_fields
    out: dict[str, float] = {}
    for name in fields:
        missing = 0
        for case in cases:
            value = getattr(case, name)
            if value is None or (isinstance(value, list | dict) and not value):
                missing += 1
        out[name] = round(missing / len(cases), 3)
    return out


def summarize(cases: Sequence[CaseModel]) -> dict[str, Any]:
    """A JSON-able summary of the cases (criminal: per defendant; civil: per judgment)."""
    criminal = [c for c in cases if isinstance(c, CriminalCase)]
    civil = [c for c in cases if isinstance(c, CivilCase)]
    from features.law.statutory import statutory_band

    results = [statutory_band(c) for c in criminal]
    bands = Counter(r.band.value + ("" if r.band_certain else "?") for r in results)
    custodial = [c.custodial_months for c in criminal if c.custodial_months is not None]
    out: dict[str, Any] = {
        "counts": {
            "criminal_rows": len(criminal),
            "criminal_judgments": len({c.group_id for c in criminal}),
            "civil_rows": len([c for c in civil if c.proceeding == "civil"]),
            "public_interest_rows": len([c for c in civil if c.proceeding == "public_interest"]),
        },
        "criminal": {
            "statutory_band": dict(sorted(bands.items())),
            "custodial_months": _describe(custodial),
            "penalty_type": dict(
                Counter(
                    "imprisonment"
                    if c.prison_months
                    else "detention"
                    if c.detention_months
                    else "exempt"
                    if c.exempt_from_punishment
                    else "fine_only"
                    if c.fine_yuan is not None
                    else "unknown"
                    for c in criminal
                )
            ),
            "probation_share": round(
                sum(1 for c in criminal if c.probation_months) / max(1, len([c for c in criminal if custodial])),
                3,
            ),
            "fine_yuan": _describe([c.fine_yuan for c in criminal if c.fine_yuan is not None]),
            "missing_share": _missing(criminal),
        },
        "civil": {
            "claim_type": dict(Counter(str(c.claim_type.value if c.claim_type else None) for c in civil)),
            "awarded_total_yuan": _describe(
                [c.awarded_total_yuan for c in civil if c.awarded_total_yuan is not None]
            ),
            "rejected_share": round(
                sum(1 for c in civil if c.awarded_total_yuan == 0)
                / max(1, sum(1 for c in civil if c.awarded_total_yuan is not None)),
                3,
            ),
            "missing_share": _missing(civil),
        },
    }
    return out


def render_summary(report: dict[str, Any]) -> None:
    """Print the summary as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = Table(title="Cases")
    counts.add_column("what")
    counts.add_column("n", justify="right")
    for key, value in report["counts"].items():
        counts.add_row(key, str(value))
    console.print(counts)
    for section, fields in (
        ("criminal", ("custodial_months", "fine_yuan")),
        ("civil", ("awarded_total_yuan",)),
    ):
        dist = Table(title=f"{section}: outcome distributions")
        dist.add_column("outcome")
        for col in ("n", "min", "p25", "median", "p75", "max", "mean"):
            dist.add_column(col, justify="right")
        for name in fields:
            d = report[section][name]
            dist.add_row(
                name,
                *[f"{d[c]:,.1f}" if c in d else "-" for c in ("n", "min", "p25", "median", "p75", "max", "mean")],
            )
        console.print(dist)
    extra = Table(title="criminal: bands (? = uncertain) and penalty types")
    extra.add_column("what")
    extra.add_column("n", justify="right")
    for k, v in report["criminal"]["statutory_band"].items():
        extra.add_row(f"band {k}", str(v))
    for k, v in report["criminal"]["penalty_type"].items():
        extra.add_row(f"penalty {k}", str(v))
    extra.add_row("probation share of custodial", f"{report['criminal']['probation_share']:.1%}")
    extra.add_row("civil: rejected share", f"{report['civil']['rejected_share']:.1%}")
    console.print(extra)
    miss = Table(title="missing-value share per field")
    miss.add_column("field")
    miss.add_column("criminal", justify="right")
    miss.add_column("civil", justify="right")
    names = list(dict.fromkeys([*report["criminal"]["missing_share"], *report["civil"]["missing_share"]]))
    for name in names:
        c = report["criminal"]["missing_share"].get(name)
        v = report["civil"]["missing_share"].get(name)
        miss.add_row(name, "-" if c is None else f"{c:.0%}", "-" if v is None else f"{v:.0%}")
    console.print(miss)
