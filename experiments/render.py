"""A document as a list of blocks, rendered to markdown and to a self-contained HTML page (no template engine).

Inline text may use ``code``, **bold** and [links](url); everything else is escaped in HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    align: list[str] = field(default_factory=list)  # "l" | "r" per column (default: first left, rest right)


@dataclass
class Image:
    path: str  # relative to the report
    alt: str


Block = Heading | Para | Bullets | Table | Image

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def _inline_html(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(f"<code>{html.escape(m.group(1))}</code>")
        elif m.group(2) is not None:
            out.append(f"<strong>{_inline_html(m.group(2))}</strong>")
        else:
            out.append(f'<a href="{html.escape(m.group(4), quote=True)}">{html.escape(m.group(3))}</a>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _cell_md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _aligns(table: Table) -> list[str]:
    return table.align or ["l", *["r"] * (len(table.header) - 1)]


def to_markdown(blocks: Sequence[Block]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Para):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Table):
            rule = ["---:" if a == "r" else "---" for a in _aligns(block)]
            lines = [
                "| " + " | ".join(_cell_md(h) for h in block.header) + " |",
                "|" + "|".join(rule) + "|",
                *["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in block.rows],
            ]
            parts.append("\n".join(lines))
        else:
            parts.append(f"![{block.alt}]({block.path})")
    return "\n\n".join(parts) + "\n"


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; }
th { background: #f3f3f3; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f3f3f3; padding: 0 0.2em; }
img { max-width: 100%; border: 1px solid #eee; }
h1 { border-bottom: 2px solid #ddd; } h2 { border-bottom: 1px solid #eee; margin-top: 1.6em; }
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            body.append(f"<h{level}>{_inline_html(block.text)}</h{level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_inline_html(i)}</li>" for i in block.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            aligns = _aligns(block)
            head = "".join(
                f'<th class="{a}">{_inline_html(h)}</th>' for h, a in zip(block.header, aligns, strict=True)
            )
            rows = "".join(
                "<tr>"
                + "".join(f'<td class="{a}">{_inline_html(c)}</td>' for c, a in zip(row, aligns, strict=True))
                + "</tr>"
                for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            src, alt = html.escape(block.path, quote=True), html.escape(block.alt, quote=True)
            body.append(f'<p><img src="{src}" alt="{alt}"></p>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
