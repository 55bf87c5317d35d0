"""Batch scoring of a table of cases with the champions (``exposure batch score``), the local engine.

Input: any case table the one reader takes (:mod:`features.tables`: Parquet and Arrow read by record batches,
JSON lines, JSON or CSV in chunks). Output: one row per input row, in input order, with the columns of
:data:`features.model.batch.OUTPUT_COLUMNS`, written by :func:`features.model.batch.score_batch` (the function the
Spark engine runs on every executor too): the numbers the HTTP answer for the same case carries, and ``error`` for
a row that could not be scored (field names and reasons, never the values). Nothing is lost: rows in = rows out,
bad rows included, and the summary counts the bad rows by reason.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from features.model.batch import OUTPUT_COLUMNS, estimators_of, output_schema, score_batch
from features.tables import COLUMNAR_SUFFIXES, DEFAULT_CHUNK_ROWS, TABLE_SUFFIXES, count_records, read_records
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
    seconds: float = 0.0

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

    def __init__(self, out: Path) -> None:
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

            self._schema = output_schema()
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


def score_local(
    source: Path,
    out: Path,
    champions: ChampionSet,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Score every row of ``source`` into ``out`` chunk by chunk; ``progress(rows_done)`` after each chunk."""
    source, out = Path(source), Path(out)
    check_paths(source, out)
    t0 = time.perf_counter()
    summary = BatchSummary(engine="local", input=str(source), out=str(out))
    estimators = estimators_of(champions.estimators)
    nan_is_missing = source.suffix.lower() in COLUMNAR_SUFFIXES  # JSON has no NaN: refused there
    writer = OutputWriter(out)
    label = "row" if source.suffix in (".parquet", ".arrow", ".feather", ".ipc") else "line"
    try:
        for chunk in read_records(source, chunk_rows):
            batch = score_batch([item for _, item in chunk], estimators, nan_is_missing)
            writer.write(batch)
            summary.rows_in += len(chunk)
            errors = batch.column("error").to_pylist()
            case_ids = batch.column("case_id").to_pylist()
            for (position, _), error, case_id in zip(chunk, errors, case_ids, strict=True):
                if error is None:
                    summary.rows_scored += 1
                else:
                    where = f"{label} {position}" + (f" (case_id {case_id})" if case_id else "")
                    summary.add_failure(where, error)
            if progress is not None:
                progress(summary.rows_in)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - t0
    return summary
