"""Sentences read from the verdict of a Chinese criminal judgment, one per defendant, as training labels.

``parse_outcomes(text)`` finds, per defendant: fixed-term imprisonment (有期徒刑) or criminal detention (拘役) in
months, probation (缓刑) in months, the fine (罚金) in yuan and exemption (免予刑事处罚), with the span of the
text it came from. Example: 判处有期徒刑三年，缓刑四年，并处罚金人民币一百六十万元 -> 36, 48, 1,600,000.

Reading rules:
- If the text has a verdict section (判决如下), only that section is read, so facts quoting a prior sentence
  (曾因...被判处有期徒刑一年) are not taken as the outcome; sentences about prior convictions (曾, 刑满释放, 前科,
  假释) are skipped anywhere.
- A defendant starts at 被告人X / 被告单位X followed by 犯...罪 or 判处; text without names gives one outcome
  with ``defendant`` None. 被告人A、B...分别判处 X、Y is split in order when the counts match.
- With several charges (数罪并罚) the sentence of the personal-information charge is used when the verdict
  states it, else the executed sentence (决定执行); ``several_charges`` says so. Probation is read from the
  whole defendant part (it applies to the executed sentence).
- Values outside the law (detention over 6 months, probation outside Art. 73's 12-60 / 2-12 months or
  shorter than the term) are dropped with a note, never clipped; every outcome validates as a ``CriminalCase``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from pydantic import BaseModel, Field

from features.law.schema import probation_range_months
from features.law.table import load_law_table
from features.text.numbers import (
    NUMBER,
    QUANTITY,
    Span,
    make_span,
    normalize,
    parse_duration_months,
    quantity_from_match,
)

PI_CHARGE = re.compile(r"公民个人信息")
_VERDICT = re.compile(r"判决如下|裁定如下|判决:|判决：")
_NAME = (
    r"[\u4e00-\u9fff](?:某某|某[甲乙丙丁一二三四五六七八九0-9]?|[×xX*]+[0-9]*)"
    r"|[\u4e00-\u9fff]{2,4}?(?=犯|[,、]|判处|免予|免除|单处)"
)
_UNIT_NAME = r"[^,;。犯]{2,40}?(?:公司|厂|店|中心|合作社|事务所|工作室|协会)"
_ANCHOR = re.compile(
    rf"被告(?:单位(?P<unit>{_UNIT_NAME})|人(?P<names>(?:{_NAME})(?:、(?:被告人)?(?:{_NAME}))*))"
    r"(?=[^。]{0,60}?(?:犯|判处|免予|免除|单处))"
)
_NAME_RE = re.compile(_NAME)
_CHARGE = re.compile(r"犯(?P<charge>[^,;。]{1,40}?罪)")
_EXECUTED = re.compile(r"决定执行|数罪并罚|合并执行")
_PRIOR = re.compile(r"曾因|曾于|曾被|曾经|刑满释放|前科|假释|原判")
_SENTENCE_END = re.compile(r"[。;\n]")

_PRISON = re.compile(r"有期徒刑")
_DETENTION = re.compile(r"拘役")
_PROBATION = re.compile(r"(?:宣告)?缓刑")
_FINE = re.compile(rf"罚金(?:人民币)?(?:{QUANTITY})元")
_EXEMPT = re.compile(r"免予刑事处罚|免除刑事处罚|免予处罚|免除处罚|免于刑事处罚")
_AMOUNT = re.compile(rf"(?:人民币)?(?:{QUANTITY})元")
_OTHER_PENALTY = re.compile(r"管制|无期徒刑|死刑")
_LIST_DURATIONS = re.compile(rf"(?:{NUMBER})年(?:零)?(?:(?:{NUMBER})个?月)?|(?:{NUMBER})个?月")

MAX_PRISON_MONTHS = 300.0
MAX_DETENTION_MONTHS = load_law_table().detention_months[1]  # Criminal Law Art. 42
MAX_FINE_YUAN = 1e11


class DefendantOutcome(BaseModel):
    """One defendant's sentence; fields as in :class:`features.law.schema.CriminalCase`."""

    defendant: str | None = None
    unit: bool = Field(False, description="The defendant is a unit (被告单位): it can only be fined")
    charge: str | None = Field(None, description="The charge whose sentence was read")
    several_charges: bool = False
    prison_months: float | None = None
    detention_months: float | None = None
    probation_months: float | None = None
    fine_yuan: float | None = None
    exempt_from_punishment: bool | None = None
    span: Span
    notes: list[str] = Field(default_factory=list)

    def case_fields(self) -> dict[str, object]:
        """The outcome as CriminalCase fields (labels of a training row)."""
        return {
            "defendant": self.defendant,
            "prison_months": self.prison_months,
            "detention_months": self.detention_months,
            "probation_months": self.probation_months,
            "fine_yuan": self.fine_yuan,
            "exempt_from_punishment": self.exempt_from_punishment,
        }


@dataclass
class _Sentence:
    prison: float | None = None
    detention: float | None = None
    probation: float | None = None
    fine: float | None = None
    exempt: bool = False
    end: int = 0  # end of the last penalty read

    @property
    def empty(self) -> bool:
        return self.prison is None and self.detention is None and self.fine is None and not self.exempt


def parse_outcomes(text: str) -> list[DefendantOutcome]:
    """Every defendant's sentence found in ``text`` (empty when none is stated). Pure; never raises on text."""
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    norm = normalize(text)
    verdicts = list(_VERDICT.finditer(norm))
    region_start = verdicts[-1].end() if verdicts else 0
    anchors = list(_ANCHOR.finditer(norm, region_start))
    items: list[tuple[int, int, re.Match[str] | None]] = []
    if anchors:
        for i, m in enumerate(anchors):
            end = anchors[i + 1].start() if i + 1 < len(anchors) else len(norm)
            items.append((m.start(), end, m))
        # text before the first name (判处有期徒刑... without a name) is not an item of its own
    else:
        items.append((region_start, len(norm), None))

    doc = _Doc(norm)
    outcomes: list[DefendantOutcome] = []
    for start, end, anchor in items:
        outcomes.extend(_item_outcomes(text, doc, start, end, anchor))
    return outcomes


def _item_outcomes(
    text: str, doc: _Doc, start: int, end: int, anchor: re.Match[str] | None
) -> list[DefendantOutcome]:
    norm = doc.norm
    names: list[str] = []
    unit = False
    if anchor is not None:
        if anchor.group("unit"):
            names = [anchor.group("unit")]
            unit = True
        else:
            names = [m.group(0) for m in _NAME_RE.finditer(anchor.group("names"))]
    body_start = anchor.end() if anchor is not None else start
    notes: list[str] = []

    if len(names) > 1 and "分别" in norm[body_start:end]:
        return _split_respectively(text, norm, start, body_start, end, names)

    charges = [(m.group("charge"), m.start()) for m in _CHARGE.finditer(norm, body_start, end)]
    executed = _EXECUTED.search(norm, body_start, end)
    several = len({c for c, _ in charges}) > 1 or executed is not None
    chosen_charge = charges[0][0] if charges else None

    segment_start, segment_end = body_start, end
    if several:
        pi = [(c, pos) for c, pos in charges if PI_CHARGE.search(c)]
        if pi:
            chosen_charge, pos = pi[0]
            later = [p for _, p in charges if p > pos] + (
                [executed.start()] if executed and executed.start() > pos else []
            )
            segment_start, segment_end = pos, min(later) if later else end
            notes.append("several charges: the sentence of the personal-information charge is used")
        elif executed is not None:
            segment_start = executed.start()
            notes.append("several charges: the executed (combined) sentence is used")
    sentence = _read_sentence(doc, segment_start, segment_end, notes)
    if sentence.empty and several and executed is not None and segment_start != executed.start():
        sentence = _read_sentence(doc, executed.start(), end, notes)
        notes.append("the personal-information charge has no sentence of its own: the executed one is used")
    probation = _read_probation(doc, body_start, end)
    if sentence.empty and probation is None:
        return []
    sentence.probation = probation
    _check_law(sentence, notes)
    defendant = names[0] if names else None
    span_end = max(sentence.end, body_start)
    return [_outcome(text, start, span_end, defendant, unit, chosen_charge, several, sentence, notes)]


def _outcome(
    text: str,
    start: int,
    end: int,
    defendant: str | None,
    unit: bool,
    charge: str | None,
    several: bool,
    sentence: _Sentence,
    notes: list[str],
) -> DefendantOutcome:
    end = max(end, start + 1) if text else 0
    end = min(end, len(text))
    start = min(start, end)
    return DefendantOutcome(
        defendant=defendant,
        unit=unit,
        charge=charge,
        several_charges=several,
        prison_months=sentence.prison,
        detention_months=sentence.detention,
        probation_months=sentence.probation,
        fine_yuan=sentence.fine,
        exempt_from_punishment=True if sentence.exempt else (False if not sentence.empty else None),
        span=make_span(text, start, end),
        notes=notes,
    )


class _Doc:
    """The normalised text with its sentences, each marked when it is about a prior conviction."""

    def __init__(self, norm: str) -> None:
        self.norm = norm
        self.ends = [m.start() for m in _SENTENCE_END.finditer(norm)]
        starts = [0] + [e + 1 for e in self.ends]
        bounds = zip(starts, [*self.ends, len(norm)], strict=True)
        self.prior = [bool(_PRIOR.search(norm, a, b)) for a, b in bounds]

    def is_prior(self, pos: int) -> bool:
        """The penalty at ``pos`` is in a sentence about a prior conviction."""
        return self.prior[bisect_left(self.ends, pos)]


def _read_sentence(doc: _Doc, start: int, end: int, notes: list[str]) -> _Sentence:
    norm = doc.norm
    out = _Sentence()
    for m in _PRISON.finditer(norm, start, end):
        parsed = parse_duration_months(norm, m.end())
        if parsed and parsed[1] <= end and not doc.is_prior(m.start()):
            out.prison = parsed[0] if out.prison is None else out.prison
            out.end = max(out.end, parsed[1])
    for m in _DETENTION.finditer(norm, start, end):
        parsed = parse_duration_months(norm, m.end())
        if parsed and parsed[1] <= end and not doc.is_prior(m.start()):
            out.detention = parsed[0] if out.detention is None else out.detention
            out.end = max(out.end, parsed[1])
    for m in _FINE.finditer(norm, start, end):
        if doc.is_prior(m.start()):
            continue
        qty = quantity_from_match(m)
        if qty is not None and out.fine is None:
            out.fine = qty.value
            out.end = max(out.end, m.end())
    for m in _EXEMPT.finditer(norm, start, end):
        if not doc.is_prior(m.start()):
            out.exempt = True
            out.end = max(out.end, m.end())
    other = _OTHER_PENALTY.search(norm, start, end)
    if other and not doc.is_prior(other.start()):
        notes.append(f"a penalty outside the schema ({other.group(0)}) is not read")
    return out


def _read_probation(doc: _Doc, start: int, end: int) -> float | None:
    norm = doc.norm
    for m in _PROBATION.finditer(norm, start, end):
        parsed = parse_duration_months(norm, m.end())
        if parsed and not doc.is_prior(m.start()):
            return parsed[0]
    return None


def _check_law(s: _Sentence, notes: list[str]) -> None:
    """Drop (never clip) values the law or the schema rules out."""
    if s.prison is not None and not 0 < s.prison <= MAX_PRISON_MONTHS:
        notes.append("imprisonment term out of range: dropped")
        s.prison = None
    if s.detention is not None and not 0 < s.detention <= MAX_DETENTION_MONTHS:
        notes.append("detention over 6 months (Criminal Law Art. 42): dropped")
        s.detention = None
    if s.prison is not None and s.detention is not None:
        notes.append("both imprisonment and detention read: detention dropped")
        s.detention = None
    if s.fine is not None and not 0 <= s.fine <= MAX_FINE_YUAN:
        notes.append("fine out of range: dropped")
        s.fine = None
    if s.exempt and (s.prison or s.detention or s.fine):
        notes.append("exemption stated next to a penalty: exemption dropped")
        s.exempt = False
    if s.probation is not None:
        custodial = s.prison or s.detention
        low, high = probation_range_months(imprisonment=bool(s.prison))
        if not custodial:
            notes.append("probation without a custodial term: dropped")
            s.probation = None
        elif (
            not (custodial <= s.probation and low <= s.probation <= high)
            or custodial > load_law_table().probation_max_months
        ):
            notes.append("probation inconsistent with the term (Criminal Law Arts. 72-73): dropped")
            s.probation = None


def _split_respectively(
    text: str, norm: str, start: int, body_start: int, end: int, names: list[str]
) -> list[DefendantOutcome]:
    """被告人A、B犯...罪，分别判处有期徒刑三年、二年，并处罚金人民币三万元、二万元."""
    n = len(names)
    kinds: dict[str, list[float]] = {}
    last = body_start
    for key, pattern in (("prison", _PRISON), ("detention", _DETENTION), ("probation", _PROBATION)):
        m = pattern.search(norm, body_start, end)
        if not m:
            continue
        values = []
        pos = m.end()
        while True:
            d = _LIST_DURATIONS.match(norm, pos)
            if not d:
                break
            parsed = parse_duration_months(norm, pos)
            if parsed is None:
                break
            values.append(parsed[0])
            pos = parsed[1]
            last = max(last, pos)
            if pos < len(norm) and norm[pos] == "、":
                pos += 1
            else:
                break
        kinds[key] = values
    fine = re.compile(r"罚金").search(norm, body_start, end)
    if fine:
        kinds["fine"] = []
        pos = fine.end()
        while True:
            m = _AMOUNT.match(norm, pos)
            qty = quantity_from_match(m) if m else None
            if m is None or qty is None:
                break
            kinds["fine"].append(qty.value)
            pos = last = max(last, m.end())
            if pos < len(norm) and norm[pos] == "、":
                pos += 1
            else:
                break
    if not kinds or any(len(v) not in (n, 1) for v in kinds.values()):
        return []  # cannot pair the sentences with the names: better none than a wrong label
    outcomes = []
    for i, name in enumerate(names):
        notes = ["sentences assigned in the order of the names (分别判处)"]
        s = _Sentence(
            prison=_pick(kinds.get("prison"), i),
            detention=_pick(kinds.get("detention"), i),
            probation=_pick(kinds.get("probation"), i),
            fine=_pick(kinds.get("fine"), i),
            end=last,
        )
        _check_law(s, notes)
        charge = _CHARGE.search(norm, body_start, end)
        outcomes.append(
            _outcome(text, start, last, name, False, charge.group("charge") if charge else None, False, s, notes)
        )
    return outcomes


def _pick(values: list[float] | None, i: int) -> float | None:
    if not values:
        return None
    return values[i] if len(values) > 1 else values[0]


__all__ = ["DefendantOutcome", "parse_outcomes"]
