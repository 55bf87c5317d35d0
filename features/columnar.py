"""The one reader's validation for whole Arrow record batches (or pandas frames), without a case object per row.

:func:`validate_arrow` checks a batch column by column with the schema's rules (``features.law.schema``, read from
the pydantic models' fields: types, vocabularies, bounds, unknown fields and fields of the other kind of case) and
its cross-field rules (``records_by_type`` against ``records_total``, ``conduct_date`` against the judgment year
and the calendar, the outcome rules of Criminal Law Arts. 42, 72-74), the one-fact rule
(``features.law.schema.no_fact_reason``) and the table conventions of :func:`features.tables.clean_row` (null,
NaN when ``nan_is_missing``, blank text are not stated). A row that passes every check is *valid* and its facts
are returned as :class:`features.law.columnar.CaseFacts`, the same arrays :func:`features.law.columnar.
facts_of_cases` builds from the validated case. A row that fails a check, or holds a value in a form the checks do
not read (text in a numeric column, as CSV gives, a list written as text, an integer column for a flag), is
*referred*: the caller validates it alone with :func:`features.tables.validate_record`, which gives its exact
errors (field names, never values) or its case. The checks only ever refer a row the per-row validator might
judge differently; they never accept one it would refuse (``tests/test_columnar.py``).
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from features.law.columnar import (
    CODE_FIELDS,
    DATA_TYPES,
    FLAG_FIELDS,
    NOT_STATED,
    NUMBER_FIELDS,
    CaseFacts,
)
from features.law.schema import (
    CIVIL_FACT_FIELDS,
    CRIMINAL_FACT_FIELDS,
    FIRST_YEAR,
    CivilCase,
    CriminalCase,
    parse_conduct_date,
    probation_range_months,
)
from features.law.table import load_law_table
from features.tables import TABLE_PROVENANCE_COLUMNS

__all__ = ["FIELDS", "ArrowValidation", "FieldSpec", "as_record_batch", "validate_arrow"]

Kind = Literal["str", "enum", "bool", "int", "float", "enum_list", "str_list", "enum_map"]
# Python's str.strip() strips these besides Unicode White_Space (which Arrow's trim and pydantic strip)
_PYTHON_ONLY_SPACE = "\x1c\x1d\x1e\x1f"
_PYTHON_ONLY_SPACE_EDGE = f"^[{_PYTHON_ONLY_SPACE}]|[{_PYTHON_ONLY_SPACE}]$"
OUTCOME_NUMBERS = ("prison_months", "detention_months", "probation_months", "fine_yuan")
_READ_TEXT = ("case_id", "conduct_date")  # text fields whose value the checks read


@dataclass(frozen=True)
class FieldSpec:
    """A case field as the vectorized checks read it: its kind, vocabulary (for ``enum*``: the allowed words),
    inclusive bounds (numbers; for ``enum_map`` the counts) and the kinds of case that have it."""

    name: str
    kind: Kind
    vocabulary: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    criminal: bool = False
    civil: bool = False


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without Optional and Annotated, and the Annotated constraints (annotated_types Ge/Le)."""
    constraints: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            annotation = args[0]
            for extra in args[1:]:
                constraints += list(getattr(extra, "metadata", [extra]))
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation, constraints
            annotation = members[0]
        else:
            return annotation, constraints


def _bounds(constraints: list[Any]) -> tuple[float | None, float | None]:
    low = next((float(c.ge) for c in constraints if hasattr(c, "ge")), None)
    high = next((float(c.le) for c in constraints if hasattr(c, "le")), None)
    return low, high


def _spec(name: str, annotation: Any) -> FieldSpec:
    inner, constraints = _unwrap(annotation)
    origin = get_origin(inner)
    if origin is Literal:
        return FieldSpec(name, "enum", tuple(str(a) for a in get_args(inner)))
    if origin is list:
        (item,) = get_args(inner)
        if isinstance(item, type) and issubclass(item, Enum):
            return FieldSpec(name, "enum_list", tuple(str(e.value) for e in item))
        return FieldSpec(name, "str_list")
    if origin is dict:
        key, value = get_args(inner)
        _, value_constraints = _unwrap(value)
        low, high = _bounds(value_constraints)
        return FieldSpec(name, "enum_map", tuple(str(e.value) for e in key), low, high)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return FieldSpec(name, "enum", tuple(str(e.value) for e in inner))
    if inner is bool:
        return FieldSpec(name, "bool")
    if inner is int or inner is float:
        low, high = _bounds(constraints + list(getattr(annotation, "metadata", [])))
        return FieldSpec(name, "int" if inner is int else "float", low=low, high=high)
    return FieldSpec(name, "str")


def _field_specs() -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for model, kind in ((CriminalCase, "criminal"), (CivilCase, "civil")):
        for name, info in model.model_fields.items():
            spec = out.get(name)
            if spec is None:
                # proceeding: Literal["criminal"] in one model, Literal["civil", "public_interest"] in the other
                spec = FieldSpec(name, "enum", CODE_FIELDS["proceeding"]) if name == "proceeding" else None
                spec = spec or _spec(name, info.annotation)
            out[name] = FieldSpec(**{**spec.__dict__, kind: True})
    return out


FIELDS: dict[str, FieldSpec] = _field_specs()


@dataclass(frozen=True)
class ArrowValidation:
    """What :func:`validate_arrow` found: ``valid`` rows (their facts in ``facts``, meaningless elsewhere), the
    ``case_id`` and ``proceeding`` of valid rows (None elsewhere); the other rows are referred to the per-row
    validator."""

    valid: NDArray[np.bool_]
    facts: CaseFacts
    case_id: NDArray[np.object_]
    proceeding: NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.valid)


# ------------------------------------------------------------------------------------------------- helpers
def _array(column: Any) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _null(arr: pa.Array) -> NDArray[np.bool_]:
    if pa.types.is_null(arr.type):
        return np.ones(len(arr), dtype=bool)
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _blank_text(arr: pa.Array) -> NDArray[np.bool_]:
    """Text that is empty or Unicode white space only (``clean_row`` drops it as not stated)."""
    empty = pc.equal(pc.utf8_length(arr), 0)
    space = pc.utf8_is_space(arr)
    blank = pc.fill_null(pc.or_(empty, space), False)
    return np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)


def _missing(arr: pa.Array, nan_is_missing: bool) -> NDArray[np.bool_]:
    """Not stated by the table conventions: null, NaN (when ``nan_is_missing``), blank text."""
    out = _null(arr)
    if pa.types.is_floating(arr.type) and nan_is_missing:
        out |= np.isnan(_floats(arr))
    elif _is_text(arr.type):
        out |= _blank_text(arr)
    return out


def _floats(arr: pa.Array) -> NDArray[np.float64]:
    """Numbers as float64, NaN where null."""
    return np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=float).copy()


def _python_blank(text: str) -> bool:
    return not text.strip()


def _codes(
    arr: pa.Array, vocabulary: Sequence[str]
) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
    """Text as vocabulary codes: (code or -1, blank, unknown word). Unique values are judged once, in Python."""
    encoded = pc.dictionary_encode(arr)
    indices = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    words = encoded.dictionary.to_pylist()
    lookup = {w: i for i, w in enumerate(vocabulary)}
    code_of = np.asarray([lookup.get(w, -2) for w in words] + [NOT_STATED], dtype=np.int64)
    blank_of = np.asarray([_python_blank(w) for w in words] + [False], dtype=bool)
    codes = code_of[indices]
    blank = blank_of[indices]
    unknown = (codes == -2) & ~blank
    return np.where(codes >= 0, codes, NOT_STATED), blank, unknown


def _list_parts(arr: pa.Array) -> tuple[NDArray[np.int64], pa.Array, NDArray[np.int64]] | None:
    """(parent row of each element, the elements, list lengths) of a list column; None for another type."""
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        return None
    parents = np.asarray(pc.list_parent_indices(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    flat = _array(pc.list_flatten(arr))
    lengths = np.asarray(pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return parents, flat, lengths


def _rows_with(n: int, parents: NDArray[np.int64], where: NDArray[np.bool_]) -> NDArray[np.bool_]:
    out = np.zeros(n, dtype=bool)
    out[parents[where]] = True
    return out


def _bit_masks(n: int, parents: NDArray[np.int64], codes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per row the bit mask of the vocabulary codes of its elements (codes < 0 are left out)."""
    bits = np.zeros(n, dtype=np.int64)
    known = codes >= 0
    np.bitwise_or.at(bits, parents[known], np.left_shift(1, codes[known]).astype(np.int64))
    return bits


def _objects_where(mask: NDArray[np.bool_], values: NDArray[np.object_]) -> NDArray[np.object_]:
    """``values`` where ``mask``, None elsewhere (an object array)."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = values[mask]
    return out


def _number_ok(values: NDArray[np.float64], spec: FieldSpec, integral: bool) -> NDArray[np.bool_]:
    """Finite, within the field's inclusive bounds and, for integer fields, whole."""
    ok = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        if spec.low is not None:
            ok &= values >= spec.low
        if spec.high is not None:
            ok &= values <= spec.high
        if integral:
            ok &= np.floor(values) == values
    return np.asarray(ok, dtype=bool)


def _popcount(bits: NDArray[np.int64], width: int) -> NDArray[np.int64]:
    out = np.zeros(len(bits), dtype=np.int64)
    for k in range(width):
        out += (bits >> k) & 1
    return out


# ------------------------------------------------------------------------------------------------- validation
@dataclass
class _State:
    n: int
    nan_is_missing: bool
    facts: CaseFacts
    referred: NDArray[np.bool_]
    given: dict[str, NDArray[np.bool_]]  # field -> a value is stated
    numbers: dict[str, NDArray[np.float64]]
    nonempty: dict[str, NDArray[np.bool_]]  # list / map fields: stated and not empty
    keys_mask: NDArray[np.int64]
    split_sum: NDArray[np.float64]
    conduct_date: NDArray[np.int64]
    case_id: NDArray[np.object_]
    true: dict[str, NDArray[np.bool_]]  # bool fields: stated true

    def refer(self, rows: NDArray[np.bool_]) -> None:
        self.referred |= rows


def _read_column(state: _State, spec: FieldSpec, arr: pa.Array) -> None:
    n = state.n
    t = arr.type
    if spec.kind == "str" and _is_text(t) and spec.criminal and spec.civil and spec.name not in _READ_TEXT:
        return  # any text is valid there, and whether it is given decides nothing
    missing = _missing(arr, state.nan_is_missing)
    given = ~missing
    if spec.kind == "str":
        if not _is_text(t):
            state.refer(given)
        elif spec.name == "case_id":
            _read_case_id(state, arr, given)
        elif spec.name == "conduct_date":
            _read_conduct_date(state, arr, given)
    elif spec.kind == "enum":
        if not _is_text(t):
            state.refer(given)
        else:
            codes, blank, unknown = _codes(arr, spec.vocabulary)
            state.refer(unknown)
            given &= ~blank
            if spec.name in CODE_FIELDS:
                state.facts.codes[spec.name][:] = np.where(given, codes, NOT_STATED)
    elif spec.kind == "bool":
        if not pa.types.is_boolean(t):
            state.refer(given)
        else:
            stated = np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.int8)
            state.true[spec.name] = given & (stated == 1)
            if spec.name in FLAG_FIELDS:
                state.facts.flags[spec.name][:] = np.where(given, stated, NOT_STATED)
    elif spec.kind in ("int", "float"):
        if not (pa.types.is_integer(t) or pa.types.is_floating(t)):
            state.refer(given)
        else:
            values = _floats(arr)
            state.refer(given & ~_number_ok(values, spec, integral=spec.kind == "int"))
            state.numbers[spec.name] = np.where(given, values, np.nan)
    elif spec.kind == "enum_list":
        _read_enum_list(state, spec, arr, given)
    elif spec.kind == "str_list":
        parts = _list_parts(arr)
        if parts is None or (len(parts[1]) and not _is_text(parts[1].type)):
            state.refer(given)
        else:
            parents, flat, lengths = parts
            state.refer(_rows_with(n, parents, _null(flat)))
            state.facts.n_other_charges[:] = np.where(given, lengths, 0)
            state.nonempty[spec.name] = given & (lengths > 0)
    elif spec.kind == "enum_map":
        _read_map(state, spec, arr, given)
    state.given[spec.name] = given


def _read_case_id(state: _State, arr: pa.Array, given: NDArray[np.bool_]) -> None:
    """The id as pydantic keeps it (stripped): valid only when there is nothing to strip."""
    trimmed = pc.utf8_trim_whitespace(arr)
    padded = pc.or_(pc.not_equal(trimmed, arr), pc.match_substring_regex(arr, _PYTHON_ONLY_SPACE_EDGE))
    state.refer(given & np.asarray(pc.fill_null(padded, False).to_numpy(zero_copy_only=False), dtype=bool))
    state.case_id = _objects_where(given, np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object))


def _read_conduct_date(state: _State, arr: pa.Array, given: NDArray[np.bool_]) -> None:
    """``CaseBase._conduct_date_valid`` on each distinct date: YYYY[-MM[-DD]], a real date, not in the future,
    not before the first Criminal Law."""
    encoded = pc.dictionary_encode(arr)
    indices = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    parsed: list[tuple[int, int, int]] = []
    bad: list[bool] = []
    today = date.today()
    for text in encoded.dictionary.to_pylist():
        try:
            if text != text.strip():
                raise ValueError("to strip")
            year, month, day = parse_conduct_date(text)
            if date(year, month or 1, day or 1) > today or year < FIRST_YEAR:
                raise ValueError("out of range")
            parsed.append((year, NOT_STATED if month is None else month, NOT_STATED if day is None else day))
            bad.append(False)
        except ValueError:
            parsed.append((NOT_STATED, NOT_STATED, NOT_STATED))
            bad.append(True)
    table = np.asarray([*parsed, (NOT_STATED, NOT_STATED, NOT_STATED)], dtype=np.int64).reshape(-1, 3)
    bad_of = np.asarray([*bad, False], dtype=bool)
    state.refer(given & bad_of[indices])
    state.conduct_date = np.where(given[:, None], table[indices], NOT_STATED)


def _read_enum_list(state: _State, spec: FieldSpec, arr: pa.Array, given: NDArray[np.bool_]) -> None:
    n = state.n
    parts = _list_parts(arr)
    if parts is None or (len(parts[1]) and not _is_text(parts[1].type)):
        state.refer(given)
        return
    parents, flat, lengths = parts
    if not len(flat):
        flat = pa.array([], type=pa.string())
    codes, _blank, _unknown = _codes(flat, spec.vocabulary)
    state.refer(_rows_with(n, parents, (codes < 0) | _null(flat)))
    bits = _bit_masks(n, parents, codes)
    bits = np.where(given, bits, 0)
    lengths = np.where(given, lengths, 0)
    state.nonempty[spec.name] = lengths > 0
    if spec.name == "data_types":
        state.facts.data_types[:] = bits
        state.facts.n_data_types[:] = lengths
    elif spec.name == "conduct":
        state.facts.conduct[:] = bits


def _read_map(state: _State, spec: FieldSpec, arr: pa.Array, given: NDArray[np.bool_]) -> None:
    """``records_by_type``: an Arrow map of data type -> records (the form ``clean_row`` reads as a dict). Read by
    its offsets: a map's ``keys`` / ``items`` ignore the slice a batch may be."""
    n = state.n
    if not pa.types.is_map(arr.type) or not _is_text(arr.type.key_type):
        state.refer(given)
        return
    item_type = arr.type.item_type
    if not (pa.types.is_integer(item_type) or pa.types.is_floating(item_type)):
        state.refer(given)
        return
    offsets = np.asarray(arr.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    start, stop = int(offsets[0]), int(offsets[-1])
    lengths = np.diff(offsets)
    parents = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys = _array(arr.keys.slice(start, stop - start))
    items = _array(arr.items.slice(start, stop - start))
    codes, _blank, _unknown = _codes(keys, spec.vocabulary)
    values = _floats(items)
    bad_entry = (codes < 0) | np.isnan(values) | ~_number_ok(values, spec, integral=True)
    pairs = parents * len(spec.vocabulary) + np.maximum(codes, 0)
    unique, counts = np.unique(pairs, return_counts=True)
    duplicated = np.isin(pairs, unique[counts > 1])
    state.refer(_rows_with(n, parents, bad_entry | duplicated))
    ok = ~bad_entry & given[parents]
    split = state.facts.split
    split[parents[ok], codes[ok]] = values[ok]
    state.facts.has_split[:] = given & (lengths > 0)
    state.nonempty[spec.name] = state.facts.has_split.copy()
    state.keys_mask = _bit_masks(n, parents[ok], codes[ok])
    state.split_sum = split.sum(axis=1)


def as_record_batch(batch: pa.RecordBatch | pa.Table | Any) -> pa.RecordBatch:
    """An Arrow record batch of a batch, a table or a pandas DataFrame (raises for what Arrow cannot hold)."""
    if isinstance(batch, pa.RecordBatch):
        return batch
    if isinstance(batch, pa.Table):
        return batch.combine_chunks().to_batches()[0] if batch.num_rows else pa.RecordBatch.from_pylist([])
    import pandas as pd

    if isinstance(batch, pd.DataFrame):
        return pa.RecordBatch.from_pandas(batch, preserve_index=False)
    raise TypeError("a columnar batch is an Arrow record batch or table, or a pandas DataFrame")


def validate_arrow(
    batch: pa.RecordBatch, nan_is_missing: bool = True, require_fact: bool = True
) -> ArrowValidation:
    """Validate every row of ``batch`` at once (see module docstring); ``nan_is_missing`` and ``require_fact`` as
    in :func:`features.tables.validate_record`."""
    n = batch.num_rows
    state = _State(
        n=n,
        nan_is_missing=nan_is_missing,
        facts=CaseFacts.empty(n),
        referred=np.zeros(n, dtype=bool),
        given={},
        numbers={},
        nonempty={},
        keys_mask=np.zeros(n, dtype=np.int64),
        split_sum=np.zeros(n),
        conduct_date=np.full((n, 3), NOT_STATED, dtype=np.int64),
        case_id=np.full(n, None, dtype=object),
        true={},
    )
    names = list(batch.schema.names)
    if len(set(names)) != len(names):  # a row dict keeps one of them: let the per-row reader decide
        state.refer(np.ones(n, dtype=bool))
    for name, column in zip(names, batch.columns, strict=True):
        if name in TABLE_PROVENANCE_COLUMNS:
            continue
        arr = _array(column)
        spec = FIELDS.get(name)
        if spec is None:  # an unknown field: refused by the schema when it holds a value
            state.refer(~_missing(arr, nan_is_missing))
            continue
        _read_column(state, spec, arr)
    none = np.zeros(n, dtype=bool)
    given = lambda name: state.given.get(name, none)  # noqa: E731
    facts = state.facts

    # the kind of case: a field of the other kind is an unknown field there
    proceeding = facts.codes["proceeding"]
    criminal_code = CODE_FIELDS["proceeding"].index("criminal")
    criminal = (proceeding == NOT_STATED) | (proceeding == criminal_code)
    proceeding[proceeding == NOT_STATED] = criminal_code  # parse_case: a row without proceeding is criminal
    for name, spec in FIELDS.items():
        if spec.criminal and not spec.civil:
            state.refer(~criminal & given(name))
        elif spec.civil and not spec.criminal:
            state.refer(criminal & given(name))

    # numbers the engine reads; records_by_type fills records_total and data_types (CaseBase._records_consistent)
    for name in NUMBER_FIELDS:
        if name in state.numbers:
            facts.numbers[name][:] = state.numbers[name]
    total = facts.numbers["records_total"]
    split = facts.has_split
    state.refer(split & ~np.isnan(total) & (np.nan_to_num(total) < state.split_sum))
    facts.numbers["records_total"][:] = np.where(split & np.isnan(total), state.split_sum, total)
    added = state.keys_mask & ~facts.data_types
    facts.data_types[:] = facts.data_types | state.keys_mask
    facts.n_data_types[:] = facts.n_data_types + _popcount(added, len(DATA_TYPES))
    facts.conduct_date[:] = state.conduct_date
    year = facts.numbers["year"]
    state.refer(~np.isnan(year) & (state.conduct_date[:, 0] > np.nan_to_num(year, nan=np.inf)))

    # the outcome rules of CriminalCase._outcome_consistent (labels a table may carry)
    _check_outcomes(state, criminal)

    # the one-fact rule: a case to estimate states at least one fact of its kind
    if require_fact:
        stated_criminal = np.zeros(n, dtype=bool)
        stated_civil = np.zeros(n, dtype=bool)
        for name in CRIMINAL_FACT_FIELDS:
            stated_criminal |= state.nonempty.get(name, given(name))
        for name in CIVIL_FACT_FIELDS:
            stated_civil |= state.nonempty.get(name, given(name))
        state.refer(np.where(criminal, ~stated_criminal, ~stated_civil))

    valid = ~state.referred
    proceeding_names = np.asarray(CODE_FIELDS["proceeding"], dtype=object)
    return ArrowValidation(
        valid=valid,
        facts=facts,
        case_id=_objects_where(valid, state.case_id),
        proceeding=_objects_where(valid, proceeding_names[proceeding]),
    )


def _check_outcomes(state: _State, criminal: NDArray[np.bool_]) -> None:
    """Refer the rows ``CriminalCase._outcome_consistent`` refuses (or might: equal comparisons included)."""
    law = load_law_table()
    nan = np.full(state.n, np.nan)
    prison, detention, probation, fine = (state.numbers.get(k, nan) for k in OUTCOME_NUMBERS)
    exempt = state.true.get("exempt_from_punishment", np.zeros(state.n, dtype=bool))
    recidivist = state.facts.flags["recidivist"] == 1
    ringleader = state.facts.flags["ringleader"] == 1

    def truthy(x: NDArray[np.float64]) -> NDArray[np.bool_]:
        return np.asarray(~np.isnan(x) & (np.nan_to_num(x) != 0), dtype=bool)

    custodial = np.where(truthy(prison), prison, np.where(truthy(detention), detention, 0.0))
    bad = truthy(prison) & truthy(detention)
    suspended = truthy(probation)
    p = np.nan_to_num(probation)
    low_i, high_i = probation_range_months(imprisonment=True)
    low_d, high_d = probation_range_months(imprisonment=False)
    low = np.where(truthy(prison), low_i, low_d)
    high = np.where(truthy(prison), high_i, high_d)
    bad |= suspended & (
        (custodial == 0)
        | (custodial > law.probation_max_months)
        | (p < custodial)
        | ~((low <= p) & (p <= high))
        | recidivist
        | ringleader
    )
    bad |= exempt & ((custodial != 0) | truthy(fine))
    state.refer(criminal & bad)
