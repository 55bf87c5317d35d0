"""The cases of an experiment: its data sources (seeds, ingested tables, CSV) loaded, validated and merged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from experiments.definition import Definition
from features.tables import CaseModel, LoadResult, RowError, load_seeds, load_table


class DataError(ValueError):
    """The experiment's data cannot be used (invalid rows without ``allow_invalid_rows``, or no rows)."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        self.errors = errors or []
        shown = "\n".join(f"  {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(message + (f"\n{shown}{more}" if shown else ""))


@dataclass
class ExperimentData:
    cases: list[CaseModel]
    name: str
    digest: str
    counts: dict[str, int] = field(default_factory=dict)  # source label -> cases used
    errors: list[RowError] = field(default_factory=list)  # skipped rows (allow_invalid_rows)
    n_duplicates: int = 0  # rows left out as `duplicate_of` another


def cases_digest(cases: list[CaseModel]) -> str:
    payload = json.dumps([c.model_dump(mode="json") for c in cases], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_experiment_data(definition: Definition) -> ExperimentData:
    """Every source of the definition, merged; a case_id seen in two sources is an error (counted twice)."""
    cases: list[CaseModel] = []
    errors: list[RowError] = []
    counts: dict[str, int] = {}
    seen: dict[str, str] = {}
    n_duplicates = 0
    for source in definition.data:
        if source.seeds:
            loaded: LoadResult = load_seeds()
        elif source.table is not None:
            path = definition.resolve(source.table)
            if not path.is_file():
                raise DataError(f"data: no such table {path}")
            loaded = load_table(path)
        else:
            assert source.csv is not None
            path = definition.resolve(source.csv)
            if not path.is_file():
                raise DataError(f"data: no such CSV file {path}")
            loaded = load_table(path)
        errors.extend(loaded.errors)
        usable = loaded.for_training()
        n_duplicates += len(loaded.cases) - len(usable.cases)
        kept = 0
        for case in usable.cases:
            assert case.case_id is not None
            if case.case_id in seen:
                errors.append(
                    RowError(source.label, 0, f"case_id: also in {seen[case.case_id]} (a case would count twice)")
                )
                continue
            seen[case.case_id] = source.label
            cases.append(case)
            kept += 1
        counts[source.label] = kept
    if errors and not definition.allow_invalid_rows:
        raise DataError(
            f"{len(errors)} invalid row(s) in the experiment's data; fix them or set `allow_invalid_rows: true`",
            errors,
        )
    if not cases:
        raise DataError("the experiment's data sources hold no usable case")
    return ExperimentData(
        cases=cases,
        name="+".join(s.label for s in definition.data),
        digest=cases_digest(cases),
        counts=counts,
        errors=errors,
        n_duplicates=n_duplicates,
    )
