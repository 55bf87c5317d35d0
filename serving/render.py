"""The one renderer of an estimate: the page's drawn answer (``POST /v1/<kind>/estimate.html``) and the exported
report (``POST /v1/<kind>/report``) are built from the same Jinja2 components in ``serving/templates`` (autoescape
on: every text from the request, the answer or the data is escaped).

An answer is drawn as an ordered list of **parts** (:data:`PARTS`), one template each in
``serving/templates/parts/``, wrapped the same way on the page and in the report (``<section class="part"
data-part="<name>">``). A new part of the answer (readings of an uncertain band, levers, a deviation check...) is one
new template plus one :class:`Part` entry here: the page and the report both show it. Parts use the small components
of ``templates/components/`` (charts, notes, links, legends); the geometry of the charts is computed in
:mod:`serving.charts` only.

- :func:`answer_fragment`: the page's answer, an HTML fragment (disclaimer, what was read from the facts, the parts,
  the time of the estimate) that the page inserts as it is.
- :func:`report`: a self-contained HTML document (inline CSS and SVG, no scripts, no external loads): the report's
  shell (title, date, reference, disclaimer in English and Chinese, the inputs in plain language) around the same
  parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from features.law.schema import CaseBase
from features.law.statutory import load_law_table
from features.law.vocab import DataType
from serving import charts
from serving.form import BANDS, FIELDS, GROUPS, PROCEEDINGS, bilingual, feature_label, vocab_label

Kind = Literal["criminal", "civil"]  # the answers drawn: keys of PARTS
TEMPLATES = Path(__file__).with_name("templates")
ANSWER_CSS = Path(__file__).with_name("static") / "answer.css"  # the components' style: page and report
REPORT_CSS = TEMPLATES / "report.css"  # the report's shell and print layout

REPORT_TITLES: dict[str, str] = {
    "criminal": "Sentencing exposure report (量刑预估报告) — Criminal Law Art. 253-1",
    "civil": "Award exposure report (赔偿金额预估报告)",
}
TARGETS: dict[str, str] = {
    "custodial_months": "Custodial term (刑期), months",
    "probation": "Probation (缓刑)",
    "fine_yuan": "Fine (罚金), yuan",
    "awarded_total_yuan": "Award (判赔), yuan",
}
_SKIP = {"proceeding", "synthetic"}  # shown elsewhere / never user input
SOURCE_KINDS = {
    "official": "official source (court, procuratorate, government)",
    "press": "press report",
    "law_firm": "law firm's write-up",
    "secondary": "repost of another source: cite the original",
    "title_only": "known by the title of an official notice only",
}


# ---------------------------------------------------------------------------------------------------- parts
def _always(answer: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Part:
    """One part of a drawn answer: ``templates/parts/<template>.html``, shown when ``shows(answer)``."""

    name: str
    template: str
    shows: Callable[[Mapping[str, Any]], bool] = _always


def _has(key: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda a: key in a and a[key] is not None


PARTS: dict[str, tuple[Part, ...]] = {
    "criminal": (
        Part("headline", "criminal_headline"),
        Part("check", "check", _has("check")),  # where a proposed or actual sentence falls (features.model.check)
        Part("band", "band"),
        Part("custodial", "custodial"),
        Part("probabilities", "probabilities"),
        Part("fine", "fine"),
        Part("levers", "levers", _has("levers")),  # what the defendant can change or contest
        Part("drivers", "drivers"),
        Part("similar", "similar"),
        Part("models", "models"),
    ),
    "civil": (
        Part("headline", "civil_headline"),
        Part("check", "check", _has("check")),
        Part("award", "award"),
        Part("outcomes", "outcomes", lambda a: bool(a.get("outcomes"))),
        Part("drivers", "drivers"),
        Part("similar", "similar"),
        Part("models", "models"),
    ),
}
INPUTS = Part("inputs", "inputs")  # the report's: the case in plain language (the page has its form)


def parts_for(kind: str, answer: Mapping[str, Any]) -> list[Part]:
    """The parts of ``kind`` that ``answer`` has, in the order they are drawn."""
    return [p for p in PARTS[kind] if p.shows(answer)]


# ---------------------------------------------------------------------------------------------------- formatting
def months(x: float | None) -> str:
    """Months to 0.1, without a trailing .0: 36, 7.5."""
    return "—" if x is None else f"{float(x):,.1f}".removesuffix(".0")


def yuan(x: float | None) -> str:
    """Whole yuan with thousands separators: 49,960 元."""
    return "—" if x is None else f"{float(x):,.0f} 元"


def pct(p: float | None) -> str:
    """A share (0-1) as a whole percentage."""
    return "—" if p is None else f"{100 * float(p):.0f}%"


def num(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{float(x):,.{digits}f}"


def band_label(band: str | None) -> str:
    """``serious`` -> ``Serious (情节严重)``."""
    return "—" if band is None else bilingual(BANDS[str(band)]) if str(band) in BANDS else str(band)


def is_http(url: Any) -> bool:
    """Only http(s) addresses become links (never javascript: or data:)."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def outcome_text(outcome: Mapping[str, Any]) -> str:
    """What a court decided in a similar case, in words."""
    bits: list[str] = []
    if "custodial_months" in outcome:
        term = outcome.get("custodial_months")
        penalty = outcome.get("penalty")
        if term:
            kind = {"detention": "detention 拘役", "imprisonment": "imprisonment 有期徒刑"}.get(str(penalty), "")
            bits.append(f"{months(float(term))} months {kind}".strip())
        elif penalty:
            bits.append(str(penalty))
        if outcome.get("probation_months"):
            bits.append(f"probation 缓刑 {months(float(outcome['probation_months']))} months")
        if outcome.get("fine_yuan") is not None:
            bits.append(f"fine 罚金 {yuan(outcome['fine_yuan'])}")
    else:
        if outcome.get("awarded_total_yuan") is not None:
            bits.append(f"awarded 判赔 {yuan(outcome['awarded_total_yuan'])}")
        if outcome.get("claimed_yuan") is not None:
            bits.append(f"claimed 诉请 {yuan(outcome['claimed_yuan'])}")
        if outcome.get("apology_ordered"):
            bits.append("apology 赔礼道歉")
    return "; ".join(bits) or "—"


def field_label(name: str) -> str:
    field = FIELDS.get(name)
    return field.label() if field else name


# ---------------------------------------------------------------------------------------------------- inputs
def _value(name: str, value: Any) -> str:
    """One input value in words (escaped by the template)."""
    field = FIELDS.get(name)
    enum: type[StrEnum] | None = field.vocab if field else None
    if isinstance(value, bool):
        return "Yes (是)" if value else "No (否)"
    if name == "records_by_type" and isinstance(value, Mapping):
        return "; ".join(f"{vocab_label(DataType, str(k))}: {num(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(vocab_label(enum, str(v)) if enum else str(v) for v in value)
    if name == "proceeding":
        return bilingual(PROCEEDINGS[str(value)])
    if enum is not None:
        return vocab_label(enum, str(value))
    if isinstance(value, int | float) and name != "year":
        unit = " 元" if name.endswith("_yuan") else ""
        return num(value, 0 if float(value).is_integer() else 2) + unit
    return str(value)


def input_rows(case: CaseBase, kind: str) -> list[tuple[str, str]]:
    """(label, value) of every field the case sets, in the order of the form; other set fields after, by name."""
    data = case.model_dump(mode="json", exclude_none=True)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    if kind == "civil":
        rows.append(("Proceeding (诉讼类型)", _value("proceeding", data["proceeding"])))
    for _, _, fields in GROUPS[kind]:
        for field in fields:
            seen.add(field.name)
            value = data.get(field.name)
            if value in (None, [], {}) or field.name in _SKIP:
                continue
            rows.append((field.label(), _value(field.name, value)))
    for name, value in data.items():
        if name in seen or name in _SKIP or value in (None, [], {}, False):
            continue
        rows.append((name, _value(name, value)))
    return rows


def read_fields(extraction: Mapping[str, Any]) -> list[str]:
    """Labels of the fields a fact description set, sorted by field name."""
    found = extraction.get("case") or {}
    return [field_label(k) for k in sorted(found) if found[k] not in (None, [], {})]


# ---------------------------------------------------------------------------------------------------- templates
@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates, with autoescape on for every file and undefined names as errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # shipped with the package: no stat of every template at each render
    )
    law = load_law_table()
    env.filters.update(
        months=months,
        yuan=yuan,
        pct=pct,
        num=num,
        band_label=band_label,
        feature_label=feature_label,
        outcome_text=outcome_text,
        host=host,
        g=lambda x: f"{float(x):g}",
        authority_label=lambda a: law.precedent[str(a)].label if str(a) in law.precedent else str(a),
        source_kind_label=lambda k: SOURCE_KINDS.get(str(k), str(k)),
    )
    env.tests["http_url"] = is_http
    env.globals.update(
        charts=charts,
        law=law,
        band_ranges={band.value: rng for band, rng in law.ranges.items()},
        target_label=lambda t: TARGETS.get(str(t), str(t)),
        read_fields=read_fields,
    )
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def _context(kind: Kind, case: CaseBase, answer: Mapping[str, Any], generated: datetime) -> dict[str, Any]:
    if kind not in PARTS:
        raise ValueError(f"kind must be one of {sorted(PARTS)}")
    return {"kind": kind, "case": case, "a": answer, "generated": generated, "models": answer.get("model") or {}}


def answer_fragment(kind: Kind, case: CaseBase, answer: Mapping[str, Any], generated: datetime) -> str:
    """The page's answer: an HTML fragment (one ``<div class="answer">``) for ``case`` and its ``answer`` (an
    estimate of :class:`serving.estimate.ChampionSet`), stamped with ``generated``."""
    context = _context(kind, case, answer, generated)
    return _render("answer.html", parts=parts_for(kind, answer), **context)


def report(
    kind: Kind,
    case: CaseBase,
    answer: Mapping[str, Any],
    generated: datetime,
    *,
    disclaimer_zh: str,
    models: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The report: a self-contained HTML document with the report's shell around the parts of the page.

    ``models`` (target -> model card) replaces the answer's ``model`` when given."""
    context = _context(kind, case, answer, generated)
    if models is not None:
        context["models"] = models
    return _render(
        "report.html",
        parts=[INPUTS, *parts_for(kind, answer)],
        title=REPORT_TITLES[kind],
        disclaimer_zh=disclaimer_zh,
        inputs=input_rows(case, kind),
        css=Markup(ANSWER_CSS.read_text(encoding="utf-8") + REPORT_CSS.read_text(encoding="utf-8")),  # our files
        **context,
    )


def codefendants_fragment(
    cases: Sequence[CaseBase],
    answers: Sequence[Mapping[str, Any]],
    comparison: Mapping[str, Any],
    generated: datetime,
) -> str:
    """The page's answer for co-defendants of one case: the comparison table (``comparison`` of
    :func:`features.model.codefendants.compare`), then each defendant's answer drawn with the criminal parts."""
    defendants = [
        {"case": case, "a": answer, "parts": parts_for("criminal", answer), "row": row}
        for case, answer, row in zip(
            cases, answers, sorted(comparison["table"], key=lambda r: r["index"]), strict=True
        )
    ]
    return _render(
        "codefendants.html",
        kind="criminal",
        comparison=comparison,
        defendants=defendants,
        generated=generated,
        disclaimer=answers[0]["disclaimer"] if answers else "",
    )
