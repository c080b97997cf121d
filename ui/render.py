"""HTML and text shown in the page; everything from documents, questions and file names is escaped."""

from __future__ import annotations

import re
from html import escape

from assistant import Answer, Citation, Document

VIEWER_STYLE = ("max-height:560px;overflow-y:auto;white-space:pre-wrap;line-height:1.7;"
                "padding:12px;border:1px solid #ddd;border-radius:6px;background:#fff;color:#222")
HIGHLIGHT_ID = "cite-hl"


def source_label(citation: Citation) -> str:
    """How a citation is listed beside the answer: [n] title 文号 › section."""
    number = f" {citation.number}" if citation.number else ""
    return f"[{citation.n}] 《{citation.title}》{number} {citation.section}"


def nearby_label(index: int, title: str, section: str) -> str:
    """How a possibly related provision is listed after an abstention."""
    return f"可能相关 {index}：《{title}》 {section}"


_SCHEME = re.compile(r"(?i)\b(https?|ftp|javascript|data|file|mailto)(:)")
_BREAK = "\u200b"  # a zero-width space: invisible, but no Markdown image, link or bare URL forms across it


def plain(text: str) -> str:
    """Text for the chat, shown as text: HTML escaped, and Markdown's image and link forms and URL schemes broken
    by an invisible space, so a title such as ![t](http://host/x.png) or [a](javascript:…) is shown as written,
    never fetched or followed."""
    text = escape(text).replace("![", "!" + _BREAK + "[").replace("](", "]" + _BREAK + "(")
    return _SCHEME.sub(r"\1" + _BREAK + r"\2", text)


def answer_message(answer: Answer) -> str:
    """The chat message for an answer, escaped: document text can hold markup."""
    text = plain(answer.text)
    notes = "".join(f"\n\n（{plain(n)}）" for n in answer.notices)
    if answer.abstained:
        return text + notes
    sources = "\n".join(plain(source_label(c)) for c in answer.citations)
    return f"{text}{notes}\n\n来源：\n{sources}"


def document_html(document: Document, start: int | None = None, end: int | None = None,
                  heading: str = "") -> str:
    """The document as escaped text, the quoted span wrapped in <mark id="cite-hl">."""
    text = document.display_text
    meta = " · ".join(escape(part) for part in (document.issuer, document.number, document.region,
                                                 str(document.year or "")) if part)
    head = f"<h3 style='margin:0 0 4px 0'>《{escape(document.title)}》</h3><div style='color:#666'>{meta}</div>"
    if heading:
        head += f"<div style='color:#555;margin:4px 0'>{escape(heading)}</div>"
    if start is None or end is None or not 0 <= start <= end <= len(text):
        body = escape(text)
    else:
        body = (escape(text[:start]) + f"<mark id='{HIGHLIGHT_ID}' style='background:#ffe58a'>"
                + escape(text[start:end]) + "</mark>" + escape(text[end:]))
    return f"{head}<div id='doc-viewer' style='{VIEWER_STYLE}'>{body}</div>"


EMPTY_VIEWER = f"<div id='doc-viewer' style='{VIEWER_STYLE};color:#888'>点击右侧的引用来源，在这里查看原文。</div>"

SCROLL_TO_HIGHLIGHT = """
() => {
  setTimeout(() => {
    const mark = document.getElementById('cite-hl');
    if (mark) { mark.scrollIntoView({block: 'center'}); }
  }, 150);
}
"""
