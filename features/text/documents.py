"""The text of a judgment file: .txt (UTF-8 or GB18030), .html (lxml), .docx (python-docx), .pdf with a text layer (pypdf).

``read_document(data, filename)`` returns a :class:`Document` with the plain text (paragraphs on their own lines,
as the court wrote them; characters unchanged, so spans found later are spans of this text) or raises
:class:`DocumentError` whose ``reason`` is one of the stable strings below (reports count them). The format is
taken from the file name's suffix, else sniffed from the bytes (%PDF, a zip holding word/document.xml, <html).

PDF: pypdf (pure Python, no layout analysis) reads the text layer page by page and lines wrapped mid-sentence
are joined again; a PDF without a text layer (a scan) is refused with :data:`NO_TEXT_LAYER`, since OCR is out of
scope. Reading PDFs is the slowest part of an ingestion (benchmarks/judgments.py prints the time per format).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

from pydantic import BaseModel, Field

Format = Literal["txt", "html", "docx", "pdf"]
SUFFIXES: dict[str, Format] = {
    ".txt": "txt",
    ".text": "txt",
    ".htm": "html",
    ".html": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

# reasons (stable strings)
BAD_ENCODING = "text neither UTF-8 nor GB18030"
NO_TEXT_LAYER = "PDF without a text layer (a scan: OCR it first)"
BAD_PDF = "not a readable PDF"
BAD_DOCX = "not a readable .docx (a .doc must be saved as .docx first)"
BAD_HTML = "not readable HTML"
EMPTY = "no text in the file"
MAX_BYTES = 50 * 1024 * 1024  # not-law: bytes


class DocumentError(ValueError):
    """A file that gives no text; ``reason`` says why (never the file's content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Document(BaseModel):
    text: str = Field(description="Plain text, one paragraph a line")
    format: Format
    encoding: str | None = Field(None, description="For txt and html: the encoding the bytes were decoded with")
    pages: int | None = Field(None, description="For pdf: pages read")


def detect_format(data: bytes, filename: str) -> Format:
    """The format from the suffix of ``filename``, else from the bytes."""
    for suffix, fmt in SUFFIXES.items():
        if filename.lower().endswith(suffix):
            return fmt
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
    if re.search(rb"<(?:!doctype html|html|body|div|p)[\s>]", head[:1024], re.IGNORECASE):
        return "html"
    return "txt"


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes of a text file as (text, encoding): BOMs honoured, then UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DocumentError(BAD_ENCODING) from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DocumentError(BAD_ENCODING)


def _clean(text: str) -> str:
    """Line ends unified, spaces inside lines kept, blank lines and trailing spaces dropped."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_BLOCK_TAGS = (
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "pre", "td",
)  # fmt: skip


def _html(data: bytes) -> Document:
    import lxml.html
    from lxml import etree

    declared = _META_CHARSET.search(data[:4096])
    text: str | None = None
    encoding: str | None = None
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030") else name
        try:
            text, encoding = data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, encoding = decode_text(data)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(BAD_HTML) from exc
    for bad in root.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
        if el.tag in ("p", "div", "li", "td", "h1", "h2", "h3", "h4", "h5", "h6"):
            el.text = "\n" + (el.text or "")
    return Document(text=_clean(root.text_content()), format="html", encoding=encoding)


def _docx(data: bytes) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(BAD_DOCX) from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return Document(text=_clean("\n".join(lines)), format="docx")


def _pdf(data: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(BAD_PDF) from exc
    text = "\n".join(_unwrap(_clean(page)) for page in pages)
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise DocumentError(NO_TEXT_LAYER)
    return Document(text=text, format="pdf", pages=len(pages))


_PARAGRAPH_END = re.compile(r"[。：:；;！!？?）)」”]$")


def _unwrap(page: str) -> str:
    """Lines a PDF wrapped mid-sentence joined again: a line as long as the page's long lines (80% of the
    longest) that does not end a sentence continues on the next line (Chinese needs no space between)."""
    lines = page.split("\n")
    if len(lines) < 2:
        return page
    full = 0.8 * max(len(line) for line in lines)
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = len(line) >= full and not _PARAGRAPH_END.search(line)
    return "\n".join(out)


def read_document(data: bytes, filename: str = "") -> Document:
    """The text of one judgment file (format from ``filename``'s suffix, else sniffed); raises DocumentError."""
    if len(data) > MAX_BYTES:
        raise DocumentError(f"file over {MAX_BYTES // (1024 * 1024)} MiB")
    fmt = detect_format(data, filename)
    if fmt == "pdf":
        doc = _pdf(data)
    elif fmt == "docx":
        doc = _docx(data)
    elif fmt == "html":
        doc = _html(data)
    else:
        text, encoding = decode_text(data)
        doc = Document(text=_clean(text), format="txt", encoding=encoding)
    if not doc.text.strip():
        raise DocumentError(EMPTY)
    return doc


__all__ = ["Document", "DocumentError", "decode_text", "detect_format", "read_document"]
