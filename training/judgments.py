"""Judgment ingestion: a folder of judgments (txt, html, docx, pdf) as training rows, one per defendant, for review.

Each file is read by :func:`features.text.judgment.read_judgment`; each defendant becomes a row with the fields
of :class:`features.law.schema.CriminalCase` (validated) plus the provenance columns of
:data:`features.tables.TABLE_PROVENANCE_COLUMNS`: ``source_file`` (the file, relative to the folder given) and
``evidence`` (JSON: field -> {"confidence": 0-1, "spans": [[start, end, text], ...]}, offsets into the judgment's
text as read). Rows that cannot be training rows (unreadable file, no personal-information charge, no sentence
stated for the defendant, a value the schema refuses) are not written; the report and the review files list
each with its reason.

Ids follow the CAIL ingestion (training/cail.py): ``case_id`` = ``jdg-`` + hash of (case number or text hash,
defendant), ``group_id`` = ``jdg-g-`` + hash of the case number (or text hash), so co-defendants share a group
and the same judgment read twice (a .pdf and a .docx of it) gives the same ids and is skipped as a duplicate.

Work is spread over ``jobs`` processes (reading a PDF is the slow part); the output order is the input order.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from features.law.schema import parse_case
from features.tables import TABLE_PROVENANCE_COLUMNS, format_validation_error
from features.text.documents import SUFFIXES, DocumentError
from features.text.judgment import Judgment, read_judgment
from training.review import JudgmentIngestReport, Rejected, ReviewEntry, ReviewField, write_review

NOT_PI = "not a personal-information case (no Art. 253-1 charge named)"
NO_DEFENDANT = "no defendant found"
NO_SENTENCE = "no sentence stated for this defendant"
INVALID_CASE = "not a valid case"
DUPLICATE = "duplicate of an earlier row (same case number and defendant)"
ROWS_FILE = "rows.jsonl"
REVIEW_CSV = "review.csv"
REVIEW_HTML = "review.html"


def expand_judgment_paths(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Files to read with their display names; a folder gives its judgment files (by suffix, recursively)."""
    out: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith((".", "~$")):
                    out.append((f, f.relative_to(path).as_posix()))
        elif path.is_file():
            out.append((path, path.name))
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return out


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _context(text: str, start: int, end: int, width: int = 24) -> tuple[str, str, str]:
    return text[max(0, start - width) : start], text[start:end], text[end : end + width]


def judgment_rows(j: Judgment, source: str) -> tuple[list[dict[str, Any]], list[Rejected], list[ReviewEntry]]:
    """The training rows of one judgment, the defendants that give none (with reasons) and the review entries."""
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    entries: list[ReviewEntry] = []
    key = j.group_key
    head = {
        "source": source,
        "court": j.court,
        "case_number": j.case_number,
        "date": j.date,
        "instance": j.instance,
        "appeal_result": j.appeal_result,
    }
    if not j.defendants:
        rejected.append(Rejected(source=source, reason=NO_DEFENDANT))
        entries.append(ReviewEntry(**head, defendant=None, case_id=None, status=NO_DEFENDANT))
        return rows, rejected, entries
    for d in j.defendants:
        case_id = f"jdg-{_hash(key + '|' + d.defendant)}"
        fields = []
        for name, value in d.case.items():
            if name == "proceeding":
                continue
            spans = d.evidence.get(name, [])
            fields.append(
                ReviewField(
                    field=name,
                    value=value,
                    confidence=d.confidence.get(name),
                    spans=[(s.start, s.end, s.text) for s in spans],
                    context=[_context(j.text, s.start, s.end) for s in spans],
                )
            )
        reason = ""
        detail = ""
        if not j.personal_information:
            reason = NOT_PI
        elif d.outcome is None:
            reason = NO_SENTENCE
        row: dict[str, Any] = {}
        if not reason:
            row = {
                **d.case,
                "case_id": case_id,
                "group_id": f"jdg-g-{_hash(key)}",
                "source_title": source,
                "source_file": source,
                "evidence": json.dumps(
                    {
                        name: {
                            "confidence": d.confidence.get(name),
                            "spans": [[s.start, s.end, s.text] for s in d.evidence.get(name, [])],
                        }
                        for name in d.case
                        if name != "proceeding"
                    },
                    ensure_ascii=False,
                ),
            }
            try:
                parse_case({k: v for k, v in row.items() if k not in TABLE_PROVENANCE_COLUMNS})
            except ValidationError as exc:
                reason, detail = INVALID_CASE, format_validation_error(exc)
        if reason:
            rejected.append(Rejected(source=source, defendant=d.defendant, reason=reason, detail=detail))
            status = reason + (f" ({detail})" if detail else "")
        else:
            rows.append(row)
            status = "row"
        entries.append(
            ReviewEntry(
                **head,
                defendant=d.defendant,
                case_id=case_id if not reason else None,
                status=status,
                fields=fields,
            )
        )
    return rows, rejected, entries


def _read_one(item: tuple[str, str]) -> tuple[str, str | None, Any]:
    """Worker: (path, display name) -> (display name, format or None, result or reason)."""
    path, name = item
    try:
        data = Path(path).read_bytes()
        j = read_judgment(data, name)
    except DocumentError as exc:
        return name, None, exc.reason
    except OSError as exc:
        return name, None, f"cannot read the file ({type(exc).__name__})"
    return name, j.format, judgment_rows(j, name)


def ingest_judgments(
    paths: Iterable[Path],
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> JudgmentIngestReport:
    """Read judgment files, write ``out/rows.jsonl``, ``out/review.csv`` and ``out/review.html`` (nothing is written
    when ``out`` is None) and report what was read, kept and rejected. ``progress(done, total)`` counts files."""
    t0 = time.perf_counter()
    files = expand_judgment_paths(paths)
    report = JudgmentIngestReport(files=len(files), out=str(out) if out else None)
    reasons: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    seen: dict[tuple[str, str], str] = {}
    all_rows: list[dict[str, Any]] = []
    entries: list[ReviewEntry] = []
    items = [(str(p), name) for p, name in files]
    results: Iterable[tuple[str, str | None, Any]]
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 and len(items) > 1 else None
    try:
        results = pool.map(_read_one, items, chunksize=8) if pool else map(_read_one, items)
        for done, (name, fmt, result) in enumerate(results, start=1):
            if progress:
                progress(done, len(items))
            if fmt is None:
                reasons[str(result)] += 1
                report.rejected.append(Rejected(source=name, reason=str(result)))
                entries.append(
                    ReviewEntry(
                        source=name,
                        court=None,
                        case_number=None,
                        date=None,
                        instance=None,
                        appeal_result=None,
                        defendant=None,
                        case_id=None,
                        status=str(result),
                    )
                )
                continue
            report.judgments += 1
            formats[fmt] += 1
            rows, rejected, review = result
            for r in rejected:
                reasons[r.reason] += 1
            report.rejected.extend(rejected)
            for row in rows:
                dedupe = (str(row.get("case_number") or row["group_id"]), str(row["defendant"]))
                if dedupe in seen:
                    reasons[DUPLICATE] += 1
                    report.rejected.append(
                        Rejected(source=name, defendant=row["defendant"], reason=DUPLICATE, detail=seen[dedupe])
                    )
                    for e in review:
                        if e.case_id == row["case_id"]:
                            e.status, e.case_id = f"{DUPLICATE} ({seen[dedupe]})", None
                    continue
                seen[dedupe] = name
                all_rows.append(row)
            entries.extend(review)
    finally:
        if pool is not None:
            pool.shutdown()
    report.rows = len(all_rows)
    report.reasons = dict(reasons.most_common())
    report.formats = dict(formats)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        rows_path = out / ROWS_FILE
        tmp = rows_path.with_name(rows_path.name + ".part")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in all_rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, rows_path)
        csv_path, html_path = write_review(entries, out / REVIEW_CSV, out / REVIEW_HTML, report)
        report.rows_file, report.review_csv, report.review_html = str(rows_path), str(csv_path), str(html_path)
    report.seconds = round(time.perf_counter() - t0, 3)
    report.judgments_per_second = round(len(items) / report.seconds, 1) if report.seconds else 0.0
    return report


__all__ = ["JudgmentIngestReport", "expand_judgment_paths", "ingest_judgments", "judgment_rows"]
