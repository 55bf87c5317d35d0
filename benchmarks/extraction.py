"""Time to extract a case's facts from pasted text (``features.text.facts.extract_facts``), by length of text.

The text is the extraction evaluation set's passages joined (dense: every sentence holds figures and keywords),
cut to each length; a synthetic judgment (``training.judgment_synth``, about 3,500 characters) is timed as well.
Prints the median and the slowest of ``--runs`` calls per length, after one warm-up call.

    python benchmarks/extraction.py
    python benchmarks/extraction.py --runs 50 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LENGTHS = (500, 2_000, 10_000)  # characters # not-law: sizes of text timed


def _time(text: str, runs: int) -> dict[str, float]:
    from features.text.facts import extract_facts

    extract_facts(text)
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        extract_facts(text)
        took.append(time.perf_counter() - t0)
    return {"chars": len(text), "median_ms": statistics.median(took) * 1000, "max_ms": max(took) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed calls per text (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    from features.text.evaluate import load_eval
    from training.judgment_synth import synth_judgment

    dense = "".join(item.text for item in load_eval())
    while len(dense) < max(LENGTHS):
        dense += dense
    rows = {f"eval text, {n:,} chars": _time(dense[:n], args.runs) for n in LENGTHS}
    judgment = synth_judgment(0, paragraphs=12).text
    rows["synthetic judgment"] = _time(judgment, args.runs)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]}
    if args.json:
        print(json.dumps({"machine": machine, "runs": args.runs, "texts": rows}))
        return 0
    print(f"extract_facts, {args.runs} runs each ({machine['cpus']} CPUs, load {machine['load']:.1f})")
    for name, r in rows.items():
        print(f"  {name:<28} {r['chars']:>7,} chars  median {r['median_ms']:7.2f} ms  max {r['max_ms']:7.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
