"""Questions about a document itself (文号, issuer, dates), answered from its parsed metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.records import Document
from assistant.textnorm import normalize

_ASKS_NUMBER = re.compile(r"文号|发文字号|发文号")
_ASKS_DATE = re.compile(r"(?:印发|成文|发布|落款|出台|发文)(?:的)?(?:日期|时间)|(?:哪天|哪一天|什么时候|何时|哪年)(?:印发|发布|出台|成文|发文)"
                        r"|(?:印发|发布|出台|成文)(?:于|在)?(?:哪天|哪一天|什么时候|何时)|落款")
_ASKS_ISSUER = re.compile(r"(?:哪个|哪些|什么|哪家)(?:单位|部门|机关|机构)(?:印发|发布|出台|制定|发文)"
                          r"|(?:谁|哪里)(?:印发|发布|出台|制定)|(?:印发|发文|发布|制定)(?:单位|机关|机构|部门)")
METADATA_WORDS = ("文号", "发文字号", "印发", "成文", "发布", "落款", "日期", "出台", "发文", "单位", "部门", "机关",
                  "机构", "通知", "文件", "哪天", "时间")


@dataclass(frozen=True)
class MetadataAnswer:
    """A fact about a document and the display span that shows it."""

    sentence: str
    start: int
    end: int


def metadata_kind(question: str) -> str:
    """number, date or issuer when the question asks about a document itself, else ""."""
    simple = normalize(question)
    if _ASKS_NUMBER.search(simple):
        return "number"
    if _ASKS_DATE.search(simple):
        return "date"
    if _ASKS_ISSUER.search(simple):
        return "issuer"
    return ""


def _date_kind(question: str) -> tuple[str, ...]:
    simple = normalize(question)
    if "落款" in simple or "成文" in simple:
        return ("成文", "印发", "发布")
    if "发布" in simple or "公开" in simple:
        return ("发布", "印发", "成文")
    return ("印发", "成文", "发布")


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, (len(text) if line_end < 0 else line_end)


def _find(document: Document, value: str) -> tuple[int, int] | None:
    if not value:
        return None
    display = document.display_text
    position = display.find(value)
    if position < 0:
        # The display text keeps the document's own script; the value may be simplified.
        norm = normalize(display)
        position = norm.find(normalize(value)) if len(norm) == len(display) else -1
        if position < 0:
            return None
    return _line_span(display, position, position + len(value))


def answer_metadata(document: Document, kind: str, question: str) -> MetadataAnswer | None:
    """The fact asked about, with its span in the display text; None when it is not shown there."""
    title = f"《{document.title}》"
    if kind == "number" and document.number:
        span = _find(document, document.number)
        if span:
            return MetadataAnswer(f"{title}的文号是{document.number}。", *span)
    if kind == "issuer" and document.issuer:
        span = _find(document, document.issuer)
        if span:
            return MetadataAnswer(f"{title}由{document.issuer}印发。", *span)
    if kind == "date":
        for which in _date_kind(question):
            iso = document.date(which)
            if not iso:
                continue
            year, month, day = (int(part) for part in iso.split("-"))
            shown = f"{year}年{month}月{day}日"
            span = _find(document, shown + "印发" if which == "印发" else shown) or _find(document, shown) \
                or _find(document, iso)
            if span:
                label = {"成文": "成文（落款）日期", "印发": "印发日期", "发布": "发布日期"}[which]
                return MetadataAnswer(f"{title}的{label}是{shown}。", *span)
    return None
