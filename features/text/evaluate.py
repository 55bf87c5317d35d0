"""Per-field precision and recall of :func:`features.text.facts.extract_facts` on a labelled set of texts.

The set (``tests/data/extraction_eval.jsonl``) has one JSON object a line: ``id``, ``split``, ``text`` (fact
descriptions written by the project, not copied from judgments) and ``expected`` (the fields the text states;
a field not listed is expected to be null / empty). Splits:

- ``dev``: the texts the rules were written against (scores near 1 say little);
- ``holdout1``: written afterwards, scored once (precision 0.940, recall 0.859), then the rules were revised on
  its misses, so its current score is optimistic too;
- ``holdout2``: written after the last rule change and never used to change the rules: the honest estimate.

All texts were written by the same people who wrote the rules, in the same court style: expect lower scores on
real judgments.

Scoring: a scalar field found with the right value is a true positive; found with a wrong value it counts as
a false positive and a false negative; found when not expected, a false positive; missed, a false negative.
List fields (``data_types``, ``conduct``) and ``records_by_type`` (type, count pairs) are scored per element.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from features.text.facts import EXTRACTED_FIELDS, LIST_FIELDS, extract_facts


def default_eval_path() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "data" / "extraction_eval.jsonl"


@dataclass(frozen=True)
class EvalItem:
    id: str
    split: str
    text: str
    expected: dict[str, Any]


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def add(self, other: FieldScore) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.support,
        }


@dataclass
class EvalReport:
    n_texts: int
    fields: dict[str, FieldScore]
    overall: FieldScore
    errors: list[dict[str, Any]] = field(default_factory=list)  # id, field, got, expected

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_texts": self.n_texts,
            "overall": self.overall.as_dict(),
            "fields": {name: score.as_dict() for name, score in self.fields.items()},
            "errors": self.errors,
        }


def load_eval(path: Path | None = None) -> list[EvalItem]:
    path = path or default_eval_path()
    items = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            unknown = set(obj["expected"]) - set(EXTRACTED_FIELDS)
            if unknown:
                raise ValueError(f"{path}:{lineno}: unknown expected fields {sorted(unknown)}")
            items.append(
                EvalItem(id=obj["id"], split=obj.get("split", "dev"), text=obj["text"], expected=obj["expected"])
            )
    return items


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


def score_fields(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, FieldScore]:
    """Scores of one text, field by field."""
    out: dict[str, FieldScore] = {}
    for name in EXTRACTED_FIELDS:
        g, e = got.get(name), expected.get(name)
        score = FieldScore()
        if name in LIST_FIELDS or name == "records_by_type":
            gs = set((g or {}).items()) if name == "records_by_type" else set(g or [])
            es = set((e or {}).items()) if name == "records_by_type" else set(e or [])
            score.tp, score.fp, score.fn = len(gs & es), len(gs - es), len(es - gs)
        elif g is not None and e is not None:
            if _same(g, e):
                score.tp = 1
            else:
                score.fp = score.fn = 1
        elif g is not None:
            score.fp = 1
        elif e is not None:
            score.fn = 1
        out[name] = score
    return out


def evaluate(items: Iterable[EvalItem]) -> EvalReport:
    totals = {name: FieldScore() for name in EXTRACTED_FIELDS}
    overall = FieldScore()
    errors: list[dict[str, Any]] = []
    n = 0
    for item in items:
        n += 1
        got = extract_facts(item.text).case
        for name, score in score_fields(got, item.expected).items():
            totals[name].add(score)
            overall.add(score)
            if score.fp or score.fn:
                errors.append(
                    {"id": item.id, "field": name, "got": got.get(name), "expected": item.expected.get(name)}
                )
    return EvalReport(n_texts=n, fields=totals, overall=overall, errors=errors)


def evaluate_by_split(items: list[EvalItem]) -> dict[str, EvalReport]:
    """One report per split plus ``all``."""
    splits = sorted({item.split for item in items})
    reports = {split: evaluate(i for i in items if i.split == split) for split in splits}
    reports["all"] = evaluate(items)
    return reports
