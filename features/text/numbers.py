"""Shared text helpers of the Chinese extractors: offset-preserving normalisation, spans and numerals.

Every helper keeps character offsets aligned with the ORIGINAL text: :func:`normalize` maps each character to
exactly one character (full-width forms to ASCII, as NFKC does for them), so a span found in the normalised
text is the same span in the input. Numerals are parsed with ``cn2an`` (``smart`` mode, which takes Chinese,
Arabic and mixed forms such as 73万, 1.2亿, 一百六十万, 壹拾贰万); this module adds what courts write around
them: thousands separators (3,000 / 3，000), 余/多 ("more than"), trailing 万/亿 after 余 (十余万), ranges
(3至5万, 1000-2000) and two-digit approximations (五六千).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an
from pydantic import BaseModel, ConfigDict

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII and the ideographic space -> space: each is one character in
# and one character out (what NFKC does for these code points), so offsets never move.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_TRANSLATE = str.maketrans(_FULLWIDTH)


def normalize(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII; same length as ``text`` (offsets preserved)."""
    return text.translate(_TRANSLATE)


class Span(BaseModel):
    """A piece of the input text that supports an extracted value: ``text == input[start:end]``."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str
    label: str | None = None  # the value this piece supports when a field has several (e.g. a data type)


def make_span(original: str, start: int, end: int, label: str | None = None) -> Span:
    return Span(start=start, end=end, text=original[start:end], label=label)


# ---------------------------------------------------------------------------------------------------------
# numerals

CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
CN_UNITS = "十拾百佰千仟万萬亿億"
_CN_SMALL_UNITS = "十拾百佰千仟"
# An Arabic number (with thousands separators, ASCII or full-width comma already mapped to ',') or a Chinese
# one, optionally followed by unit characters (73万, 3千, 1.2亿).
# Possessive quantifiers (Python 3.11+): a digit run is never re-split, so a long run without a unit after
# it fails in linear time instead of backtracking (scanners also refuse to start inside a run: NUMBER_START).
NUMBER = (
    rf"(?:(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d++)(?:\.\d++)?[{CN_UNITS}]*+(?:\d++[{CN_UNITS}]++)*+"
    rf"|[{CN_DIGITS}{CN_UNITS}]++(?:点[{CN_DIGITS}]++)?)"
)
NUMBER_START = rf"(?<![\d.{CN_DIGITS}{CN_UNITS}])"
_RANGE_SEP = r"(?:至|到|-|~|—|–)"
# quantity: number, optional range, 余/多, trailing 万/亿 (十余万), 余/多 again (3万余)
QUANTITY = (
    rf"(?P<a>{NUMBER})(?:{_RANGE_SEP}(?P<b>{NUMBER}))?"
    rf"(?P<approx1>余|多)?(?P<mult>[万萬亿億]{{1,2}})?(?P<approx2>余|多)?"
)
_MULT = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_APPROX_PAIR = re.compile(rf"^([一二三四五六七八九])([一二三四五六七八九])([{_CN_SMALL_UNITS}万萬亿億]+)$")
_VAGUE_BEFORE = "数几上成若好"  # 数千, 几万, 上万, 成千: no definite number
MAX_TOKEN = 24


@lru_cache(maxsize=4096)
def parse_number(token: str) -> float | None:
    """Value of one numeral token (Arabic, Chinese or mixed); ``None`` if it is not a number.

    >>> parse_number("73万"), parse_number("一百六十万"), parse_number("3,000"), parse_number("五六千")
    (730000.0, 1600000.0, 3000.0, 5000.0)
    """
    token = normalize(token).replace(",", "")
    if not token or len(token) > MAX_TOKEN:
        return None
    if token[0] in CN_UNITS and token[0] not in "十拾":  # 千条 / 万元 alone are not numbers
        return None
    pair = _APPROX_PAIR.match(token)
    if pair:  # 五六千 = "five or six thousand": the lower value
        low = parse_number(pair.group(1) + pair.group(3))
        return low
    try:
        value = cn2an.cn2an(token, "smart")
    except Exception:  # cn2an raises ValueError and, on odd input, other errors: not a number either way
        return None
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(out) or out < 0:
        return None
    return out


@dataclass(frozen=True)
class Quantity:
    """A number as written in the text, with where it is and how exact it is."""

    value: float  # the (lower) value, multipliers applied
    start: int
    end: int
    approximate: bool  # 余/多 ("more than") or 约
    range_high: float | None  # upper bound when a range was written (value is the lower bound)


def quantity_from_match(m: re.Match[str]) -> Quantity | None:
    """Turn a match of :data:`QUANTITY` (named groups a, b, approx1, mult, approx2) into a value."""
    a = parse_number(m.group("a"))
    if a is None:
        return None
    mult = 1.0
    for ch in m.group("mult") or "":
        mult *= _MULT[ch]
    high: float | None = None
    if m.group("b"):
        b = parse_number(m.group("b"))
        if b is None:
            return None
        b_raw = m.group("b")
        a_raw = m.group("a")
        # 3至5万 / 三至五万: the multiplier written on the upper bound applies to the lower one too
        trailing = ""
        for ch in reversed(b_raw):
            if ch in _MULT:
                trailing = ch + trailing
            else:
                break
        if trailing and not a_raw.endswith(tuple(_MULT)):
            factor = 1.0
            for ch in trailing:
                factor *= _MULT[ch]
            if a * factor <= b:
                a *= factor
        high = b * mult
        if high < a * mult:
            return None  # "5至3" is not a range
    value = a * mult
    if not math.isfinite(value):
        return None
    approx = bool(m.group("approx1") or m.group("approx2"))
    return Quantity(value=value, start=m.start(), end=m.end(), approximate=approx, range_high=high)


def vague_before(norm: str, start: int) -> bool:
    """True when the number at ``start`` is part of a vague amount (数千, 几万, 上万)."""
    return start > 0 and norm[start - 1] in _VAGUE_BEFORE


_DURATION = re.compile(
    rf"(?:(?P<y>{NUMBER})年(?:(?P<half>半)|(?:零)?(?:(?P<ym>{NUMBER})个?月)?)|(?P<m>{NUMBER})个?月|(?P<hy>半)年)"
)


def parse_duration_months(text: str, pos: int = 0) -> tuple[float, int] | None:
    """A term written at ``text[pos:]`` (三年, 一年六个月, 1年零6个月, 十个月, 两年半, 半年) as (months, end)."""
    m = _DURATION.match(text, pos)
    if not m:
        return None
    if m.group("hy") is not None:
        return 6.0, m.end()
    if m.group("y") is not None:
        years = parse_number(m.group("y"))
        if years is None:
            return None
        months = 0.0
        if m.group("ym") is not None:
            extra = parse_number(m.group("ym"))
            if extra is None:
                return None
            months = extra
        elif m.group("half") is not None:
            months = 6.0  # not-law: half a year (半年) in months
        return years * 12 + months, m.end()  # not-law: months in a year
    value = parse_number(m.group("m"))
    if value is None:
        return None
    return value, m.end()
