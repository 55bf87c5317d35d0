"""The one reader of case tables, and the one set of per-row error messages.

Formats, by suffix: JSON lines (``.jsonl``, ``.ndjson``), JSON (``.json``: one object or an array of objects;
a file that is neither is read as JSON lines), CSV (``.csv``, UTF-8 with a header of field names), Parquet
(``.parquet``) and Arrow IPC (``.arrow``, ``.feather``, ``.ipc``). Every reader yields *records*: the 1-based
position of the row (its line in JSON lines and CSV, its index in a JSON array, Parquet or Arrow) and either the
row as a dict or the reason it could not be read.

Conventions shared by every format (``clean_row``): a missing value (null, NaN, an empty CSV cell) is unknown;
list fields (``data_types``, ``conduct``, ``other_charges``) are arrays, or in text a JSON array or
``;``-separated words; ``records_by_type`` is a map, or in text a JSON object or ``type:count`` pairs separated by
``;``; Arrow map columns arrive as lists of pairs; provenance columns of ingested tables (``source_file``,
``source_line``, ``evidence``) are not case fields and are dropped.

``validate_record`` turns one record into a case or a list of ``{"field", "reason"}`` errors that name the field
and never echo the value (personal data): every door (HTTP batches, ``exposure predict``, batch scoring, Spark,
``mlflow models serve``, training data) refuses a bad row with the same words.

Seed data lives in the repository's ``seeds/`` folder (``EXPOSURE_SEEDS_DIR`` overrides): ``seeds/cases`` (the
project's hand-coded real cases) and ``seeds/documents`` (cases hand-coded from the five seed documents).
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase, no_fact_reason, parse_case
from features.law.vocab import DataType

CaseModel = CriminalCase | CivilCase
Kind = Literal["criminal", "civil"]
FieldError = dict[str, str]

# Columns of ingested tables (``exposure ingest``) that say where a row came from; not case fields. ``evidence``
# (judgment ingestion): JSON of field -> confidence and spans of the judgment text.
TABLE_PROVENANCE_COLUMNS = ("source_file", "source_line", "evidence")
LIST_FIELDS = ("data_types", "conduct", "other_charges")
MAP_FIELDS = ("records_by_type",)
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
COLUMNAR_SUFFIXES = (".parquet", ".arrow", ".feather", ".ipc")  # NaN marks a missing number there
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")
TABLE_SUFFIXES = (*JSON_SUFFIXES, ".csv", ".parquet", *ARROW_SUFFIXES)
DEFAULT_CHUNK_ROWS = 5000  # not-law: rows per chunk
KNOWN_FIELDS = frozenset(CriminalCase.model_fields) | frozenset(CivilCase.model_fields)
_PROCEEDING_KIND = {"criminal": "criminal", "civil": "civil", "public_interest": "civil"}

NOT_AN_OBJECT = "should be a JSON object describing one case"

Record = tuple[int, dict[str, Any] | str]


# ----------------------------------------------------------------------------------------------- errors
class RowProblem(ValueError):
    """A field whose value cannot be read (a malformed JSON list, an unreadable cell): field and reason only."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def describe_validation_error(exc: ValidationError) -> list[FieldError]:
    """Field-by-field reasons of a validation error, without echoing input values (they may be personal data)."""
    out: list[FieldError] = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] in ("criminal", "civil", "public_interest"):
            loc = loc[1:]  # the discriminated-union tag is noise for users
        if len(loc) >= 2 and loc[-1] == "[key]":
            loc = [*loc[:-2], "[key]"]  # an invalid dict key is an input value: name where it is, not what
        reason = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid":  # pydantic's message quotes the input tag
            ctx = err.get("ctx", {})
            loc = [str(ctx.get("discriminator", "proceeding")).strip("'")]
            reason = f"should be one of {ctx.get('expected_tags', 'the known proceedings')}"
        out.append({"field": ".".join(loc) or "(case)", "reason": reason})
    return out


def format_errors(errors: Iterable[FieldError]) -> str:
    """``field: reason; field: reason`` (the one-line form of a row's errors)."""
    return "; ".join(f"{e['field']}: {e['reason']}" for e in errors)


def format_validation_error(exc: ValidationError) -> str:
    return format_errors(describe_validation_error(exc))


# ----------------------------------------------------------------------------------------------- rows
def _split_list(value: str) -> list[Any]:
    text = value.strip()
    if text.startswith("["):
        parsed = json.loads(text)
        if not isinstance(parsed, list):
            raise ValueError("expected a JSON array")
        return parsed
    return [part.strip() for part in text.split(";") if part.strip()]


def _split_counts(value: str) -> dict[str, Any]:
    text = value.strip()
    if text.startswith("{"):
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("expected a JSON object")
        return parsed
    out: dict[str, Any] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, count = part.partition(":")
        if not sep:
            raise ValueError("expected type:count pairs separated by ;")
        _once(out, key.strip())
        out[key.strip()] = count.strip()
    return out


DATA_TYPE_VALUES = frozenset(t.value for t in DataType)


def _once(seen: Mapping[str, Any], key: str) -> None:
    """A split names each data type once: two counts of one type would otherwise be reduced to the last. The
    type is named only when it is one of the vocabulary's (a user's key is not echoed)."""
    if key in seen:
        named = key if key in DATA_TYPE_VALUES else "a data type"
        raise ValueError(f"{named} is given twice: give each type's records once")


def _pairs(value: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in value:
        _once(out, str(k))
        out[str(k)] = v
    return out


def _is_missing(value: Any, nan_is_missing: bool) -> bool:
    if value is None:
        return True
    if nan_is_missing and isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _clean_value(key: str, value: Any) -> Any:
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()  # numpy scalars and arrays (pandas, Spark batches)
    if isinstance(value, tuple):
        value = list(value)
    if key in MAP_FIELDS:
        if isinstance(value, str):
            return _split_counts(value)
        if isinstance(value, list) and all(isinstance(v, list | tuple) and len(v) == 2 for v in value):
            return _pairs(value)  # an Arrow map column
        return value
    if key in LIST_FIELDS and isinstance(value, str):
        return _split_list(value)
    return value


def clean_row(row: Mapping[Any, Any], nan_is_missing: bool = True) -> dict[str, Any]:
    """A raw row as a case dict: missing values and provenance columns dropped, text-encoded lists and maps and
    Arrow maps decoded (see module docstring). Raises :class:`RowProblem` naming the field it cannot read.

    ``nan_is_missing``: NaN is how pandas and Parquet writers mark a missing number, so in tables it is unknown;
    JSON has no NaN, so a JSON door passes False and the schema refuses it as not a finite number."""
    out: dict[str, Any] = {}
    for raw_key, value in row.items():
        key = str(raw_key)
        if key in TABLE_PROVENANCE_COLUMNS or _is_missing(value, nan_is_missing):
            continue
        try:
            cleaned = _clean_value(key, value)
        except (ValueError, json.JSONDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise RowProblem(key, f"cannot read the value ({reason})") from None
        if cleaned is None or (nan_is_missing and isinstance(cleaned, float) and math.isnan(cleaned)):
            continue
        out[key] = cleaned
    return out


def validate_record(
    item: Any, kind: Kind | None = None, nan_is_missing: bool = True, require_fact: bool = False
) -> tuple[CaseModel | None, list[FieldError]]:
    """One record as a case, or the errors that refuse it (never the values).

    ``item`` is a row dict (any format, see ``clean_row``) or the text of a read problem; ``kind`` restricts it to
    criminal or civil cases (a row without ``proceeding`` is then of that kind); ``nan_is_missing``: False for
    JSON doors (see ``clean_row``); ``require_fact``: a case to estimate must state at least one fact of a case
    (``features.law.schema.no_fact_reason``), else it is refused under ``(case)``."""
    if isinstance(item, str):
        return None, [{"field": "(row)", "reason": item}]
    if not isinstance(item, Mapping):
        return None, [{"field": "(case)", "reason": NOT_AN_OBJECT}]
    try:
        obj = clean_row(item, nan_is_missing)
    except RowProblem as exc:
        return None, [{"field": exc.field, "reason": exc.reason}]
    if kind is not None:
        proceeding = obj.get("proceeding")
        if proceeding is None:
            obj["proceeding"] = kind
        elif _PROCEEDING_KIND.get(str(proceeding)) not in (None, kind):
            return None, [{"field": "proceeding", "reason": f"this estimator answers {kind} cases"}]
    try:
        case = parse_case(obj)
    except ValidationError as exc:
        return None, describe_validation_error(exc)
    if require_fact and (reason := no_fact_reason(case)) is not None:
        return None, [{"field": "(case)", "reason": reason}]
    return case, []


# ----------------------------------------------------------------------------------------------- reading
def parse_json_line(lineno: int, line: str) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return lineno, f"not valid JSON ({exc.msg} at column {exc.colno})"
    return lineno, obj if isinstance(obj, dict) else "a line must hold one JSON object"


def text_records(text: str) -> list[Record]:
    """Records of JSON text: one object, an array of objects (positions are indices, 1-based) or JSON lines."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None  # JSON lines (or broken input: reported line by line)
    if isinstance(whole, dict):
        return [(1, whole)]
    if isinstance(whole, list):
        return [(i, obj if isinstance(obj, dict) else NOT_AN_OBJECT) for i, obj in enumerate(whole, start=1)]
    return [parse_json_line(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _chunks(records: Iterable[Record], chunk_rows: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= chunk_rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _jsonl_records(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        first = fh.read(1)
        while first.isspace():
            first = fh.read(1)
        fh.seek(0)
        if path.suffix == ".json" and first in ("[", "{"):
            # a JSON document (object or array), unless it is JSON lines that happen to end in .json
            text = fh.read()
            try:
                json.loads(text)
            except json.JSONDecodeError:
                yield from (
                    parse_json_line(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()
                )
                return
            yield from text_records(text)
            return
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                yield parse_json_line(lineno, line)


def _csv_records(path: Path) -> Iterator[Record]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        yield 0, f"cannot open the file ({exc.strerror})"
        return
    with fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            yield 1, "empty file: expected a header row of field names"
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield 1, f"not a readable UTF-8 CSV ({type(exc).__name__})"
            return
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            yield 1, f"duplicate column(s) {', '.join(dupes)}"
            return
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield start, f"unreadable row ({type(exc).__name__})"
                return
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield start, f"{len(cells)} cells but the header has {len(header)} columns"
                continue
            yield start, dict(zip(header, cells, strict=True))


def _arrow_batches(path: Path, chunk_rows: int) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_rows)
        return
    with pa.memory_map(str(path)) as source:
        try:
            reader: Any = pa.ipc.open_file(source)
            batches: Iterable[Any] = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            source.seek(0)
            batches = pa.ipc.open_stream(source)
        for batch in batches:
            for offset in range(0, batch.num_rows, chunk_rows):
                yield batch.slice(offset, chunk_rows)


def read_records(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[list[Record]]:
    """Chunks of the records of a case table (see module docstring), in file order."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(f"{path.name}: a case table must end with {', '.join(TABLE_SUFFIXES)}")
    if suffix == ".csv":
        yield from _chunks(_csv_records(path), chunk_rows)
    elif suffix in JSON_SUFFIXES:
        yield from _chunks(_jsonl_records(path), chunk_rows)
    else:
        position = 0
        try:
            for batch in _arrow_batches(path, chunk_rows):
                chunk: list[Record] = []
                for row in batch.to_pylist():
                    position += 1
                    chunk.append((position, row))
                yield chunk
        except Exception as exc:  # pyarrow raises ArrowInvalid / OSError variants for unreadable files
            yield [(position + 1, f"not a readable {suffix.lstrip('.')} file ({type(exc).__name__})")]


def read_batches(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[Any]:
    """Arrow record batches of at most ``chunk_rows`` rows of a Parquet or Arrow IPC table, in file order, read
    one at a time (constant memory); raises ``ValueError`` for another format."""
    path = Path(path)
    if path.suffix.lower() not in COLUMNAR_SUFFIXES:
        raise ValueError(f"{path.name}: record batches are read from {', '.join(COLUMNAR_SUFFIXES)}")
    yield from _arrow_batches(path, chunk_rows)


def count_records(path: Path) -> int | None:
    """Rows of a table (Parquet / Arrow metadata) or lines of a text table (CSV minus its header), for progress."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if suffix in ARROW_SUFFIXES:
        return None
    n = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return max(0, n - 1) if suffix == ".csv" else n


# ----------------------------------------------------------------------------------------------- data sets
@dataclass(frozen=True)
class RowError:
    """A row that could not be loaded: where it is and why (field names only, never the values)."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class LoadResult:
    cases: list[CaseModel] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def for_training(self) -> LoadResult:
        """The same cases without rows marked ``duplicate_of`` another (they would be counted twice) and without
        ``synthetic`` rows (made for scale tests only; their outcomes are drawn, not observed)."""
        return LoadResult(
            cases=[c for c in self.cases if c.duplicate_of is None and not c.synthetic], errors=list(self.errors)
        )

    def extend(self, other: LoadResult) -> None:
        self.cases.extend(other.cases)
        self.errors.extend(other.errors)

    @property
    def n_synthetic(self) -> int:
        return sum(1 for c in self.cases if c.synthetic)

    @property
    def criminal(self) -> list[CriminalCase]:
        return [c for c in self.cases if isinstance(c, CriminalCase)]

    @property
    def civil(self) -> list[CivilCase]:
        return [c for c in self.cases if isinstance(c, CivilCase)]


def _csv_header_problem(path: Path) -> str | None:
    """Why a CSV data file's header cannot hold cases (unknown or duplicate columns, no case_id), or None."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, csv.Error, UnicodeDecodeError):
        return None  # reported by the reader, row by row
    unknown = [h for h in header if h not in KNOWN_FIELDS and h not in TABLE_PROVENANCE_COLUMNS]
    problems = []
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if header and "case_id" not in header:
        problems.append("a case_id column is required")
    return "; ".join(problems) or None


def _load_into(result: LoadResult, path: Path, seen: dict[str, str]) -> None:
    if path.suffix.lower() == ".csv" and (problem := _csv_header_problem(path)) is not None:
        result.errors.append(RowError(str(path), 1, problem))  # one error for the file, not one per row
        return
    nan_is_missing = path.suffix.lower() in COLUMNAR_SUFFIXES
    try:
        for chunk in read_records(path):
            for position, item in chunk:
                if isinstance(item, str):  # the row could not be read at all
                    result.errors.append(RowError(str(path), position, item))
                    continue
                case, errors = validate_record(item, nan_is_missing=nan_is_missing)
                if case is None:
                    result.errors.append(RowError(str(path), position, format_errors(errors)))
                    continue
                if case.case_id is None:
                    result.errors.append(RowError(str(path), position, "case_id: required in a data file"))
                    continue
                if case.case_id in seen:
                    result.errors.append(
                        RowError(str(path), position, f"case_id: duplicate of the row at {seen[case.case_id]}")
                    )
                    continue
                seen[case.case_id] = f"{path}:{position}"
                if case.group_id is None:
                    case.group_id = case.case_id
                result.cases.append(case)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        result.errors.append(RowError(str(path), 0, f"cannot read the file ({reason})"))


def load_table(path: Path) -> LoadResult:
    """Every row of a data file (any format above) validated as a training or evaluation case: a failing row goes
    to ``errors`` with its position; ``case_id`` is required and unique; ``group_id`` defaults to it."""
    return load_tables([Path(path)])


def load_tables(paths: Iterable[Path]) -> LoadResult:
    """``load_table`` of several files, a case_id unique across all of them (the first row wins)."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for path in paths:
        _load_into(result, Path(path), seen)
    return result


def load_jsonl(paths: Iterable[Path]) -> LoadResult:
    """The seed loader's name for ``load_tables`` (JSON lines files)."""
    return load_tables(paths)


def seeds_dir() -> Path:
    """The seed data folder: ``$EXPOSURE_SEEDS_DIR`` or the repository's ``seeds/``."""
    env = os.environ.get("EXPOSURE_SEEDS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "seeds"


def seed_files(root: Path | None = None) -> list[Path]:
    root = root or seeds_dir()
    # seeds/examples holds inputs for the README's commands (no outcomes, no sources): never seed data
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file() and "examples" not in p.relative_to(root).parts)


def load_seeds(root: Path | None = None) -> LoadResult:
    """All seed cases (criminal and civil) with their load errors."""
    return load_tables(seed_files(root))


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line number, object or error) for each non-blank line of a JSON-lines file (for tools that edit rows)."""
    for chunk in _chunks(_jsonl_records(Path(path)), DEFAULT_CHUNK_ROWS):
        for position, item in chunk:
            yield position, item if isinstance(item, dict) else RowError(str(path), position, item)


__all__ = [
    "TABLE_PROVENANCE_COLUMNS",
    "LoadResult",
    "RowError",
    "clean_row",
    "count_records",
    "describe_validation_error",
    "format_errors",
    "format_validation_error",
    "load_seeds",
    "load_table",
    "load_tables",
    "read_batches",
    "read_records",
    "seed_files",
    "seeds_dir",
    "text_records",
    "validate_record",
]
