"""Co-defendants of one case: shared facts entered once, each defendant's own fields on top, one estimate each.

A request names the facts of the case once (``shared``: records, data types, conduct, gains of the whole case...)
and each defendant with their own fields (``defendants[i]``: role, their own records or gains, their own
circumstances; a field given here wins over the shared one). :func:`merge` builds one
:class:`features.law.schema.CriminalCase` per defendant (``n_defendants`` is the number of defendants unless
given), naming refused fields by where they were entered (``shared.records_total``, ``defendants.1.role``).
The estimator answers all of them in one batch; :func:`compare` lays the answers side by side.

Ordering by construction: a defendant's role acts on the estimate only through the guideline's bounded accessory
adjustment (法发〔2021〕21号: -20% to -50%, never positive) and the wider legal range of Criminal Law Art. 63, never
through the learned base (:mod:`features.model.adjust`), so on the same facts an accessory's estimate is never
above a principal's. When it is above, the defendants' own facts differ, and :func:`compare` names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from features.law.schema import CriminalCase
from features.tables import FieldError, describe_validation_error

# the fields that name a defendant rather than describe their conduct
IDENTITY_FIELDS = frozenset({"defendant", "case_id", "role"})
ROLE_RANK = {"principal": 0, "sole": 0, None: 1, "accessory": 2}  # not-law: principals first in the table


def merge(
    shared: Mapping[str, Any], defendants: Sequence[Mapping[str, Any]]
) -> tuple[list[CriminalCase | None], list[list[FieldError]]]:
    """One case per defendant (``None`` where refused) and each defendant's errors, fields named by where they were
    entered: ``shared.<field>`` or ``defendants.<i>.<field>``."""
    cases: list[CriminalCase | None] = []
    errors: list[list[FieldError]] = []
    n = len(defendants)
    for i, own in enumerate(defendants):
        merged = {**shared, **own}
        merged.setdefault("n_defendants", n)
        merged.pop("proceeding", None)
        try:
            cases.append(CriminalCase.model_validate(merged))
            errors.append([])
        except ValidationError as exc:
            cases.append(None)
            named: list[FieldError] = []
            for error in describe_validation_error(exc):
                top = error["field"].split(".", 1)[0]
                where = f"defendants.{i}" if top in own or top not in shared else "shared"
                field = f"{where}.{error['field']}" if error["field"] != "(case)" else f"defendants.{i}"
                named.append({"field": field, "reason": error["reason"]})
            errors.append(named)
    return cases, errors


def own_facts(shared: Mapping[str, Any], own: Mapping[str, Any]) -> list[str]:
    """The fields a defendant set individually (their own facts), identity aside, in the order given."""
    return [k for k in own if k not in IDENTITY_FIELDS and own[k] != shared.get(k, object())]


def _point(answer: Mapping[str, Any]) -> float:
    return float(answer["custodial_months"]["point"])


def compare(
    shared: Mapping[str, Any],
    defendants: Sequence[Mapping[str, Any]],
    cases: Sequence[CriminalCase],
    answers: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The comparison of the defendants' answers: ``table`` (principals first, then unknown roles, then accessories;
    the longest estimate first within each), and ``ordering``: whether every accessory's estimate is at most every
    principal's, and for each pair where it is not, the own facts that set them apart."""
    rows = []
    for i, (own, case, answer) in enumerate(zip(defendants, cases, answers, strict=True)):
        role = case.role.value if case.role is not None else None
        months = answer["custodial_months"]
        rows.append(
            {
                "index": i,
                "defendant": case.defendant or f"defendant {i + 1}",
                "role": role,
                "band": answer["band"],
                "custodial_months": {k: months[k] for k in ("point", "low", "high")},
                "probation_probability": answer["probation_probability"],
                "fine_yuan": {k: answer["fine_yuan"][k] for k in ("point", "low", "high")},
                "own_facts": own_facts(shared, own),
            }
        )
    table = sorted(rows, key=lambda r: (ROLE_RANK.get(r["role"], 1), -r["custodial_months"]["point"], r["index"]))
    notes: list[str] = []
    consistent = True
    for a in rows:
        if a["role"] != "accessory":
            continue
        for p in rows:
            if p["role"] != "principal" or _point(answers[a["index"]]) <= _point(answers[p["index"]]):
                continue
            consistent = False
            apart = sorted(set(a["own_facts"]) | set(p["own_facts"]))
            notes.append(
                f"{a['defendant']} (accessory) is estimated above {p['defendant']} (principal): their own facts "
                f"differ ({', '.join(apart) or 'none'}); on the same facts an accessory is never above a principal "
                "(法发〔2021〕21号: the accessory adjustment only lowers the estimate)"
            )
    return {"table": table, "ordering": {"accessories_at_most_principals": consistent, "notes": notes}}
