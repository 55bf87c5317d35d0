"""What a judgment ingestion reports (rows kept, defendants and files rejected and why) and its review files: a CSV
(one line per defendant and field) and one self-contained HTML page.

Both list every field read for every defendant, its value, its evidence (the span of the judgment's text, with
some context in the page) and the reader's confidence (0-1, rules in :mod:`features.text.judgment`), plus every
file or defendant that gave no row and why. The page is rendered by Jinja2 with autoescaping (judgment text is
untrusted input) and needs nothing from the network; lower confidences are coloured so a reviewer checks them
first. The files hold the judgments' text: keep them where the judgments are kept.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment
from pydantic import BaseModel, Field


class Rejected(BaseModel):
    source: str
    defendant: str | None = None
    reason: str
    detail: str = ""


class ReviewField(BaseModel):
    field: str
    value: Any
    confidence: float | None
    spans: list[tuple[int, int, str]] = Field(default_factory=list)
    context: list[tuple[str, str, str]] = Field(default_factory=list, description="(before, span, after) per span")


class ReviewEntry(BaseModel):
    """One defendant of one judgment, as the review files show it."""

    source: str
    court: str | None
    case_number: str | None
    date: str | None
    instance: str | None
    appeal_result: str | None
    defendant: str | None
    case_id: str | None
    status: str = Field(description="'row' (written) or the reason it was not")
    fields: list[ReviewField] = Field(default_factory=list)


class JudgmentIngestReport(BaseModel):
    files: int = 0
    judgments: int = Field(0, description="files read as text")
    rows: int = 0
    rejected: list[Rejected] = Field(default_factory=list)
    reasons: dict[str, int] = Field(default_factory=dict)
    formats: dict[str, int] = Field(default_factory=dict)
    out: str | None = None
    rows_file: str | None = None
    review_csv: str | None = None
    review_html: str | None = None
    seconds: float = 0.0
    judgments_per_second: float = 0.0


CSV_COLUMNS = (
    "source",
    "case_number",
    "defendant",
    "case_id",
    "status",
    "field",
    "value",
    "confidence",
    "evidence",
    "start",
    "end",
)

_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>Exposure: review of {{ report.files }} judgments</title>
<style>
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin:1.6em 0 .3em} table{border-collapse:collapse;margin:.3em 0 1em}
td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3} .meta{color:#555} .status-row{color:#1a7f37} .status-no{color:#b42318;font-weight:600}
mark{background:#fff3a3} .ctx{color:#666} .c-high{background:#e6f4ea} .c-mid{background:#fff7e0} .c-low{background:#fde7e7}
.summary td{border:none;padding:1px 10px 1px 0}
</style></head><body>
<h1>Review of ingested judgments</h1>
<p class="meta">{{ report.files }} files, {{ report.judgments }} read as text, {{ report.rows }} training rows written.
Check every field against its evidence; lowest confidence first (red &lt; 0.7 &le; yellow &lt; 0.9 &le; green).
Edit <code>rows.jsonl</code> where a value is wrong, then add it with <code>exposure data add</code>.</p>
{% if report.reasons %}<table class="summary">{% for reason, n in report.reasons.items() %}
<tr><td>{{ n }}</td><td>{{ reason }}</td></tr>{% endfor %}</table>{% endif %}
{% for e in entries %}
<h2>{{ e.source }}{% if e.defendant %} &middot; {{ e.defendant }}{% endif %}</h2>
<p class="meta">{{ e.court or "court not found" }} &middot; {{ e.case_number or "no case number" }}
{% if e.date %} &middot; {{ e.date }}{% endif %}{% if e.instance %} &middot; {{ e.instance }} instance{% endif %}
{% if e.appeal_result %} ({{ e.appeal_result }}){% endif %}
&middot; {% if e.status == "row" %}<span class="status-row">row {{ e.case_id }}</span>{% else %}<span class="status-no">no row: {{ e.status }}</span>{% endif %}</p>
{% if e.fields %}<table><tr><th>field</th><th>value</th><th>confidence</th><th>evidence</th></tr>
{% for f in e.fields %}<tr class="{{ band(f.confidence) }}"><td>{{ f.field }}</td><td>{{ show(f.value) }}</td>
<td>{{ "%.2f"|format(f.confidence) if f.confidence is not none else "" }}</td>
<td>{% for before, span, after in f.context %}<div><span class="ctx">&hellip;{{ before }}</span><mark>{{ span }}</mark><span class="ctx">{{ after }}&hellip;</span></div>{% endfor %}</td></tr>
{% endfor %}</table>{% endif %}
{% endfor %}
</body></html>
"""


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _band(confidence: float | None) -> str:
    if confidence is None:
        return ""
    return "c-high" if confidence >= 0.9 else "c-mid" if confidence >= 0.7 else "c-low"


def render_review_html(entries: list[ReviewEntry], report: JudgmentIngestReport) -> str:
    """The review page (autoescaped)."""
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(show=_show, band=_band)
    return env.from_string(_TEMPLATE).render(entries=entries, report=report)


def write_review(
    entries: list[ReviewEntry], csv_path: Path, html_path: Path, report: JudgmentIngestReport
) -> tuple[Path, Path]:
    """Write the CSV (UTF-8 with BOM, so spreadsheet programs show Chinese) and the HTML page."""
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            base = [e.source, e.case_number or "", e.defendant or "", e.case_id or "", e.status]
            if not e.fields:
                writer.writerow([*base, "", "", "", "", "", ""])
            for f in e.fields:
                first = f.spans[0] if f.spans else None
                writer.writerow(
                    [
                        *base,
                        f.field,
                        _show(f.value),
                        "" if f.confidence is None else f"{f.confidence:.2f}",
                        " | ".join(s[2] for s in f.spans),
                        first[0] if first else "",
                        first[1] if first else "",
                    ]
                )
    html_path.write_text(render_review_html(entries, report), encoding="utf-8")
    return csv_path, html_path


__all__ = ["CSV_COLUMNS", "render_review_html", "write_review"]
