"""A whole Chinese criminal judgment split into its parts, with each defendant's case fields and stated sentence.

``read_judgment(data, filename)`` reads a file (:mod:`features.text.documents`: txt, html, docx, pdf) and
``parse_judgment(text)`` reads text; both return a :class:`Judgment`:

- ``sections``: header (court, case number), parties (公诉机关, 被告人... with prior records), facts (经审理查明 /
  原判认定), reasoning (本院认为: surrender, confession, plea, restitution, principal/accessory, recidivism) and
  verdict (判决如下 / 裁定如下), each as offsets into ``text``. A part that is not found is absent.
- ``defendants``: one :class:`DefendantRow` per defendant, with the :class:`features.law.schema.CriminalCase`
  fields read for them (``case``), the spans each came from (``evidence``, offsets into ``text``), a confidence
  per field (``confidence``, 0-1, rules below) and the sentence the judgment states (``outcome``).
- Appeals (刑终 in the case number, or 上诉人): with 驳回上诉，维持原判 the sentence is the first-instance one quoted
  before the reasoning (原判认定... 判处...); with 改判 / 撤销 it is the new one in the verdict. Several charges
  (数罪并罚): the Art. 253-1 term is the label and the executed one is kept apart
  (:class:`features.text.sentences.DefendantOutcome` ``combined_*``).

Facts come from :func:`features.text.facts.extract_facts` on the facts part (the whole text when there is none);
the circumstances of each defendant from the same function on the sentences of the facts and reasoning that name
that defendant (or all defendants: 二被告人均..., or the only one), so one defendant's surrender is not another's.

Confidence (what a reviewer should check first, lowest first):
- 0.95 a header field or a sentence read from the verdict without a note; 0.85 a sentence of an upheld appeal
  read from the quoted first-instance judgment; 0.75 a sentence with a note (several charges, a dropped value);
  0.6 a sentence read outside any verdict part; 0.5 a sentence whose defendant was not named next to it.
- facts: 0.8 with one defendant, 0.6 with several (the judgment's totals may be joint ones); 0.2 less when the
  fact reader warned about that field; 0.5 when there is no facts part.
- circumstances and role: 0.85 from sentences naming the defendant; 0.65 from sentences about all defendants.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from typing import Any, Literal

from pydantic import BaseModel, Field

from features.law.schema import CONDUCT_FACT_FIELDS
from features.text.documents import read_document
from features.text.facts import extract_facts
from features.text.numbers import Span, make_span
from features.text.script import to_simplified
from features.text.sentences import PI_CHARGE, DefendantOutcome, parse_outcomes, prepare

SECTION_NAMES = ("header", "parties", "facts", "reasoning", "verdict")
PI_CHARGE_NAMES = re.compile(r"侵犯公民个人信息罪|非法获取公民个人信息罪|出售、?非法提供公民个人信息罪")
FLAG_FIELDS = ("surrender", "truthful_confession", "guilty_plea", "restitution", "recidivist")
FACT_FIELDS = CONDUCT_FACT_FIELDS  # the facts section states what was taken and done
OUTCOME_FIELDS = ("prison_months", "detention_months", "probation_months", "fine_yuan", "exempt_from_punishment")

_COURT = re.compile(r"[\u4e00-\u9fff]{2,30}?人民法院")
_CASE_NUMBER = re.compile(
    r"[(\[〔【]\s*(?P<year>(?:19|20)\d{2})\s*[)\]〕】]\s*[\u4e00-\u9fff\d]{1,12}?刑[\u4e00-\u9fff]{0,3}\d+号"
)
_CN_DATE = re.compile(
    r"(?P<y>[二〇零○O一三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"
)
_AR_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_PARTY_LINE = re.compile(
    r"(?:公诉机关|原公诉机关|抗诉机关|被告人|被告单位|上诉人|原审被告人|被上诉人|辩护人|指定辩护人|诉讼代表人|法定代表人|委托)"
)
_DEFENDANT_LINE = re.compile(
    r"(?:上诉人|原审被告人|被告人|被告单位)(?:[(][^)]{0,12}[)])?(?:被告人|被告单位)?"
    r"(?P<name>[^,。;:()\s]{1,40}?)(?=[,。;:(]|$|\s)"
)
_FACTS = re.compile(
    r"经审理查明|本院审理查明|经审理认定|经本院审理查明|本院查明|原判认定|原审判决认定|一审判决认定|经二审审理查明"
)
_REASONING = re.compile(r"本院认为")
_VERDICT = re.compile(r"判决如下|裁定如下")
_VERDICT_END = re.compile(r"如不服本|审\s*判\s*长|审\s*判\s*员|人民陪审员|代理审判员|书\s*记\s*员")
_UPHELD = re.compile(r"维持原判|驳回上诉|驳回抗诉")
_REVISED = re.compile(r"撤销|改判")
_PRIOR_SENTENCE = re.compile(r"判处|刑满释放|行政拘留|罚款|劳动教养|缓刑|假释|前科")
_SENTENCE_SPLIT = re.compile(r"[^。;\n]+[。;\n]?")
_ROLE = (
    ("accessory", re.compile(r"从犯|次要作用|辅助作用")),
    ("principal", re.compile(r"主犯|主要作用")),
)
_ALL_DEFENDANTS = re.compile(r"[二两三四五六七八九十各全]被告人|上述被告人|被告人均|均[系有能具]|二人均|两人均")
_PROVINCES = {
    "京": "北京", "津": "天津", "沪": "上海", "渝": "重庆", "冀": "河北", "晋": "山西", "辽": "辽宁", "吉": "吉林",
    "黑": "黑龙江", "苏": "江苏", "浙": "浙江", "皖": "安徽", "闽": "福建", "赣": "江西", "鲁": "山东", "豫": "河南",
    "鄂": "湖北", "湘": "湖南", "粤": "广东", "琼": "海南", "川": "四川", "黔": "贵州", "云": "云南", "陕": "陕西",
    "甘": "甘肃", "青": "青海", "蒙": "内蒙古", "内": "内蒙古", "桂": "广西", "藏": "西藏", "宁": "宁夏", "新": "新疆",
}  # fmt: skip

HEADER_CHARS = 500  # not-law: characters searched for the parties when no parties section is found


class Section(BaseModel):
    name: str
    start: int
    end: int


class PartyDefendant(BaseModel):
    name: str
    unit: bool = False
    span: Span
    prior_records: list[Span] = Field(
        default_factory=list, description="Sentences of the parties part on earlier punishments"
    )


class DefendantRow(BaseModel):
    """One defendant: the CriminalCase fields read for them, with evidence, confidence and the stated sentence."""

    defendant: str
    unit: bool = False
    case: dict[str, Any] = Field(description="CriminalCase fields (facts, circumstances, outcome, header)")
    evidence: dict[str, list[Span]] = Field(default_factory=dict, description="field -> spans of Judgment.text")
    confidence: dict[str, float] = Field(default_factory=dict, description="field -> 0..1 (module docstring)")
    outcome: DefendantOutcome | None = Field(None, description="The sentence stated for this defendant, if any")
    prior_records: list[Span] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list, description="Why this row cannot be a training row, if so")

    def facts_case(self) -> dict[str, Any]:
        """The case without its outcome (what an estimate is asked for); compare the estimate with ``outcome``."""
        return {k: v for k, v in self.case.items() if k not in OUTCOME_FIELDS}


class Judgment(BaseModel):
    source: str = ""
    format: str = "txt"
    text: str
    court: str | None = None
    case_number: str | None = None
    date: str | None = Field(None, description="Date of the judgment, YYYY-MM-DD")
    year: int | None = None
    province: str | None = None
    instance: Literal["first", "appeal"] | None = None
    appeal_result: Literal["upheld", "revised"] | None = None
    personal_information: bool = Field(
        description="A personal-information charge (Art. 253-1 or old Art. 253) appears"
    )
    sections: dict[str, Section] = Field(default_factory=dict)
    header_evidence: dict[str, Span] = Field(default_factory=dict)
    defendants: list[DefendantRow] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def section_text(self, name: str) -> str:
        s = self.sections.get(name)
        return self.text[s.start : s.end] if s else ""

    @property
    def group_key(self) -> str:
        """What identifies the judgment: its case number, else a hash of its text."""
        return self.case_number or "sha1:" + hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------------------


def read_judgment(data: bytes, filename: str = "") -> Judgment:
    """Read a judgment file (txt, html, docx, pdf); raises :class:`features.text.documents.DocumentError`."""
    doc = read_document(data, filename)
    return parse_judgment(doc.text, source=filename, fmt=doc.format)


def _cn_digits(s: str) -> int | None:
    from features.text.numbers import parse_number

    digits = "".join({"〇": "0", "零": "0", "○": "0", "O": "0"}.get(c, c) for c in s)
    if len(s) == 4:  # 二〇二一: digit by digit
        table = {"0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
        if all(c in table for c in digits):
            return int("".join(str(table[c]) for c in digits))
        return None
    value = parse_number(s)
    return int(value) if value is not None else None


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _sections(norm: str) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    lines = _lines(norm)
    party_first = party_last = None
    for i, (a, b) in enumerate(lines):
        if _PARTY_LINE.match(norm, a, b):
            if party_first is None:
                party_first = i
            party_last = i
        elif party_first is not None and i - (party_last or 0) > 1:
            break
    facts = _FACTS.search(norm)
    reasoning = _REASONING.search(norm, facts.end() if facts else 0) or _REASONING.search(norm)
    verdicts = list(_VERDICT.finditer(norm))
    verdict = verdicts[-1] if verdicts else None
    body_start = len(norm)
    if party_first is not None and party_last is not None:
        p_start, p_end = lines[party_first][0], lines[party_last][1]
        sections["parties"] = Section(name="parties", start=p_start, end=p_end)
        sections["header"] = Section(name="header", start=0, end=p_start)
        body_start = p_end
    else:
        first = min([m.start() for m in (facts, reasoning, verdict) if m is not None] or [min(len(norm), 200)])
        sections["header"] = Section(name="header", start=0, end=min(first, lines[0][1]))
    if facts is not None:
        end = (
            reasoning.start()
            if reasoning and reasoning.start() > facts.start()
            else (verdict.start() if verdict and verdict.start() > facts.start() else len(norm))
        )
        sections["facts"] = Section(name="facts", start=facts.start(), end=end)
    if reasoning is not None:
        end = verdict.start() if verdict and verdict.start() > reasoning.start() else len(norm)
        sections["reasoning"] = Section(name="reasoning", start=reasoning.start(), end=end)
    if verdict is not None:
        stop = _VERDICT_END.search(norm, verdict.end())
        sections["verdict"] = Section(
            name="verdict", start=verdict.start(), end=stop.start() if stop else len(norm)
        )
    if "parties" in sections:
        sections["parties"] = Section(name="parties", start=sections["parties"].start, end=max(body_start, 0))
    return sections


def _party_defendants(text: str, norm: str, section: Section | None) -> list[PartyDefendant]:
    if section is None:
        return []
    out: list[PartyDefendant] = []
    for a, b in _lines(norm[section.start : section.end]):
        a, b = a + section.start, b + section.start
        m = _DEFENDANT_LINE.match(norm, a, b)
        if not m:
            continue
        name = m.group("name")
        unit = "被告单位" in norm[a : m.start("name")]
        if any(p.name == name for p in out):
            continue
        priors = []
        for s in _SENTENCE_SPLIT.finditer(norm, a, b):
            piece = s.group(0)
            if _PRIOR_SENTENCE.search(piece) and "涉嫌" not in piece:
                priors.append(make_span(text, s.start(), s.end()))
        out.append(
            PartyDefendant(
                name=name, unit=unit, span=make_span(text, m.start("name"), m.end("name")), prior_records=priors
            )
        )
    return out


def _header(text: str, norm: str, j: Judgment) -> None:
    header = j.sections.get("header")
    limit = header.end if header and header.end > 0 else min(len(norm), 300)
    court = _COURT.search(norm, 0, max(limit, min(len(norm), 300)))
    if court:
        j.court = court.group(0)
        j.header_evidence["court"] = make_span(text, court.start(), court.end())
    number = _CASE_NUMBER.search(norm, 0, max(limit, min(len(norm), 400))) or _CASE_NUMBER.search(norm)
    if number:
        j.case_number = re.sub(r"\s+", "", to_simplified(text[number.start() : number.end()]))
        j.header_evidence["case_number"] = make_span(text, number.start(), number.end())
        j.year = int(number.group("year"))
        code = re.search(r"[)\]〕】]\s*([\u4e00-\u9fff])", number.group(0))
        if code and code.group(1) in _PROVINCES:
            j.province = _PROVINCES[code.group(1)]
            j.header_evidence["province"] = j.header_evidence["case_number"]
        j.instance = "appeal" if "刑终" in number.group(0) else "first" if "刑初" in number.group(0) else None
    header_end = j.sections["parties"].end if "parties" in j.sections else HEADER_CHARS
    if j.instance is None and re.search(r"上诉人", norm[:header_end]):
        j.instance = "appeal"
    verdict = j.sections.get("verdict")
    dates = list(_CN_DATE.finditer(norm, verdict.start if verdict else 0)) or list(
        _AR_DATE.finditer(norm, verdict.start if verdict else 0)
    )
    if dates:
        d = dates[-1]
        y, mo, da = _cn_digits(d.group("y")), _cn_digits(d.group("m")), _cn_digits(d.group("d"))
        if y and mo and da and 1979 <= y <= 2100 and 1 <= mo <= 12 and 1 <= da <= 31:
            j.date = f"{y:04d}-{mo:02d}-{da:02d}"
            j.header_evidence["date"] = make_span(text, d.start(), d.end())
            if j.year is None:
                j.year = y
    if j.court is None:
        court = _COURT.search(norm)
        if court:
            j.court = court.group(0)
            j.header_evidence["court"] = make_span(text, court.start(), court.end())


class _Masked:
    """The sentences of the facts and reasoning about one defendant, joined, with a map back to text offsets."""

    def __init__(self, pieces: list[tuple[int, str]]) -> None:
        self.text = "".join(piece for _, piece in pieces)
        self.starts: list[int] = []
        self.origins: list[int] = []
        pos = 0
        for origin, piece in pieces:
            self.starts.append(pos)
            self.origins.append(origin)
            pos += len(piece)

    def to_text(self, pos: int) -> int:
        i = max(bisect_right(self.starts, pos) - 1, 0)
        return self.origins[i] + pos - self.starts[i] if self.starts else pos


def _masked_for(norm: str, regions: list[Section], name: str, all_names: list[str]) -> tuple[_Masked, bool]:
    """The sentences of the facts and reasoning about ``name`` (naming it, about all defendants: 二被告人均...,
    or any sentence when there is one defendant); and whether those kept are only about all defendants."""
    pieces: list[tuple[int, str]] = []
    shared_only = True
    single = len(all_names) == 1
    for section in regions:
        for m in _SENTENCE_SPLIT.finditer(norm, section.start, section.end):
            piece = m.group(0)
            mentions = [n for n in all_names if n in piece]
            if name in mentions or (single and not mentions):
                shared_only = False
            elif not (mentions == [] and _ALL_DEFENDANTS.search(piece)):
                continue
            pieces.append((m.start(), piece))
    return _Masked(pieces), shared_only


def _role(masked: str, n_defendants: int) -> tuple[str | None, list[tuple[int, int]]]:
    if n_defendants == 1:
        return "sole", []
    if re.search(r"不区分主从|不宜区分主从|不区分主、从犯", masked):
        return None, []
    for role, pattern in _ROLE:
        m = pattern.search(masked)
        if m:
            return role, [(m.start(), m.end())]
    return None, []


def parse_judgment(text: str, source: str = "", fmt: str = "txt") -> Judgment:
    """Split ``text`` into its parts and read each defendant's fields and sentence. Pure; never raises on text."""
    norm = prepare(text)
    j = Judgment(source=source, format=fmt, text=text, personal_information=bool(PI_CHARGE_NAMES.search(norm)))
    j.sections = _sections(norm)
    _header(text, norm, j)
    parties = _party_defendants(text, norm, j.sections.get("parties"))

    verdict = j.sections.get("verdict")
    outcomes: list[DefendantOutcome] = []
    source_kind = "none"
    if verdict is not None:
        outcomes = parse_outcomes(text[verdict.start : verdict.end], prepared=norm[verdict.start : verdict.end])
        _shift(outcomes, text, verdict.start)
        source_kind = "verdict"
        if j.instance == "appeal":
            vtext = norm[verdict.start : verdict.end]
            j.appeal_result = (
                "revised"
                if _REVISED.search(vtext) or (outcomes and not _UPHELD.search(vtext))
                else ("upheld" if _UPHELD.search(vtext) else None)
            )
    if not outcomes:
        # an upheld appeal (or a text without a verdict part): the sentence quoted before the reasoning
        stop = j.sections["reasoning"].start if "reasoning" in j.sections else len(norm)
        start = j.sections["parties"].end if "parties" in j.sections else 0
        outcomes = parse_outcomes(text[start:stop], prepared=norm[start:stop])
        _shift(outcomes, text, start)
        source_kind = "quoted" if j.appeal_result == "upheld" else "outside"
        if not outcomes and verdict is None:
            outcomes = parse_outcomes(text, prepared=norm)
            source_kind = "outside"

    names = [p.name for p in parties] or [o.defendant for o in outcomes if o.defendant]
    if not names and len(outcomes) == 1:
        names = []
        j.warnings.append("no defendant is named")
    facts_section = j.sections.get("facts")
    # the simplified text (same offsets): the fact reader's keywords are simplified (共計 -> 共计)
    facts_text = norm[facts_section.start : facts_section.end] if facts_section else norm
    facts = extract_facts(facts_text)
    offset = facts_section.start if facts_section else 0
    regions = [s for s in (j.sections.get("facts"), j.sections.get("reasoning")) if s is not None]
    unit_crime = any(p.unit for p in parties) or any(o.unit for o in outcomes)
    defendants = parties or [
        PartyDefendant(name=o.defendant or "", unit=o.unit, span=o.spans.get("defendant") or o.span)
        for o in outcomes
    ]
    by_name = {o.defendant: o for o in outcomes if o.defendant}
    for p in defendants:
        outcome = by_name.get(p.name)
        inferred = False
        if outcome is None and len(defendants) == 1 and len(outcomes) == 1 and outcomes[0].defendant is None:
            outcome, inferred = outcomes[0], True
        j.defendants.append(
            _row(
                text,
                norm,
                j,
                p,
                outcome,
                inferred,
                source_kind,
                facts,
                offset,
                bool(facts_section),
                regions,
                [d.name for d in defendants],
                unit_crime,
            )
        )
    if not j.personal_information:
        j.warnings.append("no personal-information charge (Criminal Law Art. 253-1) is named")
    return j


def _shift(outcomes: list[DefendantOutcome], text: str, offset: int) -> None:
    if not offset:
        return
    for o in outcomes:
        o.span = make_span(text, o.span.start + offset, o.span.end + offset)
        o.spans = {k: make_span(text, s.start + offset, s.end + offset, s.label) for k, s in o.spans.items()}


def _row(
    text: str,
    norm: str,
    j: Judgment,
    p: PartyDefendant,
    outcome: DefendantOutcome | None,
    inferred: bool,
    source_kind: str,
    facts: Any,
    offset: int,
    has_facts: bool,
    regions: list[Section],
    all_names: list[str],
    unit_crime: bool,
) -> DefendantRow:
    case: dict[str, Any] = {"proceeding": "criminal", "defendant": p.name or None}
    evidence: dict[str, list[Span]] = {"defendant": [p.span]} if p.span.text else {}
    # named in the parties part, or only next to the sentence (a text without one)
    confidence: dict[str, float] = {"defendant": 0.95 if "parties" in j.sections else 0.75}
    for name in ("court", "case_number", "year", "province"):
        value = getattr(j, name)
        if value is not None:
            case[name] = value
            span = j.header_evidence.get(
                "case_number" if name == "year" and "case_number" in j.header_evidence else name
            )
            if span is None and name == "year":
                span = j.header_evidence.get("date")
            if span is not None:
                evidence[name] = [span]
            confidence[name] = 0.95
    n = len(all_names)
    case["n_defendants"] = max(n, 1)
    confidence["n_defendants"] = 0.9 if "parties" in j.sections else 0.6
    base = (0.8 if n <= 1 else 0.6) if has_facts else 0.5
    warned = " ".join(facts.warnings)
    for name in FACT_FIELDS:
        value = facts.case.get(name)
        if value is None or value == []:
            continue
        case[name] = value
        evidence[name] = [
            make_span(text, s.start + offset, s.end + offset, s.label) for s in facts.evidence.get(name, [])
        ]
        confidence[name] = round(max(base - (0.2 if name in warned else 0.0), 0.1), 2)
    masked, shared_only = (
        _masked_for(norm, regions, p.name, all_names) if regions else (_Masked([(0, norm)]), False)
    )
    flags = extract_facts(masked.text)
    for name in FLAG_FIELDS:
        value = flags.case.get(name)
        if value is None:
            continue
        case[name] = value
        evidence[name] = [
            make_span(text, masked.to_text(s.start), masked.to_text(s.end - 1) + 1)
            for s in flags.evidence.get(name, [])
        ]
        confidence[name] = 0.65 if shared_only else 0.85
    role, role_spans = _role(masked.text, n)
    if role is not None:
        case["role"] = role
        evidence["role"] = [
            make_span(text, masked.to_text(a), masked.to_text(b - 1) + 1) for a, b in role_spans
        ] or ([p.span] if p.span.text else [])
        confidence["role"] = 0.85 if role_spans or role == "sole" else 0.65
    if unit_crime:
        case["unit_crime"] = True
        confidence["unit_crime"] = 0.9
    if any(PI_CHARGE.search(s.text) and "判处" in s.text for s in p.prior_records):
        case["prior_punishment_same_conduct"] = True
        evidence["prior_punishment_same_conduct"] = [s for s in p.prior_records if PI_CHARGE.search(s.text)]
        confidence["prior_punishment_same_conduct"] = 0.7
    problems: list[str] = []
    if outcome is not None:
        if outcome.charge:
            case["charge"] = outcome.charge
        other = [
            c for c in re.findall(r"犯([^,，;；。、]{1,30}?罪)", outcome.span.text) if not PI_CHARGE.search(c)
        ]
        if other:
            case["other_charges"] = sorted(set(other))
        conf = {"verdict": 0.95, "quoted": 0.85, "outside": 0.6, "none": 0.5}[source_kind]
        if outcome.notes:
            conf = min(conf, 0.75)
        if inferred:
            conf = 0.5
        for name in OUTCOME_FIELDS:
            value = getattr(outcome, name)
            case[name] = value
            span = outcome.spans.get(name)
            evidence[name] = [span] if span is not None else []
            confidence[name] = conf
        if case.get("exempt_from_punishment") is None:
            case["exempt_from_punishment"] = False
    else:
        problems.append("no sentence stated for this defendant")
    if not j.personal_information:
        problems.append("not a personal-information case (no Art. 253-1 charge named)")
    if p.unit:
        case["unit_crime"] = True
    return DefendantRow(
        defendant=p.name,
        unit=p.unit,
        case=case,
        evidence=evidence,
        confidence=confidence,
        outcome=outcome,
        prior_records=p.prior_records,
        problems=problems,
    )


__all__ = ["DefendantRow", "Judgment", "PartyDefendant", "Section", "parse_judgment", "read_judgment"]
