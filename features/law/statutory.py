"""The statutory engine: from a criminal case to the band of Criminal Law Art. 253-1.

Implements the SPC/SPP Interpretation 法释〔2017〕10号 ("Interp. 2017"):
- Art. 5(1)(3)-(5): record thresholds by category (50 / 500 / 5,000), table in ``law_2017.toml``;
- Art. 5(1)(6): mixed types reaching the threshold pro rata;
- Art. 5(1)(7): illegal gains >= 5,000 yuan;
- Art. 5(1)(8): insiders at half of items (3)-(7);
- Art. 5(1)(1), (2), (9): whereabouts used for crime, knowing buyer, re-offending;
- Art. 5(2)(1)-(3): especially serious: grave consequences, heavy loss, ten times items (3)-(8);
- Art. 6: buyers of general data for a lawful business are serious only at >= 50,000 yuan gains;
- Art. 10: exemption; Art. 12: fine generally 1x-5x illegal gains.
Sentencing ranges: Criminal Law Art. 253-1, Arts. 42/45 (detention 1-6, imprisonment 6+ months), Art. 63
(mitigation below the minimum), Arts. 72-74 (probation only for <= 36 months, never for recidivists).
Conduct before 2015-11-01 (Amendment IX) is judged under the old Art. 253-1 (max 3 years; Criminal Law Art. 12).

Units: records in pieces of information (条), money in yuan, terms in months.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from features.law.schema import CriminalCase
from features.law.vocab import Band, Conduct, DataType

INTERP = "Interp. 2017"
_BAND_ORDER = {Band.none: 0, Band.serious: 1, Band.especially_serious: 2}
_SELLING = {Conduct.sell, Conduct.provide, Conduct.leak}
_BUYING = {Conduct.obtain_purchase, Conduct.use, Conduct.collect_without_consent, Conduct.scrape}


@dataclass(frozen=True)
class Category:
    """A threshold category of Interp. 2017 Art. 5(1)(3)-(5)."""

    name: str  # "A" | "B" | "C"
    item: int  # item of Art. 5(1)
    label: str
    serious_records: int
    data_types: frozenset[DataType]


@dataclass(frozen=True)
class LawTable:
    """The numbers of the law, read from ``law_2017.toml``."""

    categories: tuple[Category, ...]  # most sensitive (lowest threshold) first
    serious_gains_yuan: float
    lawful_business_serious_yuan: float
    insider_multiplier: float
    especially_multiplier: float
    ranges: dict[Band, tuple[float, float]]
    probation_max_months: float
    fine_gains_multiple: tuple[float, float]

    def category_of(self, data_type: DataType) -> Category:
        for category in self.categories:
            if data_type in category.data_types:
                return category
        return self.categories[-1]


@lru_cache(maxsize=4)
def load_law_table(path: Path | None = None) -> LawTable:
    """Read the law table (default: the ``law_2017.toml`` shipped with this package)."""
    raw: dict[str, Any] = tomllib.loads((path or Path(__file__).with_name("law_2017.toml")).read_text("utf-8"))
    categories = sorted(
        (
            Category(
                name=name,
                item=int(spec["item"]),
                label=str(spec["label"]),
                serious_records=int(spec["serious_records"]),
                data_types=frozenset(DataType(t) for t in spec["data_types"]),
            )
            for name, spec in raw["categories"].items()
        ),
        key=lambda c: c.serious_records,
    )
    seen: set[DataType] = set()
    for category in categories:
        overlap = seen & category.data_types
        if overlap:
            raise ValueError(f"law table: data types in two categories: {sorted(overlap)}")
        seen |= category.data_types
    return LawTable(
        categories=tuple(categories),
        serious_gains_yuan=float(raw["money"]["serious_gains_yuan"]),
        lawful_business_serious_yuan=float(raw["money"]["lawful_business_serious_yuan"]),
        insider_multiplier=float(raw["multipliers"]["insider"]),
        especially_multiplier=float(raw["multipliers"]["especially_serious"]),
        ranges={
            Band(k): (float(v["custodial_months"][0]), float(v["custodial_months"][1]))
            for k, v in raw["ranges"].items()
        },
        probation_max_months=float(raw["probation"]["max_custodial_months"]),
        fine_gains_multiple=(
            float(raw["fine"]["gains_multiple"][0]),
            float(raw["fine"]["gains_multiple"][1]),
        ),
    )


class RuleHit(BaseModel):
    """One rule of the law that fired, with the numbers that met it."""

    article: str = Field(description="Citation, e.g. 'Interp. 2017 Art. 5(1)(4)'")
    band: Band = Field(description="The band this rule sets on its own")
    text: str = Field(description="What met the rule, in words and numbers")
    value: float | None = Field(None, description="The case's number (records or yuan)")
    threshold: float | None = Field(None, description="The threshold it met (after insider halving)")


class BandResult(BaseModel):
    """The statutory answer for one criminal case."""

    band: Band = Field(description="Band on the facts given; the lower one when the attribution is uncertain")
    band_certain: bool = Field(description="False when the facts allow more than one band (or none is set)")
    determined: bool = Field(description="False when no record count, gains or other qualifying fact is given")
    band_if_most_sensitive: Band | None = Field(
        None,
        description="When only records_total and several data types are known: all records in the most "
        "sensitive category present",
    )
    band_if_least_sensitive: Band | None = None
    rules: list[RuleHit] = Field(default_factory=list)
    records_threshold_multiple: tuple[float, float] | None = Field(
        None,
        description="Records as a multiple of the applicable 'serious' threshold [low, high] attribution",
    )
    gains_threshold_multiple: float | None = Field(None, description="Gains / applicable 5,000-yuan threshold")
    custodial_range_months: tuple[float, float] = Field(description="Legal range of the custodial term, months")
    probation_possible: bool
    exemption_possible: bool = Field(description="Interp. 2017 Art. 10 exemption may apply")
    fine_mandatory: bool
    fine_guideline_yuan: tuple[float, float] | None = Field(
        None, description="Interp. 2017 Art. 12: generally 1x-5x illegal gains (when gains are known)"
    )
    notes: list[str] = Field(default_factory=list)


def _band_for(multiple: float | Fraction, law: LawTable) -> Band:
    if multiple >= law.especially_multiplier:
        return Band.especially_serious
    if multiple >= 1:
        return Band.serious
    return Band.none


def _max_band(bands: list[Band]) -> Band:
    return max(bands, key=_BAND_ORDER.__getitem__, default=Band.none)


def _article(item: str) -> str:
    return f"{INTERP} Art. {item}"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


class _Evaluation:
    """Accumulates rule hits for one attribution of records to categories."""

    def __init__(self, law: LawTable, factor: float, insider_note: str) -> None:
        self.law, self.factor, self.insider_note = law, factor, insider_note
        self.hits: list[RuleHit] = []

    def records_by_category(self, counts: dict[str, float]) -> float:
        """Add the record rules for records split by category; returns the pro-rata multiple of the threshold."""
        law = self.law
        # Exact arithmetic: 30/50 + 150/500 + 500/5,000 is exactly 1 (serious), not 0.999... in floats.
        total_multiple = Fraction(0)
        single_bands: list[Band] = []
        present = 0
        for category in law.categories:
            n = counts.get(category.name, 0.0)
            if n <= 0:
                continue
            present += 1
            threshold = category.serious_records * self.factor
            multiple = Fraction(n) / Fraction(threshold)
            total_multiple += multiple
            band = _band_for(multiple, law)
            if band is Band.none:
                continue
            single_bands.append(band)
            item = f"5(1)({category.item})" + (" + 5(1)(8)" if self.factor < 1 else "")
            if band is Band.especially_serious:
                item = f"5(2)(3) [10x {item}]"
                threshold *= law.especially_multiplier
            self.hits.append(
                RuleHit(
                    article=_article(item),
                    band=band,
                    text=f"{_fmt(n)} records of category {category.name} ({category.label}){self.insider_note}"
                    f" >= {_fmt(threshold)} = {band.value}",
                    value=n,
                    threshold=threshold,
                )
            )
        # Art. 5(1)(6) and 5(2)(3): several categories count together pro rata, also when one of them reaches
        # its own threshold (e.g. 300 credit + 2,000 lodging = 6 + 4 = 10x = especially serious).
        combined = _band_for(total_multiple, law)
        if present > 1 and _BAND_ORDER[combined] > _BAND_ORDER[_max_band(single_bands)]:
            item = "5(1)(6)" + (" + 5(1)(8)" if self.factor < 1 else "")
            if combined is Band.especially_serious:
                item = f"5(2)(3) [10x {item}]"
            parts = " + ".join(
                f"{_fmt(counts[c.name])}/{_fmt(c.serious_records * self.factor)}"
                for c in law.categories
                if counts.get(c.name, 0) > 0
            )
            self.hits.append(
                RuleHit(
                    article=_article(item),
                    band=combined,
                    text=f"mixed types pro rata: {parts} = {float(total_multiple):.2f} x the threshold"
                    f"{self.insider_note} = {combined.value}",
                    value=float(total_multiple),
                    threshold=1.0 if combined is Band.serious else law.especially_multiplier,
                )
            )
        return float(total_multiple)


def statutory_band(case: CriminalCase, law: LawTable | None = None) -> BandResult:
    """Place a criminal case in its statutory band and give the legal consequences.

    Args:
        case: a validated ``CriminalCase`` (outcome fields are ignored).
        law: the law table; default ``law_2017.toml``.
    Returns:
        ``BandResult`` with the band, every rule that fired, the custodial range in months, probation
        possibility and the fine guideline in yuan.
    """
    law = law or load_law_table()
    notes: list[str] = []
    conduct = set(case.conduct)
    insider = bool(case.insider) and (not conduct or bool(conduct & _SELLING))
    factor = law.insider_multiplier if insider else 1.0
    insider_note = f" (insider: thresholds x{law.insider_multiplier:g}, Art. 5(1)(8))" if insider else ""

    categories_present = sorted(
        {law.category_of(t) for t in case.data_types}, key=lambda c: c.serious_records
    ) or [law.categories[-1]]
    general_only = all(c is law.categories[-1] for c in categories_present)
    lawful_buyer = bool(case.lawful_business_purpose) and general_only and not (conduct & _SELLING)

    # --- records: one attribution, or two when only the total and several categories are known
    attributions: list[tuple[str, dict[str, float]]] = []
    if case.records_by_type:
        counts: dict[str, float] = {}
        for data_type, n in case.records_by_type.items():
            name = law.category_of(data_type).name
            counts[name] = counts.get(name, 0.0) + n
        untyped = (case.records_total or 0) - sum(case.records_by_type.values())
        if untyped > 0:
            notes.append(
                f"{_fmt(untyped)} records not split by type are counted as category C (other information)"
            )
            counts["C"] = counts.get("C", 0.0) + untyped
        attributions.append(("split", counts))
    elif case.records_total is not None:
        if not case.data_types:
            notes.append("no data types given: records counted as category C (other personal information)")
        most, least = categories_present[0], categories_present[-1]
        attributions.append(("most", {most.name: float(case.records_total)}))
        if least is not most:
            attributions.append(("least", {least.name: float(case.records_total)}))
            notes.append(
                f"only records_total is known for types in categories {most.name} and {least.name}: "
                "the band is computed with all records in each (domain rule), and the lower band is reported"
            )

    # --- rules that do not depend on the attribution
    common: list[RuleHit] = []
    gains = case.illegal_profit_yuan
    if gains is None and case.sales_yuan is not None:
        gains = case.sales_yuan
        notes.append("illegal_profit_yuan unknown: sales_yuan used as the gains figure")
    gains_multiple: float | None = None
    if lawful_buyer:
        notes.append("Art. 6: general data bought for a lawful business; record counts do not set the band")
        if gains is not None and gains >= law.lawful_business_serious_yuan:
            common.append(
                RuleHit(
                    article=_article("6(1)"),
                    band=Band.serious,
                    text=f"lawful-business buyer profited {_fmt(gains)} yuan >= "
                    f"{_fmt(law.lawful_business_serious_yuan)} = serious",
                    value=gains,
                    threshold=law.lawful_business_serious_yuan,
                )
            )
        if case.prior_punishment_same_conduct:
            common.append(
                RuleHit(article=_article("6(2)"), band=Band.serious, text="re-offending buyer = serious")
            )
        attributions = []
    elif gains is not None:
        threshold = law.serious_gains_yuan * factor
        gains_multiple = gains / threshold
        band = _band_for(gains_multiple, law)
        if band is not Band.none:
            item = "5(1)(7)" + (" + 5(1)(8)" if insider else "")
            if band is Band.especially_serious:
                item = f"5(2)(3) [10x {item}]"
                threshold *= law.especially_multiplier
            common.append(
                RuleHit(
                    article=_article(item),
                    band=band,
                    text=f"illegal gains {_fmt(gains)} yuan{insider_note} >= {_fmt(threshold)} = {band.value}",
                    value=gains,
                    threshold=threshold,
                )
            )
    if not lawful_buyer:
        flags = [
            (
                case.whereabouts_used_for_crime,
                "5(1)(1)",
                Band.serious,
                "whereabouts sold/provided were used for a crime",
            ),
            (
                case.knew_buyer_criminal,
                "5(1)(2)",
                Band.serious,
                "knew the recipient would use the data for a crime",
            ),
            (
                case.prior_punishment_same_conduct,
                "5(1)(9)",
                Band.serious,
                "re-offending after punishment for the same conduct",
            ),
            (
                case.severe_consequences,
                "5(2)(1)",
                Band.especially_serious,
                "death, serious injury, mental illness or kidnapping caused",
            ),
            (
                case.heavy_loss_or_vicious_impact,
                "5(2)(2)",
                Band.especially_serious,
                "heavy economic loss or vicious social impact",
            ),
        ]
        for flag, item, band, text in flags:
            if flag:
                common.append(RuleHit(article=_article(item), band=band, text=f"{text} = {band.value}"))

    # --- evaluate each attribution
    results: dict[str, tuple[Band, list[RuleHit], float]] = {}
    for name, counts in attributions:
        evaluation = _Evaluation(law, factor, insider_note)
        multiple = evaluation.records_by_category(counts)
        hits = evaluation.hits + common
        if len(attributions) > 1:
            which = "most" if name == "most" else "least"
            tagged = [
                h.model_copy(update={"text": f"[if all records are in the {which} sensitive category] {h.text}"})
                for h in evaluation.hits
            ]
            hits = tagged + common
        results[name] = (_max_band([h.band for h in hits]), hits, multiple)
    if not results:
        results["none"] = (_max_band([h.band for h in common]), common, float("nan"))

    ordered = sorted(results.values(), key=lambda r: _BAND_ORDER[r[0]])
    low_band, low_hits, _ = ordered[0]
    high_band = ordered[-1][0]
    band_certain = low_band is high_band
    determined = bool(low_hits) or case.records_total is not None or gains is not None or lawful_buyer
    multiples = [r[2] for r in results.values() if r[2] == r[2]]
    records_multiple = (min(multiples), max(multiples)) if multiples else None

    # --- legal consequences
    old_law = case.year is not None and case.year < 2016
    if old_law:
        notes.append(
            "year before 2016: conduct before 2015-11-01 falls under the old Art. 253-1 (max 3 years); "
            "the Interpretation's thresholds are applied as guidance (Criminal Law Art. 12)"
        )
    if not determined:
        band_certain = False
        low_range, high_range = 0.0, law.ranges[Band.especially_serious][1]
        notes.append(
            "no record count, gains or other qualifying fact given: the band cannot be set, the range "
            "is all of Art. 253-1"
        )
    else:
        low_range = law.ranges[low_band][0]
        high_range = law.ranges[high_band][1]
        if high_band is Band.none:
            # Art. 5(1)(10): "other serious circumstances" is a catch-all; a conviction below every enumerated
            # threshold is possible, within the serious band's range.
            high_range = law.ranges[Band.serious][1]
            notes.append(
                "no enumerated threshold of Interp. 2017 Art. 5 is met: a conviction is possible only "
                "under the catch-all Art. 5(1)(10) ('other serious circumstances')"
            )
    mitigation = [
        (case.surrender, "surrender (Criminal Law Art. 67)"),
        (case.role == "accessory", "accessory (Criminal Law Art. 27)"),
        (case.attempt, "attempt (Criminal Law Art. 23)"),
    ]
    reasons = [why for flag, why in mitigation if flag]
    if reasons and low_range > 0:
        notes.append(
            f"{', '.join(reasons)}: mitigation below the statutory minimum is possible (Criminal Law Art. 63)"
        )
        low_range = 0.0
    if old_law:
        # The old Art. 253-1 has one band: up to 3 years or detention, with or without a fine (0-36 months).
        high_range = min(high_range, law.ranges[Band.serious][1])
        low_range = min(low_range, law.ranges[Band.serious][0])
    recidivist = bool(case.recidivist)
    probation_possible = (not recidivist) and low_range <= law.probation_max_months
    exemption_possible = (
        high_band is not Band.especially_serious
        and not recidivist
        and not case.prior_punishment_same_conduct
        and bool(case.restitution)
        and bool(case.guilty_plea or case.truthful_confession or case.surrender)
    )
    if exemption_possible:
        notes.append("first offence, gains returned and remorse: exemption possible (Interp. 2017 Art. 10)")
    fine_guideline = None
    if gains is not None and gains > 0:
        lo_mult, hi_mult = law.fine_gains_multiple
        fine_guideline = (gains * lo_mult, gains * hi_mult)

    return BandResult(
        band=low_band if determined else Band.none,
        band_certain=band_certain,
        determined=determined,
        band_if_most_sensitive=results["most"][0] if "most" in results and "least" in results else None,
        band_if_least_sensitive=results["least"][0] if "least" in results else None,
        rules=low_hits
        if band_certain
        else sorted(
            {h.article + h.text: h for r in results.values() for h in r[1]}.values(), key=lambda h: h.article
        ),
        records_threshold_multiple=records_multiple,
        gains_threshold_multiple=gains_multiple,
        custodial_range_months=(low_range, high_range),
        probation_possible=probation_possible,
        exemption_possible=exemption_possible,
        fine_mandatory=high_band is Band.especially_serious and not old_law,
        fine_guideline_yuan=fine_guideline,
        notes=notes,
    )
