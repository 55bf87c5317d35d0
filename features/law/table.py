"""The law table: every legal number of Exposure, read from ``law_2017.toml`` (and nowhere else in the code).

``load_law_table()`` returns a frozen :class:`LawTable`: record thresholds by category (Interp. 2017 Art.
5(1)(3)-(5)), money thresholds (Art. 5(1)(7), Art. 6(1)(1)), multipliers (Art. 5(1)(8), 5(2)(3)), the custodial
ranges of Criminal Law Art. 253-1 (months), detention (Art. 42), probation limits and periods (Arts. 72-73), the
Art. 12 fine multiple, the dates of Amendment IX and of the Interpretation, the 2021 guideline's adjustments
(fractions of the starting point), the baseline's conventions, the contested data-type readings with their
citations, and the labels of precedent authority.

Readings: a contested data type (``[contested.<type>]``) is placed in its default category unless a reading is
chosen: ``load_law_table(readings={"vehicle": "A"})``, or the environment variable ``EXPOSURE_LAW_READINGS``
(``vehicle=A,biometric=C``), read in :func:`readings_from_env` only. ``LawTable.digest`` is a short sha256 of the
effective table (numbers and readings): two tables with the same digest give the same answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from features.law.vocab import Band, Conduct, DataType

DEFAULT_PATH = Path(__file__).with_name("law_2017.toml").resolve()
READINGS_ENV = "EXPOSURE_LAW_READINGS"
DIGEST_CHARS = 12


@dataclass(frozen=True)
class Category:
    """A threshold category of Interp. 2017 Art. 5(1)(3)-(5)."""

    name: str  # "A" | "B" | "C"
    item: int  # item of Art. 5(1)
    label: str
    serious_records: int
    data_types: frozenset[DataType]


@dataclass(frozen=True)
class Alternative:
    """Another category a contested data type may be read into, with its source."""

    category: str
    basis: str


@dataclass(frozen=True)
class Contest:
    """A data type whose category is disputed: the default reading with its citation and the alternatives."""

    data_type: DataType
    question: str
    default: str
    default_basis: str
    alternatives: tuple[Alternative, ...]

    def categories(self) -> tuple[str, ...]:
        return (self.default, *(a.category for a in self.alternatives))

    def basis(self, category: str) -> str:
        if category == self.default:
            return self.default_basis
        return next(a.basis for a in self.alternatives if a.category == category)


@dataclass(frozen=True)
class Adjustment:
    """One general adjustment of 法发〔2021〕21号: stated range and the value the baseline applies (fractions)."""

    name: str
    article: str
    range: tuple[float, float]
    baseline: float


@dataclass(frozen=True)
class Precedent:
    """What a kind of published case can do for a court (CaseBase.authority)."""

    name: str
    label: str
    effect: str
    basis: str
    markers: tuple[str, ...]


@dataclass(frozen=True)
class Baseline:
    """The statutory baseline's conventions (not law; in the table so that they are part of the digest)."""

    position_unknown: float
    position_share: float
    probation_base: float
    probation_per_mitigation: float
    probation_short_term_months: float
    probation_short_term_bonus: float
    probation_max: float
    award_without_facts_yuan: float
    fine_without_gains_yuan: dict[Band, float]


@dataclass(frozen=True)
class LawTable:
    """The numbers of the law (see module docstring). Units: records (条), yuan, months, fractions."""

    version: str
    citation: str
    interpretation: str
    interpretation_label: str  # "Interp. 2017": the prefix of every rule's article
    amendment_ix_in_force: date
    interpretation_in_force: date
    categories: tuple[Category, ...]  # most sensitive (lowest threshold) first, readings applied
    serious_gains_yuan: float
    lawful_business_serious_yuan: float
    insider_multiplier: float
    especially_multiplier: float
    insider_selling: frozenset[Conduct]
    art6_buying: frozenset[Conduct]
    art6_compatible: frozenset[Conduct]
    art6_resale: frozenset[Conduct]
    ranges: dict[Band, tuple[float, float]]  # custodial months by band (0 = a fine alone)
    imprisonment_months: dict[Band, tuple[float, float]]
    fine_mandatory_by_band: dict[Band, bool]
    old_law_range: tuple[float, float]
    old_law_fine_mandatory: bool
    detention_months: tuple[float, float]
    probation_max_months: float
    probation_imprisonment_months: tuple[float, float]
    probation_detention_months: tuple[float, float]
    fine_gains_multiple: tuple[float, float]
    reoffending_admin_years: int
    guideline_citation: str
    adjustments: dict[str, Adjustment]
    max_combined_reduction: float
    recidivist_min_increase_months: float
    baseline: Baseline
    variant_multiples: dict[Band, float]
    contested: dict[DataType, Contest]
    readings: dict[DataType, str]  # the category applied to every contested type
    precedent: dict[str, Precedent]
    raw: dict[str, Any] = field(repr=False, compare=False)
    digest: str = ""

    # --- lookups
    def category_of(self, data_type: DataType) -> Category:
        for category in self.categories:
            if data_type in category.data_types:
                return category
        return self.categories[-1]

    def category(self, name: str) -> Category:
        return next(c for c in self.categories if c.name == name)

    @property
    def general(self) -> Category:
        """The least sensitive category (Art. 5(1)(5)): data outside Art. 5(1)(3)-(4)."""
        return self.categories[-1]

    def probation_period_months(self, *, imprisonment: bool) -> tuple[float, float]:
        """Criminal Law Art. 73: the probation period for imprisonment or for criminal detention, months."""
        return self.probation_imprisonment_months if imprisonment else self.probation_detention_months

    def ref(self) -> dict[str, Any]:
        """Version, digest, citation and the readings applied: what an answer says about the law it used."""
        defaults = {t: c.default for t, c in self.contested.items()}
        return {
            "version": self.version,
            "digest": self.digest,
            "citation": self.citation,
            "readings": {t.value: c for t, c in sorted(self.readings.items())},
            "non_default_readings": sorted(t.value for t, c in self.readings.items() if c != defaults[t]),
        }

    # --- alternative readings
    def with_readings(self, readings: Mapping[str, str]) -> LawTable:
        """The same table with the given contested readings applied (others keep their current reading)."""
        chosen = {**{t.value: c for t, c in self.readings.items()}, **dict(readings)}
        return _build(self.raw, _validate_readings(chosen, self.contested))


# ------------------------------------------------------------------------------------------------- loading


def _pair(value: Any) -> tuple[float, float]:
    low, high = value
    return (float(low), float(high))


def _conducts(values: list[str]) -> frozenset[Conduct]:
    return frozenset(Conduct(v) for v in values)


def _date(value: str) -> date:
    return date.fromisoformat(str(value))


def _parse_contested(raw: dict[str, Any]) -> dict[DataType, Contest]:
    out: dict[DataType, Contest] = {}
    for name, spec in raw.get("contested", {}).items():
        data_type = DataType(name)
        out[data_type] = Contest(
            data_type=data_type,
            question=str(spec["question"]),
            default=str(spec["default"]),
            default_basis=str(spec["default_basis"]),
            alternatives=tuple(
                Alternative(category=str(a["category"]), basis=str(a["basis"]))
                for a in spec.get("alternatives", [])
            ),
        )
    return out


def _validate_readings(readings: Mapping[str, str], contested: dict[DataType, Contest]) -> dict[DataType, str]:
    """Readings as {DataType: category}; a type that is not contested or a category it does not allow is refused
    with an error naming the type and the allowed categories."""
    out: dict[DataType, str] = {}
    for name, category in readings.items():
        try:
            data_type = DataType(str(name).strip())
        except ValueError:
            raise ValueError(f"law reading {name!r}: not a data type") from None
        if data_type not in contested:
            allowed = ", ".join(sorted(t.value for t in contested))
            raise ValueError(f"law reading {data_type.value}: not a contested data type (contested: {allowed})")
        category = str(category).strip().upper()
        options = contested[data_type].categories()
        if category not in options:
            raise ValueError(
                f"law reading {data_type.value}={category}: the table allows {', '.join(options)} for this type"
            )
        out[data_type] = category
    return out


def _build(raw: dict[str, Any], readings: dict[DataType, str]) -> LawTable:
    contested = _parse_contested(raw)
    applied = {t: readings.get(t, c.default) for t, c in contested.items()}
    categories: list[Category] = []
    seen: set[DataType] = set()
    for name, spec in raw["categories"].items():
        types = frozenset(DataType(t) for t in spec["data_types"])
        overlap = seen & types
        if overlap:
            raise ValueError(f"law table: data types in two categories: {sorted(overlap)}")
        seen |= types
        categories.append(
            Category(
                name=name,
                item=int(spec["item"]),
                label=str(spec["label"]),
                serious_records=int(spec["serious_records"]),
                data_types=types,
            )
        )
    for data_type, contest in contested.items():
        listed = next((c.name for c in categories if data_type in c.data_types), None)
        if listed != contest.default:
            raise ValueError(
                f"law table: {data_type.value} is listed under category {listed} but its contested default is "
                f"{contest.default}"
            )
    # apply the readings: move each contested type to its chosen category
    moved = []
    for category in categories:
        kept = {t for t in category.data_types if t not in contested}
        chosen = {t for t, c in applied.items() if c == category.name}
        moved.append(replace(category, data_types=frozenset(kept | chosen)))
    categories = sorted(moved, key=lambda c: c.serious_records)

    ranges = raw["ranges"]
    guideline = raw["guideline"]
    base = raw["baseline"]
    variants = raw["variants"]
    table = LawTable(
        version=str(raw["meta"]["version"]),
        citation=str(raw["meta"]["citation"]),
        interpretation=str(raw["meta"]["interpretation"]),
        interpretation_label=str(raw["meta"]["interpretation_label"]),
        amendment_ix_in_force=_date(raw["dates"]["amendment_ix_in_force"]),
        interpretation_in_force=_date(raw["dates"]["interpretation_in_force"]),
        categories=tuple(categories),
        serious_gains_yuan=float(raw["money"]["serious_gains_yuan"]),
        lawful_business_serious_yuan=float(raw["money"]["lawful_business_serious_yuan"]),
        insider_multiplier=float(raw["multipliers"]["insider"]),
        especially_multiplier=float(raw["multipliers"]["especially_serious"]),
        insider_selling=_conducts(raw["conduct"]["insider_selling"]),
        art6_buying=_conducts(raw["conduct"]["art6_buying"]),
        art6_compatible=_conducts(raw["conduct"]["art6_compatible"]),
        art6_resale=_conducts(raw["conduct"]["art6_resale"]),
        ranges={Band(k): _pair(v["custodial_months"]) for k, v in ranges.items()},
        imprisonment_months={
            Band(k): _pair(v["imprisonment_months"]) for k, v in ranges.items() if "imprisonment_months" in v
        },
        fine_mandatory_by_band={Band(k): bool(v["fine_mandatory"]) for k, v in ranges.items()},
        old_law_range=_pair(raw["old_law"]["custodial_months"]),
        old_law_fine_mandatory=bool(raw["old_law"]["fine_mandatory"]),
        detention_months=_pair(raw["detention"]["months"]),
        probation_max_months=float(raw["probation"]["max_custodial_months"]),
        probation_imprisonment_months=_pair(raw["probation"]["imprisonment_period_months"]),
        probation_detention_months=_pair(raw["probation"]["detention_period_months"]),
        fine_gains_multiple=_pair(raw["fine"]["gains_multiple"]),
        reoffending_admin_years=int(raw["reoffending"]["administrative_within_years"]),
        guideline_citation=str(guideline["citation"]),
        adjustments={
            name: Adjustment(
                name=name,
                article=str(spec["article"]),
                range=_pair(spec["range"]),
                baseline=float(spec["baseline"]),
            )
            for name, spec in guideline["adjustments"].items()
        },
        max_combined_reduction=float(guideline["max_combined_reduction"]),
        recidivist_min_increase_months=float(guideline["recidivist_min_increase_months"]),
        baseline=Baseline(
            position_unknown=float(base["position_unknown"]),
            position_share=float(base["position_share"]),
            probation_base=float(base["probation_base"]),
            probation_per_mitigation=float(base["probation_per_mitigation"]),
            probation_short_term_months=float(base["probation_short_term_months"]),
            probation_short_term_bonus=float(base["probation_short_term_bonus"]),
            probation_max=float(base["probation_max"]),
            award_without_facts_yuan=float(base["award_without_facts_yuan"]),
            fine_without_gains_yuan={Band(k): float(v) for k, v in base["fine_without_gains_yuan"].items()},
        ),
        variant_multiples={
            Band.none: float(variants["none_multiple"]),
            Band.serious: float(variants["serious_multiple"]),
            Band.especially_serious: float(variants["especially_serious_multiple"]),
        },
        contested=contested,
        readings=applied,
        precedent={
            name: Precedent(
                name=name,
                label=str(spec["label"]),
                effect=str(spec["effect"]),
                basis=str(spec["basis"]),
                markers=tuple(spec.get("markers", [])),
            )
            for name, spec in raw["precedent"].items()
        },
        raw=raw,
    )
    if set(DataType) - seen:
        raise ValueError(f"law table: data types without a category: {sorted(set(DataType) - seen)}")
    for band in Band:
        if band not in table.ranges or band not in table.fine_mandatory_by_band:
            raise ValueError(f"law table: no [ranges.{band.value}]")
    payload = json.dumps(
        {"table": raw, "readings": {t.value: c for t, c in sorted(applied.items())}},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return replace(table, digest=hashlib.sha256(payload.encode("utf-8")).hexdigest()[:DIGEST_CHARS])


@lru_cache(maxsize=8)
def _read(path: Path) -> dict[str, Any]:
    raw: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
    return raw


@lru_cache(maxsize=32)
def _load(path: Path, readings: frozenset[tuple[str, str]]) -> LawTable:
    raw = _read(path)
    return _build(raw, _validate_readings(dict(readings), _parse_contested(raw)))


@lru_cache(maxsize=16)
def parse_readings(text: str) -> tuple[tuple[str, str], ...]:
    """``"vehicle=A, biometric=C"`` -> (("vehicle", "A"), ("biometric", "C")); a malformed entry is refused
    with an error that names it."""
    out: list[tuple[str, str]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, category = part.partition("=")
        if not sep or not name.strip() or not category.strip():
            raise ValueError(f"law reading {part!r}: expected data_type=CATEGORY, e.g. vehicle=A")
        out.append((name.strip(), category.strip().upper()))
    return tuple(out)


def readings_from_env() -> dict[str, str]:
    """The readings chosen in ``EXPOSURE_LAW_READINGS`` (empty when unset): the one place it is read."""
    return dict(parse_readings(os.environ.get(READINGS_ENV, "")))


def load_law_table(path: Path | None = None, readings: Mapping[str, str] | None = None) -> LawTable:
    """The law table (default: ``law_2017.toml`` beside this module) with the contested readings applied:
    ``readings`` if given, else those of ``EXPOSURE_LAW_READINGS``, else every type's default. Cached."""
    if readings is None:
        return _load(
            path.resolve() if path else DEFAULT_PATH, frozenset(parse_readings(os.environ.get(READINGS_ENV, "")))
        )
    normalized = frozenset((str(k).strip(), str(v).strip().upper()) for k, v in readings.items())
    return _load(path.resolve() if path else DEFAULT_PATH, normalized)


def clear_cache() -> None:
    """Forget loaded tables (tests that edit a table file)."""
    _read.cache_clear()
    _load.cache_clear()
