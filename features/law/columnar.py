"""The statutory engine over whole batches: the facts of many cases as arrays in, their bands as arrays out.

Two builders of one representation:

- :class:`CaseFacts` holds the facts of a batch of validated cases, one array per field, shape (n,): numbers in
  their units (records, yuan, years, defendants; NaN = not stated), circumstances as ternaries (-1 not stated,
  0 stated absent, 1 stated), vocabulary fields as codes (the index in the vocabulary's order, -1 not stated),
  ``data_types`` and ``conduct`` as bit masks over their vocabularies, ``records_by_type`` as a matrix (n,
  len(DataType)) of records. :func:`facts_of_cases` builds it from pydantic cases; ``features.columnar`` builds it
  from Arrow record batches without making a case object per row.
- :func:`band_columns` is :func:`features.law.statutory.statutory_band` (``contested=False``) for a whole batch: the
  band, its certainty, the legal range of the custodial term (months), probation, the insider rule, the fine
  guideline of Interp. 2017 Art. 12 (yuan), the multiples of the thresholds and the number of rules that fired, as
  :class:`BandColumns`. Every number comes from the law table (``LawTable``); the scenarios (the ways the records
  not split by type may fall, Interp. 2017 Art. 5(1)(6); the readings of a case with no record count) are the
  engine's, computed for all rows at once. It covers every shape but one: a case whose conduct is unknown while
  the insider rule (Art. 5(1)(8)) or the lawful-business rule (Art. 6) could apply, and an Art. 6 buyer with no
  number at all, have several conduct readings; :func:`band_columns` marks such rows ``covered=False`` and the
  caller runs the per-case engine on them (:func:`bands_of_results` turns its answers into the same columns).

The per-case engine stays the reference: ``tests/test_columnar.py`` checks that both give the same columns on every
seed case, the synthetic ones and cases made to reach every branch.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from features.law.schema import CRIMINAL_FACT_FIELDS, CivilCase, CriminalCase, parse_conduct_date
from features.law.statutory import BandResult, LawTable
from features.law.vocab import (
    Band,
    ClaimType,
    Conduct,
    DataType,
    DefendantType,
    DownstreamUse,
    Instance,
    PlaintiffType,
    Proceeding,
    Role,
    VictimCategory,
)

__all__ = [
    "CODE_FIELDS",
    "FLAG_FIELDS",
    "NUMBER_FIELDS",
    "BandColumns",
    "CaseFacts",
    "band_columns",
    "bands_of_results",
    "facts_of_cases",
]

DATA_TYPES: tuple[DataType, ...] = tuple(DataType)
CONDUCTS: tuple[Conduct, ...] = tuple(Conduct)
# facts read by the engine, the features and the models (the others, provenance and outcomes, are not)
NUMBER_FIELDS = ("records_total", "illegal_profit_yuan", "sales_yuan", "year", "n_defendants", "claimed_yuan")
# the yes/no facts: every criminal fact field the schema types as a flag (bool | None), in the schema's order
FLAG_FIELDS: tuple[str, ...] = tuple(
    name for name in CRIMINAL_FACT_FIELDS if bool in typing.get_args(CriminalCase.model_fields[name].annotation)
)
CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "proceeding": tuple(p.value for p in Proceeding),
    "victim_category": tuple(v.value for v in VictimCategory),
    "downstream_use": tuple(v.value for v in DownstreamUse),
    "role": tuple(v.value for v in Role),
    "plaintiff_type": tuple(v.value for v in PlaintiffType),
    "defendant_type": tuple(v.value for v in DefendantType),
    "claim_type": tuple(v.value for v in ClaimType),
    "instance": tuple(v.value for v in Instance),
}
NOT_STATED = -1
BAND_LEVELS: tuple[Band, ...] = (Band.none, Band.serious, Band.especially_serious)  # level 0, 1, 2
_EXACT_LIMIT = 2**53  # integers below it are exact in float64; the pro-rata sums must stay below it


def mask_of(values: Sequence[Any], vocabulary: Sequence[Any]) -> int:
    """The bit mask of ``values`` over ``vocabulary`` (bit i set when vocabulary[i] is among the values)."""
    out = 0
    for value in values:
        out |= 1 << vocabulary.index(value)
    return out


# ------------------------------------------------------------------------------------------------------ facts
@dataclass(frozen=True)
class CaseFacts:
    """The facts of a batch of validated cases (see module docstring), every array of length ``n``.

    ``records_total`` is the validated one (the sum of ``records_by_type`` when only the split is given) and
    ``data_types`` includes the types of the split, as the schema makes them; ``n_data_types`` counts the list's
    entries (a type given twice counts twice); ``split`` is (n, len(DataType)) records, ``has_split`` marks a
    non-empty ``records_by_type``; ``conduct_date`` is (n, 3) year, month, day (-1 where not given)."""

    numbers: dict[str, NDArray[np.float64]]
    flags: dict[str, NDArray[np.int8]]
    codes: dict[str, NDArray[np.int8]]
    data_types: NDArray[np.int64]
    n_data_types: NDArray[np.int64]
    conduct: NDArray[np.int64]
    split: NDArray[np.float64]
    has_split: NDArray[np.bool_]
    n_other_charges: NDArray[np.int64]
    conduct_date: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.data_types)

    def take(self, idx: Sequence[int] | NDArray[np.int_]) -> CaseFacts:
        """The rows at ``idx``, in that order."""
        rows = np.asarray(idx, dtype=np.int64)
        return CaseFacts(**{f.name: _take(getattr(self, f.name), rows) for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[CaseFacts]) -> CaseFacts:
        """The rows of ``parts`` one after another."""
        first = parts[0]
        out: dict[str, Any] = {}
        for f in fields(first):
            values = [getattr(p, f.name) for p in parts]
            if isinstance(values[0], dict):
                out[f.name] = {k: np.concatenate([v[k] for v in values]) for k in values[0]}
            else:
                out[f.name] = np.concatenate(values)
        return CaseFacts(**out)

    @staticmethod
    def empty(n: int) -> CaseFacts:
        """``n`` rows stating nothing (every number NaN, every flag and code -1, no list)."""
        return CaseFacts(
            numbers={k: np.full(n, np.nan) for k in NUMBER_FIELDS},
            flags={k: np.full(n, NOT_STATED, dtype=np.int8) for k in FLAG_FIELDS},
            codes={k: np.full(n, NOT_STATED, dtype=np.int8) for k in CODE_FIELDS},
            data_types=np.zeros(n, dtype=np.int64),
            n_data_types=np.zeros(n, dtype=np.int64),
            conduct=np.zeros(n, dtype=np.int64),
            split=np.zeros((n, len(DATA_TYPES))),
            has_split=np.zeros(n, dtype=bool),
            n_other_charges=np.zeros(n, dtype=np.int64),
            conduct_date=np.full((n, 3), NOT_STATED, dtype=np.int64),
        )

    def code_is(self, name: str, value: str) -> NDArray[np.bool_]:
        """Rows whose vocabulary field ``name`` is ``value``."""
        return np.asarray(self.codes[name] == CODE_FIELDS[name].index(value))

    def flag(self, name: str) -> NDArray[np.bool_]:
        """Rows where the circumstance ``name`` is stated true."""
        return np.asarray(self.flags[name] == 1)

    def has_type(self, data_type: DataType) -> NDArray[np.bool_]:
        return np.asarray((self.data_types >> DATA_TYPES.index(data_type)) & 1 == 1)

    def has_conduct(self, conduct: Conduct) -> NDArray[np.bool_]:
        return np.asarray((self.conduct >> CONDUCTS.index(conduct)) & 1 == 1)


def _take(value: Any, rows: NDArray[np.int64]) -> Any:
    if isinstance(value, dict):
        return {k: v[rows] for k, v in value.items()}
    return value[rows]


def _ternary(value: bool | None) -> int:
    return NOT_STATED if value is None else int(bool(value))


def facts_of_cases(cases: Sequence[CriminalCase | CivilCase]) -> CaseFacts:
    """The facts of validated cases (the per-case builder; see module docstring). Each field is gathered as a list
    and made an array once (a request's answer builds this for its case and every variant: per-element numpy
    writes cost more than the lists)."""
    n = len(cases)
    if n == 0:
        return CaseFacts.empty(0)
    nan = float("nan")
    numbers: dict[str, list[float]] = {name: [] for name in NUMBER_FIELDS}
    flags: dict[str, list[int]] = {name: [] for name in FLAG_FIELDS}
    codes: dict[str, list[int]] = {name: [] for name in CODE_FIELDS}
    data_types: list[int] = []
    n_data_types: list[int] = []
    conduct: list[int] = []
    split = np.zeros((n, len(DATA_TYPES)))
    has_split: list[bool] = []
    n_other_charges: list[int] = []
    conduct_date: list[tuple[int, int, int]] = []
    for i, case in enumerate(cases):
        # a field the case's kind does not have is not stated (asking pydantic for it costs an AttributeError)
        own = type(case).model_fields
        for name, column in numbers.items():
            value = getattr(case, name) if name in own else None
            column.append(nan if value is None else float(value))
        for name, flag_column in flags.items():
            flag_column.append(_ternary(getattr(case, name) if name in own else None))
        for name, vocabulary in CODE_FIELDS.items():
            value = getattr(case, name) if name in own else None
            codes[name].append(
                NOT_STATED if value is None else vocabulary.index(str(getattr(value, "value", value)))
            )
        data_types.append(mask_of(case.data_types, DATA_TYPES))
        n_data_types.append(len(case.data_types))
        conduct.append(mask_of(case.conduct, CONDUCTS))
        has_split.append(bool(case.records_by_type))
        for data_type, count in (case.records_by_type or {}).items():
            split[i, DATA_TYPES.index(data_type)] = float(count)
        n_other_charges.append(len(case.other_charges) if isinstance(case, CriminalCase) else 0)
        if case.conduct_date is None:
            conduct_date.append((NOT_STATED, NOT_STATED, NOT_STATED))
        else:
            year, month, day = parse_conduct_date(case.conduct_date)
            conduct_date.append((year, NOT_STATED if month is None else month, NOT_STATED if day is None else day))
    return CaseFacts(
        numbers={k: np.asarray(v, dtype=np.float64) for k, v in numbers.items()},
        flags={k: np.asarray(v, dtype=np.int8) for k, v in flags.items()},
        codes={k: np.asarray(v, dtype=np.int8) for k, v in codes.items()},
        data_types=np.asarray(data_types, dtype=np.int64),
        n_data_types=np.asarray(n_data_types, dtype=np.int64),
        conduct=np.asarray(conduct, dtype=np.int64),
        split=split,
        has_split=np.asarray(has_split, dtype=bool),
        n_other_charges=np.asarray(n_other_charges, dtype=np.int64),
        conduct_date=np.asarray(conduct_date, dtype=np.int64).reshape(n, 3),
    )


# ------------------------------------------------------------------------------------------------------ bands
@dataclass(frozen=True)
class BandColumns:
    """The statutory answer of a batch of criminal cases as arrays of shape (n,) (see :class:`BandResult`).

    ``level``: 0 none, 1 serious, 2 especially serious (the band: the lower reading when uncertain, 0 when no
    number sets it); ``upper_especially``: some reading is especially serious; ``range_low`` / ``range_high``: the
    legal range of the custodial term, months; ``records_multiple_low`` / ``_high``: records over the applicable
    serious threshold (NaN when no record count); ``gains_multiple`` (NaN when no gains); ``fine_low`` /
    ``fine_high``: Interp. 2017 Art. 12 guideline, yuan (NaN without gains); ``n_rules``: rules that fired."""

    level: NDArray[np.int8]
    certain: NDArray[np.bool_]
    determined: NDArray[np.bool_]
    upper_especially: NDArray[np.bool_]
    range_low: NDArray[np.float64]
    range_high: NDArray[np.float64]
    probation_possible: NDArray[np.bool_]
    insider_rule: NDArray[np.bool_]
    records_multiple_low: NDArray[np.float64]
    records_multiple_high: NDArray[np.float64]
    gains_multiple: NDArray[np.float64]
    fine_low: NDArray[np.float64]
    fine_high: NDArray[np.float64]
    n_rules: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.level)

    def take(self, idx: Sequence[int] | NDArray[np.int_]) -> BandColumns:
        rows = np.asarray(idx, dtype=np.int64)
        return BandColumns(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[BandColumns]) -> BandColumns:
        return BandColumns(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(BandColumns)}
        )

    @property
    def labels(self) -> NDArray[np.object_]:
        """The band's name per row (``none``, ``serious``, ``especially_serious``)."""
        names = np.asarray([b.value for b in BAND_LEVELS], dtype=object)
        return np.asarray(names[self.level], dtype=object)


def bands_of_results(results: Sequence[BandResult]) -> BandColumns:
    """The columns of per-case answers of :func:`features.law.statutory.statutory_band`."""
    level = {b: i for i, b in enumerate(BAND_LEVELS)}

    def pair(value: tuple[float, float] | None, k: int) -> float:
        return float("nan") if value is None else float(value[k])

    return BandColumns(
        level=np.asarray([level[r.band] for r in results], dtype=np.int8),
        certain=np.asarray([r.band_certain for r in results], dtype=bool),
        determined=np.asarray([r.determined for r in results], dtype=bool),
        upper_especially=np.asarray(
            [
                r.band is Band.especially_serious or any(x.band is Band.especially_serious for x in r.readings)
                for r in results
            ],
            dtype=bool,
        ),
        range_low=np.asarray([r.custodial_range_months[0] for r in results], dtype=float),
        range_high=np.asarray([r.custodial_range_months[1] for r in results], dtype=float),
        probation_possible=np.asarray([r.probation_possible for r in results], dtype=bool),
        insider_rule=np.asarray([r.insider_rule for r in results], dtype=bool),
        records_multiple_low=np.asarray([pair(r.records_threshold_multiple, 0) for r in results], dtype=float),
        records_multiple_high=np.asarray([pair(r.records_threshold_multiple, 1) for r in results], dtype=float),
        gains_multiple=np.asarray(
            [float("nan") if r.gains_threshold_multiple is None else r.gains_threshold_multiple for r in results],
            dtype=float,
        ),
        fine_low=np.asarray([pair(r.fine_guideline_yuan, 0) for r in results], dtype=float),
        fine_high=np.asarray([pair(r.fine_guideline_yuan, 1) for r in results], dtype=float),
        n_rules=np.asarray([len(r.rules) for r in results], dtype=np.int64),
    )


@dataclass(frozen=True)
class _Law:
    """The law table's numbers in the shapes the vectorized engine reads (one per table digest)."""

    n_categories: int
    category_of_type: NDArray[np.int64]  # (len(DataType),) index into law.categories
    type_to_category: NDArray[np.float64]  # (len(DataType), n_categories) one-hot
    serious_records: NDArray[np.float64]  # (n_categories,)
    weights: dict[float, tuple[int, NDArray[np.int64]]]  # factor -> (denominator, integer weights)
    ten: Fraction  # Interp. 2017 Art. 5(2)(3) multiplier as a fraction p/q
    insider_selling: int
    art6_buying: int
    art6_compatible: int
    art6_resale: int


_LAWS: dict[str, _Law] = {}


def _law_arrays(law: LawTable) -> _Law:
    key = law.digest or str(id(law))
    if key not in _LAWS:
        from features.law.statutory import _weights

        cats = list(law.categories)
        index = {c.name: i for i, c in enumerate(cats)}
        of_type = np.asarray([index[law.category_of(t).name] for t in DATA_TYPES], dtype=np.int64)
        onehot = np.zeros((len(DATA_TYPES), len(cats)))
        onehot[np.arange(len(DATA_TYPES)), of_type] = 1.0
        weights: dict[float, tuple[int, NDArray[np.int64]]] = {}
        for factor in (1.0, law.insider_multiplier):
            denominator, by_name = _weights(law, factor)
            weights[factor] = (denominator, np.asarray([by_name[c.name] for c in cats], dtype=np.int64))
        _LAWS[key] = _Law(
            n_categories=len(cats),
            category_of_type=of_type,
            type_to_category=onehot,
            serious_records=np.asarray([c.serious_records for c in cats], dtype=float),
            weights=weights,
            ten=Fraction(law.especially_multiplier),
            insider_selling=mask_of(sorted(law.insider_selling), CONDUCTS),
            art6_buying=mask_of(sorted(law.art6_buying), CONDUCTS),
            art6_compatible=mask_of(sorted(law.art6_compatible), CONDUCTS),
            art6_resale=mask_of(sorted(law.art6_resale), CONDUCTS),
        )
    return _LAWS[key]


def _lowest_bit(bits: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of the lowest set bit (bits > 0)."""
    low = bits & -bits
    return np.asarray(np.log2(np.maximum(low, 1)).astype(np.int64))


def _highest_bit(bits: NDArray[np.int64], width: int) -> NDArray[np.int64]:
    """Index of the highest set bit among the lowest ``width`` bits (bits > 0)."""
    out = np.zeros(len(bits), dtype=np.int64)
    for k in range(width):
        out = np.where((bits >> k) & 1 == 1, k, out)
    return out


def _band_of_sum(total: NDArray[np.int64], denominator: NDArray[np.int64], ten: Fraction) -> NDArray[np.int8]:
    """The band of a pro-rata multiple ``total / denominator`` (exact integers, Interp. 2017 Art. 5(1)(6))."""
    especially = total * ten.denominator >= ten.numerator * denominator
    return np.where(especially, 2, np.where(total >= denominator, 1, 0)).astype(np.int8)


def _record_hits(
    counts: NDArray[np.float64],
    factor: NDArray[np.float64],
    weights: NDArray[np.int64],
    denominator: NDArray[np.int64],
    arrays: _Law,
    law: LawTable,
) -> tuple[NDArray[np.int64], NDArray[np.int8], NDArray[np.float64], NDArray[np.int64]]:
    """``_Engine.record_hits`` for every row: (rules met, their band, the pro-rata multiple, the integer sum)."""
    threshold = arrays.serious_records[None, :] * factor[:, None]
    present = counts > 0
    single = np.where(
        present & (counts >= threshold * law.especially_multiplier),
        2,
        np.where(present & (counts >= threshold), 1, 0),
    )
    n_single = (single > 0).sum(axis=1)
    max_single = single.max(axis=1) if single.shape[1] else np.zeros(len(counts), dtype=np.int64)
    n_present = present.sum(axis=1)
    total = (counts.astype(np.int64) * weights).sum(axis=1)
    combined = _band_of_sum(total, denominator, arrays.ten)
    combined_hit = (n_present > 1) & (combined > max_single)
    only = np.argmax(present, axis=1)
    rows = np.arange(len(counts))
    one = counts[rows, only] / (arrays.serious_records[only] * factor)
    multiple = np.where(n_present == 0, 0.0, np.where(n_present == 1, one, total / denominator))
    band = np.maximum(max_single, np.where(combined_hit, combined, 0)).astype(np.int8)
    return n_single + combined_hit, band, multiple, total


def _old_law(facts: CaseFacts, law: LawTable) -> NDArray[np.bool_]:
    """``_Engine.regime()[0]``: the old Art. 253-1 applies (Criminal Law Art. 12): the last act before Amendment
    IX's day, or no conduct date and a judgment year up to the amendment's year; a date that does not say is not."""
    cutoff = law.amendment_ix_in_force
    year, month, day = facts.conduct_date[:, 0], facts.conduct_date[:, 1], facts.conduct_date[:, 2]
    given = year >= 0
    by_day = (year < cutoff.year) | (
        (year == cutoff.year) & ((month < cutoff.month) | ((month == cutoff.month) & (day < cutoff.day)))
    )
    by_month = (year < cutoff.year) | ((year == cutoff.year) & (month < cutoff.month))
    dated = np.where(day >= 0, by_day, np.where(month >= 0, by_month, year < cutoff.year))
    judgment = facts.numbers["year"]
    undated = ~np.isnan(judgment) & (np.nan_to_num(judgment, nan=np.inf) <= cutoff.year)
    return np.asarray(np.where(given, dated, undated), dtype=bool)


def band_columns(facts: CaseFacts, law: LawTable) -> tuple[BandColumns, NDArray[np.bool_]]:
    """The statutory band of every criminal case of ``facts`` under ``law`` (see module docstring), and which rows
    the vectorized engine covers (for the others the columns are meaningless: run the per-case engine)."""
    arrays = _law_arrays(law)
    n = len(facts)
    n_cat = arrays.n_categories
    general = n_cat - 1
    rows = np.arange(n)

    # --- data types present, by category; Art. 6 and Art. 5(1)(8): the conduct readings
    present = np.zeros(n, dtype=np.int64)
    for t_index in range(len(DATA_TYPES)):
        has = (facts.data_types >> t_index) & 1
        present |= has << arrays.category_of_type[t_index]
    present = np.where(present == 0, 1 << general, present)
    general_only = present == (1 << general)
    lawful = facts.flag("lawful_business_purpose") & general_only
    insider = facts.flag("insider")
    conduct = facts.conduct
    no_conduct = conduct == 0
    unknown = no_conduct | (lawful & ((conduct & ~arrays.art6_compatible) == 0))
    several_readings = unknown & (lawful | insider)
    resale = (conduct & arrays.art6_resale) != 0
    otherwise = (conduct & ~(arrays.art6_buying | arrays.art6_compatible | arrays.art6_resale)) != 0
    art6 = lawful & ~several_readings & ~resale & ~otherwise & ((conduct & arrays.art6_buying) != 0)
    sells = no_conduct | ((conduct & arrays.insider_selling) != 0)
    insider_rule = insider & ~several_readings & sells & ~art6
    factor = np.where(insider_rule, law.insider_multiplier, 1.0)
    denominator = np.where(insider_rule, arrays.weights[law.insider_multiplier][0], arrays.weights[1.0][0]).astype(
        np.int64
    )
    weights = np.where(insider_rule[:, None], arrays.weights[law.insider_multiplier][1], arrays.weights[1.0][1])

    # --- rules that do not depend on the records (Art. 5(1)(1), (2), (7), (9); 5(2)(1)-(2); Art. 6(1)(1)-(2))
    profit = facts.numbers["illegal_profit_yuan"]
    gains = np.where(np.isnan(profit), facts.numbers["sales_yuan"], profit)
    has_gains = ~np.isnan(gains)
    prior = facts.flag("prior_punishment_same_conduct")
    art6_gains_hit = art6 & has_gains & (np.nan_to_num(gains) >= law.lawful_business_serious_yuan)
    with np.errstate(invalid="ignore"):
        gains_multiple = gains / (law.serious_gains_yuan * factor)
        gains_band = np.where(gains_multiple >= law.especially_multiplier, 2, np.where(gains_multiple >= 1, 1, 0))
    gains_band = np.where(~art6 & has_gains, gains_band, 0)
    flag_hits = [
        (facts.flag("whereabouts_used_for_crime"), 1),
        (facts.flag("knew_buyer_criminal"), 1),
        (prior, 1),
        (facts.flag("severe_consequences"), 2),
        (facts.flag("heavy_loss_or_vicious_impact"), 2),
    ]
    n_common = np.where(art6, art6_gains_hit.astype(int) + (art6 & prior), (gains_band > 0).astype(int))
    common_band = np.where(art6 & (art6_gains_hit | prior), 1, gains_band)
    for flag, flag_band in flag_hits:
        hit = ~art6 & flag
        n_common = n_common + hit
        common_band = np.where(hit, np.maximum(common_band, flag_band), common_band)
    gains_multiple = np.where(~art6 & has_gains, gains_multiple, np.nan)

    # --- the records: the split by type, the records not split and the categories they may fall in
    total = facts.numbers["records_total"]
    has_total = ~np.isnan(total)
    has_split = facts.has_split
    split_by_category = facts.split @ arrays.type_to_category
    untyped = np.where(
        has_split,
        np.maximum(np.nan_to_num(total) - facts.split.sum(axis=1), 0.0),
        np.nan_to_num(total),
    )
    candidates = np.where(has_split, present | (1 << general), present)
    n_candidates = np.zeros(n, dtype=np.int64)
    for k in range(n_cat):
        n_candidates += (candidates >> k) & 1
    most, least = _lowest_bit(candidates), _highest_bit(candidates, n_cat)
    has_records = ~art6 & (has_split | has_total)
    one_option = (untyped <= 0) | (n_candidates == 1)
    base = np.where(has_split[:, None], split_by_category, 0.0)
    w_most, w_least = weights[rows, most], weights[rows, least]
    int_untyped = untyped.astype(np.int64)
    fixed = (base.astype(np.int64) * weights).sum(axis=1)
    low_band = _band_of_sum(fixed + int_untyped * w_least, denominator, arrays.ten)
    high_band = _band_of_sum(fixed + int_untyped * w_most, denominator, arrays.ten)
    step = w_most - w_least

    def min_x(level: Fraction) -> NDArray[np.int64]:
        """The fewest records in the most sensitive category for the pro-rata multiple to reach ``level``."""
        need = level.numerator * denominator - level.denominator * (fixed + int_untyped * w_least)
        divisor = level.denominator * np.maximum(step, 1)
        return np.clip(-((-need) // divisor), 0, int_untyped + 1)

    middle_x = (min_x(Fraction(1)) + min_x(arrays.ten) - 1) // 2
    # the scenarios, in the engine's order: by records (x of the untyped in the most sensitive category, the
    # rest in the least), or the three readings of an undetermined case (especially serious, serious, none)
    undetermined = ~has_records & (n_common == 0) & ~has_gains
    scenario_valid = np.zeros((n, 3), dtype=bool)
    scenario_band = np.zeros((n, 3), dtype=np.int8)
    scenario_hits = np.zeros((n, 3), dtype=np.int64)
    scenario_multiple = np.full((n, 3), np.nan)
    sums_ok = np.ones(n, dtype=bool)
    xs = (
        np.where(one_option, 0, np.where(low_band == high_band, int_untyped, 0)),
        middle_x,
        int_untyped,
    )
    valid_multi = (
        has_records,
        has_records & ~one_option & (low_band == 0) & (high_band == 2),
        has_records & ~one_option & (high_band != low_band),
    )
    onehot = np.eye(n_cat)
    for s in range(3):
        x = xs[s]
        counts_multi = (
            base
            + onehot[most] * x[:, None].astype(float)
            + onehot[least] * (int_untyped - x)[:, None].astype(float)
        )
        counts_one = base + onehot[most] * np.where(untyped > 0, untyped, 0.0)[:, None]
        counts = np.where(one_option[:, None], counts_one, counts_multi)
        hits, band, multiple, sums = _record_hits(counts, factor, weights, denominator, arrays, law)
        sums_ok &= ~valid_multi[s] | (sums < _EXACT_LIMIT)
        scenario_valid[:, s] = valid_multi[s]
        scenario_band[:, s] = band
        scenario_hits[:, s] = hits
        scenario_multiple[:, s] = multiple
    # no records: one scenario from the other rules, or the readings of an undetermined case
    determined_plain = ~has_records & ~undetermined
    scenario_valid[:, 0] |= determined_plain
    scenario_band[determined_plain, 0] = 0
    scenario_hits[determined_plain, 0] = 0
    scenario_multiple[determined_plain, 0] = np.nan
    least_present = _highest_bit(present, n_cat)
    base_count = arrays.serious_records[least_present] * factor
    v = law.variant_multiples
    quantity = (
        law.especially_multiplier * v[Band.especially_serious],
        v[Band.serious],
        v[Band.none],
    )
    for s, multiple_of in enumerate(quantity):
        count = np.round(base_count * multiple_of)
        threshold = arrays.serious_records[least_present] * factor
        band = np.where(
            count > 0,
            np.where(count >= threshold * law.especially_multiplier, 2, np.where(count >= threshold, 1, 0)),
            0,
        ).astype(np.int8)
        scenario_valid[undetermined, s] = True
        scenario_band[undetermined, s] = band[undetermined]
        scenario_hits[undetermined, s] = (band[undetermined] > 0).astype(np.int64)
        scenario_multiple[undetermined, s] = np.nan
    scenario_band = np.where(scenario_valid, np.maximum(scenario_band, common_band[:, None]), -1).astype(np.int8)

    # --- the readings: one per band the scenarios reach; the band is the lowest (none when undetermined)
    new = np.zeros((n, 3), dtype=bool)
    previous = np.full(n, -1, dtype=np.int8)
    for s in range(3):
        new[:, s] = scenario_valid[:, s] & (scenario_band[:, s] != previous)
        previous = np.where(scenario_valid[:, s], scenario_band[:, s], previous)
    n_readings = new.sum(axis=1)
    lowest = np.where(scenario_valid, scenario_band, 3).min(axis=1).astype(np.int8)
    highest = scenario_band.max(axis=1)
    determined = ~undetermined
    level = np.where(determined, lowest, 0).astype(np.int8)
    n_rules = n_common + (scenario_hits * new).sum(axis=1)
    known = scenario_valid & ~np.isnan(scenario_multiple)
    records_low = np.where(known, scenario_multiple, np.inf).min(axis=1)
    records_high = np.where(known, scenario_multiple, -np.inf).max(axis=1)
    records_low = np.where(np.isinf(records_low), np.nan, records_low)
    records_high = np.where(np.isinf(records_high), np.nan, records_high)

    # --- consequences of the lowest reading (Criminal Law Arts. 253-1, 63, 12, 72-74; Interp. 2017 Art. 12)
    ranges = law.ranges
    band_low = np.asarray([ranges[Band.serious][0], ranges[Band.serious][0], ranges[Band.especially_serious][0]])
    band_high = np.asarray([ranges[Band.serious][1], ranges[Band.serious][1], ranges[Band.especially_serious][1]])
    range_low = band_low[lowest.clip(0, 2)]
    range_high = band_high[lowest.clip(0, 2)]
    mitigated = facts.flag("surrender") | facts.code_is("role", "accessory") | facts.flag("attempt")
    range_low = np.where(mitigated & (range_low > 0), ranges[Band.none][0], range_low)
    old = _old_law(facts, law)
    range_low = np.where(old, np.minimum(range_low, law.old_law_range[0]), range_low)
    range_high = np.where(old, np.minimum(range_high, law.old_law_range[1]), range_high)
    barred = facts.flag("recidivist") | facts.flag("ringleader")
    probation = ~barred & (range_low <= law.probation_max_months)
    positive = has_gains & (np.nan_to_num(gains) > 0)
    fine_low = np.where(positive, gains * law.fine_gains_multiple[0], np.nan)
    fine_high = np.where(positive, gains * law.fine_gains_multiple[1], np.nan)

    covered = ~several_readings & ~(art6 & undetermined) & sums_ok & (one_option | ~has_records | (step > 0))
    columns = BandColumns(
        level=level,
        certain=(n_readings == 1) & determined,
        determined=determined,
        upper_especially=(level == 2) | (highest == 2),
        range_low=np.asarray(range_low, dtype=float),
        range_high=np.asarray(range_high, dtype=float),
        probation_possible=np.asarray(probation, dtype=bool),
        insider_rule=np.asarray(insider_rule, dtype=bool),
        records_multiple_low=records_low,
        records_multiple_high=records_high,
        gains_multiple=np.asarray(gains_multiple, dtype=float),
        fine_low=np.asarray(fine_low, dtype=float),
        fine_high=np.asarray(fine_high, dtype=float),
        n_rules=np.asarray(n_rules, dtype=np.int64),
    )
    return columns, np.asarray(covered, dtype=bool)


def is_criminal(facts: CaseFacts) -> NDArray[np.bool_]:
    """Rows whose proceeding is criminal (or not stated: criminal by default)."""
    code = facts.codes["proceeding"]
    return np.asarray((code == NOT_STATED) | (code == CODE_FIELDS["proceeding"].index("criminal")))
