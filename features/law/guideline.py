"""The statutory baseline: a sentence from the law alone, no learning. The bar every learned model must beat.

Custodial term: a starting point inside the band's imprisonment range (Criminal Law Art. 253-1) placed by how far
the records/gains exceed the band's threshold (Interp. 2017 Art. 5), then the general adjustments of the SPC/SPP
sentencing guideline 法发〔2021〕21号 (domain.md 1.3) at the values the law table gives them (the middle of each
stated range), the insider's heavier punishment (从重, Criminal Law Art. 253-1(2)) among them, clipped to the legal
range. Fine: Interp. 2017 Art. 12 (the geometric middle of the multiples of the gains). Civil award: PIPL Art. 69 /
Civil Code Art. 1182 (the infringer's gains where known). Every number comes from the law table
(``features.law.table``: ``[guideline]``, ``[baseline]``). Units: months, yuan; adjustments are fractions.
"""

from __future__ import annotations

import numpy as np

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import BandResult, insider_could_sell
from features.law.table import LawTable, load_law_table
from features.law.vocab import Band, VictimCategory

VULNERABLE_VICTIMS = (VictimCategory.minors, VictimCategory.elderly)


def _position(multiple: float | None, law: LawTable) -> float:
    """Where in the band a case sits, 0..1, from its multiple of the band's lower threshold (log10 scale)."""
    if multiple is None or multiple <= 0:
        return law.baseline.position_unknown
    # numpy's log10, as the batch baseline (features.model.baselines) uses it: the C library's and numpy's
    # vectorized log10 differ in the last bit for some inputs on some CPUs
    return min(1.0, max(0.0, float(np.log10(np.asarray([multiple], dtype=float))[0])))


def baseline_adjustments(case: CriminalCase, band: BandResult | None = None) -> dict[str, float]:
    """The guideline adjustments that apply to this case (name -> fraction of the starting point).

    Unknown is not false: a circumstance not stated counts half its adjustment (stated: all of it; stated absent:
    none). ``insider`` (Criminal Law Art. 253-1(2): 从重) applies when the band's reading is the insider's (an
    insider who sold or provided data obtained in the duties: ``band.insider_rule``)."""
    law = load_law_table()

    def weight(value: bool | None) -> float:
        return 0.5 if value is None else float(value)  # not-law: half for a circumstance not stated

    weights = {
        "surrender": weight(case.surrender),
        "truthful_confession": weight(case.truthful_confession),
        "guilty_plea": weight(case.guilty_plea),
        "restitution": weight(case.restitution),
        "accessory": weight(None if case.role is None else case.role == "accessory"),
        "attempt": weight(case.attempt),
        "recidivist": weight(case.recidivist),
        "vulnerable_victims": weight(
            None if case.victim_category is None else case.victim_category in VULNERABLE_VICTIMS
        ),
        "insider": weight(None if case.insider is None else band is not None and band.insider_rule)
        if case.insider is not None or insider_could_sell(case)
        else 0.0,
    }
    return {
        name: adj.baseline * weights[name] for name, adj in law.adjustments.items() if weights.get(name, 0.0) > 0
    }


def baseline_custodial_months(case: CriminalCase, band: BandResult) -> float:
    """Statutory baseline custodial term in months (see module docstring)."""
    law = load_law_table()
    low, high = band.custodial_range_months
    if band.band is Band.especially_serious:
        start_low, start_high = law.imprisonment_months[Band.especially_serious]
        divisor = law.especially_multiplier
    else:
        start_low, start_high = law.imprisonment_months[Band.serious]
        divisor = 1.0
    multiples = [m for m in (band.records_threshold_multiple or (None, None))[1:] if m is not None]
    if band.gains_threshold_multiple is not None:
        multiples.append(band.gains_threshold_multiple)
    multiple = max(multiples) / divisor if multiples else None
    start = start_low + (start_high - start_low) * _position(multiple, law) * law.baseline.position_share
    adjustments = baseline_adjustments(case, band)
    reduction = max(law.max_combined_reduction, sum(v for v in adjustments.values() if v < 0))
    increase = sum(v for v in adjustments.values() if v > 0)
    months = start * (1 + reduction + increase)
    if case.recidivist:  # Criminal Law Art. 65 as the guideline applies it: at least this many months more
        months = max(months, start + law.recidivist_min_increase_months)
    return float(min(max(months, low), high))


def baseline_probation_probability(case: CriminalCase, band: BandResult, custodial_months: float) -> float:
    """A rule of thumb, not learned: 0 where the law forbids it (Art. 72: above the term limit; Art. 74:
    recidivists and ringleaders of a criminal group), else rises with mitigation (conventions of the table)."""
    law = load_law_table()
    conventions = law.baseline
    if (
        not band.probation_possible
        or case.recidivist
        or case.ringleader
        or custodial_months > law.probation_max_months
    ):
        return 0.0
    mitigating = sum(
        bool(x) for x in (case.surrender, case.truthful_confession, case.guilty_plea, case.restitution)
    )
    short = (
        conventions.probation_short_term_bonus
        if custodial_months <= conventions.probation_short_term_months
        else 0.0
    )
    return min(
        conventions.probation_max,
        conventions.probation_base + conventions.probation_per_mitigation * mitigating + short,
    )


def baseline_fine_yuan(case: CriminalCase, band: BandResult) -> float:
    """Interp. 2017 Art. 12: the geometric middle of the gains' multiples; a conventional amount by band when gains
    are unknown (the table's ``[baseline.fine_without_gains_yuan]``)."""
    if band.fine_guideline_yuan is not None:
        low, high = band.fine_guideline_yuan
        return float(np.sqrt(low * high))
    return load_law_table().baseline.fine_without_gains_yuan[band.band]


def baseline_award_yuan(case: CivilCase) -> float:
    """PIPL Art. 69: the infringer's gains where known, never more than claimed; else a small conventional sum."""
    gains = case.illegal_profit_yuan if case.illegal_profit_yuan is not None else case.sales_yuan
    amount = gains if gains is not None else load_law_table().baseline.award_without_facts_yuan
    if case.claimed_yuan is not None:
        amount = min(amount, case.claimed_yuan)
    return float(amount)
