"""Synthetic criminal judgments written from templates, in every format, for the benchmark and format tests only.

``synth_judgment(seed)`` returns the text of a first-instance judgment of Art. 253-1 (one to three defendants,
sometimes a unit, an appeal or a second charge) and the sentence each defendant was given, drawn inside the law
(Criminal Law Arts. 42, 45, 72-73: the probation rules come from the schema helpers); ``to_docx``, ``to_pdf`` and
``to_html`` render any text as that format (the PDF with reportlab's built-in CID font STSong-Light, so no
font file is needed). Names are masked (张某) like published judgments; nothing here is real.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from features.law.schema import probation_range_months

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
_CN = "零一二三四五六七八九"
_PROVINCES = [
    ("浙", "浙江省杭州市"),
    ("苏", "江苏省南京市"),
    ("沪", "上海市"),
    ("粤", "广东省深圳市"),
    ("川", "四川省成都市"),
]


def cn_number(n: int) -> str:
    """0-99999 in Chinese numerals as courts write them (一万二千, 十五, 三千零五十)."""
    if n == 0:
        return "零"
    units = [(10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    out, zero = "", False
    for value, unit in units:
        digit, n = divmod(n, value)
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (unit == "十" and digit == 1 and not out) else _CN[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def cn_term(months: int) -> str:
    years, rest = divmod(months, 12)  # not-law: synthetic test judgments
    if years and rest:
        return f"{cn_number(years)}年{cn_number(rest)}个月"
    return f"{cn_number(years)}年" if years else f"{cn_number(rest)}个月"


def cn_year(year: int) -> str:
    return "".join("〇一二三四五六七八九"[int(c)] for c in str(year))


@dataclass(frozen=True)
class SynthSentence:
    defendant: str
    prison_months: float | None
    detention_months: float | None
    probation_months: float | None
    fine_yuan: float | None


@dataclass(frozen=True)
class SynthJudgment:
    text: str
    case_number: str
    sentences: tuple[SynthSentence, ...]


def _names(rng: random.Random, n: int) -> list[str]:
    surnames = rng.sample(_SURNAMES, n)
    return [s + rng.choice(["某", "某某", "某甲"]) for s in surnames]


def _sentence(rng: random.Random, name: str, records: int) -> tuple[SynthSentence, str]:
    kind = rng.random()
    fine = rng.choice([2000, 5000, 10000, 20000, 30000, 50000])  # not-law: synthetic test judgments
    if records >= 50000 and kind < 0.5:  # not-law: synthetic test judgments
        months = rng.choice([36, 39, 42, 48, 54])  # not-law: synthetic test judgments
        s = SynthSentence(name, months, None, None, fine)
        return s, f"判处有期徒刑{cn_term(months)}，并处罚金人民币{cn_number(fine)}元"
    if kind < 0.2:
        months = rng.choice([2, 3, 4, 5, 6])  # not-law: synthetic test judgments
        low, high = probation_range_months(imprisonment=False)
        probation = rng.choice(
            [p for p in (3, 4, 6, 8, 12) if max(low, months) <= p <= high]
        )  # not-law: synthetic test judgments
        s = SynthSentence(name, None, months, probation, fine)
        return s, f"判处拘役{cn_term(months)}，缓刑{cn_term(probation)}，并处罚金人民币{cn_number(fine)}元"
    months = rng.choice([6, 8, 10, 12, 18, 24, 30, 36])  # not-law: synthetic test judgments
    if rng.random() < 0.5:
        low, high = probation_range_months(imprisonment=True)
        periods = (12, 18, 24, 36, 48, 60)  # not-law: synthetic test judgments
        probation = rng.choice([p for p in periods if max(low, months) <= p <= high])
        s = SynthSentence(name, months, None, probation, fine)
        return s, f"判处有期徒刑{cn_term(months)}，缓刑{cn_term(probation)}，并处罚金人民币{cn_number(fine)}元"
    s = SynthSentence(name, months, None, None, fine)
    return s, f"判处有期徒刑{cn_term(months)}，并处罚金人民币{cn_number(fine)}元"


def synth_judgment(seed: int, paragraphs: int = 12) -> SynthJudgment:
    """One synthetic judgment (deterministic in ``seed``); ``paragraphs`` of evidence make it a few pages long."""
    rng = random.Random(seed)
    code, place = rng.choice(_PROVINCES)
    year = rng.randint(2018, 2024)  # not-law: synthetic test judgments
    number = f"（{year}）{code}0{rng.randint(100, 999)}刑初{rng.randint(1, 2000)}号"
    n = rng.choice([1, 1, 2, 3])
    names = _names(rng, n)
    records = rng.choice([800, 6000, 12000, 56000, 230000])
    profit = rng.choice([3000, 8000, 26000, 64000])
    court = f"{place}某某区人民法院"
    lines = [court, "刑 事 判 决 书", number, f"公诉机关{place}某某区人民检察院。"]
    for i, name in enumerate(names):
        born = rng.randint(1970, 2000)
        lines.append(
            f"被告人{name}，{'男' if i % 2 == 0 else '女'}，{born}年{rng.randint(1, 12)}月出生，汉族，初中文化。"
            f"因涉嫌犯侵犯公民个人信息罪于{year - 1}年{rng.randint(1, 12)}月被刑事拘留。"
        )
    joined = "、".join(names)
    lines.append(
        f"{place}某某区人民检察院以起诉书指控被告人{joined}犯侵犯公民个人信息罪，向本院提起公诉。"
        "本院依法组成合议庭，公开开庭审理了本案。现已审理终结。"
    )
    lines.append(
        f"经审理查明：{year - 2}年至{year - 1}年，被告人{names[0]}通过网络购买公民个人信息共计{records}条，"
        f"并将上述信息出售给他人，非法获利人民币{profit}元。"
    )
    for k in range(paragraphs):
        lines.append(
            f"上述事实，有证人证言、电子数据提取笔录、银行交易明细、扣押清单等证据第{cn_number(k + 1)}组证实，"
            "经庭审举证、质证，本院予以确认。相关证据来源合法，内容客观真实，与本案事实具有关联性，足以认定。" * 2
        )
    reasons = [
        "本院认为，"
        + f"被告人{joined}违反国家有关规定，出售公民个人信息，情节严重，其行为已构成侵犯公民个人信息罪。"
    ]
    if n > 1:
        reasons.append(f"在共同犯罪中，被告人{names[0]}起主要作用，系主犯；其余被告人起次要作用，系从犯。")
    reasons.append(f"被告人{names[-1]}到案后如实供述自己的罪行，自愿认罪认罚，依法可以从轻处罚。")
    lines.append("".join(reasons) + "依照《中华人民共和国刑法》第二百五十三条之一之规定，判决如下：")
    sentences = []
    for i, name in enumerate(names):
        s, words = _sentence(rng, name, records)
        sentences.append(s)
        lines.append(f"{cn_number(i + 1)}、被告人{name}犯侵犯公民个人信息罪，{words}。")
    lines.append("如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向上一级人民法院提出上诉。")
    lines.append("审判长  某某")
    lines.append(f"{cn_year(year)}年{cn_number(rng.randint(1, 12))}月{cn_number(rng.randint(1, 28))}日")
    return SynthJudgment("\n".join(lines), number, tuple(sentences))


def to_html(text: str, encoding: str = "utf-8") -> bytes:
    """A page like a court website's: head, script, one div with a <p> per paragraph (text escaped)."""
    from html import escape

    body = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
    page = (
        f'<!doctype html><html><head><meta charset="{encoding}"><title>判决书</title>'
        "<script>var x = '<p>not text</p>';</script><style>p{margin:0}</style></head>"
        f'<body><div class="nav">首页</div><div id="content">{body}</div></body></html>'
    )
    return page.encode(encoding)


def to_docx(text: str) -> bytes:
    import docx

    doc = docx.Document()
    for line in text.split("\n"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_pdf(text: str, chars_per_line: int = 38, lines_per_page: int = 44) -> bytes:
    """A text-layer PDF (reportlab, CID font STSong-Light: no font file needed); long paragraphs are wrapped."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    y = 800
    count = 0
    for para in text.split("\n"):
        pieces = [para[i : i + chars_per_line] for i in range(0, len(para), chars_per_line)] or [""]
        for piece in pieces:
            if count == lines_per_page:
                c.showPage()
                c.setFont("STSong-Light", 12)
                y, count = 800, 0
            c.drawString(40, y, piece)
            y -= 17
            count += 1
    c.showPage()
    c.save()
    return buf.getvalue()


__all__ = [
    "SynthJudgment",
    "SynthSentence",
    "cn_number",
    "cn_term",
    "synth_judgment",
    "to_docx",
    "to_html",
    "to_pdf",
]
