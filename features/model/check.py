"""The deviation check: where a proposed or actual sentence (or a civil award) falls in an estimate's predictive
distribution.

The SPC's smart-court systems warn judges when a draft sentence deviates from similar cases (偏离度预警); this is the
same question for the parties: is the prosecutor's recommendation (量刑建议) in line with similar cases, was the
sentence excessive (量刑畸重). The estimator supplies P(outcome < value) and P(outcome <= value) from its conformal
predictive distribution and its ranges at :data:`LEVELS`; this module places the value:

- ``percentile``: 100 x (P(outcome < value) + P(outcome = value) / 2), the mid-distribution percentile, so that a
  value at a mass point (many past terms of exactly 36 months) sits in the middle of that mass;
- whether the value lies outside each range, and where it stands against the band's legal range (Criminal Law Art.
  253-1) or the claim;
- a plain sentence: "30 months is longer than 7 of 10 estimates for cases like this; inside the 80% range (...)".

:class:`Sentence` and :class:`Award` are the values checked, validated against the law table (probation only for
terms up to the limit of Criminal Law Art. 72, periods of Art. 73). Units: months, yuan, probabilities in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from features.law.schema import MAX_YUAN
from features.law.table import load_law_table

LEVELS = (0.8, 0.95)  # not-law: the coverages a value is checked against
TENTHS = 10  # not-law: "7 of 10 estimates"
MASS_SHOWN = 0.1  # not-law: a mass point this large is named ("3 of 10 are exactly 36 months")
PERCENTILE_DIGITS = 1
PROBABILITY_DIGITS = 3
MAX_MONTHS = 300  # not-law: the schema's bound on any term in months (features.law.schema.Months)


class Sentence(BaseModel):
    """A proposed or actual sentence of one defendant: the custodial term in months (imprisonment or detention; 0
    for a fine alone or an exemption), the probation period (null: not suspended) and the fine in yuan."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={"examples": [{"custodial_months": 30, "probation_months": None, "fine_yuan": 20000}]},
    )

    custodial_months: Annotated[float, Field(ge=0, le=MAX_MONTHS)] = Field(
        description="Custodial term, months (imprisonment 有期徒刑 or detention 拘役); 0 = a fine alone or exemption"
    )
    probation_months: Annotated[float, Field(gt=0, le=MAX_MONTHS)] | None = Field(
        None, description="Probation period (缓刑考验期), months; null when the term is not suspended"
    )
    fine_yuan: Annotated[float, Field(ge=0, le=MAX_YUAN)] | None = Field(
        None, description="Fine (罚金), yuan; null when not given"
    )

    @field_validator("probation_months")
    @classmethod
    def _probation_legal(cls, probation: float | None, info: ValidationInfo) -> float | None:
        """Criminal Law Arts. 72-73 (limits from the law table): probation needs a custodial term of at most the
        Art. 72 limit, and a period not shorter than the term, within Art. 73's range for detention or
        imprisonment (a term of the detention maximum may be either)."""
        term = info.data.get("custodial_months")
        if probation is None or term is None:  # no probation, or the term was refused on its own
            return probation
        law = load_law_table()
        if term <= 0:
            raise ValueError("is set without a custodial term (custodial_months is 0)")
        if term > law.probation_max_months:
            raise ValueError(
                f"is set but the term is {term:g} months; probation needs a term of at most "
                f"{law.probation_max_months:g} months (Criminal Law Art. 72)"
            )
        if probation < term:
            raise ValueError(f"({probation:g}) is shorter than the term ({term:g}) (Criminal Law Art. 73)")
        detention_max = law.detention_months[1]
        allowed = []
        if term <= detention_max:
            allowed.append(law.probation_period_months(imprisonment=False))
        if term >= detention_max:
            allowed.append(law.probation_period_months(imprisonment=True))
        if not any(low <= probation <= high for low, high in allowed):
            ranges = " or ".join(f"{low:g}-{high:g}" for low, high in allowed)
            raise ValueError(
                f"({probation:g}) is outside {ranges} months, the probation period the law allows for this term "
                "(Criminal Law Art. 73)"
            )
        return probation


class Award(BaseModel):
    """A proposed or actual civil award, yuan (0 when every claim was rejected)."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{"awarded_total_yuan": 300000}]}
    )

    awarded_total_yuan: Annotated[float, Field(ge=0, le=MAX_YUAN)] = Field(description="Total awarded, yuan")


def percentile(p_below: float, p_at_or_below: float) -> float:
    """The mid-distribution percentile of a value: 100 x (P(Y < v) + P(Y = v) / 2)."""
    mass = max(0.0, p_at_or_below - p_below)
    return round(100 * min(1.0, max(0.0, p_below + mass / 2)), PERCENTILE_DIGITS)


def place(
    value: float,
    p_below: float,
    p_at_or_below: float,
    ranges: Sequence[tuple[float, float, float]],
) -> dict[str, Any]:
    """A value against a predictive distribution: ``ranges`` are (level, low, high). Returns ``value``,
    ``percentile``, ``p_below`` (share of the distribution under the value), ``p_above`` (over it), the ranges
    with ``outside`` for each, and ``outside_80`` / ``outside_95``."""
    p_below = min(1.0, max(0.0, p_below))
    p_at_or_below = min(1.0, max(p_below, p_at_or_below))
    out_ranges = [
        {"level": level, "low": low, "high": high, "outside": bool(value < low or value > high)}
        for level, low, high in ranges
    ]
    outside = {f"outside_{round(r['level'] * 100)}": r["outside"] for r in out_ranges}
    return {
        "value": value,
        "percentile": percentile(p_below, p_at_or_below),
        "p_below": round(p_below, PROBABILITY_DIGITS),
        "p_above": round(1 - p_at_or_below, PROBABILITY_DIGITS),
        "ranges": out_ranges,
        **outside,
    }


def _fmt(value: float, unit: str) -> str:
    if unit == "months":
        text = f"{value:,.1f}".removesuffix(".0")
        return f"{text} months"
    return f"{value:,.0f} yuan"


def _range_words(placed: dict[str, Any], unit: str) -> str:
    """Inside / outside each range, in words."""
    ranges = placed["ranges"]
    first_out = next((r for r in ranges if r["outside"]), None)
    last_in = next((r for r in reversed(ranges) if not r["outside"]), None)

    def span(r: dict[str, Any]) -> str:
        return f"{round(r['level'] * 100)}% range ({_fmt(r['low'], unit).split(' ')[0]}–{_fmt(r['high'], unit)})"

    if first_out is None:
        return f"inside the {span(ranges[0])}"
    widest = ranges[-1]
    if widest["outside"]:
        return f"outside even the {span(widest)}: unusual for cases like this"
    assert last_in is not None
    return f"outside the {span(first_out)} but inside the {span(last_in)}"


def summary(placed: dict[str, Any], unit: str, what: str = "estimates for cases like this") -> str:
    """The plain sentence of a placed value: "30 months is longer than 7 of 10 estimates for cases like this (62nd
    percentile); inside the 80% range (8–51 months)"."""
    value = float(placed["value"])
    below, above = float(placed["p_below"]), float(placed["p_above"])
    mass = max(0.0, 1 - below - above)
    more, less = ("longer", "shorter") if unit == "months" else ("more", "less")
    # floored: "longer than 9 of 10" must be true (0.957 of the distribution below is not "10 of 10")
    if below >= above:
        head = f"{_fmt(value, unit)} is {more} than {math.floor(TENTHS * below)} of {TENTHS} {what}"
    else:
        head = f"{_fmt(value, unit)} is {less} than {math.floor(TENTHS * above)} of {TENTHS} {what}"
    if mass >= MASS_SHOWN:
        head += f" ({math.floor(TENTHS * mass)} of {TENTHS} are exactly {_fmt(value, unit)})"
    return f"{head} (percentile {placed['percentile']:g}); {_range_words(placed, unit)}"


def split_similar(
    references: Sequence[dict[str, Any]], outcome_key: str, value: float, k: int
) -> dict[str, list[dict[str, Any]]]:
    """Similar cases (most similar first) whose outcome is below, equal to or above ``value``: up to ``k`` each;
    references without that outcome are left out."""
    out: dict[str, list[dict[str, Any]]] = {"below": [], "equal": [], "above": []}
    for ref in references:
        outcome = (ref.get("outcome") or {}).get(outcome_key)
        if outcome is None:
            continue
        side = "below" if outcome < value else "above" if outcome > value else "equal"
        if len(out[side]) < k:
            out[side].append(ref)
    return out
