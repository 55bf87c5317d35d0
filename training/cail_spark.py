"""CAIL2018 ingestion on Spark (``exposure ingest cail --engine spark``), for the full-size files.

The per-line work of :mod:`training.cail` (decoding UTF-8 or GB18030 line by line, JSON, the charge filter, fact
extraction and validation in :func:`training.cail.record_to_rows`) runs unchanged inside ``mapPartitions`` over
the lines of the files; the driver then replays the few interesting lines (kept rows and skips other than "not a
personal-information charge") in file and line order, exactly as the local engine does, so that the duplicate
rule, the examples and the written table are the same, and only counts come back for the bulk of the lines.

Lines are read with Spark's text source and cast to bytes, so GB18030 lines reach the decoder untouched; the
line numbers come from counting the lines of each file block (``_metadata.file_block_start``) in a first pass.
Zip files are unpacked to a temporary folder first (a zip cannot be split). Paths must be readable by every
executor (local files with ``local[*]``; a shared filesystem on a cluster).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from training.cail import (
    BAD_ENCODING,
    BAD_JSON,
    NOT_PI,
    IngestReport,
    RawLine,
    SourceReport,
    _decode,
    _emit,
    _Skip,
    _skip,
    _Writer,
    _zip_members,
    expand_paths,
    record_to_rows,
)

# what one line becomes on an executor: (source index, line, encoding, kind, payload)
ROW, SKIP, OTHER = "row", "skip", "other"


def _local_path(uri: str) -> str:
    parsed = urlparse(uri)
    return str(Path(unquote(parsed.path)).resolve()) if parsed.scheme in ("", "file") else uri


def _stage_inputs(paths: Iterable[Path], tmp: Path) -> list[tuple[str, str]]:
    """(file to read, source name as the local engine names it), zip members unpacked into ``tmp``."""
    out: list[tuple[str, str]] = []
    for path, name in expand_paths(paths):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for i, info in enumerate(_zip_members(zf)):
                    target = tmp / f"{len(out)}-{i}{Path(info.filename).suffix}"
                    with zf.open(info) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    out.append((str(target.resolve()), f"{name}!{info.filename}"))
        else:
            out.append((str(path.resolve()), name))
    return out


def _convert_partition(
    rows: Iterator[Any], offsets: dict[tuple[str, int], int], sources: dict[str, tuple[int, str]]
) -> Iterator[tuple[int, int, str | None, str, str]]:
    """The local engine's per-line steps for the lines of one partition (blocks in order, lines in order)."""
    counters: dict[tuple[str, int], int] = {}
    for row in rows:
        path = _local_path(row["path"])
        key = (path, int(row["start"]))
        index = counters.get(key, 0)
        counters[key] = index + 1
        line = offsets[key] + index + 1
        src_idx, source = sources[path]
        raw = bytes(row["b"]) if row["b"] is not None else b""
        if not raw.strip():
            continue  # blank line (not counted)
        text, encoding = _decode(raw)
        if text is None:
            yield src_idx, line, None, SKIP, json.dumps([BAD_ENCODING, "", False])
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield src_idx, line, encoding, SKIP, json.dumps([BAD_JSON, f"{exc.msg} at column {exc.colno}", False])
            continue
        try:
            rows_out = record_to_rows(obj, source, line)
        except _Skip as skip:
            if skip.reason == NOT_PI:
                yield src_idx, line, encoding, OTHER, ""
            else:
                yield src_idx, line, encoding, SKIP, json.dumps([skip.reason, skip.detail, skip.pi])
            continue
        yield src_idx, line, encoding, ROW, json.dumps(rows_out, ensure_ascii=False)


def ingest_cail_spark(paths: Iterable[Path], out: Path | None = None, master: str | None = None) -> IngestReport:
    """Like :func:`training.cail.ingest_cail` (same report, same table), with the per-line work on Spark."""
    from pyspark.sql import functions as F

    from serving.scoring_spark import spark_session

    t0 = time.perf_counter()
    report = IngestReport(out=str(out) if out else None)
    with tempfile.TemporaryDirectory(prefix="exposure-cail-") as tmp:
        staged = _stage_inputs(paths, Path(tmp))
        if not staged:
            report.seconds = round(time.perf_counter() - t0, 2)
            return report
        spark = spark_session(master)
        sources = {path: (i, name) for i, (path, name) in enumerate(staged)}
        lines = spark.read.text([p for p, _ in staged]).select(
            F.col("value").cast("binary").alias("b"),
            F.col("_metadata.file_path").alias("path"),
            F.col("_metadata.file_block_start").alias("start"),
        )
        # pass 1: lines per file block, so that every line gets its 1-based number in its file
        counts = lines.groupBy("path", "start").count().collect()
        offsets: dict[tuple[str, int], int] = {}
        by_file: dict[str, list[tuple[int, int]]] = {}
        for row in counts:
            by_file.setdefault(_local_path(row["path"]), []).append((int(row["start"]), int(row["count"])))
        for path, blocks in by_file.items():
            before = 0
            for start, n in sorted(blocks):
                offsets[(path, start)] = before
                before += n
        # pass 2: the per-line conversion on the executors
        events = lines.rdd.mapPartitions(lambda rows: _convert_partition(rows, offsets, sources)).cache()
        try:
            tallies = (
                events.map(lambda e: ((e[0], e[2] or "", e[3] == OTHER), 1))
                .reduceByKey(lambda a, b: a + b)
                .collect()
            )
            detail = sorted(events.filter(lambda e: e[3] != OTHER).collect(), key=lambda e: (e[0], e[1]))
            others = events.filter(lambda e: e[3] == OTHER).map(lambda e: (e[0], e[1]))
            first_other = others.min() if not others.isEmpty() else None
        finally:
            events.unpersist()
    per_source: list[SourceReport] = [SourceReport(source=name) for _, name in staged]
    encodings: list[Counter[str]] = [Counter() for _ in staged]
    not_pi = 0
    for (src_idx, encoding, is_other), n in tallies:
        per_source[src_idx].lines += n
        if encoding:
            encodings[src_idx][encoding] += n
        if is_other:
            not_pi += n
    for source, enc in zip(per_source, encodings, strict=True):
        source.encodings = dict(enc)
    # like the local engine: a file is listed once a line of it (even a blank one) was read
    report.sources = [s for (path, _), s in zip(staged, per_source, strict=True) if path in by_file]
    report.lines_read = sum(s.lines for s in per_source)
    skipped: Counter[str] = Counter()  # reasons in the order they first occur, as in the local engine's report
    seen: dict[tuple[str, str], str] = {}
    writer = _Writer(out) if out else None
    try:
        for src_idx, line, encoding, kind, payload in detail:
            if first_other is not None and (src_idx, line) > first_other and NOT_PI not in skipped:
                skipped[NOT_PI] = 0
            raw = RawLine(staged[src_idx][1], line, None, encoding, 0)
            if kind == SKIP:
                reason, info, pi = json.loads(payload)
                report.personal_information += bool(pi)
                _skip(report, skipped, raw, reason, info)
                continue
            report.personal_information += 1
            _emit(json.loads(payload), raw, seen, writer, report, skipped)
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if not_pi:
        skipped[NOT_PI] += not_pi
    report.skipped = dict(skipped.most_common())
    report.seconds = round(time.perf_counter() - t0, 2)
    return report
