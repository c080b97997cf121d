"""Turning an uploaded file into document text: the type is read from the content, not the name."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

from assistant.errors import UploadError
from assistant.ingest.corpus import decode

KINDS = {".txt": "text", ".text": "text", ".md": "text", ".html": "html", ".htm": "html", ".docx": "docx",
         ".pdf": "pdf"}


def sniff(data: bytes) -> str:
    """pdf, docx, html or text, from the bytes themselves."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "zip"
    head = data[:4096].lower()
    if re.search(rb"<(?:!doctype html|html|body|head|div|p|table)\b", head):
        return "html"
    return "text"


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table"}
    _SKIP = {"script", "style", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page, one block per line; scripts and styles dropped."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def docx_to_text(data: bytes) -> str:
    """Paragraph and table text of a .docx file."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise UploadError("读取 .docx 需要安装 python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a damaged archive raises many kinds of errors
        raise UploadError(f"无法读取该 Word 文件：{type(exc).__name__}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(line for line in lines if line.strip())


def pdf_to_text(data: bytes) -> str:
    """Text of a PDF's pages (a scanned PDF without a text layer gives nothing)."""
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise UploadError("读取 PDF 需要安装 pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise UploadError(f"无法读取该 PDF 文件：{type(exc).__name__}") from exc


def extract_text(data: bytes, name: str) -> str:
    """The text of an uploaded file; UploadError when its type is unsupported or does not match its name."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in KINDS:
        raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .txt、.html、.docx 或 .pdf 文件")
    if not data.strip():
        raise UploadError("文件是空的")
    expected, actual = KINDS[suffix], sniff(data)
    if expected == "html" and actual == "text":
        actual = "html"  # an HTML fragment without tags in its head is still read as HTML
    if expected == "text" and actual == "html":
        actual = "text"  # a .txt that quotes some markup stays text
    if actual != expected:
        raise UploadError(f"文件内容（{actual}）与扩展名“{suffix}”不符")
    if actual == "pdf":
        text = pdf_to_text(data)
    elif actual == "docx":
        text = docx_to_text(data)
    else:
        try:
            text = decode(data)
        except ValueError as exc:
            raise UploadError(f"无法识别文件编码：{exc}") from exc
        if actual == "html":
            text = html_to_text(text)
    if len(re.sub(r"\s", "", text)) < 10:
        raise UploadError("没有从文件中读出文字（扫描版 PDF 需先做文字识别）")
    return text
