"""Sentences stated in a Chinese judgment, a court notice or a press report, one per defendant, as training labels.

``parse_outcomes(text)`` finds, per defendant: fixed-term imprisonment (有期徒刑) or criminal detention (拘役) in
months, probation (缓刑, 缓刑考验期) in months, the fine (罚金) in yuan and exemption (免予刑事处罚), each with the
span of the input it came from. Example: 判处有期徒刑三年，缓刑四年，并处罚金人民币一百六十万元 -> 36, 48, 1,600,000.

How the text is read (rules for styles, not for particular texts):
- The text is normalised (full-width forms, traditional -> simplified with OpenCC) without moving offsets, so
  判處 / 並處罰金 read as 判处 / 并处罚金 and every span is a span of the input.
- Penalties are found by keyword with the term after it (有期徒刑三年, 拘役四个月, 缓刑考验期一年) or before it
  (14个月有期徒刑), or after 判刑 / 获刑 / 被判 (被判刑七个月); terms may be 两年半 or 半年; fines are 罚金 or
  处罚 + an amount in yuan, 万元 and Chinese numerals included (:mod:`features.text.numbers`). A list of terms
  (有期徒刑六年、四年、三年十个月) or fines gives one value per defendant named before it, in order.
- A defendant is named by 被告人 / 被告 / 被告单位 / 罪犯 / 上诉人 + name, by a masked name (王某, 黄某伦, 李某甲,
  李×1), or by a name in the places courts and reporters put one: 判处X有期徒刑, 判决X犯..., 对X判处, X因犯...罪,
  X被判处. Names joined by 、/和 form one list (被告人A、B分别判处...); 两名被告人 takes the last list of two names.
  A sentence without a name takes the name written before it since the previous sentence was stated (被告人
  with no name after the facts of 严某 -> 严某); with none it keeps ``defendant`` None.
- One fine written once for several defendants (A、B被判处有期徒刑三年，并处罚金八万元) may be each one's or their
  total: it is left unknown (None, with a note) unless 各 / 均 / 每人 says it is each one's. A single term or
  probation written for several defendants is each one's.
- If the text has a verdict section (判决如下 / 裁定如下 / 判决:), that section is read; if it states no sentence
  (驳回上诉，维持原判), the whole text is, except the defendants' lines of the parties part (被告人X，男，...),
  whose sentences are earlier convictions. Sentences about prior convictions (曾因, 刑满释放, 前科, 假释, 因犯X罪于
  2015年被判处) and ranges (求刑/建议 X至Y) are skipped.
- Several charges (数罪并罚): the sentence of the personal-information charge (Criminal Law Art. 253-1) is used
  when the verdict states it, else the executed one (决定执行); the executed sentence is kept in ``combined_*``
  and ``several_charges`` says so. Probation applies to the executed sentence and is read from the whole part.
- Values the law rules out (detention over the Art. 42 maximum, probation outside Art. 73's limits or for a term
  over Art. 72's maximum, a fine for no-one) are dropped with a note, never clipped: every outcome validates as a
  :class:`features.law.schema.CriminalCase`.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from features.law.schema import probation_range_months
from features.law.table import load_law_table
from features.text.numbers import (
    CN_DIGITS,
    CN_UNITS,
    NUMBER,
    QUANTITY,
    Span,
    make_span,
    normalize,
    parse_duration_months,
    parse_number,
    quantity_from_match,
)
from features.text.script import to_simplified

PI_CHARGE = re.compile(r"公民个人(?:信息|资讯|资料)|个人信息")
_VERDICT = re.compile(r"判决如下|裁定如下|判决[:：]|裁定[:：]")

# ------------------------------------------------------------------------------------------------------------
# names

# common single-character surnames (the masked names of published judgments are surname + 某)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康"
    "施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成"
    "苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈"
    "匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰"
    "支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕"
    "危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由萧逄钮郦蓬郗禄"
)
# characters that end a name or cannot be the third character of a masked name (王某将 is 王某 + 将)
_NOT_GIVEN = (
    "犯因被判以将已在于从向对把给为是的了也亦均各系经通利使非并称所涉供购出获等和与及或即又再都先后共伙分退交自主"
)
_NOT_FIRST = "犯有被因等均在系对将以于的拘免判罚称供亦也各已及和与经人其该本原某此同并处分决单宣获两二三"
_NOT_IN_NAME = "审院终后其人案时前该均已并亦也同此再又都犯判罪刑罚法检院局"
_FOLLOW = r"(?=[犯因被判以、和与及等,;。…:()的在于将从系伙均各共亦也已\s]|有期|拘役|罚金|免予|免于|免除|利用|通过|单处|$)"
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|令狐|慕容|长孙|宇文|司徒|夏侯|轩辕|端木|澹台|申屠"
_MASKED = (
    rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}A-Z甲乙丙丁])(?:某某|某[甲乙丙丁戊己庚辛壬癸]|某\d{{1,2}}(?![\d个年月元万千条])|某(?![{_NOT_GIVEN}])[\u4e00-\u9fff](?=[^\u4e00-\u9fff]|[{_NOT_GIVEN}])"
    rf"|某|[×xX*]+\d{{0,2}})"
)
_REAL = rf"(?![{_NOT_FIRST}])[\u4e00-\u9fff]{{2,3}}?{_FOLLOW}"
_UNIT_SUFFIX = r"(?:有限责任公司|股份有限公司|有限公司|公司|集团|厂|店|中心|合作社|事务所|工作室|协会|商行|网吧)"
_UNIT = rf"[^,;。、:()\s犯]{{2,40}}?{_UNIT_SUFFIX}"
_PREFIX = r"(?:原审)?(?:第[一二三四五六七八九十]+)?(?:被告人|被告|罪犯|上诉人)"
_NAME_PATTERNS: list[tuple[re.Pattern[str], bool, bool]] = [  # (pattern with group "n", strong, unit)
    (re.compile(rf"被告单位(?P<n>{_UNIT}|[^,;。、:()\s]{{2,30}}?(?=犯|,|、))"), True, True),
    (
        re.compile(rf"{_PREFIX}(?P<n>(?:{_MASKED}|{_REAL})(?:[、和与](?:{_PREFIX})?(?:{_MASKED}|{_REAL}))*)"),
        True,
        False,
    ),
    (re.compile(rf"(?:判处|判决|对)(?P<n>{_UNIT})(?=罚金|犯|单处|判处)"), True, True),
    (
        re.compile(
            rf"(?:判处|判决|对)(?P<n>(?![{_NOT_FIRST}])[\u4e00-\u9fff]{{2,3}}?)(?=犯|有期徒刑|拘役|罚金|免予|判处)"
        ),
        True,
        False,
    ),
    (
        re.compile(
            rf"(?:^|(?<=[,;。:…\s]))(?P<n>(?![{_NOT_FIRST}])[\u4e00-\u9fff]{{2,3}}?)(?=因犯|犯[^,;。]{{1,30}}罪|被(?:法院|一审)?判)"
        ),
        True,
        False,
    ),
    (re.compile(rf"(?<=[,;、])(?P<n>(?![{_NOT_FIRST}])[\u4e00-\u9fff]{{2,3}}?)(?=有期徒刑|拘役)"), True, False),
    (re.compile(rf"(?P<n>{_MASKED})"), False, False),
]
# a list of real names at the start of a clause: 张三、李四二人分别被判处 / 张三和李四均被判处
_REAL_ONE = rf"(?![{_NOT_FIRST}])[\u4e00-\u9fff]{{2,3}}?"
_REAL_LIST = re.compile(
    rf"(?:^|(?<=[,;。:…\s]))(?P<n>{_REAL_ONE}(?:[、和与]{_REAL_ONE})+?)(?=[两二三四五六七八九十]人|等|分别|均|被|因犯|犯)"
)
_PLACEHOLDER = re.compile(
    r"(?:(?:(?P<count>[两二三四五六七八九十]|\d{1,2})名?|上述|全部|各|该)?被告人|(?P<count2>[两二三四五六七八九十])人)"
    r"(?=有期徒刑|拘役|罚金|免予|免于|犯|均|各|分别|判处|被判|[,;。:的])"
)
_NAME_JOIN = re.compile(r"[、和与及](?:(?!有期徒刑|拘役|罚金|判处)[^,;。:…\n]){0,24}")

# ------------------------------------------------------------------------------------------------------------
# penalties

_NUM_CHARS = rf"\d{CN_DIGITS}{CN_UNITS}"
_DUR = rf"(?:(?:{NUMBER})年(?:半|零?(?:{NUMBER})个?月)?|(?:{NUMBER})个?月|半年)"
_LIST_SEP = re.compile(r"[、和及与]")
_KEYWORD = {
    "prison": re.compile(r"有期徒刑(?:为)?"),
    "detention": re.compile(r"拘役(?:为)?"),
    "probation": re.compile(r"缓刑(?:考验期(?:限)?)?(?:为|是)?"),
}
_BEFORE_KEYWORD = {
    "prison": re.compile(rf"(?<![{_NUM_CHARS}])(?={_DUR}有期徒刑)"),
    "detention": re.compile(rf"(?<![{_NUM_CHARS}])(?={_DUR}拘役)"),
}
_SENTENCED = re.compile(r"(?:被判刑|判刑|获刑|被判处?|判了)(?=[" + _NUM_CHARS + r"半])")
_AMOUNT = re.compile(rf"(?:{QUANTITY})(?:元|(?<=[万萬千仟]))")
# 罚金 + amount; 处罚6000元 and 并处罚款6000元 as reporters write the fine
_FINE = re.compile(
    rf"罚金[^,;。{_NUM_CHARS}]{{0,6}}?(?={_AMOUNT.pattern})|(?<=[处判])罚(?=[{_NUM_CHARS}])"
    rf"|(?<=并处)罚款(?:人民币)?(?=[{_NUM_CHARS}])"
)
_EXEMPT = re.compile(r"免[予于除](?:刑事)?处罚")
_ALONE_FINE = re.compile(r"单处罚金")
_EACH = re.compile(r"各|均|每人|每名")
_RANGE_AFTER = re.compile(r"\s*(?:至|到|-|~|—|–)")
_OTHER_PENALTY = re.compile(r"管制|无期徒刑|死刑")
_CHARGE = re.compile(r"犯(?P<charge>[^,;。、]{1,40}?罪)|以(?P<charge2>[^,;。、以]{2,40}?罪)(?=判处|对|分别|,)")
_MORE_CHARGES = re.compile(r"罪、[^,;。]{1,30}?罪")
_EXECUTED = re.compile(r"决定执行|数罪并罚|合并执行")
_PRIOR = re.compile(
    r"曾因|曾于|曾被|曾经|刑满释放|前科|假释|因犯[^。;]{1,40}?罪[^。;]{0,10}?于\d{4}年[^。;]{0,30}?被[^。;]{0,20}?判处"
)
_SENTENCE_END = re.compile(r"[。\n]|……|…")
_CLAUSE_END = re.compile(r"[,;。:…\n]")

MAIN = ("prison", "detention", "exempt")
FIELDS = ("prison_months", "detention_months", "probation_months", "fine_yuan", "exempt_from_punishment")
_KIND_FIELD = {
    "prison": "prison_months",
    "detention": "detention_months",
    "probation": "probation_months",
    "fine": "fine_yuan",
    "exempt": "exempt_from_punishment",
}
MAX_PRISON_MONTHS = 300.0  # the schema's bound on any term in months
MAX_FINE_YUAN = 1e11


@lru_cache(maxsize=1)
def max_detention_months() -> float:
    """Criminal Law Art. 42: the longest criminal detention, from the law table (``ranges.serious``)."""
    raw = tomllib.loads(
        (Path(__file__).resolve().parents[1] / "law" / "law_2017.toml").read_text(encoding="utf-8")
    )
    return float(raw["ranges"]["serious"]["detention_months"][1])


class DefendantOutcome(BaseModel):
    """One defendant's sentence; fields as in :class:`features.law.schema.CriminalCase` (months, yuan)."""

    defendant: str | None = Field(None, description="Name in simplified characters; None when the text names none")
    unit: bool = Field(False, description="The defendant is a unit (被告单位): it can only be fined")
    charge: str | None = Field(None, description="The charge whose sentence was read")
    several_charges: bool = False
    prison_months: float | None = None
    detention_months: float | None = None
    probation_months: float | None = None
    fine_yuan: float | None = None
    exempt_from_punishment: bool | None = None
    combined_prison_months: float | None = Field(
        None, description="With several charges: the executed (决定执行) imprisonment, months"
    )
    combined_detention_months: float | None = None
    combined_fine_yuan: float | None = None
    span: Span = Field(description="The whole statement of this defendant's sentence")
    spans: dict[str, Span] = Field(
        default_factory=dict,
        description="field -> the piece of text it was read from (defendant, prison_months...)",
    )
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


# ------------------------------------------------------------------------------------------------------------
# events


@dataclass
class _Name:
    start: int
    end: int
    names: list[tuple[str, int, int, bool]]  # (name, start, end, unit)
    strong: bool
    count: int | None = None  # a placeholder (两名被告人): how many it stands for; 0 = unknown

    @property
    def placeholder(self) -> bool:
        return self.count is not None

    def key(self) -> tuple[str, ...]:
        return tuple(n for n, *_ in self.names)


@dataclass
class _Pen:
    kind: str  # prison | detention | probation | fine | exempt
    start: int
    end: int
    values: list[tuple[float, int, int]]  # (value, start, end)
    each: bool = False


@dataclass
class _Statement:
    subject: _Name | None
    events: list[_Pen] = field(default_factory=list)
    floor: int = 0  # where the previous statement ended

    @property
    def end(self) -> int:
        return self.events[-1].end

    @property
    def mains(self) -> list[_Pen]:
        return [e for e in self.events if e.kind in MAIN]


class _Doc:
    """Normalised text with sentence and clause boundaries and prior-conviction sentences marked."""

    def __init__(self, norm: str) -> None:
        self.norm = norm
        self.sentence_ends = [m.start() for m in _SENTENCE_END.finditer(norm)]
        self.clause_ends = [m.start() for m in _CLAUSE_END.finditer(norm)]
        starts = [0] + [m.end() for m in re.finditer(r"[。;\n]", norm)]
        ends = [m.start() for m in re.finditer(r"[。;\n]", norm)] + [len(norm)]
        self._prior_ends = ends
        self._prior = [bool(_PRIOR.search(norm, a, b)) for a, b in zip(starts, ends, strict=True)]

        # a defendant's line in the parties part of a judgment (被告人X，男，...): its sentences are earlier ones
        self._party_lines = [
            (m.start(), m.end())
            for m in re.finditer(r"(?m)^(?:上诉人|原审被告人|被告人|被告)[^\n]{0,40}?,[男女],[^\n]*", norm)
        ]
        self.skip_party_lines = False

    def is_prior(self, pos: int) -> bool:
        if self.skip_party_lines and self._party_lines:
            i = bisect_right(self._party_lines, (pos, len(self.norm) + 1)) - 1
            if i >= 0 and self._party_lines[i][0] <= pos < self._party_lines[i][1]:
                return True
        return self._prior[bisect_left(self._prior_ends, pos)]

    def same(self, bounds: list[int], a: int, b: int) -> bool:
        """No boundary of ``bounds`` lies in [a, b)."""
        i = bisect_left(bounds, a)
        return i >= len(bounds) or bounds[i] >= b

    def sentence_start(self, pos: int) -> int:
        i = bisect_right(self.sentence_ends, pos - 1)
        return self.sentence_ends[i - 1] + 1 if i else 0


_PREFIX_RE = re.compile(_PREFIX)


def _split_names(group: str, offset: int) -> list[tuple[str, int, int, bool]]:
    """被告人A、被告人B和C -> [(A, start, end, False), ...] with offsets in the text."""
    parts: list[tuple[str, int, int, bool]] = []
    pos = offset
    for piece in re.split(r"([、和与])", group):
        if piece and piece not in "、和与":
            prefix = _PREFIX_RE.match(piece)
            skip = prefix.end() if prefix else 0
            if piece[skip:]:
                parts.append((piece[skip:], pos + skip, pos + len(piece), False))
        pos += len(piece)
    return parts


def _names(doc: _Doc) -> list[_Name]:
    norm = doc.norm
    found: list[_Name] = []
    taken = bytearray(len(norm) + 1)  # characters already part of a name mention

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def take(a: int, b: int) -> None:
        taken[a:b] = b"\x01" * (b - a)

    for pattern, strong, unit in _NAME_PATTERNS:
        for m in pattern.finditer(norm):
            a, b = m.start("n"), m.end("n")
            name = m.group("n")
            if not unit and (any(c in _NOT_IN_NAME for c in name) and "某" not in name):
                continue
            if not free(m.start(), b):
                continue
            parts: list[tuple[str, int, int, bool]] = [(name, a, b, True)] if unit else _split_names(name, a)
            take(m.start(), b)
            found.append(_Name(m.start(), b, parts, strong))
    for m in _REAL_LIST.finditer(norm):
        if not free(m.start(), m.end("n")):
            continue
        parts = _split_names(m.group("n"), m.start("n"))
        if any(c in _NOT_IN_NAME for n, *_ in parts for c in n):
            continue
        take(m.start(), m.end("n"))
        found.append(_Name(m.start(), m.end("n"), parts, True))
    for m in _PLACEHOLDER.finditer(norm):
        if not free(m.start(), m.end()):
            continue
        raw = m.group("count") or m.group("count2")
        count = 1
        if raw:
            value = parse_number(raw)
            count = int(value) if value else 0
        elif m.group(0).startswith(("上述", "全部", "各")):
            count = 0
        found.append(_Name(m.start(), m.end(), [], True, count))
    found.sort(key=lambda n: n.start)
    merged: list[_Name] = []
    for n in found:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and not prev.placeholder
            and not n.placeholder
            and _NAME_JOIN.fullmatch(norm, prev.end, n.start) is not None
        ):
            merged[-1] = _Name(prev.start, n.end, prev.names + n.names, prev.strong or n.strong)
            continue
        merged.append(n)
    return merged


def _durations(norm: str, pos: int, keyword: re.Pattern[str] | None) -> tuple[list[tuple[float, int, int]], int]:
    """Terms written at ``pos``: one, or a list joined by 、/和 (the keyword may be repeated after the joiner)."""
    values: list[tuple[float, int, int]] = []
    while True:
        parsed = parse_duration_months(norm, pos)
        if parsed is None:
            break
        values.append((parsed[0], pos, parsed[1]))
        pos = parsed[1]
        sep = _LIST_SEP.match(norm, pos)
        if not sep:
            break
        nxt = sep.end()
        if keyword is not None:
            k = keyword.match(norm, nxt)
            if k:
                nxt = k.end()
        if parse_duration_months(norm, nxt) is None:
            break
        pos = nxt
    return values, pos


def _amounts(norm: str, pos: int) -> tuple[list[tuple[float, int, int]], int]:
    values: list[tuple[float, int, int]] = []
    while True:
        m = _AMOUNT.match(norm, pos)
        qty = quantity_from_match(m) if m else None
        if m is None or qty is None or qty.range_high is not None:
            break
        values.append((qty.value, m.start(), m.end()))
        pos = m.end()
        sep = _LIST_SEP.match(norm, pos)
        if not sep:
            break
        nxt = sep.end()
        k = re.compile(r"(?:并处)?罚金(?:人民币)?").match(norm, nxt)
        if k:
            nxt = k.end()
        if not _AMOUNT.match(norm, nxt):
            break
        pos = nxt
    return values, pos


def _penalties(doc: _Doc, start: int, end: int) -> tuple[list[_Pen], list[str]]:
    norm = doc.norm
    events: list[_Pen] = []
    notes: list[str] = []
    covered = bytearray(len(norm) + 1)  # characters already read as part of a penalty

    def add(kind: str, a: int, values: list[tuple[float, int, int]], b: int, each: bool = False) -> None:
        if not values or doc.is_prior(a) or any(covered[a:b]):
            return
        if _RANGE_AFTER.match(norm, b) and kind != "fine":
            notes.append("a range of terms (a request or recommendation) is not a sentence")
            return
        covered[a:b] = b"\x01" * (b - a)
        events.append(_Pen(kind, a, b, values, each))

    for kind, keyword in _KEYWORD.items():
        for m in keyword.finditer(norm, start, end):
            values, b = _durations(norm, m.end(), keyword)
            add(kind, m.start(), values, b)
    for kind, before in _BEFORE_KEYWORD.items():
        for m in before.finditer(norm, start, end):
            values, b = _durations(norm, m.start(), None)
            k = _KEYWORD[kind].match(norm, b)
            if values and k:
                add(kind, m.start(), values, k.end())
    for m in _SENTENCED.finditer(norm, start, end):
        values, b = _durations(norm, m.end(), None)
        add("prison", m.start(), values, b)
    for m in _FINE.finditer(norm, start, end):
        values, b = _amounts(norm, m.end())
        window = norm[max(start, m.start() - 4) : m.end()]
        add("fine", m.start(), values, b, each=bool(_EACH.search(window)))
    for m in _EXEMPT.finditer(norm, start, end):
        add("exempt", m.start(), [(1.0, m.start(), m.end())], m.end())
    for m in _OTHER_PENALTY.finditer(norm, start, end):
        if not doc.is_prior(m.start()):
            notes.append(f"a penalty outside the schema ({m.group(0)}) is not read")
    events.sort(key=lambda e: e.start)
    return events, notes


# ------------------------------------------------------------------------------------------------------------
# statements: the penalties of one defendant (or one list of defendants)


@dataclass
class _Names:
    """Name mentions in text order (they never overlap, so their starts and their ends are both sorted)."""

    items: list[_Name]
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [n.start for n in self.items]
        self.ends = [n.end for n in self.items]


_LOOK_BACK = 200  # name mentions searched back for a placeholder (两名被告人) at most


def _subject(doc: _Doc, names: _Names, pen: _Pen, floor: int) -> _Name | None:
    """The defendant(s) a penalty at ``pen`` is about (see the module docstring for the order of the rules):
    the nearest name in the same clause, else the nearest strong one in the sentence, else the sentence's
    first, else the nearest since ``floor`` (the end of the previous statement)."""
    hi = bisect_right(names.ends, pen.start)
    lo = bisect_left(names.starts, floor)
    if hi <= lo:
        return None
    items = names.items
    nearest = items[hi - 1]
    if doc.same(doc.clause_ends, nearest.end, pen.start):
        pick = nearest
    else:
        first_in_sentence = max(lo, bisect_left(names.starts, doc.sentence_start(pen.start)))
        strong = next((items[i] for i in range(hi - 1, first_in_sentence - 1, -1) if items[i].strong), None)
        pick = strong or (items[first_in_sentence] if first_in_sentence < hi else nearest)
    if pick.placeholder:
        return _resolve_placeholder(names, pick, floor)
    return pick


def _resolve_placeholder(names: _Names, pick: _Name, floor: int) -> _Name | None:
    hi = bisect_right(names.ends, pick.start)
    for i in range(hi - 1, max(hi - 1 - _LOOK_BACK, -1), -1):
        n = names.items[i]
        if n.placeholder:
            continue
        if pick.count == 1:
            if n.start < floor:
                break
            if len(n.names) == 1:
                return n
        elif pick.count and len(n.names) == pick.count:
            return n
    return pick


def _statements(doc: _Doc, mentions: list[_Name], events: list[_Pen]) -> list[_Statement]:
    names = _Names(mentions)
    out: list[_Statement] = []
    cur: _Statement | None = None
    for e in events:
        floor = cur.end if cur else (out[-1].end if out else 0)
        subject = _subject(doc, names, e, floor)
        start_new = cur is None
        if cur is not None:
            if not doc.same(doc.sentence_ends, cur.end, e.start) and not _continues(doc.norm, cur.end, e.start):
                start_new = True
            elif subject is not None and (cur.subject is None or subject.key() != cur.subject.key()):
                start_new = bool(subject.names) or cur.subject is None
            elif e.kind in MAIN or (e.kind == "fine" and not cur.mains):
                prior_same = [p for p in cur.events if p.kind in MAIN or (p.kind == "fine" and not cur.mains)]
                if prior_same and not _marker_between(doc.norm, prior_same[-1].end, e.start):
                    start_new = e.kind in MAIN or (not cur.mains and any(p.kind == "fine" for p in cur.events))
        if start_new:
            if e.kind == "probation":
                cur = None
                continue
            if cur is not None and cur.events:
                out.append(cur)
            cur = _Statement(subject, [e], floor)
        else:
            assert cur is not None
            cur.events.append(e)
    if cur is not None and cur.events:
        out.append(cur)
    return out


def _continues(norm: str, a: int, b: int) -> bool:
    """A statement goes on after a full stop only in a verdict's bracketed note (（刑期从...）) - never here."""
    return False


def _marker_between(norm: str, a: int, b: int) -> bool:
    return bool(_CHARGE.search(norm, a, b) or _EXECUTED.search(norm, a, b))


# ------------------------------------------------------------------------------------------------------------
# statement -> outcomes


@dataclass
class _Values:
    prison: float | None = None
    detention: float | None = None
    probation: float | None = None
    fine: float | None = None
    exempt: bool = False
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.prison is None and self.detention is None and self.fine is None and not self.exempt


def _segments(norm: str, st: _Statement, start: int) -> tuple[list[str], list[tuple[int, str]]]:
    """Charges of the statement and the markers that split its penalties: (pos, charge name | "executed")."""
    charges: list[str] = []
    markers: list[tuple[int, str]] = []
    for m in _CHARGE.finditer(norm, start, st.end):
        charge = m.group("charge") or m.group("charge2")
        charges.append(charge)
        markers.append((m.start(), charge))
        more = _MORE_CHARGES.match(norm, m.end() - 1)
        if more:
            charges.append(more.group(0)[2:])
    for m in _EXECUTED.finditer(norm, start, st.end):
        markers.append((m.start(), "executed"))
    markers.sort()
    return charges, markers


def _segment_of(markers: list[tuple[int, str]], pos: int) -> str | None:
    seg = None
    for p, label in markers:
        if p <= pos:
            seg = label
    return seg


def _outcomes(text: str, doc: _Doc, st: _Statement) -> list[DefendantOutcome]:
    norm = doc.norm
    subject = st.subject
    start = subject.start if subject is not None and subject.start < st.events[0].start else st.events[0].start
    if subject is not None and not doc.same(doc.sentence_ends, subject.end, st.events[0].start):
        start = st.events[0].start
    notes: list[str] = []
    # the charges of the statement: from the start of its sentence (以X罪判处A...) or the previous statement
    seg_start = max(doc.sentence_start(subject.start if subject is not None else start), st.floor)
    charges, markers = _segments(norm, st, seg_start)
    several = len(set(charges)) > 1 or any(label == "executed" for _, label in markers)
    chosen_charge = charges[0] if charges else None
    pens = [e for e in st.events if e.kind != "probation"]
    combined: list[_Pen] = []
    if several:
        seg = {id(e): _segment_of(markers, e.start) for e in pens}
        pi_labels = [c for c in charges if PI_CHARGE.search(c)]
        pi = [e for e in pens if seg[id(e)] is not None and seg[id(e)] in pi_labels]
        executed = [e for e in pens if seg[id(e)] == "executed"]
        combined = executed
        if pi and any(e.kind in MAIN or e.kind == "fine" for e in pi):
            pens = pi
            chosen_charge = pi_labels[0]
            notes.append("several charges: the sentence of the personal-information charge is used")
        elif executed:
            pens = executed
            notes.append("several charges: the executed (combined) sentence is used")
        else:
            notes.append("several charges with one stated sentence: that sentence is used")
    probation = [e for e in st.events if e.kind == "probation"]
    people = subject.names if subject is not None and subject.names else [(None, -1, -1, False)]
    k = len(people)
    if subject is not None and subject.placeholder and subject.count and subject.count > 1:
        notes.append("the defendants are not named")
        return []
    per: list[_Values] = [_Values() for _ in range(k)]
    by_kind: dict[str, list[tuple[float, int, int]]] = {}
    each: dict[str, bool] = {}
    for e in [*pens, *probation[:1]]:
        if e.kind in by_kind:
            continue  # the first statement of a kind counts (a second is a repeat or the executed term)
        by_kind[e.kind] = e.values
        each[e.kind] = e.each
    for kind, found in by_kind.items():
        if len(found) == k:
            picked: list[tuple[float, int, int] | None] = list(found)
        elif len(found) == 1:
            if kind == "fine" and k > 1 and not each[kind]:
                notes.append("one fine for several defendants (each one's or their total?): left unknown")
                picked = [None] * k
            else:
                picked = [found[0]] * k
        else:
            notes.append(f"{len(found)} {kind} values for {k} defendants: left unknown")
            picked = [None] * k
        for i, v in enumerate(picked):
            if v is None:
                continue
            value, a, b = v
            target = per[i]
            if kind == "exempt":
                target.exempt = True
            else:
                setattr(target, kind, value)
            target.spans[_KIND_FIELD[kind]] = (a, b)
    combined_values = _Values()
    for e in combined:
        if e.kind in ("prison", "detention", "fine") and getattr(combined_values, e.kind) is None:
            setattr(combined_values, e.kind, e.values[0][0])
    out: list[DefendantOutcome] = []
    for i, (name, a, b, unit) in enumerate(people):
        values = per[i]
        own_notes = list(notes)
        if values.empty and values.probation is None:
            continue
        _check_law(values, own_notes, unit)
        spans = {f: make_span(text, s, t) for f, (s, t) in values.spans.items()}
        if name is not None:
            spans["defendant"] = make_span(text, a, b)
        span_start = min([start, *(s.start for s in spans.values())])
        span_end = max([st.end, *(s.end for s in spans.values())])
        out.append(
            DefendantOutcome(
                defendant=name,
                unit=unit,
                charge=chosen_charge,
                several_charges=several,
                prison_months=values.prison,
                detention_months=values.detention,
                probation_months=values.probation,
                fine_yuan=values.fine,
                exempt_from_punishment=True if values.exempt else (False if not values.empty else None),
                combined_prison_months=combined_values.prison if several else None,
                combined_detention_months=combined_values.detention if several else None,
                combined_fine_yuan=combined_values.fine if several else None,
                span=make_span(text, span_start, span_end),
                spans=spans,
                notes=own_notes,
            )
        )
    return out


def _check_law(s: _Values, notes: list[str], unit: bool) -> None:
    """Drop (never clip) values the law or the schema rules out (Criminal Law Arts. 42, 45, 72-74)."""

    def drop(name: str, field_name: str, note: str) -> None:
        setattr(s, name, None if name != "exempt" else False)
        s.spans.pop(field_name, None)
        notes.append(note)

    if unit and (s.prison is not None or s.detention is not None):
        drop("prison", "prison_months", "a unit cannot be imprisoned (Criminal Law Art. 31): term dropped")
        drop("detention", "detention_months", "a unit cannot be detained: term dropped")
    if s.prison is not None and not 0 < s.prison <= MAX_PRISON_MONTHS:
        drop("prison", "prison_months", "imprisonment term out of range: dropped")
    if s.detention is not None and not 0 < s.detention <= max_detention_months():
        drop("detention", "detention_months", "detention over the Criminal Law Art. 42 maximum: dropped")
    if s.prison is not None and s.detention is not None:
        drop("detention", "detention_months", "both imprisonment and detention read: detention dropped")
    if s.fine is not None and not 0 <= s.fine <= MAX_FINE_YUAN:
        drop("fine", "fine_yuan", "fine out of range: dropped")
    if s.exempt and (s.prison or s.detention or s.fine):
        drop("exempt", "exempt_from_punishment", "exemption stated next to a penalty: exemption dropped")
    if s.probation is not None:
        custodial = s.prison or s.detention
        low, high = probation_range_months(imprisonment=bool(s.prison))
        if not custodial:
            drop("probation", "probation_months", "probation without a custodial term: dropped")
        elif custodial > load_law_table().probation_max_months:
            drop(
                "probation",
                "probation_months",
                "probation for a term over the Criminal Law Art. 72 maximum: dropped",
            )
        elif not (custodial <= s.probation and low <= s.probation <= high):
            drop(
                "probation",
                "probation_months",
                "probation inconsistent with the term (Criminal Law Art. 73): dropped",
            )


# ------------------------------------------------------------------------------------------------------------


def prepare(text: str) -> str:
    """The text as the readers see it: full-width forms to ASCII, traditional to simplified; same length."""
    return to_simplified(normalize(text))


def parse_outcomes(text: str, *, prepared: str | None = None) -> list[DefendantOutcome]:
    """Every defendant's sentence found in ``text`` (empty when none is stated). Pure; never raises on text.

    ``prepared`` is ``prepare(text)`` when the caller already has it (a judgment read once).
    """
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    norm = prepared if prepared is not None and len(prepared) == len(text) else prepare(text)
    doc = _Doc(norm)
    names = _names(doc)
    verdicts = list(_VERDICT.finditer(norm))
    regions = [verdicts[-1].end(), 0] if verdicts else [0]
    for region in regions:
        # reading the whole judgment after an empty verdict (维持原判): the parties' lines hold earlier sentences
        doc.skip_party_lines = bool(verdicts) and region == 0
        events, notes = _penalties(doc, region, len(norm))
        outcomes = [o for st in _statements(doc, names, events) for o in _outcomes(text, doc, st)]
        if outcomes:
            for o in outcomes:
                o.notes.extend(n for n in notes if n not in o.notes)
            return _dedupe(norm, outcomes)
    return []


_REVISED = re.compile(r"改判|二审(?:法院)?(?:判决|判处|认定)|撤销原判|撤销一审")


def _dedupe(norm: str, outcomes: list[DefendantOutcome]) -> list[DefendantOutcome]:
    """A defendant stated twice: the first statement is kept (a verdict quoted again in a report), unless an
    appeal changed it in between (一审判处... 二审改判...), when the later one is the sentence."""
    first: dict[str, int] = {}
    out: list[DefendantOutcome] = []
    for o in outcomes:
        if o.defendant is None:
            out.append(o)
            continue
        if o.defendant not in first:
            first[o.defendant] = len(out)
            out.append(o)
            continue
        earlier = out[first[o.defendant]]
        if _REVISED.search(norm, earlier.span.end, o.span.end):
            o.notes.append("changed on appeal: the later sentence is used")
            out[first[o.defendant]] = o
    return out


__all__ = ["FIELDS", "DefendantOutcome", "max_detention_months", "parse_outcomes", "prepare"]
