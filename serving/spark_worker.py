"""What the Spark engine's Python workers run (``serving.scoring_spark`` builds the job): the ``mapInArrow``
functions, the per-worker cache of the broadcast estimators, and the reading of Parquet row groups.

A module of its own that imports only the scoring function (``features.model.batch``), pyarrow and joblib: a worker
imports the module of every function it is sent, and ``serving.scoring_spark`` pulls in the MLflow registry client
(about 1.2 s of CPU per worker), which the workers never use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import joblib
import pyarrow as pa
import pyarrow.compute as pc

from features.model.batch import score_batch
from features.tables import parse_json_line

JSON_TEXT = "value"  # the column of spark.read.text
# a list or map column's null flags, sent beside it (see scoring_spark.nested_nulls_apart); no case field starts so
NULL_FLAG = "__exposure_null__"

_WORKER_ESTIMATORS: dict[str, dict[str, Any]] = {}  # job token -> estimators, per Python worker


def _rows_of(batch: pa.RecordBatch) -> pa.RecordBatch | list[Any]:
    """The rows of a batch as ``score_batch`` takes them: JSON lines parsed by the one reader (each validated
    alone), any other input as the Arrow batch itself (validated column by column)."""
    if batch.schema.names == [JSON_TEXT]:
        return [
            parse_json_line(0, line)[1]
            for line in batch.column(0).to_pylist()
            if line is not None and line.strip()
        ]
    return batch


def _with_nulls(column: pa.Array, mask: pa.Array) -> pa.Array:
    """A list or map array null where ``mask`` is true (its offsets rebased to 0: a child array is not sliced
    with its parent, and Arrow builds a masked map only from offsets that start at 0)."""
    offsets = column.offsets
    start, stop = offsets[0].as_py(), offsets[-1].as_py()
    rebased = pc.subtract(offsets, pa.scalar(start, offsets.type))
    if pa.types.is_map(column.type):
        keys, items = (child.slice(start, stop - start) for child in (column.keys, column.items))
        return pa.MapArray.from_arrays(rebased, keys, items, type=column.type, mask=mask)
    values = column.values.slice(start, stop - start)
    return type(column).from_arrays(rebased, values, type=column.type, mask=mask)


def nested_nulls_restored(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The Arrow batch of ``scoring_spark.nested_nulls_apart``'s frame as the input holds it: each flagged list or
    map column null where its flag says so, the flag columns dropped (the column order and types of the input)."""
    names = batch.schema.names
    if not any(name.startswith(NULL_FLAG) for name in names):
        return batch
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for name, column in zip(names, batch.columns, strict=True):
        if name.startswith(NULL_FLAG):
            continue
        spec = batch.schema.field(name)
        if NULL_FLAG + name in names:
            column = _with_nulls(column, batch.column(NULL_FLAG + name))
            spec = spec.with_nullable(True)  # Spark calls the coalesced column not null
        arrays.append(column)
        fields.append(spec)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def worker_estimators(broadcast: Any, token: str) -> dict[str, Any]:
    """The job's estimators in this Python worker: unpickled from the broadcast on the worker's first task, then
    kept for its life (Spark reuses workers across tasks). A module-level function, so that the ``mapInArrow``
    closure reaches this module's cache on the worker: a dict referenced by the closure itself would be pickled
    with it, and every task would unpickle the estimators again."""
    estimators = _WORKER_ESTIMATORS.get(token)
    if estimators is None:
        import io

        estimators = joblib.load(io.BytesIO(broadcast.value))
        _WORKER_ESTIMATORS.clear()  # one job's estimators at a time
        _WORKER_ESTIMATORS[token] = estimators
    return estimators


def _warmer(broadcast: Any, token: str) -> Any:
    """The ``mapInArrow`` function of the warm-up job: the task's Python worker imports this module (the models'
    libraries with it) and unpickles the job's estimators into its cache, then answers one row per batch."""

    def warm(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        worker_estimators(broadcast, token)
        for batch in batches:
            yield pa.RecordBatch.from_arrays([pa.array([batch.num_rows], pa.int64())], names=["rows"])

    return warm


def _scorer(broadcast: Any, token: str, similar: int = 0) -> Any:
    """The ``mapInArrow`` function over case rows read by Spark: the broadcast estimators (unpickled once per
    worker) over each Arrow batch."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        estimators = worker_estimators(broadcast, token)
        for batch in map(nested_nulls_restored, batches):
            json_text = batch.schema.names == [JSON_TEXT]  # JSON has no NaN: refused there, missing in Parquet
            yield score_batch(_rows_of(batch), estimators, nan_is_missing=not json_text, similar=similar)

    return score


# ------------------------------------------------------------------------------------------- Parquet pieces
@dataclass(frozen=True)
class Piece:
    """Rows ``start`` to ``stop`` (exclusive, counted within the row group) of one row group of one Parquet file,
    ``path`` within the input's file system (:func:`filesystem`)."""

    path: str
    row_group: int
    start: int
    stop: int

    @property
    def rows(self) -> int:
        return self.stop - self.start


def filesystem(location: str) -> tuple[Any, str]:
    """The pyarrow file system of ``location`` (a URI, or a local path) and the path within it."""
    from pyarrow import fs

    if "://" in location:
        return fs.FileSystem.from_uri(location)
    return fs.LocalFileSystem(), location


def read_piece(files: Any, piece: Piece, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``piece`` (in the pyarrow file system ``files``) as pyarrow reads them (the local engine's
    reader: same types, nulls and NaN), in record batches of at most ``batch_rows`` rows."""
    import pyarrow.parquet as pq

    with files.open_input_file(piece.path) as handle:
        reader = pq.ParquetFile(handle)
        seen = 0
        for batch in reader.iter_batches(batch_size=batch_rows, row_groups=[piece.row_group]):
            first, last = max(piece.start - seen, 0), min(piece.stop - seen, batch.num_rows)
            seen += batch.num_rows
            if last > first:
                yield batch.slice(first, last - first)
            if seen >= piece.stop:
                break


def _piece_scorer(
    broadcast: Any, token: str, location: str, pieces: list[Piece], batch_rows: int, similar: int = 0
) -> Any:
    """The ``mapInArrow`` function over a frame of piece numbers (one ``long`` column, indexes into ``pieces``):
    each worker opens the input's file system (``location``: the input path or URI, which every executor must
    reach), reads its pieces with pyarrow and scores them in batches of at most ``batch_rows`` rows."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        estimators = worker_estimators(broadcast, token)
        files = filesystem(location)[0]
        for numbers in batches:
            for number in numbers.column(0).to_pylist():
                for batch in read_piece(files, pieces[number], batch_rows):
                    yield score_batch(batch, estimators, nan_is_missing=True, similar=similar)

    return score
