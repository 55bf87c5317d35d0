"""Judgments read per second by ``exposure ingest judgments``, on synthetic judgments in every format.

Writes ``--n`` synthetic judgments (``training.judgment_synth``: one to three defendants, about 3,500 characters,
two to three PDF pages) into a work folder as a mix of formats (default 40% .txt in GB18030 or UTF-8, 20% .html,
20% .docx, 20% .pdf), then times :func:`training.judgments.ingest_judgments` on the folder with ``--jobs``
processes, writing rows and review files as the command does. Prints the rate, the time per file of each format
(one process, a sample) and how many defendants' sentences came back exactly as drawn.

    python benchmarks/judgments.py                 # 1,000 judgments, 2 processes
    python benchmarks/judgments.py --n 200 --jobs 1 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MIX = (("txt", 0.4), ("html", 0.2), ("docx", 0.2), ("pdf", 0.2))


def _write(folder: Path, n: int) -> dict[str, tuple[str, list[tuple[object, ...]]]]:
    from training.judgment_synth import synth_judgment, to_docx, to_html, to_pdf

    expected: dict[str, tuple[str, list[tuple[object, ...]]]] = {}
    bounds, acc = [], 0.0
    for fmt, share in MIX:
        acc += share
        bounds.append((acc, fmt))
    for i in range(n):
        j = synth_judgment(i, paragraphs=12)
        fmt = next(f for b, f in bounds if (i % 100) / 100 < b)
        name = f"j{i:05d}.{fmt}"
        if fmt == "txt":
            data = j.text.encode("gb18030" if i % 2 else "utf-8")
        elif fmt == "html":
            data = to_html(j.text, "gbk" if i % 2 else "utf-8")
        elif fmt == "docx":
            data = to_docx(j.text)
        else:
            data = to_pdf(j.text)
        (folder / name).write_bytes(data)
        expected[name] = (
            j.case_number,
            [
                (s.defendant, s.prison_months, s.detention_months, s.probation_months, s.fine_yuan)
                for s in j.sentences
            ],
        )
    return expected


def _per_format(folder: Path, sample: int = 20) -> dict[str, float]:
    from features.text.judgment import read_judgment

    out: dict[str, float] = {}
    for fmt, _ in MIX:
        files = sorted(folder.glob(f"*.{fmt}"))[:sample]
        if not files:
            continue
        read_judgment(files[0].read_bytes(), files[0].name)  # imports and caches outside the timing
        t0 = time.perf_counter()
        for f in files:
            read_judgment(f.read_bytes(), f.name)
        out[fmt] = round((time.perf_counter() - t0) / len(files) * 1000, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="Judgments to read")
    parser.add_argument("--jobs", type=int, default=2, help="Processes (the command's --jobs)")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON")
    args = parser.parse_args()

    from training.judgments import ingest_judgments

    work = Path(tempfile.mkdtemp(prefix="exposure-judgments-"))
    try:
        t0 = time.perf_counter()
        (work / "in").mkdir()
        expected = _write(work / "in", args.n)
        written = time.perf_counter() - t0
        per_format = _per_format(work / "in")
        report = ingest_judgments([work / "in"], work / "out", jobs=args.jobs)
        got: dict[str, list[tuple[object, ...]]] = {}
        for line in (work / "out" / "rows.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            got.setdefault(row["source_file"], []).append(
                (
                    row["defendant"],
                    row["prison_months"],
                    row["detention_months"],
                    row["probation_months"],
                    row["fine_yuan"],
                )
            )
        defendants = sum(len(v[1]) for v in expected.values())
        exact = sum(
            1
            for name, (_, sentences) in expected.items()
            for s in sentences
            if tuple(s) in {tuple(g) for g in got.get(name, [])}
        )
        figures = {
            "judgments": args.n,
            "jobs": args.jobs,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "seconds": report.seconds,
            "judgments_per_second": report.judgments_per_second,
            "ms_per_file_one_process": per_format,
            "rows": report.rows,
            "defendants": defendants,
            "sentences_exact": exact,
            "rejected": report.reasons,
            "seconds_to_write_inputs": round(written, 1),
        }
        if args.json:
            print(json.dumps(figures, ensure_ascii=False, indent=2))
        else:
            print(
                f"{args.n} judgments read in {report.seconds:.1f} s with {args.jobs} processes: "
                f"{report.judgments_per_second:.1f} judgments/s ({figures['cpus']} CPUs)\n"
                f"ms per file, one process: {per_format}\n"
                f"{report.rows} rows; {exact}/{defendants} sentences exactly as drawn; rejected: {report.reasons or 0}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
