"""Batch scoring of a table of cases with the champions (``exposure batch score``), the local engine.

Input: Parquet (read by row groups with pyarrow), JSON lines or CSV (read in chunks); one case a row, the
fields of :mod:`features.law.schema` (lists as arrays, or as JSON text in CSV; ``records_by_type`` as a map or JSON
text). Provenance columns of ingested tables (``source_file``, ``source_line``) are ignored.

Output: one row per input row, in input order (``OUTPUT_COLUMNS``): the input's ``case_id`` and
``proceeding``, then for criminal rows the custodial term, P(term <= 36 months), P(probation) and the fine, and
for civil rows the award (months and yuan, unrounded), and ``error`` for a row that could not be scored (the
field names and reasons, never the values). Nothing is lost: rows in = rows out, bad rows included, and the
summary counts the bad rows by reason.

The local engine calls the champions' estimators directly (the pyfunc's own fast path, as ``serving.estimate``
does) so the three criminal targets share one validation and one featurization per row; the Spark engine
(:mod:`serving.scoring_spark`) runs the same pyfunc models through MLflow's ``spark_udf``.
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
import pandas as pd
from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase, parse_case
from features.law.statutory import load_law_table, statutory_band
from features.model.cases import row_to_dict
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from features.tables import TABLE_PROVENANCE_COLUMNS, describe_validation_error
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, ChampionSet

CaseModel = CriminalCase | CivilCase
INPUT_SUFFIXES = (".parquet", ".jsonl", ".json", ".csv")
CRIMINAL_COLUMNS = (
    "custodial_months_point",
    "custodial_months_low",
    "custodial_months_high",
    "custodial_months_level",
    "p_custodial_le_36_months",
    "probation_probability",
    "fine_yuan_point",
    "fine_yuan_low",
    "fine_yuan_high",
    "fine_yuan_level",
)
CIVIL_COLUMNS = (
    "awarded_total_yuan_point",
    "awarded_total_yuan_low",
    "awarded_total_yuan_high",
    "awarded_total_yuan_level",
)
ESTIMATE_COLUMNS = CRIMINAL_COLUMNS + CIVIL_COLUMNS
OUTPUT_COLUMNS = ("case_id", "proceeding", *ESTIMATE_COLUMNS, "error")
DEFAULT_CHUNK_ROWS = 5000  # not-law: rows per batch
MAX_EXAMPLES = 20
CUSTODIAL_THRESHOLD_MONTHS = load_law_table().probation_max_months  # Criminal Law Art. 72
ESTIMATE_FAILED = "(case): the estimate failed for this case"
PROCEEDINGS = ("criminal", "civil", "public_interest")


def output_arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [pa.field("case_id", pa.string()), pa.field("proceeding", pa.string())]
        + [pa.field(c, pa.float64()) for c in ESTIMATE_COLUMNS]
        + [pa.field("error", pa.string())]
    )


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
# reading: chunks of (row number, row dict or the reason it could not be read)

RawRow = tuple[int, dict[str, Any] | str]


def _arrow_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            value = dict(value)  # Arrow map column
        out[key] = value
    return out


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def input_rows_hint(path: Path) -> int | None:
    """The number of rows (Parquet metadata) or lines (text formats; CSV minus its header), for progress."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    lines = _count_lines(path)
    return max(0, lines - 1) if path.suffix == ".csv" else lines


def read_chunks(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[list[RawRow]]:
    """Chunks of input rows with their 1-based row (Parquet, CSV) or line (JSON lines) numbers."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rowno = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            chunk: list[RawRow] = []
            for row in batch.to_pylist():
                rowno += 1
                chunk.append((rowno, _arrow_row(row)))
            yield chunk
    elif path.suffix == ".csv":
        rowno = 0
        for frame in pd.read_csv(path, chunksize=chunk_rows, dtype=str, keep_default_na=False, na_values=[""]):
            chunk = []
            for row in frame.to_dict(orient="records"):
                rowno += 1
                chunk.append((rowno, {str(k): v for k, v in row.items()}))
            yield chunk
    else:  # JSON lines
        chunk = []
        with path.open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    chunk.append((lineno, f"(line): not valid JSON ({exc.msg} at column {exc.colno})"))
                else:
                    item = obj if isinstance(obj, dict) else "(line): a line must hold one JSON object"
                    chunk.append((lineno, item))
                if len(chunk) >= chunk_rows:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk


# ---------------------------------------------------------------------------------------------------------
# validating and scoring one chunk


def validate_row(item: dict[str, Any] | str) -> tuple[CaseModel | None, str | None]:
    """A case, or the reason a row is not one (``field: reason; ...``, never the values)."""
    if isinstance(item, str):
        return None, item
    row = {k: v for k, v in item.items() if k not in TABLE_PROVENANCE_COLUMNS}
    try:
        obj = row_to_dict(row)
    except ValueError:
        return None, "(case): a list or map field (data_types, conduct, records_by_type) is not valid JSON"
    try:
        return parse_case(obj), None
    except ValidationError as exc:
        return None, "; ".join(f"{e['field']}: {e['reason']}" for e in describe_validation_error(exc))


def _case_id(item: dict[str, Any] | str) -> str | None:
    if isinstance(item, str):
        return None
    value = item.get("case_id")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _proceeding(item: dict[str, Any] | str, case: CaseModel | None) -> str | None:
    if case is not None:
        return str(case.proceeding)
    if isinstance(item, dict) and item.get("proceeding") in PROCEEDINGS:
        return str(item["proceeding"])
    return None  # an unknown proceeding is an input value: not echoed


class LocalScorer:
    """Scores validated cases with the loaded champions (estimators), several targets per featurization."""

    def __init__(self, champions: ChampionSet) -> None:
        self.champions = champions
        self.criminal_missing = [t for t in CRIMINAL_TARGETS if t not in champions.models]
        self.civil_missing = [t for t in CIVIL_TARGETS if t not in champions.models]

    def criminal(self, cases: list[CriminalCase]) -> dict[str, np.ndarray]:
        custodial = self.champions.models["custodial_months"].estimator
        fine = self.champions.models["fine_yuan"].estimator
        probation = self.champions.models["probation"].estimator
        assert isinstance(custodial, OutcomeRegressor) and isinstance(fine, OutcomeRegressor)
        assert isinstance(probation, ProbationClassifier)
        bands = [statutory_band(c, contested=False) for c in cases]  # no answer text
        feats = custodial.featurizer_.transform_cases(cases, bands)
        c_est = custodial.estimate_prepared(cases, bands, feats, threshold=CUSTODIAL_THRESHOLD_MONTHS)
        f_est = fine.estimate_prepared(cases, bands, feats)
        p_prob = probation.predict_proba_cases(cases, feats, bands=bands)
        n = len(cases)
        return {
            "custodial_months_point": c_est["point"],
            "custodial_months_low": c_est["low"],
            "custodial_months_high": c_est["high"],
            "custodial_months_level": np.full(n, custodial.level),
            "p_custodial_le_36_months": c_est["p_le_threshold"],
            # P(probation) cannot exceed P(term <= 36 months) (Criminal Law Art. 72), as in serving.estimate
            "probation_probability": np.minimum(p_prob, c_est["p_le_threshold"]),
            "fine_yuan_point": f_est["point"],
            "fine_yuan_low": f_est["low"],
            "fine_yuan_high": f_est["high"],
            "fine_yuan_level": np.full(n, fine.level),
        }

    def civil(self, cases: list[CivilCase]) -> dict[str, np.ndarray]:
        award = self.champions.models["awarded_total_yuan"].estimator
        assert isinstance(award, OutcomeRegressor)
        feats = award.featurizer_.transform_cases(cases)
        est = award.estimate_prepared(cases, [None] * len(cases), feats)
        return {
            "awarded_total_yuan_point": est["point"],
            "awarded_total_yuan_low": est["low"],
            "awarded_total_yuan_high": est["high"],
            "awarded_total_yuan_level": np.full(len(cases), award.level),
        }

    def _score_group(
        self,
        idx: list[int],
        cases: list[Any],
        fn: Callable[[list[Any]], dict[str, np.ndarray]],
        columns: dict[str, Any],
        errors: list[str | None],
    ) -> None:
        """Fill ``columns`` at ``idx``; if the joint estimate fails, each case alone, so only failing ones err."""
        if not idx:
            return
        try:
            result = fn(cases)
        except Exception:
            for i, case in zip(idx, cases, strict=True):
                try:
                    one = fn([case])
                except Exception as exc:
                    errors[i] = f"{ESTIMATE_FAILED} ({type(exc).__name__})"
                    continue
                for col, values in one.items():
                    columns[col][i] = float(values[0])
            return
        for col, values in result.items():
            columns[col][idx] = np.asarray(values, dtype=float)

    def score(self, chunk: list[RawRow]) -> tuple[pd.DataFrame, list[tuple[int, str, str | None]]]:
        """The output rows of a chunk, in order, and the (row number, reason, case_id) of the refused ones."""
        n = len(chunk)
        columns: dict[str, Any] = {c: np.full(n, np.nan) for c in ESTIMATE_COLUMNS}
        errors: list[str | None] = [None] * n
        case_ids: list[str | None] = []
        proceedings: list[str | None] = []
        crim_idx: list[int] = []
        crim: list[CriminalCase] = []
        civ_idx: list[int] = []
        civ: list[CivilCase] = []
        for i, (_, item) in enumerate(chunk):
            case, error = validate_row(item)
            case_ids.append(case.case_id if case is not None and case.case_id is not None else _case_id(item))
            proceedings.append(_proceeding(item, case))
            if case is None:
                errors[i] = error
            elif isinstance(case, CriminalCase):
                if self.criminal_missing:
                    errors[i] = _no_champion(self.criminal_missing)
                else:
                    crim_idx.append(i)
                    crim.append(case)
            elif self.civil_missing:
                errors[i] = _no_champion(self.civil_missing)
            else:
                civ_idx.append(i)
                civ.append(case)
        self._score_group(crim_idx, crim, self.criminal, columns, errors)
        self._score_group(civ_idx, civ, self.civil, columns, errors)
        frame = pd.DataFrame({"case_id": case_ids, "proceeding": proceedings, **columns, "error": errors})
        frame = frame.astype({"case_id": object, "proceeding": object, "error": object})
        refused = [(chunk[i][0], e, case_ids[i]) for i, e in enumerate(errors) if e is not None]
        return frame[list(OUTPUT_COLUMNS)], refused


def _no_champion(missing: list[str]) -> str:
    return "(model): no champion for " + ", ".join(missing) + "; run `exposure train`"


# ---------------------------------------------------------------------------------------------------------
# writing


class OutputWriter:
    """Parquet, JSON lines or CSV by suffix, written to ``<out>.part`` and renamed when complete."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        if self.out.suffix not in (".parquet", ".jsonl", ".csv"):
            raise ValueError("the output must end with .parquet, .jsonl or .csv")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.with_name(self.out.name + ".part")
        self.rows = 0
        self._pq: Any = None
        self._fh: IO[str] | None = None
        if self.out.suffix == ".parquet":
            import pyarrow.parquet as pq

            self._schema = output_arrow_schema()
            self._pq = pq.ParquetWriter(self.tmp, self._schema)
        else:
            self._fh = self.tmp.open("w", encoding="utf-8", newline="")

    def write(self, frame: pd.DataFrame) -> None:
        if self._pq is not None:
            import pyarrow as pa

            self._pq.write_table(pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False))
        elif self.out.suffix == ".csv":
            assert self._fh is not None
            frame.to_csv(self._fh, index=False, header=self.rows == 0)
        else:
            assert self._fh is not None
            for row in frame.to_dict(orient="records"):
                clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                self._fh.write(json.dumps(clean, ensure_ascii=False) + "\n")
        self.rows += len(frame)

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
    if out.suffix not in (".parquet", ".jsonl", ".csv"):
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
    scorer = LocalScorer(champions)
    writer = OutputWriter(out)
    label = "line" if source.suffix in (".jsonl", ".json") else "row"
    try:
        for chunk in read_chunks(source, chunk_rows):
            frame, refused = scorer.score(chunk)
            writer.write(frame)
            summary.rows_in += len(chunk)
            summary.rows_scored += len(chunk) - len(refused)
            for rowno, reason, case_id in refused:
                summary.add_failure(f"{label} {rowno}" + (f" (case_id {case_id})" if case_id else ""), reason)
            if progress is not None:
                progress(summary.rows_in)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - t0
    return summary
