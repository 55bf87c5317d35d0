"""The exported report: one self-contained HTML file (inline CSS and SVG, no scripts, no external loads) that a
lawyer can attach to a memo or print to PDF.

Drawn by :mod:`serving.render` from the same parts as the page's answer (band and the rules of Interp. 2017 that set
it, ranges drawn and in numbers, probabilities, drivers, similar cases with their sources (reference only), models
with their training data), inside the report's shell: title, date, reference, the inputs in plain language and the
disclaimer in English and Chinese. Every text that came from the request or the data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from features.law.schema import CivilCase, CriminalCase
from serving import render

DISCLAIMER_ZH = (
    "本报告系根据既往案例作出的统计估计,不具有约束力,亦不构成法律意见。类案仅供参考:"
    "依最高人民法院类案检索指导意见,仅指导性案例应当参照。"
)


def filename(generated: datetime) -> str:
    return f"exposure-report-{generated:%Y-%m-%d}.html"


def render_criminal(
    case: CriminalCase,
    answer: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]] | None,
    generated: datetime,
) -> str:
    """The report of a criminal estimate (one defendant, Criminal Law Art. 253-1); ``models`` (target -> model
    card) replaces the answer's ``model`` when given."""
    return render.report("criminal", case, answer, generated, disclaimer_zh=DISCLAIMER_ZH, models=models)


def render_civil(
    case: CivilCase,
    answer: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]] | None,
    generated: datetime,
) -> str:
    """The report of a civil or public-interest award estimate."""
    return render.report("civil", case, answer, generated, disclaimer_zh=DISCLAIMER_ZH, models=models)
