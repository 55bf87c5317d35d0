"""The date of the last act (``conduct_date``) from a Chinese fact description.

The last act decides between the old and the amended Criminal Law Art. 253-1 (Criminal Law Art. 12; the dates are
in the law table). :func:`find_conduct_date` reads the dates of the conduct and returns the latest with the
precision it is written in: ``2014年3月至2015年6月间`` -> ``2015-06``; ``2015年6月30日`` -> ``2015-06-30``;
``2014年至2015年`` -> ``2015``; ``2014年3月至6月`` and ``同年6月`` take the year before them. Conduct that runs
``至案发`` / ``以来`` ends at the discovery date (案发, 被抓获, 到案...) when one is written; without one the last act
is unknown and no date is given. Dates of birth, of earlier punishments and of the proceedings (立案, 逮捕,
判决, 施行...) are not the conduct's. Pure function on normalized text (``features.text.numbers.normalize``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

_MONTHS, _DAYS = 12, 31  # not-law: the calendar
_CN = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_YEAR = r"(?:19|20)\d{2}|[一二][〇零九][〇零一二三四五六七八九]{2}"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_MD = rf"(?:(?P<m>{_MONTH})月份?(?:(?P<d>{_DAY})[日号])?)"
_DATE = re.compile(
    rf"(?:(?P<y>{_YEAR})年|(?P<rel>同年|当年|次年|翌年))(?:{_MD})?"
    rf"|(?<=[至到—~-])(?P<m_only>{_MONTH})月份?(?:(?P<d_only>{_DAY})[日号])?"
)
_NOT_CONDUCT = re.compile(
    r"出生|生于|生人|判处|判决|刑满|释放|起诉|立案|逮捕|拘留|羁押|取保|监视居住|审理|开庭|受理|移送|公诉|传唤|受过|处罚|罚款"
    r"|起施行|生效|颁布|印发"
)
_DISCOVERY = re.compile(r"案发|被抓获|抓获|到案|归案|被查获|查获|被查处|报案|被发现")
_CONTINUES = re.compile(r"^(?:以来|至今|起(?!至\s*(?:19|20)\d\d|至[同次翌当]年)|至案发|直至案发)")
_UNTIL_DISCOVERY = re.compile(r"^(?:[^,;。]{0,3}?)(?:至|直至|到)(?:案发|被抓获|到案|归案|被查获)")
_CLAUSE_END = re.compile(r"[,;。!?\n:]")


@dataclass(frozen=True)
class _Date:
    year: int
    month: int | None
    day: int | None
    start: int
    end: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _cn_int(text: str) -> int:
    """Arabic or small Chinese numerals: 12, 十二, 二十八, 二〇一五."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)
    return int("".join(str(_CN[c]) for c in text))


def _about_something_else(norm: str, matches: list[re.Match[str]], i: int, bounds: list[int]) -> bool:
    """True when a word of birth, earlier punishment or proceedings in the date's clause is nearer to this date
    than to any other date (罗某(1985年出生)于2020年8月12日: 出生 is about 1985)."""
    m = matches[i]
    k = bisect_left(bounds, m.start())
    left = bounds[k - 1] + 1 if k else 0
    k = bisect_left(bounds, m.end())
    right = bounds[k] if k < len(bounds) else len(norm)

    def gap(other: re.Match[str], start: int, stop: int) -> int:
        return max(other.start() - stop, start - other.end(), 0)

    for word in _NOT_CONDUCT.finditer(norm, left, right):
        mine = gap(m, word.start(), word.end())
        neighbours = (matches[j] for j in (i - 1, i + 1) if 0 <= j < len(matches))
        others = [gap(o, word.start(), word.end()) for o in neighbours if left <= o.start() < right]
        if all(mine <= d for d in others):
            return True
    return False


@dataclass(frozen=True)
class ConductDate:
    """The last act: ``value`` is YYYY, YYYY-MM or YYYY-MM-DD (None when the text shows conduct running on with
    no end date); ``start``/``end`` the span it was read from."""

    value: str | None
    start: int
    end: int
    warnings: tuple[str, ...] = ()


def find_conduct_date(norm: str) -> ConductDate | None:
    """The date of the last act written in ``norm`` (see module docstring), or None."""
    conduct: list[_Date] = []
    discovery: list[_Date] = []
    open_ended: list[_Date] = []
    until_discovery = False
    previous_year: int | None = None
    matches = list(_DATE.finditer(norm))
    bounds = [b.start() for b in _CLAUSE_END.finditer(norm)] if matches else []
    for i, m in enumerate(matches):
        if m.group("y"):
            year = _cn_int(m.group("y"))
        elif m.group("rel"):
            if previous_year is None:
                continue
            year = previous_year + (1 if m.group("rel") in ("次年", "翌年") else 0)
        else:
            if previous_year is None:
                continue
            year = previous_year
        month_text = m.group("m") or m.group("m_only")
        day_text = m.group("d") or m.group("d_only")
        month = _cn_int(month_text) if month_text else None
        day = _cn_int(day_text) if day_text and month else None
        if (month is not None and not 1 <= month <= _MONTHS) or (day is not None and not 1 <= day <= _DAYS):
            continue
        previous_year = year
        date = _Date(year, month, day, m.start(), m.end())
        if _about_something_else(norm, matches, i, bounds):
            continue
        after = norm[m.end() : m.end() + 8]
        runs_until_discovery = bool(_UNTIL_DISCOVERY.match(after))
        if not runs_until_discovery and (
            _DISCOVERY.search(norm, m.end(), m.end() + 6)
            or _DISCOVERY.search(norm, max(0, m.start() - 4), m.start())
        ):
            discovery.append(date)
            continue
        conduct.append(date)
        if _CONTINUES.match(after):
            open_ended.append(date)
        until_discovery = until_discovery or runs_until_discovery
    if not conduct:
        return None
    last = max(conduct, key=lambda d: d.key)
    if last in open_ended or until_discovery:
        later = [d for d in discovery if d.key >= last.key]
        if later:
            end = max(later, key=lambda d: d.key)
            return ConductDate(
                end.iso(),
                end.start,
                end.end,
                ("the conduct ran until it was discovered (案发): the discovery date is taken as the last act",),
            )
        if last in open_ended:
            return ConductDate(
                None,
                last.start,
                last.end,
                ("the conduct ran on (以来 / 至案发) and no end date is written: the last act is unknown",),
            )
    return ConductDate(last.iso(), last.start, last.end)
