"""The statutory baseline: a sentence from the law alone, no learning. The bar every learned model must beat.

Custodial term: a starting point inside the band's legal range (Criminal Law Art. 253-1) placed by how far the
records/gains exceed the band's threshold (Interp. 2017 Art. 5), then the general adjustments of the SPC/SPP
sentencing guideline 法发〔2021〕21号 (domain.md 1.3) at the middle of their stated ranges, clipped to the legal
range. Fine: Interp. 2017 Art. 12 (1x-5x illegal gains; the geometric middle, sqrt(5)x). Civil award:
PIPL Art. 69 / Civil Code Art. 1182 (the infringer's gains where known). Units: months, yuan.
"""

from __future__ import annotations

import math

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import BandResult
from features.law.vocab import Band

# Guideline adjustments (法发〔2021〕21号), middle of each stated range; fractions of the starting point.
ADJUSTMENTS: dict[str, float] = {
    "surrender": -0.20,  # up to -40%
    "truthful_confession": -0.10,  # up to -20%
    "guilty_plea": -0.15,  # up to -30%
    "restitution": -0.15,  # up to -30%
    "accessory": -0.35,  # -20% to -50%
    "attempt": -0.25,  # up to -50%
    "recidivist": +0.25,  # +10% to +40%, at least +3 months
    "vulnerable_victims": +0.10,  # up to +20% (minors, elderly, disabled)
}
MAX_COMBINED_REDUCTION = -0.60  # plea combined with surrender/restitution: up to -60%, no double counting
# Conventional fines when gains are unknown (rule of thumb, not learned): yuan by band.
FINE_WITHOUT_GAINS_YUAN = {Band.none: 5_000.0, Band.serious: 10_000.0, Band.especially_serious: 50_000.0}
AWARD_WITHOUT_FACTS_YUAN = 10_000.0


def _position(multiple: float | None) -> float:
    """Where in the band a case sits, 0..1, from its multiple of the band's lower threshold (log10 scale)."""
    if multiple is None or multiple <= 0:
        return 0.3
    return min(1.0, max(0.0, math.log10(multiple)))


def baseline_adjustments(case: CriminalCase) -> dict[str, float]:
    """The guideline adjustments that apply to this case (name -> fraction)."""
    applied = {
        name: frac
        for name, frac in ADJUSTMENTS.items()
        if (name == "accessory" and case.role == "accessory")
        or (name == "vulnerable_victims" and case.victim_category in ("minors", "elderly"))
        or bool(getattr(case, name, False))
    }
    return applied


def baseline_custodial_months(case: CriminalCase, band: BandResult) -> float:
    """Statutory baseline custodial term in months (see module docstring)."""
    low, high = band.custodial_range_months
    if band.band is Band.especially_serious:
        start_low, start_high, divisor = 36.0, 84.0, 10.0
    else:
        start_low, start_high, divisor = 6.0, 36.0, 1.0
    multiples = [m for m in (band.records_threshold_multiple or (None, None))[1:] if m is not None]
    if band.gains_threshold_multiple is not None:
        multiples.append(band.gains_threshold_multiple)
    multiple = max(multiples) / divisor if multiples else None
    start = start_low + (start_high - start_low) * _position(multiple) * 0.5
    adjustments = baseline_adjustments(case)
    reduction = max(MAX_COMBINED_REDUCTION, sum(v for v in adjustments.values() if v < 0))
    increase = sum(v for v in adjustments.values() if v > 0)
    months = start * (1 + reduction + increase)
    if "recidivist" in adjustments:
        months = max(months, start + 3)
    return float(min(max(months, low), high))


def baseline_probation_probability(case: CriminalCase, band: BandResult, custodial_months: float) -> float:
    """A rule of thumb, not learned: 0 where the law forbids it (Arts. 72, 74), else rises with mitigation."""
    if not band.probation_possible or case.recidivist or custodial_months > 36:
        return 0.0
    mitigating = sum(
        bool(x) for x in (case.surrender, case.truthful_confession, case.guilty_plea, case.restitution)
    )
    return min(0.9, 0.3 + 0.1 * mitigating + (0.2 if custodial_months <= 12 else 0.0))


def baseline_fine_yuan(case: CriminalCase, band: BandResult) -> float:
    """Interp. 2017 Art. 12: sqrt(5) x illegal gains; a conventional amount by band when gains are unknown."""
    if band.fine_guideline_yuan is not None:
        low, high = band.fine_guideline_yuan
        return float(math.sqrt(low * high))
    return FINE_WITHOUT_GAINS_YUAN[band.band]


def baseline_award_yuan(case: CivilCase) -> float:
    """PIPL Art. 69: the infringer's gains where known, never more than claimed; else a small conventional sum."""
    gains = case.illegal_profit_yuan if case.illegal_profit_yuan is not None else case.sales_yuan
    amount = gains if gains is not None else AWARD_WITHOUT_FACTS_YUAN
    if case.claimed_yuan is not None:
        amount = min(amount, case.claimed_yuan)
    return float(amount)
