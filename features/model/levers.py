"""Levers: the facts a defendant can still change or contest, each as the case with that fact changed.

Counsel's questions are "what changes if my client pleads, returns the gains, surrenders", "what if the court finds
a secondary role", "what if insider status or the record count is contested". :func:`plan` turns a case into
:class:`Lever` plans: for each such fact its current state (stated, stated absent or not stated) and the case
fields of every other state (``Option.update``); the estimator sends those variants through the models in the same
batch as the case (:meth:`features.model.answer.CriminalEstimator.answer`) and reports each one's estimate.

- Circumstances (``CIRCUMSTANCE_LEVERS``): guilty plea (认罪认罚), restitution (退赃退赔), surrender (自首), truthful
  confession (坦白), accessory role (从犯) and insider status (Interp. 2017 Art. 5(1)(8), Criminal Law Art.
  253-1(2)). Unknown is shown both ways (stated and stated absent); a stated one shows the other state. The legal
  basis is the guideline's range from the law table (``[guideline.adjustments.<name>]``, 法发〔2021〕21号).
- The record count (:func:`records_below_threshold`): the count contested down to just below the threshold of
  Interp. 2017 Art. 5 that set the band (the pro-rata multiple of the applicable thresholds under the serious or
  the especially serious level; insiders' halved thresholds included), every count scaled alike, with the rule
  that set the band and the threshold in words.

Nothing here estimates; the law table is the only source of numbers. Units: records (条), fractions of the
starting point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from features.law.schema import CriminalCase
from features.law.statutory import BandResult, LawTable, RuleHit, insider_could_sell
from features.law.vocab import Band

State = Literal["stated", "absent", "unknown"]
LeverKind = Literal["mitigating", "aggravating", "record_count"]
# a count scaled just under a threshold: n * s minus this share of it, floored, is strictly below n * s even when
# n * s is a whole number (float noise in the multiple is far smaller)
_BELOW = 1e-9  # not-law: float margin


@dataclass(frozen=True)
class Spec:
    """A circumstance counsel can change or contest: the case field and its value when stated / stated absent."""

    name: str  # the guideline adjustment's name in the law table
    field: str
    stated: Any
    absent: Any
    kind: LeverKind
    label: str
    if_stated: str  # the change, in plain words
    if_absent: str


CIRCUMSTANCE_LEVERS: tuple[Spec, ...] = (
    Spec(
        "guilty_plea",
        "guilty_plea",
        True,
        False,
        "mitigating",
        "guilty plea and acceptance of punishment (认罪认罚, Criminal Procedure Law Art. 15)",
        "if the defendant pleads guilty and accepts the punishment (认罪认罚)",
        "without a guilty plea (不认罪认罚)",
    ),
    Spec(
        "restitution",
        "restitution",
        True,
        False,
        "mitigating",
        "restitution of the gains or compensation (退赃退赔)",
        "if the defendant returns the illegal gains or compensates (退赃退赔)",
        "without restitution (未退赃退赔)",
    ),
    Spec(
        "surrender",
        "surrender",
        True,
        False,
        "mitigating",
        "surrender (自首, Criminal Law Art. 67(1))",
        "if the court finds a surrender (认定自首)",
        "if no surrender is found (不认定自首)",
    ),
    Spec(
        "truthful_confession",
        "truthful_confession",
        True,
        False,
        "mitigating",
        "truthful confession (坦白, Criminal Law Art. 67(3))",
        "if the defendant confesses truthfully (如实供述)",
        "without a truthful confession (未如实供述)",
    ),
    Spec(
        "accessory",
        "role",
        "accessory",
        "principal",
        "mitigating",
        "accessory role (从犯, Criminal Law Art. 27)",
        "if the court finds a secondary or auxiliary role (从犯)",
        "if the court finds a principal role (主犯)",
    ),
    Spec(
        "insider",
        "insider",
        True,
        False,
        "aggravating",
        "insider who sold or provided data obtained in the duties (Interp. 2017 Art. 5(1)(8); 从重, Criminal Law "
        "Art. 253-1(2))",
        "if the defendant is found an insider (thresholds halved, punished more heavily)",
        "if insider status is successfully contested (not an insider)",
    ),
)
SPECS = {s.name: s for s in CIRCUMSTANCE_LEVERS}


@dataclass(frozen=True)
class Option:
    """One changed state of a lever: the case fields that make it, in plain words."""

    value: Any  # the field's value in this option (True / False / a role / a record count)
    change: str
    update: dict[str, Any]


@dataclass(frozen=True)
class Lever:
    """A fact counsel can change or contest, with its legal basis and the options other than the current state."""

    name: str
    kind: LeverKind
    label: str
    state: State
    current: Any  # the field's value in the case (None when not stated)
    basis: dict[str, Any]
    options: tuple[Option, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _pct(fraction: float) -> str:
    return f"{abs(fraction) * 100:.0f}%"


def adjustment_basis(name: str, law: LawTable) -> dict[str, Any]:
    """The guideline's range for a circumstance, from the law table: article, range (fractions of the starting
    point) and the range in words."""
    adj = law.adjustments[name]
    low, high = adj.range
    if high <= 0:
        words = (
            f"reduces the starting point by up to {_pct(low)}"
            if high == 0
            else f"reduces the starting point by {_pct(high)} to {_pct(low)}"
        )
    else:
        words = (
            f"raises the starting point by up to {_pct(high)}"
            if low == 0
            else f"raises the starting point by {_pct(low)} to {_pct(high)}"
        )
    text = f"{adj.article}: {words}"
    if name in ("guilty_plea", "surrender", "truthful_confession", "restitution"):
        text += (
            f"; with a plea, surrender, confession and restitution together at most {_pct(law.max_combined_reduction)}"
            " (no double counting)"
        )
    if name == "insider":
        text += (
            f"; the record and gains thresholds of Interp. 2017 Art. 5(1)(3)-(7) are multiplied by "
            f"{law.insider_multiplier:g} (Art. 5(1)(8)), so the band may change"
        )
    if name == "accessory":
        text += "; below the band's minimum possible (Criminal Law Art. 63)"
    return {"article": adj.article, "range": [low, high], "text": text}


def _state(value: Any, spec: Spec) -> State:
    if value is None:
        return "unknown"
    return "stated" if value == spec.stated else "absent"


def _applies(spec: Spec, case: CriminalCase, law: LawTable) -> bool:
    if spec.name == "accessory":
        # a sole defendant has no accomplice to be secondary to
        return case.role != "sole" and case.n_defendants != 1
    if spec.name == "insider":
        return insider_could_sell(case, law)  # 从重 and the halving cover selling or providing only
    return True


def circumstance_levers(case: CriminalCase, law: LawTable) -> list[Lever]:
    """The circumstance levers that apply to ``case``, each with the options other than its current state (both
    when it is not stated)."""
    out: list[Lever] = []
    for spec in CIRCUMSTANCE_LEVERS:
        if not _applies(spec, case, law):
            continue
        current = getattr(case, spec.field)
        state = _state(current, spec)
        options = []
        if state != "stated":
            options.append(Option(spec.stated, spec.if_stated, {spec.field: spec.stated}))
        if state != "absent":
            options.append(Option(spec.absent, spec.if_absent, {spec.field: spec.absent}))
        out.append(
            Lever(
                name=spec.name,
                kind=spec.kind,
                label=spec.label,
                state=state,
                current=current,
                basis=adjustment_basis(spec.name, law),
                options=tuple(options),
            )
        )
    return out


def _counts_by_category(case: CriminalCase, law: LawTable) -> dict[str, int]:
    """Records per threshold category, as the engine attributes them when the split is certain."""
    counts: dict[str, int] = {}
    for data_type, n in (case.records_by_type or {}).items():
        name = law.category_of(data_type).name
        counts[name] = counts.get(name, 0) + n
    return counts


def _record_rules(band: BandResult, counts: dict[str, int], total: int | None) -> list[RuleHit]:
    """The rules of the band's own level that the records met (their value is a count or the pro-rata multiple)."""
    values = {float(n) for n in counts.values()}
    if total is not None:
        values.add(float(total))
    if band.records_threshold_multiple is not None:
        values.update(float(m) for m in band.records_threshold_multiple)
    return [h for h in band.rules if h.band is band.band and h.value is not None and h.value in values]


def records_below_threshold(case: CriminalCase, band: BandResult, law: LawTable) -> Lever | None:
    """The record count contested down to just below the threshold that set the band, or None when the records did
    not set it (no count, an uncertain band, Art. 6 buyers, or no band).

    The band's records are ``m`` times the applicable serious threshold (Interp. 2017 Art. 5(1)(3)-(6), insiders'
    halved by Art. 5(1)(8)); the level is 1 (serious) or the especially serious multiple (Art. 5(2)(3)). Every count
    (per type, and the records not split by type) is scaled by ``level / m`` and floored strictly below it, so the
    pro-rata sum falls just under the level whatever the split."""
    if not band.band_certain or band.band is Band.none or band.records_threshold_multiple is None:
        return None
    level = law.especially_multiplier if band.band is Band.especially_serious else 1.0
    multiple = max(band.records_threshold_multiple)
    if multiple < level or case.records_total is None:
        return None
    counts = _counts_by_category(case, law)
    rules = _record_rules(band, counts, case.records_total)
    if not rules:
        return None
    scale = level / multiple

    def below(n: int) -> int:
        return max(0, math.floor(n * scale * (1 - _BELOW)))

    update: dict[str, Any] = {}
    if case.records_by_type:
        by_type = {t.value: below(n) for t, n in case.records_by_type.items()}
        untyped = case.records_total - sum(case.records_by_type.values())
        update["records_by_type"] = by_type
        update["records_total"] = sum(by_type.values()) + below(untyped)
    else:
        update["records_total"] = below(case.records_total)
    new_total = update["records_total"]
    other = [h for h in band.rules if h.band is band.band and h not in rules]
    articles = "; ".join(dict.fromkeys(h.article for h in rules))
    threshold = "; ".join(h.text for h in rules)
    notes = []
    if other:
        notes.append(
            "the band is also set by "
            + "; ".join(dict.fromkeys(h.article for h in other))
            + ": contesting the count alone does not lower it"
        )
    lower = "none (no enumerated threshold met)" if band.band is Band.serious else "serious (情节严重)"
    change = (
        f"if the record count is contested down to {new_total:,} (just below the threshold that set the band: "
        f"{articles}); on the records alone the band would be {lower}"
    )
    return Lever(
        name="records",
        kind="record_count",
        label="record count by type (信息条数, Interp. 2017 Art. 5)",
        state="stated",
        current=case.records_total,
        basis={
            "article": articles,
            "range": None,
            "text": f"{threshold} (records {multiple:.2f}x the applicable serious threshold; the band needs "
            f"{level:g}x)",
        },
        options=(Option(new_total, change, update),),
        notes=tuple(notes),
    )


def plan(case: CriminalCase, band: BandResult, law: LawTable) -> list[Lever]:
    """Every lever of ``case``: the circumstances that apply, then the record count when it set the band."""
    levers = circumstance_levers(case, law)
    records = records_below_threshold(case, band, law)
    if records is not None:
        levers.append(records)
    return levers
