"""The statutory baselines of :mod:`features.law.guideline` for a whole batch, from its columns.

Same rules, same law-table numbers, same order of operations as the per-case functions
(``baseline_custodial_months``, ``baseline_fine_yuan``, ``baseline_award_yuan``, ``baseline_probation_probability``),
computed over :class:`features.model.columns.BatchColumns` arrays; the models call these in every path, so the
per-case answer and batch scoring share one computation (``tests/test_columnar.py`` checks them against the
per-case functions). Units: months, yuan, probabilities; shape (n,).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from features.law.statutory import LawTable
from features.law.vocab import Band
from features.model.adjust import CIRCUMSTANCES
from features.model.columns import BatchColumns

__all__ = ["award_yuan", "custodial_months", "fine_yuan", "probation_probability"]

_INDEX = {c.name: j for j, c in enumerate(CIRCUMSTANCES)}


def custodial_months(cols: BatchColumns, law: LawTable) -> NDArray[np.float64]:
    """The baseline custodial term (months): a starting point in the band's imprisonment range placed by the
    multiple of the thresholds (Interp. 2017 Art. 5), the guideline's adjustments (法发〔2021〕21号) at the table's
    values, the recidivist's minimum increase (Criminal Law Art. 65), clipped to the legal range."""
    band = cols.criminal_band
    weights = cols.criminal_circumstances
    especially = band.level == 2
    start_low = np.where(
        especially, law.imprisonment_months[Band.especially_serious][0], law.imprisonment_months[Band.serious][0]
    )
    start_high = np.where(
        especially, law.imprisonment_months[Band.especially_serious][1], law.imprisonment_months[Band.serious][1]
    )
    divisor = np.where(especially, law.especially_multiplier, 1.0)
    records, gains = band.records_multiple_high, band.gains_multiple
    largest = np.where(np.isnan(records), gains, np.where(np.isnan(gains), records, np.maximum(records, gains)))
    multiple = largest / divisor
    known = ~np.isnan(multiple) & (np.nan_to_num(multiple) > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        placed = np.minimum(1.0, np.maximum(0.0, np.log10(np.where(known, multiple, 1.0))))
    position = np.where(known, placed, law.baseline.position_unknown)
    start = start_low + (start_high - start_low) * position * law.baseline.position_share
    reduction = np.zeros(len(cols))
    increase = np.zeros(len(cols))
    for name, adjustment in law.adjustments.items():
        value = adjustment.baseline * weights[:, _INDEX[name]]
        counted = weights[:, _INDEX[name]] > 0
        if adjustment.baseline < 0:
            reduction = reduction + np.where(counted, value, 0.0)
        else:
            increase = increase + np.where(counted & (value > 0), value, 0.0)
    reduction = np.maximum(law.max_combined_reduction, reduction)
    months = start * (1 + reduction + increase)
    recidivist = cols.facts.flag("recidivist")
    months = np.where(recidivist, np.maximum(months, start + law.recidivist_min_increase_months), months)
    return np.asarray(np.minimum(np.maximum(months, band.range_low), band.range_high), dtype=float)


def fine_yuan(cols: BatchColumns, law: LawTable) -> NDArray[np.float64]:
    """Interp. 2017 Art. 12: the geometric middle of the gains' multiples; the table's conventional fine by band
    when the gains are unknown (yuan)."""
    band = cols.criminal_band
    conventional = np.asarray(
        [law.baseline.fine_without_gains_yuan[b] for b in (Band.none, Band.serious, Band.especially_serious)]
    )
    guided = ~np.isnan(band.fine_low)
    return np.where(
        guided, np.sqrt(np.where(guided, band.fine_low * band.fine_high, 0.0)), conventional[band.level]
    )


def award_yuan(cols: BatchColumns, law: LawTable) -> NDArray[np.float64]:
    """PIPL Art. 69: the infringer's gains where known (illegal profit, else sales), never more than claimed; else
    the table's small conventional sum (yuan)."""
    numbers = cols.facts.numbers
    profit = numbers["illegal_profit_yuan"]
    gains = np.where(np.isnan(profit), numbers["sales_yuan"], profit)
    amount = np.where(np.isnan(gains), law.baseline.award_without_facts_yuan, gains)
    claimed = numbers["claimed_yuan"]
    return np.asarray(np.where(np.isnan(claimed), amount, np.minimum(amount, claimed)), dtype=float)


def probation_probability(cols: BatchColumns, months: NDArray[np.float64], law: LawTable) -> NDArray[np.float64]:
    """A rule of thumb, not learned: 0 where the law forbids probation (Criminal Law Art. 72: a term above the
    limit; Art. 74: recidivists and ringleaders), else rising with each mitigating fact (the table's conventions)."""
    band = cols.criminal_band
    facts = cols.facts
    conventions = law.baseline
    barred = (
        ~band.probation_possible
        | facts.flag("recidivist")
        | facts.flag("ringleader")
        | (months > law.probation_max_months)
    )
    mitigating = sum(
        facts.flag(name).astype(np.int64)
        for name in ("surrender", "truthful_confession", "guilty_plea", "restitution")
    )
    short = np.where(
        months <= conventions.probation_short_term_months, conventions.probation_short_term_bonus, 0.0
    )
    p = np.minimum(
        conventions.probation_max,
        conventions.probation_base + conventions.probation_per_mitigation * mitigating + short,
    )
    return np.asarray(np.where(barred, 0.0, p), dtype=float)
