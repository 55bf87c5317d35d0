"""``exposure check``: where a proposed or actual sentence (or a civil award) falls in the champions' estimate."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from exposure.io import err_console, fail

CHECK_HELP = (
    'A check: {"case": {...}, "sentence": {"custodial_months": 30, "probation_months": null, "fine_yuan": 20000}} '
    'for a criminal case, {"case": {...}, "award": {"awarded_total_yuan": 300000}} for a civil one; one JSON '
    "object, an array of them or JSON lines (file or - for stdin)"
)


def _parse(item: Any) -> tuple[str, Any, Any] | list[dict[str, str]]:
    """(kind, case, sentence or award) of one check, or its errors (fields named, values never echoed)."""
    from pydantic import ValidationError

    from features.law.schema import CivilCase, parse_case
    from features.model.check import Award, Sentence
    from features.tables import describe_validation_error

    if not isinstance(item, dict):
        return [{"field": "(check)", "reason": "expected a JSON object with case and sentence (or award)"}]
    unknown = sorted(set(item) - {"case", "sentence", "award"})
    if unknown:
        return [{"field": name, "reason": "not a field of a check (case, sentence or award)"} for name in unknown]
    if not isinstance(item.get("case"), dict):
        return [{"field": "case", "reason": "expected the case as a JSON object"}]
    try:
        case = parse_case(item["case"])
    except ValidationError as exc:
        return [{"field": f"case.{e['field']}", "reason": e["reason"]} for e in describe_validation_error(exc)]
    civil = isinstance(case, CivilCase)
    key, model = ("award", Award) if civil else ("sentence", Sentence)
    if key not in item:
        return [{"field": key, "reason": f"a {'civil' if civil else 'criminal'} case is checked against a {key}"}]
    try:
        value = model.model_validate(item[key])
    except ValidationError as exc:
        return [{"field": f"{key}.{e['field']}", "reason": e["reason"]} for e in describe_validation_error(exc)]
    return ("civil" if civil else "criminal"), case, value


def check(
    source: str = typer.Argument(..., help=CHECK_HELP),
    full: bool = typer.Option(False, "--full", help="Add the whole estimate to each check"),
    text: bool = typer.Option(False, "--text", help="Print the plain sentences instead of JSON"),
) -> None:
    """Print where each sentence (or award) falls in the estimate for its case: the percentile in the predictive
    distribution, whether it lies outside the 80% and 95% ranges, the similar cases below and above it with their
    sources, and plain sentences. One JSON line per check, in order; a bad check gets an error line."""
    from exposure.commands.model import _load_champions
    from exposure.io import read_text
    from features.law.schema import no_fact_reason
    from features.tables import format_errors, text_records
    from serving.estimate import NoChampionError

    records = text_records(read_text(source))
    lines: list[dict[str, Any] | None] = [None] * len(records)
    by_kind: dict[str, list[tuple[int, Any, Any]]] = {"criminal": [], "civil": []}
    for i, (lineno, item) in enumerate(records):
        parsed = _parse(item)
        if isinstance(parsed, list):
            lines[i] = {"line": lineno, "error": format_errors(parsed)}
            continue
        kind, case, value = parsed
        reason = no_fact_reason(case)
        if reason is not None:
            lines[i] = {"line": lineno, "error": f"case: {reason}"}
            continue
        if case.case_id is None:
            case.case_id = f"line-{lineno}"
        by_kind[kind].append((i, case, value))
    champions = _load_champions() if any(by_kind.values()) else None
    try:
        for kind, rows in by_kind.items():
            if not rows or champions is None:
                continue
            cases, values = [c for _, c, _ in rows], [v for _, _, v in rows]
            pairs = champions.check(kind, cases, values)
            for (i, _, _), (answer, result) in zip(rows, pairs, strict=True):
                lines[i] = {**result, "estimate": answer} if full else result
    except NoChampionError as exc:
        fail(str(exc))
    failures = sum(1 for line in lines if line is not None and "error" in line)
    for line in lines:
        if text and line is not None and "summary" in line:
            sys.stdout.write(f"{line['case_id']}:\n" + "".join(f"  {s}\n" for s in line["summary"]))
            sys.stdout.writelines(f"  note: {n}\n" for n in line["notes"])
        else:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    if failures:
        err_console.print(f"{failures} of {len(records)} checks were not valid (see their error lines)")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
