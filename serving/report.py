"""The exported report: one self-contained HTML file (inline CSS and SVG, no scripts, no external loads) that a
lawyer can attach to a memo or print to PDF.

Built from an estimate answer of :class:`serving.estimate.ChampionSet` and the validated case: the inputs in plain
language, the statutory band and the rules of Interp. 2017 that set it, the ranges (drawn and in numbers), the
drivers, the similar cases with their sources (reference only), the models with their training data, the date and
the disclaimer. Every text that came from the request or the data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Any

from features.law.schema import CaseBase, CivilCase, CriminalCase
from features.law.vocab import DataType
from serving.form import BANDS, FIELDS, GROUPS, PROCEEDINGS, bilingual, feature_label, vocab_label

DISCLAIMER_ZH = (
    "本报告系根据既往案例作出的统计估计,不具有约束力,亦不构成法律意见。类案仅供参考:"
    "依最高人民法院类案检索指导意见,仅指导性案例应当参照。"
)
AXIS_MONTHS = 84.0  # the longest term of Art. 253-1 (7 years): every band fits on one axis
_W, _LEFT, _RIGHT = 640, 24, 616

_SKIP = {"proceeding", "synthetic"}  # shown elsewhere / never user input


def filename(generated: datetime) -> str:
    return f"exposure-report-{generated:%Y-%m-%d}.html"


# ---------------------------------------------------------------------------------------------------- formatting
def _num(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def _months(x: float) -> str:
    return f"{x:,.1f}".removesuffix(".0")


def _yuan(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} 元"


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


def _value(name: str, value: Any) -> str:
    """One input value in words (not yet escaped)."""
    field = FIELDS.get(name)
    enum: type[StrEnum] | None = field.vocab if field else None
    if isinstance(value, bool):
        return "Yes (是)" if value else "No (否)"
    if name == "records_by_type" and isinstance(value, Mapping):
        return "; ".join(f"{vocab_label(DataType, str(k))}: {_num(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(vocab_label(enum, str(v)) if enum else str(v) for v in value)
    if name == "proceeding":
        return bilingual(PROCEEDINGS[str(value)])
    if enum is not None:
        return vocab_label(enum, str(value))
    if isinstance(value, int | float) and name != "year":
        unit = " 元" if name.endswith("_yuan") else ""
        return _num(value, 0 if float(value).is_integer() else 2) + unit
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


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _link(url: str | None, title: str | None) -> str:
    if not url:
        return _e(title) if title else "—"
    text = _e(title or url)
    if not url.startswith(("http://", "https://")):
        return f"{text} ({_e(url)})"  # never a javascript: or data: link
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{text}</a><br><span class="url">{_e(url)}</span>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """Cells are HTML already (escape before)."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


# ---------------------------------------------------------------------------------------------------- drawings
def _x(value: float, lo: float, hi: float) -> float:
    frac = 0.0 if hi <= lo else (min(max(value, lo), hi) - lo) / (hi - lo)
    return round(_LEFT + frac * (_RIGHT - _LEFT), 2)


def range_svg(
    *,
    low: float,
    high: float,
    point: float,
    legal: tuple[float, float] | None,
    axis: tuple[float, float],
    ticks: Sequence[tuple[float, str]],
    label: str,
) -> str:
    """A horizontal bar: the legal range (light), the estimate's interval (dark) and its point (a marker)."""
    lo, hi = axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="range" viewBox="0 0 {_W} 74" width="{_W}" height="74" '
        f'role="img" aria-label="{_e(label)}" data-low="{low}" data-high="{high}" data-point="{point}">'
    ]
    parts.append(f'<rect x="{_LEFT}" y="22" width="{_RIGHT - _LEFT}" height="18" fill="#eef0f3"/>')
    if legal is not None:
        x0, x1 = _x(legal[0], lo, hi), _x(legal[1], lo, hi)
        parts.append(
            f'<rect x="{x0}" y="22" width="{max(x1 - x0, 2)}" height="18" fill="#c9d6ea"><title>legal range'
            f"</title></rect>"
        )
    x0, x1 = _x(low, lo, hi), _x(high, lo, hi)
    parts.append(f'<rect x="{x0}" y="26" width="{max(x1 - x0, 2)}" height="10" fill="#1f4e8c"/>')
    xp = _x(point, lo, hi)
    parts.append(f'<path d="M{xp} 16 L{xp + 6} 8 L{xp - 6} 8 Z" fill="#b3261e"/>')
    parts.append(f'<line x1="{xp}" x2="{xp}" y1="16" y2="46" stroke="#b3261e" stroke-width="2"/>')
    for value, text in ticks:
        xt = _x(value, lo, hi)
        parts.append(f'<line x1="{xt}" x2="{xt}" y1="40" y2="46" stroke="#555"/>')
        parts.append(f'<text x="{xt}" y="60" font-size="11" text-anchor="middle" fill="#333">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def gauge_svg(p: float, label: str) -> str:
    width = 300
    fill = round(width * min(max(p, 0.0), 1.0), 1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gauge" viewBox="0 0 {width} 14" width="{width}" height="14" '
        f'role="img" aria-label="{_e(label)}" data-value="{p}"><rect width="{width}" height="14" fill="#eef0f3"/>'
        f'<rect width="{fill}" height="14" fill="#1f4e8c"/></svg>'
    )


def drivers_svg(drivers: Sequence[Mapping[str, Any]], key: str, unit: str) -> str:
    """Signed horizontal bars around zero: longer/larger to the right, shorter/smaller to the left."""
    if not drivers:
        return "<p>—</p>"
    width, label_w, row = 640, 300, 22
    mid = label_w + (width - label_w) / 2
    half = (width - label_w) / 2 - 60
    biggest = max(abs(float(d[key])) for d in drivers) or 1.0
    height = row * len(drivers) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="drivers" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="drivers">'
        f'<line x1="{mid}" x2="{mid}" y1="0" y2="{height}" stroke="#888"/>'
    ]
    for i, d in enumerate(drivers):
        c = float(d[key])
        y = 4 + i * row
        w = round(abs(c) / biggest * half, 1)
        x = mid if c >= 0 else mid - w
        colour = "#b3261e" if c >= 0 else "#2e7d32"
        value = f"{c:+,.1f}" if unit == "months" else f"{c:+,.0f}"
        tx, anchor = (mid + w + 4, "start") if c >= 0 else (mid - w - 4, "end")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 14}" font-size="11" text-anchor="end" fill="#222">'
            f"{_e(feature_label(str(d['feature'])))}</text>"
            f'<rect x="{x}" y="{y + 3}" width="{max(w, 1)}" height="14" fill="{colour}"/>'
            f'<text x="{tx}" y="{y + 14}" font-size="11" text-anchor="{anchor}" fill="#222">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    out = []
    for e in range(math.floor(lo), math.ceil(hi) + 1):
        v = 10.0**e
        text = f"{v / 10_000:g}万" if v >= 10_000 else f"{v:g}"
        out.append((float(e), text))
    return out


def yuan_range_svg(
    low: float, high: float, point: float, guideline: Sequence[float] | None, label: str, cap: float | None = None
) -> str:
    """Money on a log10 axis (fines and awards span orders of magnitude)."""
    values = [max(v, 1.0) for v in (low, high, point, *(guideline or ()), *((cap,) if cap else ()))]
    lo = math.floor(math.log10(min(values)))
    hi = math.ceil(math.log10(max(values)))
    hi = max(hi, lo + 1)

    def lg(v: float) -> float:
        return math.log10(max(v, 1.0))

    legal = (lg(guideline[0]), lg(guideline[1])) if guideline else None
    svg = range_svg(
        low=lg(low),
        high=lg(high),
        point=lg(point),
        legal=legal,
        axis=(lo, hi),
        ticks=_log_ticks(lo, hi),
        label=label,
    )
    # the data attributes carry yuan, not logarithms
    return svg.replace(
        f'data-low="{lg(low)}" data-high="{lg(high)}" data-point="{lg(point)}"',
        f'data-low="{low}" data-high="{high}" data-point="{point}"',
        1,
    )


def custodial_svg(months: Mapping[str, Any]) -> str:
    legal = months.get("legal_range")
    ticks = [(float(m), f"{m}") for m in (0, 6, 12, 24, 36, 48, 60, 72, 84)]
    return range_svg(
        low=float(months["low"]),
        high=float(months["high"]),
        point=float(months["point"]),
        legal=(float(legal[0]), float(legal[1])) if legal else None,
        axis=(0.0, AXIS_MONTHS),
        ticks=ticks,
        label="custodial months: legal range, estimated range and point",
    )


# ---------------------------------------------------------------------------------------------------- sections
def _outcome(outcome: Mapping[str, Any]) -> str:
    bits: list[str] = []
    if "custodial_months" in outcome:
        months = outcome.get("custodial_months")
        penalty = outcome.get("penalty")
        if months:
            kind = {"detention": "detention 拘役", "imprisonment": "imprisonment 有期徒刑"}.get(str(penalty), "")
            bits.append(f"{_months(float(months))} months {kind}".strip())
        elif penalty:
            bits.append(str(penalty))
        if outcome.get("probation_months"):
            bits.append(f"probation 缓刑 {_months(float(outcome['probation_months']))} months")
        if outcome.get("fine_yuan") is not None:
            bits.append(f"fine 罚金 {_yuan(outcome['fine_yuan'])}")
    else:
        if outcome.get("awarded_total_yuan") is not None:
            bits.append(f"awarded 判赔 {_yuan(outcome['awarded_total_yuan'])}")
        if outcome.get("claimed_yuan") is not None:
            bits.append(f"claimed 诉请 {_yuan(outcome['claimed_yuan'])}")
        if outcome.get("apology_ordered"):
            bits.append("apology 赔礼道歉")
    return "; ".join(bits) or "—"


def similar_section(similar: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        (
            _e(s.get("court") or "—") + (f"<br>{_e(s['year'])}" if s.get("year") else ""),
            _e(s.get("summary") or "—"),
            _e(_outcome(s.get("outcome") or {})),
            f"{float(s.get('similarity', 0)):.2f}",
            _link(s.get("source_url"), s.get("source_title")),
        )
        for s in similar
    ]
    return (
        "<h2>Similar cases (类案) — reference only / 仅供参考</h2>"
        "<p class=note>Real cases nearest to this one in the training data. Under the SPC similar-case guidance only "
        "guiding cases bind; these are reference only.</p>"
        + _table(("Court / year", "Summary", "Outcome", "Similarity", "Source"), rows, "similar")
    )


def models_section(models: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [
        (
            _e(target),
            _e(m.get("name")),
            _e(m.get("version")),
            f"<code>{_e(m.get('run_id'))}</code>",
            _e(m.get("family")),
            _e(m.get("dataset_digest") or "—") + (f" ({_num(m['n_train'])} cases)" if m.get("n_train") else ""),
        )
        for target, m in models.items()
    ]
    return "<h2>Models (模型)</h2>" + _table(
        ("Target", "Registered model", "Version", "MLflow run", "Family", "Training data (digest, size)"), rows
    )


def _drivers_section(drivers: Sequence[Mapping[str, Any]], key: str, unit: str, what: str) -> str:
    fmt = (lambda c: f"{c:+,.2f}") if unit == "months" else (lambda c: f"{c:+,.0f}")
    rows = [
        (_e(feature_label(str(d["feature"]))), fmt(float(d[key])), _e(f"{float(d['value']):g}")) for d in drivers
    ]
    return (
        f"<h2>Drivers (影响因素)</h2><p class=note>Largest signed contributions to the point estimate of {what}, in "
        f"{unit}: positive raises it, negative lowers it.</p>"
        + drivers_svg(drivers, key, unit)
        + _table(("Feature", f"Contribution, {unit}", "Value"), rows, "drivers")
    )


def _page(title: str, body: str, generated: datetime) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="Exposure">
<title>{_e(title)} — {generated:%Y-%m-%d}</title>
<style>{CSS}</style></head>
<body><main>
{body}
</main></body></html>
"""


def _disclaimer(answer: Mapping[str, Any]) -> str:
    """The answer's warnings (e.g. that it rests on no fact: ``prior=true``), then its disclaimer."""
    return " ".join([*(answer.get("warnings") or []), str(answer["disclaimer"])])


def _header(title: str, case_id: str | None, generated: datetime, disclaimer: str) -> str:
    ref = f"<p><b>Reference (编号):</b> {_e(case_id)}</p>" if case_id else ""
    return (
        f"<header><h1>{_e(title)}</h1><p class=meta>Generated {generated:%Y-%m-%d %H:%M %Z} by Exposure · "
        f"生成日期 {generated:%Y年%m月%d日}</p>{ref}</header>"
        f"<p class=disclaimer>{_e(disclaimer)}<br>{DISCLAIMER_ZH}</p>"
    )


def _inputs_section(case: CaseBase, kind: str, extraction: Mapping[str, Any] | None) -> str:
    rows = [(_e(label), _e(value)) for label, value in input_rows(case, kind)]
    note = ""
    if extraction is not None:
        found = ", ".join(sorted(k for k, v in (extraction.get("case") or {}).items() if v not in (None, [])))
        warnings = "".join(f"<li>{_e(w)}</li>" for w in extraction.get("warnings") or [])
        note = (
            f"<p class=note>Some fields were read from a fact description ({_e(found) or 'none'}); check them."
            f"</p>" + (f"<ul class=note>{warnings}</ul>" if warnings else "")
        )
    return (
        "<h2>Inputs (案件事实)</h2>"
        + note
        + _table(("Field", "Value"), rows or [("—", "no facts given")], "inputs")
    )


def render_criminal(
    case: CriminalCase,
    answer: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]],
    generated: datetime,
) -> str:
    """The report of a criminal estimate (one defendant, Criminal Law Art. 253-1)."""
    st = answer["statutory"]
    months = answer["custodial_months"]
    fine = answer["fine_yuan"]
    band = str(answer["band"])
    legal = st["custodial_range_months"]
    rules = [(_e(r["article"]), _e(r["text"]), _e(bilingual(BANDS[r["band"]]))) for r in st.get("rules") or []]
    notes = "".join(f"<li>{_e(n)}</li>" for n in st.get("notes") or [])
    uncertain = (
        ""
        if st.get("band_certain", True)
        else "<p class=warn>The band is not certain on these facts: the lower band is shown. "
        f"Most sensitive reading: {_e(st.get('band_if_most_sensitive') or '—')}; least: "
        f"{_e(st.get('band_if_least_sensitive') or '—')}.</p>"
    )
    guideline = fine.get("guideline_yuan")
    multiple = fine.get("multiple_of_gains")
    level = _pct(float(months["level"]))
    body = [
        _header(
            "Sentencing exposure report (量刑预估报告) — Criminal Law Art. 253-1",
            case.case_id,
            generated,
            _disclaimer(answer),
        ),
        _inputs_section(case, "criminal", answer.get("extraction")),
        "<h2>Statutory band (法定刑档次)</h2>",
        f'<p class=band data-band="{_e(band)}"><b>{_e(bilingual(BANDS[band]))}</b> — legal custodial range '
        f"<b>{_months(legal[0])}–{_months(legal[1])} months</b> (法定刑 {_months(legal[0])}–{_months(legal[1])} 个月)"
        f"{'; fine mandatory (并处罚金)' if st.get('fine_mandatory') else ''}"
        f"{'; probation possible (可适用缓刑)' if st.get('probation_possible') else '; no probation (不适用缓刑)'}</p>",
        uncertain,
        _table(("Rule (cited)", "What met it", "Band it sets"), rules, "rules")
        if rules
        else "<p>No rule of Interp. 2017 is met on the facts given.</p>",
        f"<ul class=note>{notes}</ul>" if notes else "",
        "<h2>Estimate (预估)</h2>",
        f"<p><b>Custodial term (刑期):</b> {_months(months['point'])} months, {level} range "
        f"<b>{_months(months['low'])}–{_months(months['high'])} months</b> "
        f"(预估 {_months(months['point'])} 个月, 区间 {_months(months['low'])}–{_months(months['high'])} 个月)</p>",
        custodial_svg(months),
        f"<p class=note>{_e(months['note'])}</p>" if months.get("note") else "",
        '<p class=legend><span class="key legal"></span> legal range 法定刑 &nbsp; <span class="key interval"></span> '
        f"{level} range 预估区间 &nbsp; <span class='key point'></span> estimate 点估计 (months 月)</p>",
        f"<p><b>P(term ≤ 36 months) (刑期不超过三年的概率):</b> {_pct(answer['p_custodial_le_36_months'])}</p>",
        gauge_svg(float(answer["p_custodial_le_36_months"]), "probability of a term of at most 36 months"),
        f"<p><b>P(probation) (适用缓刑的概率):</b> {_pct(answer['probation_probability'])}</p>",
        gauge_svg(float(answer["probation_probability"]), "probability of probation"),
        f"<p><b>Fine (罚金):</b> {_yuan(fine['point'])}, {_pct(float(fine['level']))} range "
        f"<b>{_yuan(fine['low'])} – {_yuan(fine['high'])}</b>"
        + (
            f"; Interp. 2017 Art. 12 guideline (1–5× gains) {_yuan(guideline[0])} – {_yuan(guideline[1])}"
            if guideline
            else ""
        )
        + (
            f"; {multiple['low']:g}×–{multiple['high']:g}× the gains (point {multiple['point']:g}×)"
            if multiple
            else ""
        )
        + "</p>",
        yuan_range_svg(
            float(fine["low"]), float(fine["high"]), float(fine["point"]), guideline, "fine in yuan (log scale)"
        ),
        _drivers_section(answer.get("drivers") or [], "contribution_months", "months", "the custodial term"),
        similar_section(answer.get("similar_cases") or []),
        models_section(models),
    ]
    return _page("Exposure report", "\n".join(body), generated)


def render_civil(
    case: CivilCase,
    answer: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]],
    generated: datetime,
) -> str:
    """The report of a civil or public-interest award estimate."""
    award = answer["awarded_total_yuan"]
    ratio = answer.get("award_to_claim_ratio")
    claimed = case.claimed_yuan
    body = [
        _header("Award exposure report (赔偿金额预估报告)", case.case_id, generated, _disclaimer(answer)),
        _inputs_section(case, "civil", None),
        "<h2>Estimate (预估)</h2>",
        f"<p><b>Total award (判赔总额):</b> {_yuan(award['point'])}, {_pct(float(award['level']))} range "
        f"<b>{_yuan(award['low'])} – {_yuan(award['high'])}</b>"
        + (f"; claimed {_yuan(claimed)}" if claimed else "")
        + (
            f"; {_pct(ratio['low'])}–{_pct(ratio['high'])} of the claim (point {_pct(ratio['point'])})"
            if ratio
            else ""
        )
        + "</p>",
        yuan_range_svg(
            float(award["low"]),
            float(award["high"]),
            float(award["point"]),
            (1.0, claimed) if claimed else None,
            "award in yuan (log scale)",
        ),
        "<p class=legend><span class='key legal'></span> up to the claim 诉请范围 &nbsp; <span class='key interval'>"
        "</span> estimated range 预估区间 &nbsp; <span class='key point'></span> estimate 点估计 (yuan 元, log scale)</p>",
        _drivers_section(answer.get("drivers") or [], "contribution_yuan", "yuan", "the award"),
        similar_section(answer.get("similar_cases") or []),
        models_section(models),
    ]
    return _page("Exposure report", "\n".join(body), generated)


CSS = """
body{font:14px/1.45 "Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",system-ui,sans-serif;color:#1d1d1f;
margin:0;background:#fff}
main{max-width:900px;margin:0 auto;padding:24px 32px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccd;padding-bottom:3px}
.meta{color:#555;margin:0}.note{color:#555;font-size:12.5px}.warn{color:#8a4b00}
.disclaimer{background:#fff6e0;border:1px solid #e8c66a;padding:8px 12px;font-size:12.5px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #d5d8de;padding:4px 7px;text-align:left;vertical-align:top}th{background:#f2f4f7}
.url{color:#666;font-size:11px;word-break:break-all}code{font-size:11px}
svg{display:block;max-width:100%;height:auto;margin:4px 0}
.legend{font-size:12px;color:#444}.key{display:inline-block;width:14px;height:10px;vertical-align:middle}
.key.legal{background:#c9d6ea}.key.interval{background:#1f4e8c}.key.point{background:#b3261e;width:4px}
@media print{main{padding:0}a{color:#000}h2{break-after:avoid}table,svg{break-inside:avoid}}
"""
