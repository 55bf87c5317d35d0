"""CAIL2018 ingestion: personal-information cases of the CAIL2018 data set as labelled case rows.

CAIL2018 (Xiao et al. 2018, arXiv 1807.02478) is JSON lines, one case a line: ``fact`` (the court's fact
description) and ``meta`` (``accusation``, ``criminals``, ``term_of_imprisonment`` {imprisonment months,
life_imprisonment, death_penalty}, ``punish_of_money`` yuan). Files come GB18030- or UTF-8-encoded (decided
line by line), plain or inside the official zip. Everything is streamed: a 1.7-million-line file is read
once, line by line, and only the kept rows are buffered before being written in batches.

Kept: cases whose accusations include a personal-information charge (非法获取公民个人信息, 出售、非法提供公民
个人信息, 侵犯公民个人信息). Each becomes one row per defendant with the fields of
:class:`features.law.schema.CriminalCase` (facts from :func:`features.text.facts.extract_facts`, among them
``conduct_date``, the last act, which decides the old or amended Art. 253-1 for these 2013-2018 judgments; the labelled term
and fine from ``meta``) plus the provenance columns ``source_file`` and ``source_line``. Every other line is
counted under the reason it was skipped.

Label caveats (from the data set, not fixable here): CAIL gives one ``imprisonment`` figure in months, which
is written to ``prison_months`` (criminal detention is not told apart); probation is not in the data, so
``probation_months`` is null, meaning unknown for these rows (case ids start with ``cail-``); with several
charges the term is the executed one.

Ids: ``case_id`` = ``cail-`` + hash of source and line; ``group_id`` = ``cail-g-`` + hash of the fact text, so
co-defendants of one judgment (same facts) share a group and never straddle CV folds. The same fact and
defendant seen again (the data set repeats cases across its splits) is skipped as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import types
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError

from features.law.schema import CriminalCase, parse_case
from features.tables import TABLE_PROVENANCE_COLUMNS, format_validation_error
from features.text.facts import extract_facts

PI_CHARGES = ("非法获取公民个人信息", "出售、非法提供公民个人信息", "侵犯公民个人信息")
DATA_SUFFIXES = (".json", ".jsonl")
BATCH_ROWS = 2000
MAX_EXAMPLES = 30

# skip reasons (stable strings: reports and tests use them)
NOT_PI = "not a personal-information charge"
BAD_ENCODING = "neither UTF-8 nor GB18030"
BAD_JSON = "not valid JSON"
BAD_FIELDS = "missing or malformed fields (fact, meta.accusation, meta.criminals, meta.term_of_imprisonment)"
LIFE_DEATH = "life imprisonment or death penalty (outside Art. 253-1)"
NOT_ONE_DEFENDANT = "not exactly one defendant for the label"
EMPTY_FACT = "empty fact description"
DUPLICATE = "duplicate of an earlier case (same facts and defendant)"
INVALID_CASE = "not a valid case"


class SourceReport(BaseModel):
    source: str
    lines: int = 0
    encodings: dict[str, int] = Field(default_factory=dict)


class IngestReport(BaseModel):
    """What was read, kept and skipped (counts per reason, a few examples with file and line)."""

    sources: list[SourceReport] = Field(default_factory=list)
    lines_read: int = 0
    personal_information: int = Field(0, description="records with a personal-information charge")
    rows: int = Field(0, description="rows kept (written to `out` when it is set)")
    skipped: dict[str, int] = Field(default_factory=dict)
    examples: list[str] = Field(default_factory=list, description="file:line: reason (not for other charges)")
    out: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class RawLine:
    source: str  # file name, or zip!member
    line: int
    text: str | None  # None when it could not be decoded
    encoding: str | None
    nbytes: int


# ---------------------------------------------------------------------------------------------------------
# reading


def _decode(raw: bytes) -> tuple[str | None, str | None]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None, None


def _iter_stream(fh: IO[bytes], source: str) -> Iterator[RawLine]:
    for lineno, raw in enumerate(fh, start=1):
        if not raw.strip():
            yield RawLine(source, lineno, "", None, len(raw))
            continue
        text, encoding = _decode(raw.rstrip(b"\r\n"))
        yield RawLine(source, lineno, text, encoding, len(raw))


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Files to read with their display names: a folder gives its .json/.jsonl/.zip files (recursively)."""
    out: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and (f.suffix in DATA_SUFFIXES or f.suffix == ".zip"):
                    out.append((f, f.relative_to(path).as_posix()))
        elif path.is_file():
            out.append((path, path.name))
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return out


def total_bytes(files: list[tuple[Path, str]]) -> int:
    total = 0
    for path, _ in files:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                total += sum(i.file_size for i in _zip_members(zf))
        else:
            total += path.stat().st_size
    return total


def _zip_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [
        info
        for info in zf.infolist()
        if not info.is_dir()
        and info.filename.endswith(DATA_SUFFIXES)
        and not info.filename.startswith("__MACOSX/")
        and not Path(info.filename).name.startswith("._")
    ]


def iter_cail_lines(path: Path, name: str | None = None) -> Iterator[RawLine]:
    """Every line of a CAIL file (plain or zip), decoded line by line, streaming."""
    name = name or path.name
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in _zip_members(zf):
                with zf.open(info) as fh:
                    yield from _iter_stream(fh, f"{name}!{info.filename}")
    else:
        with path.open("rb") as fh:
            yield from _iter_stream(fh, name)


# ---------------------------------------------------------------------------------------------------------
# one record -> rows


def normalize_charge(name: str) -> str:
    """CAIL spells charges without 罪 and with optional parts in brackets: [出售、非法提供]公民个人信息."""
    return name.replace("[", "").replace("]", "").strip().removesuffix("罪")


def is_pi_charge(name: str) -> bool:
    return normalize_charge(name) in PI_CHARGES


def _hash(text: str, n: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


class _Skip(Exception):
    def __init__(self, reason: str, detail: str = "", pi: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.pi = pi  # the record has a personal-information charge


def _meta(obj: Any) -> tuple[str, list[str], list[str], dict[str, Any], float]:
    if not isinstance(obj, dict):
        raise _Skip(BAD_FIELDS, pi=False)
    fact, meta = obj.get("fact"), obj.get("meta")
    if not isinstance(fact, str) or not isinstance(meta, dict):
        raise _Skip(BAD_FIELDS, pi=False)
    accusation, criminals = meta.get("accusation"), meta.get("criminals")
    term, money = meta.get("term_of_imprisonment"), meta.get("punish_of_money", 0)
    if (
        not isinstance(accusation, list)
        or not all(isinstance(a, str) for a in accusation)
        or not isinstance(criminals, list)
        or not all(isinstance(c, str) for c in criminals)
        or not isinstance(term, dict)
        or not isinstance(money, int | float)
        or isinstance(money, bool)
    ):
        raise _Skip(BAD_FIELDS, pi=False)
    return fact, accusation, criminals, term, float(money)


def record_to_rows(obj: Any, source: str, line: int) -> list[dict[str, Any]]:
    """The case rows of one CAIL record; raises ``_Skip`` with the reason when there are none."""
    fact, accusation, criminals, term, money = _meta(obj)
    charges = [normalize_charge(a) for a in accusation]
    pi = [c for c in charges if c in PI_CHARGES]
    if not pi:
        raise _Skip(NOT_PI, pi=False)
    if term.get("life_imprisonment") or term.get("death_penalty"):
        raise _Skip(LIFE_DEATH)
    months = term.get("imprisonment")
    if not isinstance(months, int | float) or isinstance(months, bool) or months < 0:
        raise _Skip(BAD_FIELDS)
    if len(criminals) != 1:
        raise _Skip(NOT_ONE_DEFENDANT, f"{len(criminals)} defendants")
    if not fact.strip():
        raise _Skip(EMPTY_FACT)
    facts = extract_facts(fact).case
    row: dict[str, Any] = {
        **facts,
        "case_id": f"cail-{_hash(f'{source}:{line}')}",
        "group_id": f"cail-g-{_hash(fact)}",
        "proceeding": "criminal",
        "source_title": f"CAIL2018 {source}:{line}",
        "defendant": criminals[0].strip() or None,
        "charge": pi[0] + "罪",
        "other_charges": [c + "罪" for c in charges if c not in PI_CHARGES],
        "prison_months": float(months),
        "fine_yuan": money,
        "source_file": source,
        "source_line": line,
    }
    try:
        parse_case({k: v for k, v in row.items() if k not in TABLE_PROVENANCE_COLUMNS})
    except ValidationError as exc:
        raise _Skip(INVALID_CASE, format_validation_error(exc)) from exc
    return [row]


# ---------------------------------------------------------------------------------------------------------
# writing


def _arrow_type(annotation: Any) -> Any:
    import pyarrow as pa

    origin = get_origin(annotation)
    if origin is Annotated:
        return _arrow_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _arrow_type(args[0]) if len(args) == 1 else pa.string()
    if origin is Literal:
        return pa.string()
    if origin is list:
        return pa.list_(_arrow_type(get_args(annotation)[0]))
    if origin is dict:
        key, value = get_args(annotation)
        return pa.map_(_arrow_type(key), _arrow_type(value))
    if annotation is bool:
        return pa.bool_()
    if annotation is int:
        return pa.int64()
    if annotation is float:
        return pa.float64()
    if isinstance(annotation, type) and issubclass(annotation, Enum | str):
        return pa.string()
    return pa.string()


def table_schema() -> Any:
    """Arrow schema of the output: every CriminalCase field, then the provenance columns."""
    import pyarrow as pa

    fields = [pa.field(name, _arrow_type(f.annotation)) for name, f in CriminalCase.model_fields.items()]
    fields += [pa.field("source_file", pa.string()), pa.field("source_line", pa.int64())]
    return pa.schema(fields)


class _Writer:
    """Parquet (or JSON lines for a .jsonl name) written to a temporary file, renamed when complete."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(out.name + ".part")
        out.parent.mkdir(parents=True, exist_ok=True)
        self.jsonl = out.suffix == ".jsonl"
        self.buffer: list[dict[str, Any]] = []
        self.count = 0
        self._fh: IO[str] | None = None
        self._pq: Any = None
        self._schema: Any = None
        if self.jsonl:
            self._fh = self.tmp.open("w", encoding="utf-8")
        else:
            import pyarrow.parquet as pq

            self._schema = table_schema()
            self._pq = pq.ParquetWriter(self.tmp, self._schema)

    def write(self, row: dict[str, Any]) -> None:
        self.count += 1
        if self._fh is not None:
            self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        self.buffer.append(row)
        if len(self.buffer) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        import pyarrow as pa

        names = self._schema.names
        table = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in self.buffer], schema=self._schema)
        self._pq.write_table(table)
        self.buffer = []

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        else:
            self._flush()
            self._pq.close()
        os.replace(self.tmp, self.out)

    def abort(self) -> None:
        try:
            if self._fh is not None:
                self._fh.close()
            elif self._pq is not None:
                self._pq.close()
        finally:
            self.tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------------


def ingest_cail(
    paths: Iterable[Path],
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Read CAIL2018 files, keep the personal-information cases as rows, write them to ``out`` (Parquet, or
    JSON lines when it ends with .jsonl; nothing is written when ``out`` is None) and report what happened.

    ``progress(bytes_done, bytes_total)`` is called as the files are read (uncompressed bytes for zips).
    """
    t0 = time.perf_counter()
    files = expand_paths(paths)
    total = total_bytes(files) if progress else 0
    report = IngestReport(out=str(out) if out else None)
    skipped: Counter[str] = Counter()
    seen: dict[tuple[str, str], str] = {}
    writer = _Writer(out) if out else None
    done = 0
    try:
        for path, name in files:
            current: SourceReport | None = None
            encodings: Counter[str] = Counter()
            for raw in iter_cail_lines(path, name):
                if current is None or current.source != raw.source:
                    if current is not None:
                        current.encodings = dict(encodings)
                    current = SourceReport(source=raw.source)
                    encodings = Counter()
                    report.sources.append(current)
                done += raw.nbytes
                if progress and raw.line % 2000 == 0:
                    progress(done, total)
                if raw.text == "":
                    continue  # blank line
                current.lines += 1
                report.lines_read += 1
                if raw.text is None:
                    _skip(report, skipped, raw, BAD_ENCODING)
                    continue
                encodings[raw.encoding or "?"] += 1
                try:
                    obj = json.loads(raw.text)
                except json.JSONDecodeError as exc:
                    _skip(report, skipped, raw, BAD_JSON, f"{exc.msg} at column {exc.colno}")
                    continue
                try:
                    rows = record_to_rows(obj, raw.source, raw.line)
                except _Skip as skip:
                    report.personal_information += skip.pi
                    _skip(report, skipped, raw, skip.reason, skip.detail)
                    continue
                report.personal_information += 1
                _emit(rows, raw, seen, writer, report, skipped)
            if current is not None:
                current.encodings = dict(encodings)
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if progress:
        progress(total, total)
    report.skipped = dict(skipped.most_common())
    report.seconds = round(time.perf_counter() - t0, 2)
    return report


def _emit(
    rows: list[dict[str, Any]],
    raw: RawLine,
    seen: dict[tuple[str, str], str],
    writer: _Writer | None,
    report: IngestReport,
    skipped: Counter[str],
) -> None:
    """Write one judgment's defendant rows; a defendant already written (same judgment, same name) is skipped as a
    duplicate that says where it was first seen. Shared by the local and the Spark ingestion."""
    for row in rows:
        key = (str(row["group_id"]), str(row["defendant"]))
        if key in seen:
            _skip(report, skipped, raw, DUPLICATE, f"first seen at {seen[key]}")
            continue
        seen[key] = f"{raw.source}:{raw.line}"
        if writer is not None:
            writer.write(row)
        report.rows += 1


def _skip(report: IngestReport, skipped: Counter[str], raw: RawLine, reason: str, detail: str = "") -> None:
    skipped[reason] += 1
    if reason != NOT_PI and len(report.examples) < MAX_EXAMPLES:
        report.examples.append(f"{raw.source}:{raw.line}: {reason}" + (f" ({detail})" if detail else ""))
