"""Batch scoring of a table of cases with the champions (``exposure batch score``), the local engine.

Input: any case table the one reader takes (:mod:`features.tables`): Parquet and Arrow IPC stream record batch by
record batch into the columnar path (validation, statutory engine, features and every model over the whole batch);
JSON lines, JSON and CSV are read in chunks of rows, each row validated alone, and then scored the same columnar
way. Output: one row per input row, in input order, with the columns of
:data:`features.model.batch.OUTPUT_COLUMNS`, written by :func:`features.model.batch.score_batch` (the function the
Spark engine runs on every executor too): the numbers the HTTP answer for the same case carries, and ``error`` for
a row that could not be scored (field names and reasons, never the values). Nothing is lost: rows in = rows out,
bad rows included, and the summary counts the bad rows by reason. Memory stays bounded whatever the table's size:
one chunk is in memory at a time, and the output is written chunk by chunk.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.model.batch import OUTPUT_COLUMNS, estimators_of, output_schema, score_batch
from features.tables import (
    COLUMNAR_SUFFIXES,
    DEFAULT_CHUNK_ROWS,
    TABLE_SUFFIXES,
    count_records,
    read_batches,
    read_records,
)
from serving.estimate import ChampionSet

INPUT_SUFFIXES = TABLE_SUFFIXES
OUTPUT_SUFFIXES = (".parquet", ".jsonl", ".csv")
MAX_EXAMPLES = 20
__all__ = ["OUTPUT_COLUMNS", "BatchSummary", "OutputWriter", "check_paths", "input_rows_hint", "score_local"]


def input_rows_hint(path: Path) -> int | None:
    """The number of rows (Parquet metadata) or lines (text formats; CSV minus its header), for progress."""
    return count_records(path)


@dataclass
class BatchSummary:
    """What a batch did: rows read, scored and refused (by reason), with a few examples of refused rows."""

    engine: str
    input: str
    out: str
    rows_in: int = 0
    rows_scored: int = 0
    rows_failed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0  # reading, scoring and writing
    warmup_seconds: float = 0.0  # Spark: the session and the workers started with the estimators, before scoring

    @property
    def rows_out(self) -> int:
        return self.rows_scored + self.rows_failed

    @property
    def cases_per_second(self) -> float:
        return self.rows_in / self.seconds if self.seconds > 0 else float("nan")

    def add_failure(self, where: str, reason: str) -> None:
        self.rows_failed += 1
        for part in reason.split("; "):
            self.reasons[part] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{where}: {reason}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "input": self.input,
            "out": self.out,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_scored": self.rows_scored,
            "rows_failed": self.rows_failed,
            "reasons": dict(self.reasons.most_common()),
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "cases_per_second": round(self.cases_per_second, 1) if math.isfinite(self.cases_per_second) else None,
        }


# ---------------------------------------------------------------------------------------------------------
# writing


class OutputWriter:
    """Parquet, JSON lines or CSV by suffix, written to ``<out>.part`` and renamed when complete."""

    def __init__(self, out: Path, similar: bool = False) -> None:
        self.out = Path(out)
        if self.out.suffix not in OUTPUT_SUFFIXES:
            raise ValueError("the output must end with .parquet, .jsonl or .csv")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.with_name(self.out.name + ".part")
        self.rows = 0
        self._pq: Any = None
        self._fh: IO[str] | None = None
        if self.out.suffix == ".parquet":
            import pyarrow.parquet as pq

            self._schema = output_schema(similar)
            self._pq = pq.ParquetWriter(self.tmp, self._schema)
        else:
            self._fh = self.tmp.open("w", encoding="utf-8", newline="")

    def write(self, batch: pa.RecordBatch) -> None:
        if self._pq is not None:
            self._pq.write_batch(batch)
        elif self.out.suffix == ".csv":
            assert self._fh is not None
            batch.to_pandas().to_csv(self._fh, index=False, header=self.rows == 0)
        else:
            assert self._fh is not None
            for row in batch.to_pylist():
                clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                self._fh.write(json.dumps(clean, ensure_ascii=False) + "\n")
        self.rows += batch.num_rows

    def close(self) -> None:
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        os.replace(self.tmp, self.out)

    def abort(self) -> None:
        try:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def check_paths(source: Path, out: Path) -> None:
    if source.suffix not in INPUT_SUFFIXES:
        raise ValueError(f"the input must end with {', '.join(INPUT_SUFFIXES)}")
    if out.suffix not in OUTPUT_SUFFIXES:
        raise ValueError("--out must end with .parquet, .jsonl or .csv")
    if source.resolve() == out.resolve():
        raise ValueError("--out must differ from the input")


@dataclass
class _Chunk:
    """A chunk of the input: an Arrow record batch (rows ``first``, ``first + 1``...) or a list of rows of a text
    table with their line numbers."""

    rows: Any
    first: int = 1
    positions: list[int] | None = None

    def position(self, i: int) -> int:
        return self.positions[i] if self.positions is not None else self.first + i


def _chunks(source: Path, chunk_rows: int) -> Iterator[_Chunk]:
    """The input in chunks; an unreadable columnar file ends with one row saying so (as the one reader does)."""
    if source.suffix.lower() in COLUMNAR_SUFFIXES:
        position = 1
        try:
            for batch in read_batches(source, chunk_rows):
                yield _Chunk(batch, position)
                position += batch.num_rows
        except Exception as exc:  # pyarrow raises ArrowInvalid / OSError variants for unreadable files
            yield _Chunk([f"not a readable {source.suffix.lstrip('.')} file ({type(exc).__name__})"], position)
        return
    for records in read_records(source, chunk_rows):
        yield _Chunk([item for _, item in records], positions=[p for p, _ in records])


def _summarize(summary: BatchSummary, batch: Any, chunk: _Chunk, label: str) -> None:
    """Count a scored chunk's rows; the refused ones by reason, with their row (line) numbers."""
    n = batch.num_rows
    failed = np.flatnonzero(np.asarray(pc.is_valid(batch.column("error")).to_numpy(zero_copy_only=False)))
    summary.rows_in += n
    summary.rows_scored += n - len(failed)
    if not len(failed):
        return
    errors = batch.column("error").take(failed).to_pylist()
    case_ids = batch.column("case_id").take(failed).to_pylist()
    for i, error, case_id in zip(failed.tolist(), errors, case_ids, strict=True):
        where = f"{label} {chunk.position(i)}" + (f" (case_id {case_id})" if case_id else "")
        summary.add_failure(where, error)


def score_local(
    source: Path,
    out: Path,
    champions: ChampionSet,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
    similar: int = 0,
) -> BatchSummary:
    """Score every row of ``source`` into ``out`` chunk by chunk; ``progress(rows_done)`` after each chunk;
    ``similar`` > 0 adds the nearest reference cases of each row (``features.model.batch``)."""
    source, out = Path(source), Path(out)
    check_paths(source, out)
    t0 = time.perf_counter()
    summary = BatchSummary(engine="local", input=str(source), out=str(out))
    estimators = estimators_of(champions.estimators)
    nan_is_missing = source.suffix.lower() in COLUMNAR_SUFFIXES  # JSON has no NaN: refused there
    writer = OutputWriter(out, similar=similar > 0)
    label = "row" if source.suffix in (".parquet", ".arrow", ".feather", ".ipc") else "line"
    try:
        for chunk in _chunks(source, chunk_rows):
            batch = score_batch(chunk.rows, estimators, nan_is_missing, similar=similar)
            writer.write(batch)
            _summarize(summary, batch, chunk, label)
            if progress is not None:
                progress(summary.rows_in)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - t0
    return summary
