"""The statutory engine: from a criminal case to the band of Criminal Law Art. 253-1, with every reading the facts
allow.

Implements the SPC/SPP Interpretation 法释〔2017〕10号 ("Interp. 2017"), numbers from the law table
(``features.law.table``, ``law_2017.toml``):
- Art. 5(1)(3)-(5): record thresholds by category; Art. 5(1)(6): mixed types pro rata; Art. 5(1)(7): gains;
- Art. 5(1)(8): insiders who sell or provide data obtained in their duties, at half of items (3)-(7);
- Art. 5(1)(1), (2), (9): whereabouts used for crime, knowing recipient, re-offending;
- Art. 5(2)(1)-(3): especially serious: grave consequences, heavy loss, ten times items (3)-(8);
- Art. 6(1)(1)-(3): buying or receiving general data (outside Art. 5(1)(3)-(4)) for a lawful business: serious
  only by profit, re-offending or other serious circumstances; Art. 6(2): such a buyer who sells or provides
  the data is judged under Art. 5; any other way of obtaining (scraping, hacking...) is judged under Art. 5;
- Art. 10: exemption; Art. 12: fine generally a multiple of the illegal gains.
Consequences: Criminal Law Art. 253-1 ranges, Arts. 42/45 (detention, imprisonment), Art. 63 (mitigation below the
minimum), Arts. 72-74 (probation: terms up to the limit, never for recidivists or ringleaders of a criminal group).
Time: conduct whose last act precedes Amendment IX is judged under the old Art. 253-1 (Criminal Law Art. 12); the
conduct date decides (``conduct_date``), the judgment year only stands in when it is before the amendment's year.

Unknown is not false: when a fact a rule needs is unknown (the split of records by type, the conduct of an insider
or of a lawful-business buyer, the record count itself) the answer gives one :class:`Reading` per band the facts
allow, most severe first, each with the condition that leads to it, the facts that would decide it, its own
consequences and a ``case_update`` that makes it the certain reading. Contested data-type readings (the table's
``[contested]``) that would change the band are reported in ``BandResult.contested``.

Units: records in pieces of information (条), money in yuan, terms in months.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, Field

from features.law.schema import CriminalCase, parse_conduct_date
from features.law.table import Category, LawTable, load_law_table, readings_from_env
from features.law.vocab import Band, Conduct, DataType

__all__ = [
    "BandResult",
    "Category",
    "ContestedReading",
    "LawTable",
    "LawTableRef",
    "Reading",
    "RuleHit",
    "load_law_table",
    "readings_from_env",
    "statutory_band",
    "variant_bands",
]

BAND_ORDER = {Band.none: 0, Band.serious: 1, Band.especially_serious: 2}


class RuleHit(BaseModel):
    """One rule of the law that fired, with the numbers that met it."""

    article: str = Field(description="Citation, e.g. 'Interp. 2017 Art. 5(1)(4)'")
    band: Band = Field(description="The band this rule sets on its own")
    text: str = Field(description="What met the rule, in words and numbers")
    value: float | None = Field(None, description="The case's number (records, yuan, or the pro-rata multiple)")
    threshold: float | None = Field(None, description="The threshold it met (after insider halving)")


class Reading(BaseModel):
    """One band the facts allow, with the condition that leads to it and its own legal consequences."""

    band: Band
    condition: str = Field(
        description="In plain words: what must be true for this reading ('on the facts given' "
        "when the band is certain)"
    )
    deciding_facts: list[str] = Field(default_factory=list, description="Case fields that would settle the band")
    rules: list[RuleHit] = Field(default_factory=list)
    custodial_range_months: tuple[float, float] = Field(description="Legal range of the custodial term, months")
    fine_mandatory: bool
    probation_possible: bool
    exemption_possible: bool = Field(description="Interp. 2017 Art. 10 exemption may apply")
    fine_guideline_yuan: tuple[float, float] | None = Field(
        None,
        description="Interp. 2017 Art. 12: the illegal gains times the table's multiples (when gains are known)",
    )
    old_law: bool = Field(False, description="Judged under Art. 253-1 before Amendment IX (Criminal Law Art. 12)")
    insider_rule: bool = Field(
        False,
        description="Interp. 2017 Art. 5(1)(8) / Criminal Law Art. 253-1(2) apply (insider sold or provided)",
    )
    case_update: dict[str, Any] = Field(
        default_factory=dict,
        description="Case fields that, merged into the case, make this reading the certain one (a representative "
        "variant, e.g. {'records_by_type': {'credit': 1800}})",
    )
    notes: list[str] = Field(default_factory=list)


class ContestedReading(BaseModel):
    """A contested data type of the case whose other reading would change the band (law table [contested])."""

    data_type: DataType
    question: str
    default_category: str = Field(description="The table's default reading")
    applied_category: str = Field(description="The reading this answer used (the default unless a setting chose)")
    other_category: str
    band_under_other: Band = Field(description="The band (lower reading) under the other category")
    bands_under_other: list[Band] = Field(
        description="Every reading's band under the other category, most severe first"
    )
    applied_basis: str
    other_basis: str
    note: str


class LawTableRef(BaseModel):
    """The law table an answer was computed with."""

    version: str
    digest: str = Field(description="Short sha256 of the effective table (numbers and readings)")
    citation: str
    readings: dict[str, str] = Field(description="Category applied to every contested data type")
    non_default_readings: list[str] = Field(default_factory=list)


class BandResult(BaseModel):
    """The statutory answer for one criminal case. Top-level consequences belong to the reading named by ``band``;
    ``readings`` holds every band the facts allow, most severe first."""

    band: Band = Field(description="Band on the facts given; the lower one when the facts allow several")
    band_certain: bool = Field(description="False when the facts allow more than one band (or none is set)")
    determined: bool = Field(description="False when no record count, gains or other qualifying fact is given")
    band_if_most_sensitive: Band | None = Field(
        None,
        description="When records are not split by type and several categories are possible: all of them in the "
        "most sensitive category present",
    )
    band_if_least_sensitive: Band | None = None
    rules: list[RuleHit] = Field(default_factory=list)
    records_threshold_multiple: tuple[float, float] | None = Field(
        None,
        description="Records as a multiple of the applicable 'serious' threshold [low, high] over the possible splits",
    )
    gains_threshold_multiple: float | None = Field(
        None, description="Gains / the applicable Interp. 2017 Art. 5(1)(7) threshold"
    )
    custodial_range_months: tuple[float, float] = Field(description="Legal range of the custodial term, months")
    probation_possible: bool
    exemption_possible: bool = Field(description="Interp. 2017 Art. 10 exemption may apply")
    fine_mandatory: bool
    fine_guideline_yuan: tuple[float, float] | None = Field(
        None,
        description="Interp. 2017 Art. 12: the illegal gains times the table's multiples (when gains are known)",
    )
    notes: list[str] = Field(default_factory=list)
    readings: list[Reading] = Field(
        default_factory=list, description="One per band the facts allow, most severe first"
    )
    deciding_facts: list[str] = Field(
        default_factory=list, description="Fields that would settle an uncertain band"
    )
    contested: list[ContestedReading] = Field(default_factory=list)
    old_law: bool = Field(False, description="Judged under Art. 253-1 before Amendment IX (Criminal Law Art. 12)")
    insider_rule: bool = Field(False, description="Art. 5(1)(8) / Art. 253-1(2) apply to the band's reading")
    law: LawTableRef | None = None


# ------------------------------------------------------------------------------------------------- helpers


def _band_for(multiple: float | Fraction, law: LawTable) -> Band:
    if multiple >= law.especially_multiplier:
        return Band.especially_serious
    if multiple >= 1:
        return Band.serious
    return Band.none


def _max_band(bands: list[Band]) -> Band:
    return max(bands, key=BAND_ORDER.__getitem__, default=Band.none)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"


def _clean(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


@dataclass
class _Option:
    """One resolution of an unknown fact: its condition, the fields that decide it and the update that fixes it."""

    condition: str = ""
    deciding: tuple[str, ...] = ()
    update: dict[str, Any] = field(default_factory=dict)


@dataclass
class _ConductOption(_Option):
    art6: bool = False
    insider: bool = False
    notes: tuple[str, ...] = ()


@dataclass
class _Scenario:
    band: Band
    hits: list[RuleHit]
    multiple: float | None  # records multiple (pro rata) of this scenario
    conduct: _ConductOption
    options: list[_Option]  # the conduct option first, then the records/quantity option
    attribution: str | None = None  # "most" | "least" when the records were attributed wholly to one side

    @property
    def condition(self) -> str:
        parts = [o.condition for o in self.options if o.condition]
        return "; ".join(parts)

    @property
    def deciding(self) -> list[str]:
        out: list[str] = []
        for o in self.options:
            out += [d for d in o.deciding if d not in out]
        return out

    @property
    def update(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for o in self.options:
            merged.update(o.update)
        return merged


_WEIGHTS: dict[tuple[str, float], tuple[int, dict[str, int]]] = {}


def _weights(law: LawTable, factor: float) -> tuple[int, dict[str, int]]:
    """Integer weights ``w`` and a denominator ``D`` with: pro-rata multiple = sum(records_c * w_c) / D, exactly
    (the thresholds of Art. 5(1)(3)-(5) times the insider factor, whatever the table says)."""
    key = (law.digest, factor)
    if key not in _WEIGHTS:
        thresholds = {c.name: Fraction(c.serious_records) * Fraction(factor) for c in law.categories}
        denominator = math.lcm(*(t.numerator for t in thresholds.values()))
        _WEIGHTS[key] = (
            denominator,
            {name: t.denominator * denominator // t.numerator for name, t in thresholds.items()},
        )
    return _WEIGHTS[key]


class _Engine:
    """One evaluation of a case under one law table (see :func:`statutory_band`)."""

    def __init__(self, case: CriminalCase, law: LawTable) -> None:
        self.case, self.law = case, law
        self.label = law.interpretation_label
        self.notes: list[str] = []
        self.conduct = set(case.conduct)
        types = list(dict.fromkeys(case.data_types))
        self.types = types
        self._described: dict[str, str] = {}
        self.gains_multiples: dict[int, float | None] = {}  # per conduct option (id), set by scenarios()
        self.present = sorted({law.category_of(t) for t in types}, key=lambda c: c.serious_records) or [
            law.general
        ]
        self.general_only = all(c is law.general for c in self.present)
        gains = case.illegal_profit_yuan
        if gains is None and case.sales_yuan is not None:
            gains = case.sales_yuan
            self.notes.append("illegal_profit_yuan unknown: sales_yuan used as the gains figure")
        self.gains = gains

    def article(self, item: str) -> str:
        return f"{self.label} Art. {item}"

    # --- descriptions
    def describe(self, category: Category) -> str:
        if category.name not in self._described:
            names = [t.value for t in self.types if t in category.data_types]
            self._described[category.name] = f"category {category.name}" + (
                f" ({', '.join(names)})" if names else ""
            )
        return self._described[category.name]

    def representative_type(self, category: Category) -> DataType:
        for t in self.types:
            if self.law.category_of(t) is category:
                return t
        if DataType.other in category.data_types:
            return DataType.other
        return sorted(category.data_types)[0]

    # --- conduct: Art. 6 and Art. 5(1)(8)
    def conduct_options(self) -> list[_ConductOption]:
        law, case, conduct = self.law, self.case, self.conduct
        lawful = bool(case.lawful_business_purpose)
        insider = bool(case.insider)
        if lawful and not self.general_only:
            sensitive = [c.name for c in self.present if c is not law.general]
            self.notes.append(
                f"{self.label} Art. 6 covers only data outside Art. 5(1)(3)-(4); the data of categories "
                f"{', '.join(sensitive)} are judged under Art. 5"
            )
            lawful = False
        unknown = not conduct or (lawful and conduct <= law.art6_compatible)
        halving = f"{self.label} Art. 5(1)(8)"
        if unknown and (lawful or insider):
            options: list[_ConductOption] = []
            if lawful:
                options.append(
                    _ConductOption(
                        condition=f"if the data were bought or received (购买、收受) for the business and not sold or "
                        f"provided ({self.label} Art. 6(1))",
                        deciding=("conduct",),
                        update={"conduct": sorted({*conduct, Conduct.obtain_purchase})},
                        art6=True,
                    )
                )
            if insider:
                options.append(
                    _ConductOption(
                        condition="if the insider sold or provided data obtained in the duties "
                        f"({halving}: thresholds halved)",
                        deciding=("conduct",),
                        update={"conduct": [Conduct.sell]},
                        insider=True,
                    )
                )
            other = (
                f"if the data were obtained otherwise than by buying or receiving, or sold or provided afterwards "
                f"({self.label} Art. 5; Art. 6(2))"
                if lawful
                else f"if the insider did not sell or provide the data (no {halving} halving)"
            )
            if lawful and insider:
                other = f"if the data were obtained otherwise than by buying or receiving ({self.label} Art. 5)"
            options.append(
                _ConductOption(condition=other, deciding=("conduct",), update={"conduct": [Conduct.other]})
            )
            return options
        notes: list[str] = []
        art6 = False
        if lawful:
            resale = conduct & law.art6_resale
            obtained_otherwise = conduct - law.art6_buying - law.art6_compatible - law.art6_resale
            if resale:
                notes.append(
                    f"{self.label} Art. 6(2): data bought for a business and then sold or provided are judged "
                    "under Art. 5"
                )
            if obtained_otherwise:
                words = ", ".join(sorted(c.value for c in obtained_otherwise))
                notes.append(
                    f"{self.label} Art. 6 covers only buying or receiving (购买、收受): data obtained by {words} "
                    "are judged under Art. 5"
                )
            art6 = not resale and not obtained_otherwise and bool(conduct & law.art6_buying)
            if art6:
                notes.append(
                    f"{self.label} Art. 6(1): general data bought for a lawful business; record counts do not set "
                    "the band"
                )
        sells = bool(conduct & law.insider_selling) if conduct else True
        if insider and not sells:
            notes.append(
                f"insider who did not sell or provide the data: no {halving} halving (it applies to selling or "
                "providing data obtained in the duties)"
            )
        return [_ConductOption(art6=art6, insider=insider and sells and not art6, notes=tuple(notes))]

    # --- rules that do not depend on the records
    def common_hits(self, option: _ConductOption) -> tuple[list[RuleHit], float | None]:
        law, case, gains = self.law, self.case, self.gains
        factor = law.insider_multiplier if option.insider else 1.0
        hits: list[RuleHit] = []
        if option.art6:
            hits.extend(self.art6_profit_hits(gains))
            if case.prior_punishment_same_conduct:
                hits.append(
                    RuleHit(
                        article=self.article("6(1)(2)"),
                        band=Band.serious,
                        text="bought or received again after a criminal punishment, or an administrative one within "
                        f"{law.reoffending_admin_years} years, for infringing personal information = serious",
                    )
                )
            return hits, None
        gains_multiple = None
        if gains is not None:
            threshold = law.serious_gains_yuan * factor
            gains_multiple = gains / threshold
            band = _band_for(gains_multiple, law)
            if band is not Band.none:
                item = "5(1)(7)" + (" + 5(1)(8)" if option.insider else "")
                if band is Band.especially_serious:
                    item = f"5(2)(3) [10x {item}]"
                    threshold *= law.especially_multiplier
                hits.append(
                    RuleHit(
                        article=self.article(item),
                        band=band,
                        text=f"illegal gains {_fmt(gains)} yuan{self.insider_note(option)} >= {_fmt(threshold)} = "
                        f"{band.value}",
                        value=gains,
                        threshold=threshold,
                    )
                )
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
                f"re-offending after a criminal punishment, or an administrative one within "
                f"{law.reoffending_admin_years} years, for the same conduct",
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
                hits.append(RuleHit(article=self.article(item), band=band, text=f"{text} = {band.value}"))
        return hits, gains_multiple

    def insider_note(self, option: _ConductOption) -> str:
        if not option.insider:
            return ""
        return f" (insider: thresholds x{self.law.insider_multiplier:g}, Art. 5(1)(8))"

    # --- records
    def record_hits(
        self, counts: dict[str, float], option: _ConductOption, tag: str = ""
    ) -> tuple[list[RuleHit], float]:
        """Rules met by records split by category (name -> count); the pro-rata multiple of the threshold.

        Thresholds are whole numbers or halves (exact in binary floats), so single-category comparisons are exact;
        the pro-rata sum of several categories is computed with fractions (30/50 + 150/500 + 500/5,000 is 1)."""
        law = self.law
        factor = law.insider_multiplier if option.insider else 1.0
        ten = law.especially_multiplier
        insider_note = self.insider_note(option)
        hits: list[RuleHit] = []
        singles: list[Band] = []
        present = [(c, counts[c.name]) for c in law.categories if counts.get(c.name, 0) > 0]
        prefix = f"[{tag}] " if tag else ""
        for category, n in present:
            threshold = category.serious_records * factor
            band = (
                Band.especially_serious if n >= threshold * ten else Band.serious if n >= threshold else Band.none
            )
            if band is Band.none:
                continue
            singles.append(band)
            item = f"5(1)({category.item})" + (" + 5(1)(8)" if option.insider else "")
            shown = threshold
            if band is Band.especially_serious:
                item = f"5(2)(3) [10x {item}]"
                shown = threshold * ten
            hits.append(
                RuleHit(
                    article=self.article(item),
                    band=band,
                    text=f"{prefix}{_fmt(n)} records of category {category.name} ({category.label}){insider_note} >= "
                    f"{_fmt(shown)} = {band.value}",
                    value=float(n),
                    threshold=float(shown),
                )
            )
        if not present:
            return hits, 0.0
        if len(present) == 1:
            category, n = present[0]
            return hits, n / (category.serious_records * factor)
        # Art. 5(1)(6) and 5(2)(3): several categories count together pro rata, also when one of them reaches its
        # own threshold (e.g. 300 credit + 2,000 lodging = 6 + 4 = 10x = especially serious). Exact: integer
        # weights over a common denominator (30/50 + 150/500 + 500/5,000 is 1, not 0.999...).
        denominator, weights = _weights(law, factor)
        total = Fraction(sum(int(n) * weights[category.name] for category, n in present), denominator)
        combined = _band_for(total, law)
        if BAND_ORDER[combined] > BAND_ORDER[_max_band(singles)]:
            item = "5(1)(6)" + (" + 5(1)(8)" if option.insider else "")
            if combined is Band.especially_serious:
                item = f"5(2)(3) [10x {item}]"
            parts = " + ".join(f"{_fmt(n)}/{_fmt(c.serious_records * factor)}" for c, n in present)
            hits.append(
                RuleHit(
                    article=self.article(item),
                    band=combined,
                    text=f"{prefix}mixed types pro rata: {parts} = {float(total):.2f} x the threshold{insider_note} = "
                    f"{combined.value}",
                    value=float(total),
                    threshold=1.0 if combined is Band.serious else float(ten),
                )
            )
        return hits, float(total)

    def split(self) -> tuple[dict[str, float], int, list[Category]] | None:
        """Known counts by category, the records not split by type and the categories they may belong to; None when
        no record count is given."""
        case, law = self.case, self.law
        if case.records_by_type:
            counts: dict[str, float] = {}
            for data_type, n in case.records_by_type.items():
                name = law.category_of(data_type).name
                counts[name] = counts.get(name, 0.0) + n
            untyped = (case.records_total or 0) - sum(case.records_by_type.values())
            candidates = sorted({*self.present, law.general}, key=lambda c: c.serious_records)
            return counts, max(untyped, 0), candidates
        if case.records_total is not None:
            if not case.data_types:
                self.notes.append(
                    "no data types given: records counted as category C (other personal information)"
                )
            return {}, case.records_total, list(self.present)
        return None

    def record_options(self, option: _ConductOption) -> list[tuple[_Option, dict[str, float], str | None, str]]:
        """The ways the records may be attributed to categories: (option, counts by category, 'most'/'least'/None,
        a short tag for the rule texts)."""
        split = self.split()
        if split is None:
            return []
        counts, untyped, candidates = split
        if untyped <= 0 or len(candidates) == 1:
            full = dict(counts)
            if untyped > 0:
                only = candidates[0]
                full[only.name] = full.get(only.name, 0.0) + untyped
                if counts:
                    self.notes.append(
                        f"{_fmt(untyped)} records not split by type are counted as {self.describe(only)}"
                    )
            return [(_Option(), full, None, "")]
        law = self.law
        denominator, weights = _weights(law, law.insider_multiplier if option.insider else 1.0)
        most, least = candidates[0], candidates[-1]
        w_most, w_least = weights[most.name], weights[least.name]
        fixed = sum(int(n) * weights[name] for name, n in counts.items())  # pro-rata multiple x denominator

        def band_at(x: int) -> Band:
            return _band_for(Fraction(fixed + x * w_most + (untyped - x) * w_least, denominator), law)

        def min_x(level: Fraction) -> int:
            """The fewest records in the most sensitive category for the pro-rata multiple to reach ``level``."""
            need = level * denominator - fixed - untyped * w_least
            x = -(-need.numerator // (need.denominator * (w_most - w_least)))  # ceil
            return min(max(0, x), untyped + 1)

        levels = {Band.serious: Fraction(1), Band.especially_serious: Fraction(law.especially_multiplier)}
        low_band, high_band = band_at(0), band_at(untyped)
        bands = [b for b in Band if BAND_ORDER[low_band] <= BAND_ORDER[b] <= BAND_ORDER[high_band]]
        which = f"{_fmt(untyped)} records" + (" not split by type" if counts else "")
        rest = f" and the rest {self.describe(least)}"
        middle = ", ".join(self.describe(c) for c in candidates[1:-1])
        tail = f", counted pro rata ({self.label} Art. 5(1)(6))" + (
            f"; records of {middle} count in between" if middle else ""
        )
        most_type, least_type = self.representative_type(most), self.representative_type(least)
        known: dict[DataType, int] = dict(self.case.records_by_type or {})
        out: list[tuple[_Option, dict[str, float], str | None, str]] = []
        for band in bands:
            x_lo = 0 if band is low_band else min_x(levels[band])
            upper = Band.serious if band is Band.none else Band.especially_serious
            x_hi = untyped if band is high_band else min_x(levels[upper]) - 1
            if band is high_band:
                x, attribution = untyped, "most"
                short = (
                    f"if all {which} are {self.describe(most)}"
                    if x_lo >= untyped
                    else f"if at least {_fmt(x_lo)} of the {which} are {self.describe(most)}"
                )
            elif band is low_band:
                x, attribution = 0, "least"
                short = f"if fewer than {_fmt(x_hi + 1)} of the {which} are {self.describe(most)}"
            else:
                x, attribution = (x_lo + x_hi) // 2, None
                short = f"if {_fmt(x_lo)} to {_fmt(x_hi)} of the {which} are {self.describe(most)}"
            by_type = dict(known)
            split_counts = dict(counts)
            for data_type, category, n in ((most_type, most, x), (least_type, least, untyped - x)):
                if n > 0:
                    by_type[data_type] = by_type.get(data_type, 0) + n
                    split_counts[category.name] = split_counts.get(category.name, 0.0) + n
            condition = short + ("" if x_lo >= untyped and band is high_band else rest) + tail
            option_ = _Option(
                condition=condition,
                deciding=("records_by_type",),
                update={"records_by_type": {t.value: int(n) for t, n in by_type.items()}},
            )
            tag = short.removeprefix("if ") + (f"; e.g. {_fmt(x)}" if attribution is None else "")
            out.append((option_, split_counts, attribution, tag))
        return out

    def quantity_options(
        self, option: _ConductOption
    ) -> list[tuple[_Option, dict[str, float] | None, float | None]]:
        """Readings of an undetermined case (no record count, gains or flag): none / serious / especially serious by
        the numbers that separate them (category C when no type is given). Art. 6 buyers: by the profit."""
        law = self.law
        v = law.variant_multiples
        if option.art6:
            t = law.lawful_business_serious_yuan
            return [
                (
                    _Option(
                        condition=f"profit unknown: serious if the profit from the data reaches {_fmt(t)} yuan "
                        f"({self.label} Art. 6(1)(1))",
                        deciding=("illegal_profit_yuan",),
                        update={"illegal_profit_yuan": _clean(t * v[Band.serious])},
                    ),
                    None,
                    t * v[Band.serious],
                ),
                (
                    _Option(
                        condition=f"profit unknown: no crime on the numbers if it stays under {_fmt(t)} yuan",
                        deciding=("illegal_profit_yuan",),
                        update={"illegal_profit_yuan": _clean(t * v[Band.none])},
                    ),
                    None,
                    t * v[Band.none],
                ),
            ]
        factor = law.insider_multiplier if option.insider else 1.0
        ten = law.especially_multiplier
        cats = self.present
        least = cats[-1]
        gains_t = law.serious_gains_yuan * factor

        def per_category(text: str) -> str:
            return "; ".join(
                f"{self.describe(c)}: "
                + text.format(
                    t=_fmt(c.serious_records * factor),
                    top=_fmt(c.serious_records * factor * ten),
                    below=_fmt(c.serious_records * factor * ten - 1),
                )
                for c in cats
            )

        mixed = f", a mix counted pro rata ({self.label} Art. 5(1)(6))" if len(cats) > 1 else ""
        texts = {
            Band.especially_serious: (
                f"record count unknown: especially serious if the records reach ten times the threshold "
                f"({per_category('{top} or more')}{mixed}) or the gains {_fmt(gains_t * ten)} yuan "
                f"({self.label} Art. 5(2)(3))"
            ),
            Band.serious: (
                f"record count unknown: serious if the records reach the threshold but not ten times it "
                f"({per_category('{t}-{below}')}{mixed}) or the gains {_fmt(gains_t)} yuan "
                f"({self.label} Art. 5(1)(3)-(7))"
            ),
            Band.none: (
                f"record count unknown: no crime on the numbers if the records stay under the threshold "
                f"({per_category('under {t}')}) and the gains under {_fmt(gains_t)} yuan"
            ),
        }
        base = least.serious_records * factor
        out: list[tuple[_Option, dict[str, float] | None, float | None]] = []
        for band, mult in (
            (Band.especially_serious, ten * v[Band.especially_serious]),
            (Band.serious, v[Band.serious]),
            (Band.none, v[Band.none]),
        ):
            n = round(base * mult)
            if len(cats) > 1:
                update: dict[str, Any] = {"records_by_type": {self.representative_type(least).value: n}}
            else:
                update = {"records_total": n}
            option_ = _Option(
                condition=texts[band],
                deciding=("records_total", "records_by_type", "illegal_profit_yuan"),
                update=update,
            )
            out.append((option_, {least.name: float(n)}, None))
        return out

    def art6_profit_hits(self, gains: float | None, tag: str = "") -> list[RuleHit]:
        """Interp. 2017 Art. 6(1)(1): a buyer of general data for a lawful business whose profit (yuan) reaches the
        law table's threshold is serious; ``tag`` prefixes the text of a hypothetical reading."""
        t = self.law.lawful_business_serious_yuan
        if gains is None or gains < t:
            return []
        text = f"{tag}lawful-business buyer profited {_fmt(gains)} yuan >= {_fmt(t)} = serious"
        return [RuleHit(article=self.article("6(1)(1)"), band=Band.serious, text=text, value=gains, threshold=t)]

    # --- scenarios
    def scenarios(self) -> tuple[list[_Scenario], bool]:
        """Every combination of the unknown facts' resolutions, evaluated; and whether the case is determined."""
        out: list[_Scenario] = []
        determined = True
        for option in self.conduct_options():
            common, gains_multiple = self.common_hits(option)
            self.gains_multiples[id(option)] = gains_multiple
            records = [] if option.art6 else self.record_options(option)
            if not records and not common and self.gains is None:
                # nothing sets the band: readings by the numbers that would
                determined = False
                for qopt, counts, gains in self.quantity_options(option):
                    if counts is not None:
                        tag = f"record count unknown; e.g. {_fmt(sum(counts.values()))}"
                        hits, multiple = self.record_hits(counts, option, tag=tag)
                        band = _max_band([h.band for h in hits])
                        out.append(_Scenario(band, hits, None, option, [option, qopt]))
                    else:
                        t = self.law.lawful_business_serious_yuan
                        art6_hits = self.art6_profit_hits(gains, tag=f"[if the profit reaches {_fmt(t)} yuan] ")
                        band = _max_band([h.band for h in art6_hits])
                        out.append(_Scenario(band, art6_hits, None, option, [option, qopt]))
                continue
            if not records:
                out.append(_Scenario(_max_band([h.band for h in common]), common, None, option, [option]))
                continue
            for ropt, counts, attribution, short in records:
                hits, multiple = self.record_hits(counts, option, tag=f"if {short}" if short else "")
                all_hits = hits + common
                band = _max_band([h.band for h in all_hits])
                out.append(_Scenario(band, all_hits, multiple, option, [option, ropt], attribution))
        return out, determined

    # --- consequences of a band
    def regime(self) -> tuple[bool, str | None]:
        """(old law, note): the old Art. 253-1 applies when the last act precedes Amendment IX (Criminal Law Art.
        12). The note says why, or, when the date does not decide it, that the conduct date would."""
        law, case = self.law, self.case
        cutoff = law.amendment_ix_in_force
        when = cutoff.isoformat()
        old_text = (
            f"the old Art. 253-1 applies (up to {_fmt(law.old_law_range[1])} months or detention, fine optional; "
            "Criminal Law Art. 12); the Interpretation's thresholds are applied as guidance"
        )
        undecided = (
            f"judged under the amended Art. 253-1; if the last act came before {when} (Amendment IX), the old "
            f"Art. 253-1 applies (up to {_fmt(law.old_law_range[1])} months or detention, fine optional; Criminal "
            "Law Art. 12)"
        )
        if case.conduct_date:
            year, month, day = parse_conduct_date(case.conduct_date)
            old: bool | None
            if day is not None:
                old = date(year, month or 1, day) < cutoff
            elif month is not None and (year, month) != (cutoff.year, cutoff.month):
                old = (year, month) < (cutoff.year, cutoff.month)
            elif month is not None:
                old = False if cutoff.day == 1 else None
            else:
                old = None if year == cutoff.year else year < cutoff.year
            if old is None:
                return (
                    False,
                    f"conduct_date {case.conduct_date} does not say on which side of {when} the last act falls: {undecided}",
                )
            if old:
                return True, f"last act ({case.conduct_date}) before {when}: {old_text}"
            return False, None
        if case.year is not None and case.year <= cutoff.year:
            return (
                True,
                f"judgment year {case.year} and no conduct_date: the conduct precedes {when}, so {old_text}",
            )
        return False, f"no conduct_date: {undecided}: the conduct date would decide it"

    def consequences(self, band: Band, determined: bool, old_law: bool, insider: bool) -> dict[str, Any]:
        law, case = self.law, self.case
        notes: list[str] = []
        low, high = law.ranges[band]
        if band is Band.none:
            # Art. 5(1)(10) is a catch-all ("other serious circumstances"): a conviction below every enumerated
            # threshold is possible, within the serious band's range.
            low, high = law.ranges[Band.serious]
            if determined:
                notes.append(
                    f"no enumerated threshold of {self.label} Art. 5 is met: a conviction is possible only under the "
                    "catch-all Art. 5(1)(10) ('other serious circumstances')"
                )
        mitigation = [
            (case.surrender, "surrender (Criminal Law Art. 67)"),
            (case.role == "accessory", "accessory (Criminal Law Art. 27)"),
            (case.attempt, "attempt (Criminal Law Art. 23)"),
        ]
        reasons = [why for flag, why in mitigation if flag]
        if reasons and low > 0:
            notes.append(
                f"{', '.join(reasons)}: mitigation below the statutory minimum is possible (Criminal Law Art. 63)"
            )
            low = law.ranges[Band.none][0]
        fine_mandatory = law.fine_mandatory_by_band[band]
        if old_law:
            # The old Art. 253-1 has one band: up to three years or detention, with or without a fine.
            low, high = min(low, law.old_law_range[0]), min(high, law.old_law_range[1])
            fine_mandatory = law.old_law_fine_mandatory
        barred = [
            why
            for flag, why in ((case.recidivist, "recidivist"), (case.ringleader, "ringleader of a criminal group"))
            if flag
        ]
        probation = not barred and low <= law.probation_max_months
        if barred:
            notes.append(f"{' and '.join(barred)}: no probation (Criminal Law Art. 74)")
        exemption = (
            band is not Band.especially_serious
            and not case.recidivist
            and not case.prior_punishment_same_conduct
            and bool(case.restitution)
            and bool(case.guilty_plea or case.truthful_confession or case.surrender)
        )
        if exemption:
            notes.append(f"first offence, gains returned and remorse: exemption possible ({self.label} Art. 10)")
        if insider:
            notes.append(
                "insider who sold or provided data obtained in the duties: punished more heavily (从重, "
                "Criminal Law Art. 253-1(2))"
            )
        guideline = None
        if self.gains is not None and self.gains > 0:
            lo_mult, hi_mult = law.fine_gains_multiple
            guideline = (self.gains * lo_mult, self.gains * hi_mult)
        return {
            "custodial_range_months": (low, high),
            "fine_mandatory": fine_mandatory,
            "probation_possible": probation,
            "exemption_possible": exemption,
            "fine_guideline_yuan": guideline,
            "notes": notes,
        }


def _readings(engine: _Engine, scenarios: list[_Scenario], determined: bool) -> list[Reading]:
    by_band: dict[Band, list[_Scenario]] = {}
    for scenario in scenarios:
        by_band.setdefault(scenario.band, []).append(scenario)
    certain = len(by_band) == 1 and determined
    old_law, regime_note = engine.regime()
    out: list[Reading] = []
    for band in sorted(by_band, key=BAND_ORDER.__getitem__, reverse=True):
        group = by_band[band]
        first = group[0]
        if certain:
            condition, deciding, update = "on the facts given", [], {}
        else:
            conditions = list(dict.fromkeys(s.condition for s in group if s.condition))
            condition = " or ".join(conditions)
            deciding = list(dict.fromkeys(d for s in group for d in s.deciding))
            update = first.update
        notes = list(first.conduct.notes)
        consequences = engine.consequences(band, determined, old_law, first.conduct.insider)
        notes += consequences.pop("notes")
        if regime_note and (band is Band.especially_serious or old_law):
            notes.append(regime_note)
        out.append(
            Reading(
                band=band,
                condition=condition,
                deciding_facts=deciding,
                rules=first.hits,
                old_law=old_law,
                insider_rule=first.conduct.insider,
                case_update=_jsonable(update),
                notes=notes,
                **consequences,
            )
        )
    return out


def _jsonable(update: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in update.items():
        if isinstance(v, list):
            out[k] = [getattr(x, "value", x) for x in v]
        elif isinstance(v, dict):
            out[k] = {getattr(t, "value", t): n for t, n in v.items()}
        else:
            out[k] = v
    return out


def _evaluate(
    case: CriminalCase, law: LawTable, shared: tuple[_Engine, list[_Scenario], bool] | None = None
) -> BandResult:
    """The band of ``case``; ``shared``: the engine and scenarios of a case that differs from it only in
    :data:`CONSEQUENCE_FIELDS` (the scenarios do not read them: they are the same)."""
    if shared is None:
        engine = _Engine(case, law)
        scenarios, determined = engine.scenarios()
    else:
        base, scenarios, determined = shared
        engine = copy.copy(base)  # the scenarios' state, read-only from here on; the consequences read this case
        engine.case = case
    readings = _readings(engine, scenarios, determined)
    low = readings[-1]
    band_certain = len(readings) == 1 and determined
    multiples = [s.multiple for s in scenarios if s.multiple is not None]
    most = [s.band for s in scenarios if s.attribution == "most"]
    least = [s.band for s in scenarios if s.attribution == "least"]
    low_scenario = next(s for s in scenarios if s.band is low.band)
    gains_multiple = engine.gains_multiples.get(id(low_scenario.conduct))
    if band_certain:
        rules = low.rules
    else:
        rules = sorted(
            {h.article + h.text: h for r in readings for h in r.rules}.values(), key=lambda h: h.article
        )
    notes = list(dict.fromkeys([*engine.notes, *low.notes]))
    in_force = law.interpretation_in_force
    if case.year is not None and case.year < in_force.year and not low.old_law:
        notes.append(
            f"judgment year {case.year} precedes {law.interpretation_label} (in force {in_force.isoformat()}): its "
            "thresholds are applied as guidance"
        )
    if not determined:
        notes.append(
            "no record count, gains or other qualifying fact given: the band cannot be set; every reading "
            "is given with the numbers that separate them"
        )
    elif not band_certain:
        notes.append(
            f"the band depends on facts not given ({', '.join(dict.fromkeys(d for r in readings for d in r.deciding_facts))}): "
            f"the lower band is reported, every reading is given, most severe first"
        )
    return BandResult(
        band=low.band if determined else Band.none,
        band_certain=band_certain,
        determined=determined,
        band_if_most_sensitive=_max_band(most) if most and least else None,
        band_if_least_sensitive=min(least, key=BAND_ORDER.__getitem__) if most and least else None,
        rules=rules,
        records_threshold_multiple=(min(multiples), max(multiples)) if multiples else None,
        gains_threshold_multiple=gains_multiple,
        custodial_range_months=low.custodial_range_months,
        probation_possible=low.probation_possible,
        exemption_possible=low.exemption_possible,
        fine_mandatory=low.fine_mandatory,
        fine_guideline_yuan=low.fine_guideline_yuan,
        notes=notes,
        readings=readings,
        deciding_facts=list(dict.fromkeys(d for r in readings for d in r.deciding_facts)),
        old_law=low.old_law,
        insider_rule=low.insider_rule,
        law=_law_ref(law),
        contested=[],
    )


_ALTERNATIVES: dict[tuple[str, str, str], LawTable] = {}
_REFS: dict[str, LawTableRef] = {}


def _law_ref(law: LawTable) -> LawTableRef:
    if law.digest not in _REFS:
        _REFS[law.digest] = LawTableRef(**law.ref())
    return _REFS[law.digest]


def _alternative(law: LawTable, data_type: DataType, category: str) -> LawTable:
    key = (law.digest, data_type.value, category)
    if key not in _ALTERNATIVES:
        _ALTERNATIVES[key] = law.with_readings({data_type.value: category})
    return _ALTERNATIVES[key]


def _bands(case: CriminalCase, law: LawTable) -> tuple[Band, list[Band]]:
    """The band (lower reading) and every reading's band, most severe first, without building the answer."""
    scenarios, determined = _Engine(case, law).scenarios()
    bands = sorted({s.band for s in scenarios}, key=BAND_ORDER.__getitem__, reverse=True)
    return (bands[-1] if determined else Band.none), bands


def _contested(case: CriminalCase, law: LawTable, result: BandResult) -> list[ContestedReading]:
    out: list[ContestedReading] = []
    bands = [r.band for r in result.readings]
    split = case.records_by_type or {}
    untyped = (case.records_total or 0) > sum(split.values())
    for data_type in dict.fromkeys(case.data_types):
        contest = law.contested.get(data_type)
        if contest is None:
            continue
        # the type's category can matter only through its records (given in the split, or possibly among the
        # records not split by type) or through the scope of Art. 6 (general data only)
        if not case.lawful_business_purpose and not (data_type in split or untyped):
            continue
        applied = law.readings[data_type]
        for other in contest.categories():
            if other == applied:
                continue
            alt_band, other_bands = _bands(case, _alternative(law, data_type, other))
            if alt_band is result.band and other_bands == bands:
                continue
            out.append(
                ContestedReading(
                    data_type=data_type,
                    question=contest.question,
                    default_category=contest.default,
                    applied_category=applied,
                    other_category=other,
                    band_under_other=alt_band,
                    bands_under_other=other_bands,
                    applied_basis=contest.basis(applied),
                    other_basis=contest.basis(other),
                    note=f"contested reading: {data_type.value} is read as category {applied} "
                    f"({'the default' if applied == contest.default else 'a chosen reading'}); read as category "
                    f"{other} the band would be {alt_band.value}"
                    + (f" (readings: {', '.join(b.value for b in other_bands)})" if len(other_bands) > 1 else ""),
                )
            )
    return out


def insider_could_sell(case: CriminalCase, law: LawTable | None = None) -> bool:
    """Whether the insider rules (Interp. 2017 Art. 5(1)(8), Criminal Law Art. 253-1(2)) would apply if the defendant
    were an insider: they cover selling or providing data obtained in the duties (no conduct given: they may)."""
    law = law or load_law_table()
    conduct = set(case.conduct)
    return bool(conduct & law.insider_selling) if conduct else True


# The facts the engine reads only for a reading's consequences (_Engine.consequences: mitigation below the minimum,
# Criminal Law Arts. 23, 27, 63, 67; probation barred, Art. 74; the Interp. 2017 Art. 10 exemption), never for its
# scenarios (thresholds, conduct, records, gains, regime). Variants of a case that change only these share its
# scenarios; tests/test_statutory.py checks variant_bands against statutory_band.
CONSEQUENCE_FIELDS = frozenset(
    {
        "surrender",
        "truthful_confession",
        "guilty_plea",
        "restitution",
        "attempt",
        "role",
        "recidivist",
        "ringleader",
    }
)
_SCENARIO_FIELDS = tuple(name for name in CriminalCase.model_fields if name not in CONSEQUENCE_FIELDS)


def variant_bands(
    case: CriminalCase, variants: Sequence[CriminalCase], law: LawTable | None = None
) -> list[BandResult]:
    """``statutory_band(v, law, contested=False)`` of each variant, the case's scenarios evaluated once for every
    variant that differs from ``case`` only in :data:`CONSEQUENCE_FIELDS` (an answer's drivers and levers: the case
    with a circumstance set absent); any other variant is evaluated on its own."""
    law = law or load_law_table()
    shared: tuple[_Engine, list[_Scenario], bool] | None = None
    out: list[BandResult] = []
    for variant in variants:
        if any(getattr(variant, name) != getattr(case, name) for name in _SCENARIO_FIELDS):
            out.append(_evaluate(variant, law))
            continue
        if shared is None:
            engine = _Engine(case, law)
            scenarios, determined = engine.scenarios()
            shared = (engine, scenarios, determined)
        out.append(_evaluate(variant, law, shared))
    return out


def statutory_band(case: CriminalCase, law: LawTable | None = None, *, contested: bool = True) -> BandResult:
    """Place a criminal case in its statutory band, with every reading the facts allow and their consequences.

    Args:
        case: a validated ``CriminalCase`` (outcome fields are ignored).
        law: the law table; default ``load_law_table()`` (readings from ``EXPOSURE_LAW_READINGS``).
        contested: also evaluate the other readings of contested data types (``BandResult.contested``).
    Returns:
        ``BandResult``: the band (the lower reading when uncertain), its rules, custodial range in months, probation,
        exemption, fine; ``readings`` most severe first, each with ``condition``, ``deciding_facts`` and
        ``case_update``; ``contested``; ``law`` (the table's version and digest).
    """
    law = law or load_law_table()
    result = _evaluate(case, law)
    if contested:
        notes = _contested(case, law, result)
        if notes:
            result = result.model_copy(
                update={"contested": notes, "notes": [*result.notes, *(n.note for n in notes)]}
            )
    return result
