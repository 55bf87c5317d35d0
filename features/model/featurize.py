"""Hand-coded features: a scikit-learn transformer from cases to a numeric table.

Input: cases as pydantic models, dicts or a DataFrame of case rows (see ``features.model.cases``), or the columns of
a batch (:class:`features.model.columns.BatchColumns`, what batch scoring validates column by column).
Output: ``numpy.ndarray`` of shape (n_cases, n_features), float64, no NaN (missing facts are 0 with a
``*_missing`` flag), deterministic. ``criminal_features`` / ``civil_features`` state the features of one case;
the featurizer computes the same numbers for a whole batch from its columns (``feature_columns``), for cases and for
columnar batches alike. Units: ``log_*`` are natural logs of (1 + value) with value in pieces of
information (records) or yuan; ``*_multiple`` are multiples of the applicable Interp. 2017 threshold;
``range_*_months`` are the legal custodial range in months; ``year`` is offset from 2017 (the Interpretation).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from features.law.columnar import CODE_FIELDS, DATA_TYPES
from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import BandResult, LawTable, load_law_table, statutory_band
from features.law.vocab import Band, ClaimType, Conduct, DataType, DefendantType, PlaintiffType
from features.model.cases import CaseInput, CaseModel, as_cases
from features.model.columns import BatchColumns, columns_of_cases, ternary

Kind = Literal["criminal", "civil"]

VICTIMS = ("minors", "students", "elderly", "patients", "homeowners", "customers", "car_owners", "platform_users")
CONDUCTS = tuple(c.value for c in Conduct if c is not Conduct.other)
DEFAULT_YEAR = 2020

# Features the law makes monotone non-decreasing in the custodial term and the fine (LightGBM monotone constraints):
# more records or gains, a higher multiple of the thresholds, a more severe band and its legal range.
MONOTONE_INCREASING = (
    "log_records",
    "log_records_multiple_low",
    "log_records_multiple_high",
    "log_gains",
    "log_gains_multiple",
    "band_level",
    "band_upper_especially",
    "range_low_months",
    "range_high_months",
    "n_rules",
)
# The sentencing circumstances: a criminal model's learned base never sees them; they act only through the
# guideline's bounded adjustments (features.model.adjust), so that the law's direction holds by construction.
CIRCUMSTANCE_FEATURES = frozenset(
    {
        "surrender",
        "truthful_confession",
        "guilty_plea",
        "restitution",
        "recidivist",
        "attempt",
        "insider",
        "band_certain",  # an unknown circumstance (an insider's conduct) can leave the band uncertain
        "role_principal",
        "role_accessory",
        "role_sole",
        *(f"victim_{v}" for v in VICTIMS),
    }
)
BAND_LEVEL = {Band.none: 0.0, Band.serious: 1.0, Band.especially_serious: 2.0}
# the direction of each circumstance feature in P(probation): mitigation never lowers it, aggravation never raises
# it (LightGBM monotone constraints of the probation classifier)
PROBATION_DIRECTION = {
    "surrender": 1,
    "truthful_confession": 1,
    "guilty_plea": 1,
    "restitution": 1,
    "attempt": 1,
    "role_accessory": 1,
    "role_principal": -1,
    "recidivist": -1,
    "insider": -1,
    "victim_minors": -1,
    "victim_elderly": -1,
    # a more severe band, legal range or multiple of the thresholds never makes probation likelier
    **dict.fromkeys(MONOTONE_INCREASING, -1),
}


def _log1p(x: float | None) -> float:
    # numpy's log1p, as the batch features use it: the C library's log1p and numpy's vectorized one differ in the
    # last bit for some inputs on some CPUs, and a case's features must not depend on which path computed them
    return float(np.log1p(np.asarray([x], dtype=float))[0]) if x is not None and x > 0 else 0.0


def _flag(x: bool | None) -> float:
    return 1.0 if x else 0.0


def _ternary(x: bool | None) -> float:
    """A sentencing circumstance: 1 stated, 0 stated absent, 1/2 not stated (unknown is not false)."""
    return 0.5 if x is None else float(x)  # not-law: the midpoint of stated and stated absent


def _common(case: CaseModel, law: LawTable | None = None) -> dict[str, float]:
    law = law or load_law_table()
    cats = {law.category_of(DataType(t)).name for t in case.data_types}
    gains = case.illegal_profit_yuan if case.illegal_profit_yuan is not None else case.sales_yuan
    f: dict[str, float] = {
        "log_records": _log1p(case.records_total),
        "records_missing": _flag(case.records_total is None),
        "log_gains": _log1p(gains),
        "gains_missing": _flag(gains is None),
        "cat_A": _flag("A" in cats),
        "cat_B": _flag("B" in cats),
        "cat_C": _flag("C" in cats),
        "n_data_types": float(len(case.data_types)),
        "minor_info": _flag(DataType.minor_info in case.data_types),
        "biometric": _flag(DataType.biometric in case.data_types),
        "insider": _ternary(case.insider),
        "downstream_fraud": _flag(case.downstream_use == "fraud"),
        "year": float((case.year or DEFAULT_YEAR) - law.interpretation_in_force.year),
        "year_missing": _flag(case.year is None),
    }
    for v in VICTIMS:
        f[f"victim_{v}"] = _flag(case.victim_category == v)
    for c in CONDUCTS:
        f[f"conduct_{c}"] = _flag(c in case.conduct)
    return f


def criminal_features(
    case: CriminalCase, band: BandResult | None = None, law: LawTable | None = None
) -> dict[str, float]:
    """Features of one criminal case (see module docstring for units), under ``law`` (default table)."""
    band = band or statutory_band(case, law, contested=False)  # contested readings are for answers, not features
    f = _common(case, law)
    low, high = band.records_threshold_multiple or (0.0, 0.0)
    f.update(
        {
            "log_records_multiple_low": _log1p(low),
            "log_records_multiple_high": _log1p(high),
            "log_gains_multiple": _log1p(band.gains_threshold_multiple),
            "band_level": BAND_LEVEL[band.band],
            "band_certain": _flag(band.band_certain),
            "band_determined": _flag(band.determined),
            "band_upper_especially": _flag(
                band.band is Band.especially_serious
                or any(r.band is Band.especially_serious for r in band.readings)
            ),
            "range_low_months": band.custodial_range_months[0],
            "range_high_months": band.custodial_range_months[1],
            "n_rules": float(len(band.rules)),
            "surrender": _ternary(case.surrender),
            "truthful_confession": _ternary(case.truthful_confession),
            "guilty_plea": _ternary(case.guilty_plea),
            "restitution": _ternary(case.restitution),
            "recidivist": _ternary(case.recidivist),
            "unit_crime": _flag(case.unit_crime),
            "attempt": _ternary(case.attempt),
            "role_principal": _flag(case.role == "principal"),
            "role_accessory": _flag(case.role == "accessory"),
            "role_sole": _flag(case.role == "sole"),
            "log_n_defendants": _log1p(case.n_defendants),
            "n_defendants_missing": _flag(case.n_defendants is None),
            "n_other_charges": float(len(case.other_charges)),
        }
    )
    return f


def civil_features(case: CivilCase, law: LawTable | None = None) -> dict[str, float]:
    """Features of one civil or public-interest case (see module docstring for units)."""
    f = _common(case, law)
    f.update(
        {
            "public_interest": _flag(case.proceeding == "public_interest"),
            "log_claimed": _log1p(case.claimed_yuan),
            "claimed_missing": _flag(case.claimed_yuan is None),
            "second_instance": _flag(case.instance == "second"),
        }
    )
    for name, value in (
        ("plaintiff", case.plaintiff_type),
        ("defendant", case.defendant_type),
        ("claim", case.claim_type),
    ):
        field = type(case).model_fields[f"{name}_type" if name != "claim" else "claim_type"]
        choices: Sequence[Any] = [*field.annotation.__args__[0]]  # type: ignore[union-attr]
        for choice in choices:
            f[f"{name}_{choice.value}"] = _flag(value == choice)
    return f


@dataclass(frozen=True)
class Prepared:
    """A batch of validated cases made ready for the models once: the feature matrix, shape (n_cases, n_features),
    float64, and the batch's columns (facts, statutory bands of criminal cases, circumstances: what every model
    reads, :class:`features.model.columns.BatchColumns`). ``cases`` and ``bands`` (the per-case
    :class:`BandResult`, None for civil cases) are there when the batch was made from case objects (the answer's
    texts need them); a columnar batch (batch scoring) has neither."""

    cases: list[CaseModel]
    bands: list[BandResult | None]
    feats: NDArray[np.float64]
    columns: BatchColumns | None = None

    def __post_init__(self) -> None:
        if self.columns is None:  # made from cases by a caller that did not build the columns
            object.__setattr__(self, "columns", columns_of_cases(self.cases, self.bands, load_law_table()))

    @property
    def cols(self) -> BatchColumns:
        assert self.columns is not None
        return self.columns

    def __len__(self) -> int:
        return int(self.feats.shape[0])

    def take(self, idx: Sequence[int] | NDArray[np.int_]) -> Prepared:
        """The rows at ``idx``, in that order."""
        rows = [int(i) for i in idx]
        cases = [self.cases[i] for i in rows] if self.cases else []
        bands = [self.bands[i] for i in rows] if self.bands else []
        return Prepared(cases, bands, self.feats[rows], self.cols.take(rows))

    @property
    def criminal_bands(self) -> list[BandResult]:
        """The per-case bands of an all-criminal batch made from cases (raises if a civil case is in it, or for a
        columnar batch: read ``cols.band``)."""
        if len(self.bands) != len(self):
            raise TypeError("a columnar batch has no per-case bands: read prepared.cols.band")
        out = [b for b in self.bands if b is not None]
        if len(out) != len(self.bands):
            raise TypeError("a criminal model got a civil case")
        return out


def feature_columns(kind: Kind, cols: BatchColumns, law: LawTable) -> dict[str, NDArray[np.float64]]:
    """Every feature of ``criminal_features`` / ``civil_features`` for a whole batch, by name, shape (n,)."""
    facts = cols.facts
    numbers = facts.numbers
    n = len(cols)

    def log1p(x: NDArray[np.float64]) -> NDArray[np.float64]:
        positive = x > 0  # NaN (not stated) compares false
        return np.where(positive, np.log1p(np.where(positive, x, 0.0)), 0.0)

    def flag(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        return np.asarray(mask, dtype=float)

    categories = {c.name: np.zeros(n, dtype=bool) for c in law.categories}
    for data_type in DATA_TYPES:
        categories[law.category_of(data_type).name] |= facts.has_type(data_type)
    profit = numbers["illegal_profit_yuan"]
    gains = np.where(np.isnan(profit), numbers["sales_yuan"], profit)
    year = numbers["year"]
    f: dict[str, NDArray[np.float64]] = {
        "log_records": log1p(numbers["records_total"]),
        "records_missing": flag(np.isnan(numbers["records_total"])),
        "log_gains": log1p(gains),
        "gains_missing": flag(np.isnan(gains)),
        "cat_A": flag(categories.get("A", np.zeros(n, dtype=bool))),
        "cat_B": flag(categories.get("B", np.zeros(n, dtype=bool))),
        "cat_C": flag(categories.get("C", np.zeros(n, dtype=bool))),
        "n_data_types": facts.n_data_types.astype(float),
        "minor_info": flag(facts.has_type(DataType.minor_info)),
        "biometric": flag(facts.has_type(DataType.biometric)),
        "insider": ternary(facts.flags["insider"]),
        "downstream_fraud": flag(facts.code_is("downstream_use", "fraud")),
        "year": np.where(np.isnan(year), DEFAULT_YEAR, year) - law.interpretation_in_force.year,
        "year_missing": flag(np.isnan(year)),
    }
    for v in VICTIMS:
        f[f"victim_{v}"] = flag(facts.code_is("victim_category", v))
    for c in CONDUCTS:
        f[f"conduct_{c}"] = flag(facts.has_conduct(Conduct(c)))
    if kind == "criminal":
        band = cols.criminal_band
        role = facts.codes["role"]
        f.update(
            {
                "log_records_multiple_low": log1p(np.nan_to_num(band.records_multiple_low)),
                "log_records_multiple_high": log1p(np.nan_to_num(band.records_multiple_high)),
                "log_gains_multiple": log1p(band.gains_multiple),
                "band_level": band.level.astype(float),
                "band_certain": flag(band.certain),
                "band_determined": flag(band.determined),
                "band_upper_especially": flag(band.upper_especially),
                "range_low_months": band.range_low.astype(float),
                "range_high_months": band.range_high.astype(float),
                "n_rules": band.n_rules.astype(float),
                "surrender": ternary(facts.flags["surrender"]),
                "truthful_confession": ternary(facts.flags["truthful_confession"]),
                "guilty_plea": ternary(facts.flags["guilty_plea"]),
                "restitution": ternary(facts.flags["restitution"]),
                "recidivist": ternary(facts.flags["recidivist"]),
                "unit_crime": flag(facts.flag("unit_crime")),
                "attempt": ternary(facts.flags["attempt"]),
                "role_principal": flag(role == CODE_FIELDS["role"].index("principal")),
                "role_accessory": flag(role == CODE_FIELDS["role"].index("accessory")),
                "role_sole": flag(role == CODE_FIELDS["role"].index("sole")),
                "log_n_defendants": log1p(numbers["n_defendants"]),
                "n_defendants_missing": flag(np.isnan(numbers["n_defendants"])),
                "n_other_charges": facts.n_other_charges.astype(float),
            }
        )
        return f
    claimed = numbers["claimed_yuan"]
    f.update(
        {
            "public_interest": flag(facts.code_is("proceeding", "public_interest")),
            "log_claimed": log1p(claimed),
            "claimed_missing": flag(np.isnan(claimed)),
            "second_instance": flag(facts.code_is("instance", "second")),
        }
    )
    for prefix, field, vocabulary in (
        ("plaintiff", "plaintiff_type", PlaintiffType),
        ("defendant", "defendant_type", DefendantType),
        ("claim", "claim_type", ClaimType),
    ):
        for choice in vocabulary:
            f[f"{prefix}_{choice.value}"] = flag(facts.code_is(field, choice.value))
    return f


class CaseFeaturizer(TransformerMixin, BaseEstimator):
    """Cases -> hand-coded numeric features (scikit-learn transformer).

    Parameters:
        kind: ``"criminal"`` (defendant rows, with the statutory band) or ``"civil"`` (judgments).
        law: the law table the statutory bands are computed under (default: ``load_law_table()`` at fit time);
            a model trained under one table answers under it, wherever it is loaded.
    ``fit`` learns nothing (the features are hand-coded); it records ``feature_names_out_`` and ``law_``.
    ``transform`` returns float64 of shape (n_cases, n_features); ``prepare`` returns a :class:`Prepared` batch.
    """

    def __init__(self, kind: Kind = "criminal", law: LawTable | None = None) -> None:
        self.kind = kind
        self.law = law

    def fit(self, X: CaseInput | None = None, y: Any = None) -> CaseFeaturizer:
        self.law_ = self.law or load_law_table()
        probe = CriminalCase() if self.kind == "criminal" else CivilCase()
        names = list(
            criminal_features(probe, statutory_band(probe, self.law_, contested=False), self.law_)
            if isinstance(probe, CriminalCase)
            else civil_features(probe, self.law_)
        )
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    @property
    def digest(self) -> str:
        """What a model's features depend on: the kind, the feature names in order and the law table's digest.
        Models that share a ``Prepared`` batch must have the same digest."""
        law = getattr(self, "law_", None) or load_law_table()
        text = "|".join([self.kind, ",".join(str(n) for n in self.feature_names_out_), law_digest(law)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def prepare(self, X: CaseInput) -> Prepared:
        """Validate ``X`` (models, dicts or a DataFrame) and compute bands and features once."""
        cases = as_cases(X, default_proceeding=self.kind)
        return self.prepare_cases(cases)

    def prepare_cases(self, cases: Sequence[CaseModel], known: Sequence[BandResult] = ()) -> Prepared:
        """Bands and features of already-validated cases. ``known``: the bands of the first ``len(known)`` cases when
        the caller has them (``statutory_band`` under this featurizer's law table; its contested readings, which a
        caller may have asked for, are no feature), so that they are not computed twice."""
        law = self._law()
        self._check_kind(cases)
        if len(known) > len(cases):
            raise ValueError(f"{len(known)} known bands for {len(cases)} cases")
        bands: list[BandResult | None] = [
            known[i]
            if i < len(known)
            else statutory_band(c, law, contested=False)
            if isinstance(c, CriminalCase)
            else None
            for i, c in enumerate(cases)
        ]
        columns = columns_of_cases(cases, bands, law)
        return Prepared(list(cases), bands, self.transform_columns(columns), columns)

    def prepare_columns(self, columns: BatchColumns) -> Prepared:
        """A columnar batch (no case objects) ready for the models: its features from its columns."""
        if self.kind == "criminal" and columns.band is None:
            raise TypeError("a criminal featurizer got a batch without bands")
        return Prepared([], [], self.transform_columns(columns), columns)

    def transform_columns(self, columns: BatchColumns) -> NDArray[np.float64]:
        """The feature matrix of a batch's columns, shape (n, n_features), in ``feature_names_out_`` order."""
        names = [str(n) for n in self.feature_names_out_]
        out = np.empty((len(columns), len(names)), dtype=np.float64)
        if not len(columns):
            return out
        values = feature_columns(self.kind, columns, self._law())
        for j, name in enumerate(names):
            out[:, j] = values[name]
        return out

    def _law(self) -> LawTable:
        return getattr(self, "law_", None) or load_law_table()

    def _check_kind(self, cases: Sequence[CaseModel]) -> None:
        wrong = CivilCase if self.kind == "criminal" else CriminalCase
        if any(isinstance(c, wrong) for c in cases):
            raise TypeError(
                f"a {self.kind} featurizer got a {'civil' if self.kind == 'criminal' else 'criminal'} case"
            )

    def transform(self, X: CaseInput) -> NDArray[np.float64]:
        cases = as_cases(X, default_proceeding=self.kind)
        return self.transform_cases(cases)

    def transform_cases(
        self, cases: Sequence[CaseModel], bands: Sequence[BandResult] | None = None
    ) -> NDArray[np.float64]:
        """Features of already-validated cases; ``bands`` (criminal) may be passed to avoid recomputing them."""
        self._check_kind(cases)
        law = self._law()
        if self.kind == "criminal":
            results: list[BandResult | None] = (
                list(bands) if bands is not None else [statutory_band(c, law, contested=False) for c in cases]  # type: ignore[arg-type]
            )
        else:
            results = [None] * len(cases)
        return self.transform_columns(columns_of_cases(cases, results, law))

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        return np.asarray(self.feature_names_out_, dtype=object)


def law_digest(law: LawTable) -> str:
    """The law table's digest (``LawTable.digest`` when the table has one, else a digest of its numbers)."""
    own = getattr(law, "digest", None)
    if isinstance(own, str):
        return own
    canonical = json.dumps(_canonical(law), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """A JSON-able form of a law table's values that does not depend on set order or hash seeds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
