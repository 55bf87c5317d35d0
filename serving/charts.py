"""The geometry of every drawing of an answer, in one place: the page's answer and the exported report are drawn by
the same templates (``serving/templates/components/charts.html``) from these shapes, which carry every coordinate
and colour; the templates only write them out as SVG.

Three drawings:
- :func:`custodial_chart` / :func:`yuan_chart`: a horizontal bar with the legal range (light), the estimate's
  interval (dark) and its point (a marker). Custodial months on one linear axis from 0 to the longest term of
  Criminal Law Art. 253-1 (84 months, from the law table), so that every band is drawn on the same scale; money
  (yuan) on a log10 axis, because fines and awards span orders of magnitude.
- :func:`gauge`: a probability as a filled bar, 0 to 1.
- :func:`drivers_chart`: signed contributions as bars around zero (right raises the estimate, left lowers it).

Coordinates are SVG user units (the viewBox); values keep the answer's units (months, yuan, probabilities).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from features.law.statutory import load_law_table
from serving.form import feature_label

# The longest custodial term of Criminal Law Art. 253-1 (especially serious: 3-7 years), from the law table: every
# band fits on one axis.
AXIS_MONTHS = max(high for _, high in load_law_table().ranges.values())
# a tick where detention ends (Criminal Law Art. 42) and every year up to the axis' end
MONTH_TICKS = (
    0,
    int(load_law_table().detention_months[1]),
    *range(12, int(AXIS_MONTHS) + 1, 12),
)  # not-law: a year

COLOURS = {
    "track": "#eef0f3",
    "legal": "#c9d6ea",
    "interval": "#1f4e8c",
    "point": "#b3261e",
    "tick": "#555555",
    "text": "#222222",
    "up": "#b3261e",
    "down": "#2e7d32",
    "axis": "#888888",
}

# a range bar: 640 x 74 units, plotted between x = 24 and x = 616
WIDTH, LEFT, RIGHT, HEIGHT = 640, 24.0, 616.0, 74
TRACK_Y, TRACK_H = 22, 18
INTERVAL_Y, INTERVAL_H = 26, 10
POINT_TIP_Y, POINT_TOP_Y, POINT_HALF_W, POINT_LINE_END = 16, 8, 6, 46
TICK_Y1, TICK_Y2, TICK_LABEL_Y = 40, 46, 60  # not-law: pixels
MIN_BAR_W = 2.0  # a zero-width interval or legal range is still visible
GAUGE_W, GAUGE_H = 300, 14
DRIVER_W, DRIVER_LABEL_W, DRIVER_ROW, DRIVER_BAR_H, DRIVER_VALUE_ROOM = 640, 300, 22, 14, 60  # not-law: pixels


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Tick:
    x: float
    y1: float
    y2: float
    label_y: float
    text: str


@dataclass(frozen=True)
class Marker:
    """The point estimate: a triangle above the bar and a line through it."""

    x: float
    path: str
    y1: float
    y2: float
    colour: str


@dataclass(frozen=True)
class RangeChart:
    """One range bar. ``low/high/point/legal`` are in the answer's unit (months or yuan); ``axis`` is in the
    plotted unit (months, or log10 yuan when ``scale`` is ``log10``)."""

    id: str
    label: str
    scale: Literal["linear", "log10"]
    low: float
    high: float
    point: float
    legal: tuple[float, float] | None
    legal_title: str
    level: float | None
    axis: tuple[float, float]
    width: int
    height: int
    left: float
    right: float
    track: Rect
    legal_bar: Rect | None
    interval: Rect
    marker: Marker
    ticks: tuple[Tick, ...]
    tick_colour: str
    text_colour: str


@dataclass(frozen=True)
class Gauge:
    id: str
    label: str
    value: float
    width: int
    height: int
    track: Rect
    fill: Rect


@dataclass(frozen=True)
class DriverBar:
    feature: str
    contribution: float
    up: bool
    label: str
    label_x: float
    text_y: float
    bar: Rect
    value_text: str
    value_x: float
    value_anchor: Literal["start", "end"]


@dataclass(frozen=True)
class DriversChart:
    id: str
    unit: str
    width: int
    height: int
    mid: float
    bars: tuple[DriverBar, ...]
    axis_colour: str
    text_colour: str


def x_of(value: float, lo: float, hi: float, left: float = LEFT, right: float = RIGHT) -> float:
    """The x coordinate of ``value`` on an axis from ``lo`` to ``hi`` drawn between ``left`` and ``right``
    (clipped to the axis), rounded to 0.01 unit."""
    frac = 0.0 if hi <= lo else (min(max(value, lo), hi) - lo) / (hi - lo)
    return round(left + frac * (right - left), 2)


def _bar(lo_value: float, hi_value: float, axis: tuple[float, float], y: float, h: float, fill: str) -> Rect:
    x0, x1 = x_of(lo_value, *axis), x_of(hi_value, *axis)
    return Rect(x0, y, round(max(x1 - x0, MIN_BAR_W), 2), h, fill)


def range_chart(
    *,
    id: str,
    label: str,
    low: float,
    high: float,
    point: float,
    legal: tuple[float, float] | None,
    axis: tuple[float, float],
    ticks: Sequence[tuple[float, str]],
    scale: Literal["linear", "log10"] = "linear",
    level: float | None = None,
    legal_title: str = "legal range",
    plotted: tuple[float, float, float, tuple[float, float] | None] | None = None,
) -> RangeChart:
    """A range bar. ``plotted`` gives low/high/point/legal in the axis' unit when it is not the values' own
    (log10 yuan); ticks are (position in the axis' unit, label)."""
    p_low, p_high, p_point, p_legal = plotted if plotted is not None else (low, high, point, legal)
    xp = x_of(p_point, *axis)
    return RangeChart(
        id=id,
        label=label,
        scale=scale,
        low=float(low),
        high=float(high),
        point=float(point),
        legal=(float(legal[0]), float(legal[1])) if legal is not None else None,
        legal_title=legal_title,
        level=level,
        axis=(float(axis[0]), float(axis[1])),
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=RIGHT,
        track=Rect(LEFT, TRACK_Y, RIGHT - LEFT, TRACK_H, COLOURS["track"]),
        legal_bar=_bar(p_legal[0], p_legal[1], axis, TRACK_Y, TRACK_H, COLOURS["legal"]) if p_legal else None,
        interval=_bar(p_low, p_high, axis, INTERVAL_Y, INTERVAL_H, COLOURS["interval"]),
        marker=Marker(
            x=xp,
            path=f"M{xp:g} {POINT_TIP_Y} L{xp + POINT_HALF_W:g} {POINT_TOP_Y} L{xp - POINT_HALF_W:g} {POINT_TOP_Y} Z",
            y1=POINT_TIP_Y,
            y2=POINT_LINE_END,
            colour=COLOURS["point"],
        ),
        ticks=tuple(Tick(x_of(v, *axis), TICK_Y1, TICK_Y2, TICK_LABEL_Y, text) for v, text in ticks),
        tick_colour=COLOURS["tick"],
        text_colour=COLOURS["text"],
    )


def custodial_chart(
    months: Mapping[str, Any], id: str = "custodial-chart", legal: Sequence[float] | None = None
) -> RangeChart:
    """Custodial months (``point/low/high/level`` and ``legal_range`` of an answer) on the 0-84 month axis."""
    band_range = legal if legal is not None else months.get("legal_range")
    return range_chart(
        id=id,
        label="custodial months: legal range, estimated range and point",
        low=float(months["low"]),
        high=float(months["high"]),
        point=float(months["point"]),
        legal=(float(band_range[0]), float(band_range[1])) if band_range else None,
        axis=(0.0, AXIS_MONTHS),
        ticks=[(float(m), str(m)) for m in MONTH_TICKS],
        level=float(months["level"]) if months.get("level") is not None else None,
    )


def log_ticks(lo: int, hi: int) -> list[tuple[float, str]]:
    """One tick per power of ten from 10^lo to 10^hi yuan; 万 (10,000) from 10^4."""
    out = []
    for e in range(lo, hi + 1):
        v = 10.0**e
        out.append((float(e), f"{v / 10_000:g}万" if v >= 10_000 else f"{v:g}"))
    return out


def yuan_chart(
    *,
    id: str,
    label: str,
    low: float,
    high: float,
    point: float,
    guide: Sequence[float] | None,
    level: float | None = None,
    legal_title: str = "legal range",
) -> RangeChart:
    """Money on a log10 axis from the power of ten below the smallest value to the one above the largest (amounts
    below 1 yuan are drawn at 1). ``guide`` is the light range (the Art. 12 fine guideline, or up to the claim)."""
    values = [max(v, 1.0) for v in (low, high, point, *(guide or ()))]
    lo = math.floor(math.log10(min(values)))
    hi = max(math.ceil(math.log10(max(values))), lo + 1)

    def lg(v: float) -> float:
        return math.log10(max(v, 1.0))

    guide_pair = (float(guide[0]), float(guide[1])) if guide else None
    return range_chart(
        id=id,
        label=label,
        low=low,
        high=high,
        point=point,
        legal=guide_pair,
        axis=(float(lo), float(hi)),
        ticks=log_ticks(lo, hi),
        scale="log10",
        level=level,
        legal_title=legal_title,
        plotted=(lg(low), lg(high), lg(point), (lg(guide_pair[0]), lg(guide_pair[1])) if guide_pair else None),
    )


def gauge(id: str, p: float, label: str) -> Gauge:
    """A probability ``p`` (0-1) as the filled share of a 300-unit bar."""
    fill = round(GAUGE_W * min(max(float(p), 0.0), 1.0), 1)
    return Gauge(
        id=id,
        label=label,
        value=float(p),
        width=GAUGE_W,
        height=GAUGE_H,
        track=Rect(0, 0, GAUGE_W, GAUGE_H, COLOURS["track"]),
        fill=Rect(0, 0, fill, GAUGE_H, COLOURS["interval"]),
    )


def signed(value: float, unit: str) -> str:
    """A contribution with its sign: months to 0.1, yuan to 1."""
    return f"{value:+,.1f}" if unit == "months" else f"{value:+,.0f}"


def drivers_chart(
    drivers: Sequence[Mapping[str, Any]], key: str, unit: str, id: str = "drivers-chart"
) -> DriversChart:
    """One row per driver (``feature`` and the contribution under ``key``, in ``unit``): the label on the left, a
    bar from the middle whose length is the contribution relative to the largest one."""
    half = (DRIVER_W - DRIVER_LABEL_W) / 2 - DRIVER_VALUE_ROOM
    mid = DRIVER_LABEL_W + (DRIVER_W - DRIVER_LABEL_W) / 2
    biggest = max((abs(float(d[key])) for d in drivers), default=0.0) or 1.0
    bars = []
    for i, d in enumerate(drivers):
        c = float(d[key])
        y = 4 + i * DRIVER_ROW
        w = round(abs(c) / biggest * half, 1)
        up = c >= 0
        bars.append(
            DriverBar(
                feature=str(d["feature"]),
                contribution=c,
                up=up,
                label=feature_label(str(d["feature"])),
                label_x=DRIVER_LABEL_W - 8,
                text_y=y + 14,
                bar=Rect(
                    mid if up else mid - w, y + 3, max(w, 1.0), DRIVER_BAR_H, COLOURS["up" if up else "down"]
                ),
                value_text=signed(c, unit),
                value_x=mid + w + 4 if up else mid - w - 4,
                value_anchor="start" if up else "end",
            )
        )
    return DriversChart(
        id=id,
        unit=unit,
        width=DRIVER_W,
        height=DRIVER_ROW * len(drivers) + 8,
        mid=mid,
        bars=tuple(bars),
        axis_colour=COLOURS["axis"],
        text_colour=COLOURS["text"],
    )


# ---------------------------------------------------------------------------------------------------- checks
CHECKED_COLOUR = "#6a1b9a"  # the value a deviation check places (a sentence or an award)
CHECKED_TOP_Y, CHECKED_BOTTOM_Y = 4, 50  # not-law: pixels


@dataclass(frozen=True)
class CheckChart:
    """An estimate's range bar with the checked value (a proposed or actual sentence or award) drawn across it."""

    chart: RangeChart
    value: float
    x: float
    y1: float
    y2: float
    colour: str
    clipped: bool  # the value lies beyond the axis and is drawn at its end


def check_chart(chart: RangeChart, value: float) -> CheckChart:
    """The checked ``value`` (the chart's own unit: months, or yuan on a log10 chart) as a line over ``chart``."""
    plotted = math.log10(max(value, 1.0)) if chart.scale == "log10" else float(value)
    return CheckChart(
        chart=chart,
        value=float(value),
        x=x_of(plotted, *chart.axis, left=chart.left, right=chart.right),
        y1=CHECKED_TOP_Y,
        y2=CHECKED_BOTTOM_Y,
        colour=CHECKED_COLOUR,
        clipped=not chart.axis[0] <= plotted <= chart.axis[1],
    )
