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


_MARKER = re.compile(r"\[(\d{1,3})\]")


def marker_link(turn: int, n: int) -> str:
    """A citation marker [n] that opens the viewer at citation n of answer `turn` (see MARKER_SCRIPT); the
    target is in the link's fragment because the chat keeps no data-* attributes."""
    return (f"<a class='cite-marker' href='#cite-{turn}-{n}' role='button' title='查看出处 {n}'"
            f" style='cursor:pointer'>[{n}]</a>")


def link_markers(escaped: str, turn: int, count: int) -> str:
    """Escaped answer text with each marker [1]…[count] made a marker link; other brackets stay text."""
    return _MARKER.sub(lambda m: marker_link(turn, int(m.group(1))) if 1 <= int(m.group(1)) <= count
                       else m.group(0), escaped)


def answer_message(answer: Answer, turn: int | None = None) -> str:
    """The chat message for an answer, escaped: document text can hold markup. With the answer's `turn` (its
    index in the conversation), the [n] markers in the text and the source list open the cited passage."""
    text = plain(answer.text)
    notes = "".join(f"\n\n（{plain(n)}）" for n in answer.notices)
    if answer.abstained:
        return text + notes
    if turn is None:
        sources = "\n".join(plain(source_label(c)) for c in answer.citations)
        return f"{text}{notes}\n\n来源：\n{sources}"
    count = max((c.n for c in answer.citations), default=0)
    sources = "\n".join(marker_link(turn, c.n) + plain(source_label(c))[len(f"[{c.n}]"):] for c in answer.citations)
    return f"{link_markers(text, turn, count)}{notes}\n\n来源：\n{sources}"


def document_html(document: Document, start: int | None = None, end: int | None = None,
                  heading: str = "", *, viewer_id: str = "doc-viewer", mark_id: str = HIGHLIGHT_ID) -> str:
    """The document as escaped text, the quoted span wrapped in <mark id="cite-hl"> (ids given for a second
    viewer on the page)."""
    text = document.display_text
    meta = " · ".join(escape(part) for part in (document.issuer, document.number, document.region,
                                                 str(document.year or "")) if part)
    head = f"<h3 style='margin:0 0 4px 0'>《{escape(document.title)}》</h3><div style='color:#666'>{meta}</div>"
    if heading:
        head += f"<div style='color:#555;margin:4px 0'>{escape(heading)}</div>"
    if start is None or end is None or not 0 <= start <= end <= len(text):
        body = escape(text)
    else:
        body = (escape(text[:start]) + f"<mark id='{mark_id}' style='background:#ffe58a'>"
                + escape(text[start:end]) + "</mark>" + escape(text[end:]))
    return f"{head}<div id='{viewer_id}' style='{VIEWER_STYLE}'>{body}</div>"


EMPTY_VIEWER = f"<div id='doc-viewer' style='{VIEWER_STYLE};color:#888'>点击右侧的引用来源，在这里查看原文。</div>"

SCROLL_TO_HIGHLIGHT = """
() => {
  setTimeout(() => {
    const mark = document.getElementById('cite-hl');
    if (mark) { mark.scrollIntoView({block: 'center'}); }
  }, 150);
}
"""

LEDGER_MARK_ID = "ledger-hl"
EMPTY_LEDGER_VIEWER = (f"<div id='ledger-doc-viewer' style='{VIEWER_STYLE};color:#888'>点击台账中的一行，在这里查看该条"
                       "任务的原文。</div>")
SCROLL_TO_LEDGER_HIGHLIGHT = SCROLL_TO_HIGHLIGHT.replace("cite-hl", LEDGER_MARK_ID)

# Put first in the page's <head>: a click on a marker [n] in the chat writes "turn:n:time" into the hidden
# #marker-target box, whose change opens the viewer (the time makes a second click on one marker a change).
MARKER_SCRIPT = r"""<script>(() => {
  const open = (event) => {
    const marker = event.target instanceof Element && event.target.closest('a.cite-marker');
    if (!marker) { return; }
    event.preventDefault();
    event.stopPropagation();
    const parts = (marker.getAttribute('href') || '').replace('#cite-', '').split('-');
    const box = document.querySelector('#marker-target textarea, #marker-target input');
    if (!box || parts.length !== 2) { return; }
    box.value = parts[0] + ':' + parts[1] + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', open, true);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') { open(e); } }, true);
  // The chat's copy buttons copy a message as stored: escaped text with these links. What is copied is the
  // text as shown instead, whichever way the page copies (the clipboard API, or a selected text box).
  const entities = {'&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'", '&amp;': '&'};
  const shown = (text) => String(text)
    .replace(/<a class='cite-marker'[^>]*>(\[\d+\])<\/a>/g, '$1')
    .replace(/&(?:lt|gt|quot|amp|#x27|#39);/g, (e) => entities[e])
    .replace(/\u200b/g, '');
  const stored = (text) => /class='cite-marker'|&(?:lt|gt|quot|amp|#x27|#39);|\u200b/.test(String(text));
  if (navigator.clipboard && navigator.clipboard.writeText) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => write(stored(text) ? shown(text) : text);
  }
  document.addEventListener('copy', (e) => {
    const box = e.target;
    if (!(box instanceof HTMLTextAreaElement) || box.closest('.block')) { return; }  // not a text box of the page
    const text = box.value.substring(box.selectionStart, box.selectionEnd);
    if (stored(text) && e.clipboardData) { e.clipboardData.setData('text/plain', shown(text)); e.preventDefault(); }
  }, true);
})();</script>"""
# The marker box is part of the page but never seen.
MARKER_CSS = ("#marker-target{position:absolute!important;left:-10000px!important;width:1px!important;"
              "height:1px!important;overflow:hidden!important}")
