"""Traditional -> simplified Chinese that keeps character offsets (so spans found in the result are spans of the input).

Conversion is OpenCC's ``t2s`` profile (the ``opencc`` package from PyPI). OpenCC converts phrases, and a phrase
can change length; offsets must not move, so a line whose conversion changes its length is converted again
character by character (each character to its single-character simplified form, or left as it is).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def _char(ch: str) -> str:
    out: str = _converter().convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """``text`` in simplified characters, exactly as long as ``text`` (offsets preserved). Pure."""
    if not text or text.isascii():
        return text
    converter = _converter()
    out: str = converter.convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        converted: str = converter.convert(line)
        fixed.append(converted if len(converted) == len(line) else "".join(_char(c) for c in line))
    return "\n".join(fixed)


__all__ = ["to_simplified"]
