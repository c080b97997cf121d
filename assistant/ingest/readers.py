"""Turning an uploaded file into document text: the type is read from the content, not the name."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

from assistant.errors import UploadError
from assistant.ingest.docx_text import docx_lines

KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
         ".docx": "docx", ".pdf": "pdf", ".png": "image", ".jpg": "image", ".jpeg": "image"}
SUPPORTED_SUFFIXES = tuple(KINDS)
MAX_UNPACKED_BYTES = 200 * 1048576  # a .docx unpacking to more than this is refused before it is parsed
_ENCODINGS = ("utf-8-sig", "gb18030", "big5")
# A PDF page with fewer visible characters than this in its text layer, and an image on it, is a scan.
SCAN_PAGE_CHARS = 10


@dataclass(frozen=True)
class Extracted:
    """A file's text and how it was read: its format and how many of its pages came from OCR."""

    text: str
    format: str  # txt / md / html / docx / pdf / png / jpg, from the content
    ocr_pages: int = 0


def _oddness(text: str) -> int:
    """How many characters look like a wrong guess of encoding (private-use, replacement, rare symbols)."""
    return sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd" or "\u3400" <= c <= "\u4dbf")


def decode(data: bytes) -> str:
    """Decode UTF-8, GB18030 or Big5 bytes; raise ValueError for binary data."""
    if b"\x00" in data[:4096]:
        raise ValueError("binary file (contains NUL bytes)")
    candidates: list[str] = []
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            candidates = [text]
            break
        candidates.append(text)
    if not candidates:
        raise ValueError("not text in UTF-8, GB18030 or Big5")
    # Big5 bytes often also decode as GB18030, into nonsense: keep the reading that looks most like text.
    text = min(candidates, key=_oddness)
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(8, len(text[:4096]) // 50):
        raise ValueError("binary file (control characters)")
    return text


def sniff(data: bytes) -> str:
    """pdf, docx, html or text, from the bytes themselves."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return "image"
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
    """Paragraph and table text of a .docx file, in reading order, with Word's list numbers."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise UploadError("读取 .docx 需要安装 python-docx") from exc
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UploadError("无法读取该 Word 文件：文件已损坏") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        # Checked before parsing: a small archive can unpack to gigabytes (a zip bomb).
        raise UploadError(f"Word 文件解压后过大（{unpacked / 1048576:.0f} MB，上限 {MAX_UNPACKED_BYTES // 1048576} MB），"
                          "可能已损坏")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = docx_lines(document)
    except Exception as exc:  # a damaged archive raises many kinds of errors
        raise UploadError(f"无法读取该 Word 文件：{type(exc).__name__}") from exc
    return "\n".join(line for line in lines if line.strip())


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页|/\s*\d{1,4}\s*页?)?[-—–\s]*$")
_SENTENCE_CLOSE = ("。", "！", "？", "!", "?", "；", ";", "：", ":", "”", "」", "）", ")")
_PROVISION_START = re.compile(
    r"^\s*(?:#{1,6}\s|第[一二三四五六七八九十百零〇\d]+[编章节条款]|[（(][一二三四五六七八九十\d]{1,3}[)）]"
    r"|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、](?!\d)|附件|附则)")


_TITLE_END = re.compile(r"(?:条例|办法|规定|细则|规则|意见|方案|要点|通知|规划|纲要|计划|批复|决定|决议|公告|通告)[》」]?"
                        r"(?:[（(][^（()）]{0,30}[)）])?$")


def join_pdf_lines(pages: list[str]) -> str:
    """A PDF's page texts as running text: lines broken inside a sentence joined again, provision starts kept
    on their own line, page numbers and lines repeated at the top or bottom of most pages dropped."""
    page_lines = [[line.strip() for line in page.splitlines() if line.strip()] for page in pages]
    edges: dict[str, int] = {}
    for lines in page_lines:
        for line in set(lines[:2] + lines[-2:]):
            edges[line] = edges.get(line, 0) + 1
    # A line at the edge of most pages is a running header or footer, not text.
    running = {line for line, n in edges.items() if len(page_lines) >= 3 and n >= max(3, len(page_lines) * 0.6)}
    kept = [line for lines in page_lines for line in lines if line not in running and not _PAGE_NUMBER.match(line)]
    # A document's title repeated as the header of every page is still its title: kept once, on its own line.
    first = page_lines[0][0] if page_lines and page_lines[0] else ""
    out: list[str] = [first] if first in running and _TITLE_END.search(first) else []
    fixed = len(out)
    for line in kept:
        if len(out) > fixed and not out[-1].endswith(_SENTENCE_CLOSE) and not _PROVISION_START.match(line) \
                and len(out[-1]) >= 8:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def pdf_to_text(data: bytes, name: str = "PDF") -> str:
    """Text of a PDF's pages, lines joined back into sentences; pages that are scans are read by OCR."""
    return read_pdf(data, name)[0]


def _visible(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def read_pdf(data: bytes, name: str) -> tuple[str, int]:
    """A PDF's text (lines joined back into sentences) and how many of its pages were read by OCR: a page whose
    text layer is (nearly) empty but which holds an image is a scan, and its largest image is recognised."""
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise UploadError("读取 PDF 需要安装 pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        scans = [i for i, text in enumerate(pages) if _visible(text) < SCAN_PAGE_CHARS and _has_image(reader.pages[i])]
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise UploadError(f"无法读取该 PDF 文件：{type(exc).__name__}") from exc
    if scans:
        from assistant.ingest.ocr import missing_ocr, ocr_available, recognise

        if not ocr_available():
            which = "全部页面" if len(scans) == len(pages) else f"第 {'、'.join(str(i + 1) for i in scans[:10])} 页"
            raise missing_ocr(name, f"的{which}是扫描图片")
        for i in scans:
            try:
                image = max(reader.pages[i].images, key=lambda im: im.image.width * im.image.height if im.image else 0)
                if image.image is None:
                    raise ValueError("the page's image cannot be decoded")
                pages[i] = recognise(image.image)
            except UploadError:
                raise
            except Exception as exc:  # a damaged or unusual image on the page
                raise UploadError(f"无法识别“{name}”第 {i + 1} 页的扫描图片：{type(exc).__name__}") from exc
    return join_pdf_lines(pages), len(scans)


def _has_image(page) -> bool:
    try:
        return len(page.images) > 0
    except Exception:  # an image pypdf cannot list is no scan it can read either
        return False


def image_to_text(data: bytes, name: str) -> str:
    """The text of a scanned page given as a .png or .jpg image, by OCR."""
    from assistant.ingest.ocr import missing_ocr, ocr_available, recognise

    if not ocr_available():
        raise missing_ocr(name, "是图片（扫描件）")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.load()
            text = recognise(image)
    except UploadError:
        raise
    except Exception as exc:  # PIL raises many kinds of errors on damaged or oversized images
        raise UploadError(f"无法读取图片“{name}”：{type(exc).__name__}") from exc
    return join_pdf_lines([text])


_MD_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def markdown_to_text(text: str) -> str:
    """Markdown as plain text: heading marks, comments and emphasis marks dropped, the words kept."""
    text = _MD_COMMENT.sub("", text)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(r"\2", text)


def extract_text(data: bytes, name: str) -> str:
    """The text of an uploaded file; UploadError when its type is unsupported or does not match its name."""
    return read_file(data, name).text


_FORMATS = {"text": "txt", "markdown": "md", "html": "html", "docx": "docx", "pdf": "pdf"}


def read_file(data: bytes, name: str) -> Extracted:
    """The text of a file and how it was read; UploadError when its type is unsupported, does not match its
    name, or it holds no text."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in KINDS:
        raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .txt、.md、.html、.docx、.pdf 文件"
                          "或 .png、.jpg 扫描图片")
    if not data.strip():
        raise UploadError("文件是空的")
    expected, actual = KINDS[suffix], sniff(data)
    if expected == "html" and actual == "text":
        actual = "html"  # an HTML fragment without tags in its head is still read as HTML
    if expected in ("text", "markdown") and actual in ("text", "html"):
        actual = expected  # a .txt or .md that quotes some markup stays what its name says
    if actual != expected:
        raise UploadError(f"文件内容（{actual}）与扩展名“{suffix}”不符")
    ocr_pages = 0
    if actual == "pdf":
        text, ocr_pages = read_pdf(data, name)
    elif actual == "image":
        text, ocr_pages = image_to_text(data, name), 1
    elif actual == "docx":
        text = docx_to_text(data)
    else:
        try:
            text = decode(data)
        except ValueError as exc:
            raise UploadError(f"无法识别文件编码：{exc}") from exc
        if actual == "html":
            text = html_to_text(text)
        elif actual == "markdown":
            text = markdown_to_text(text)
    if len(re.sub(r"\s", "", text)) < 10:
        raise UploadError("没有从文件中读出文字" + ("（文字识别没有认出文字）" if ocr_pages else ""))
    fmt = "jpg" if actual == "image" and data.startswith(b"\xff\xd8") else \
        ("png" if actual == "image" else _FORMATS[actual])
    return Extracted(text, fmt, ocr_pages)
