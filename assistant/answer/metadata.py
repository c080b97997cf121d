"""Questions about a document itself (文号, issuer, dates), answered from its parsed metadata."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.compose import citation_for
from assistant.index.store import IndexStore
from assistant.records import Citation, Document
from assistant.search.analysis import METADATA_WORDS, QuestionFrame
from assistant.search.retrieval import Ranked
from assistant.text.normalize import normalize, readable


@dataclass(frozen=True)
class MetadataAnswer:
    """A fact about a document and the display span that shows it."""

    sentence: str
    start: int
    end: int


def _date_kind(question: str) -> tuple[str, ...]:
    simple = normalize(question)
    if re.search(r"施行(?:日期|时间)|(?:哪天|哪一天|何时|什么时候|哪年)(?:开始|起)?(?:施行|实施|生效)|生效", simple):
        return ("施行",)
    if re.search(r"修正|修订|修改", simple):
        return ("修改",)
    if re.search(r"施行|开始实施|实施(?:日期|时间)", simple):
        return ("施行",)
    if re.search(r"通过", simple):
        return ("通过", "公布")
    if "落款" in simple or "成文" in simple:
        return ("成文", "印发", "发布")
    if "发布" in simple or "公开" in simple:
        return ("发布", "印发", "成文")
    return ("印发", "成文", "发布")


def _latest_change(document: Document) -> str:
    """The date of the latest 修正 or 修订, or ""."""
    changed = [value for kind, value in document.dates if kind in ("修正", "修订")]
    return max(changed) if changed else ""


def _version_answer(document: Document) -> MetadataAnswer | None:
    """Which text is in force: this document's version and status, shown at its latest dated header line."""
    iso = document.version_date()
    if not iso:
        return None
    year, month, day = (int(part) for part in iso.split("-"))
    shown = f"{year}年{month}月{day}日"
    span = _find(document, shown) or _line_span(document.display_text, 0, 0)  # else its first line, the title
    status = {"current": "现行有效的版本", "earlier": "旧版本（已有更新的版本）", "repealed": "已被废止"}.get(
        document.status, "现行有效的版本")
    return MetadataAnswer(f"《{document.title}》{shown}的文本是{status}。", *span)


def _what_else(line: str) -> str:
    """What the line giving a date also says that staff ask with it: which revision it was (第二次修正), and
    the text it replaced (《…》同时废止)."""
    said = []
    revision = re.search(r"第[一二三四五六七八九十]+次(?:修正|修订|修改)", line)
    if revision:
        said.append(f"（{revision.group(0)}）")
    repealed = re.search(r"[^。；，]*同时废止", line)
    if repealed:
        said.append(f"；{readable(repealed.group(0)).strip()}")
    return "".join(said)


def _with_next_line(text: str, span: tuple[int, int]) -> str:
    """The span's text and the line after it (a long header line wraps onto the next)."""
    after = text.find("\n", span[1] + 1)
    return text[span[0]: len(text) if after < 0 else after]


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
            # A converted text may have stray spaces inside the value (2013年11月1 日).
            spaced = re.search(r"\s*".join(map(re.escape, value)), display)
            if spaced is None:
                return None
            return _line_span(display, spaced.start(), spaced.end())
    return _line_span(display, position, position + len(value))


def answer_metadata(document: Document, kind: str, question: str) -> MetadataAnswer | None:
    """The fact asked about, with its span in the display text; None when it is not shown there."""
    title = document.label
    if kind == "number" and document.number:
        span = _find(document, document.number)
        if span:
            return MetadataAnswer(f"{title}的文号是{document.number}。", *span)
    if kind == "issuer" and document.issuer:
        span = _find(document, document.issuer)
        if span:
            return MetadataAnswer(f"{title}由{document.issuer}印发。", *span)
    if kind == "version":
        return _version_answer(document)
    if kind == "date":
        for which in _date_kind(question):
            iso = _latest_change(document) if which == "修改" else document.date(which)
            if not iso:
                continue
            year, month, day = (int(part) for part in iso.split("-"))
            shown = f"{year}年{month}月{day}日"
            span = _find(document, shown + "印发" if which == "印发" else shown) or _find(document, f"自{shown}起施行") \
                or _find(document, shown) \
                or _find(document, iso)
            if span:
                label = {"成文": "成文（落款）日期", "印发": "印发日期", "发布": "发布日期", "施行": "施行日期",
                         "通过": "通过日期", "公布": "公布日期", "修改": "最近一次修改日期"}[which]
                return MetadataAnswer(f"{title}的{label}是{shown}{_what_else(_with_next_line(document.display_text, span))}。",
                                      *span)
    return None


def answer_from_metadata(store: IndexStore, frame: QuestionFrame, ranked: Sequence[Ranked], n: int,
                         years: tuple[int, ...]) -> tuple[str, list[Citation]] | None:
    """Answer 文号 / issuer / date questions from the metadata of the document the question names."""
    topic = [t for t in frame.terms if not any(w in t for w in METADATA_WORDS)]
    order: list[str] = []
    for r in ranked:
        doc_id = store.chunks[r.row].doc_id
        if doc_id not in order:
            order.append(doc_id)
    if not order:
        return None

    def named(doc_id: str) -> float:
        document = store.documents[doc_id]
        label = normalize(f"{document.title}{document.issuer}{document.number}{document.region}")
        return sum(1.0 for t in topic if t in label) / len(topic) if topic else 0.0

    best = max(order, key=lambda d: (named(d), store.documents[d].year in years, -order.index(d)))
    # Only a question that names the document (every topic word in its title, issuer or number, or the
    # document resolved from its name) is about the document itself; "when is the 倡议书 published" is
    # about an activity.
    scoped = any(best in part.filters.doc_ids for part in frame.parts)
    if topic and named(best) < 1.0 and not scoped:
        return None
    document = store.documents[best]
    # 济宁市节约用水条例什么时候施行, in a library with only the province's: a city no document names asks about a
    # document the library lacks, whose number and dates are not this one's (a city with texts of its own is
    # another part of the question: 洛阳旅游条例和浙江气象灾害防御条例分别哪天施行).
    if frame.uncovered:
        return None
    found = answer_metadata(document, frame.metadata_kind, frame.full)
    if found is None:
        return None
    rows = [store.chunks[int(r)] for r in store.chunks.rows_of(store.document_order.index(best))]
    chunk = next((c for c in rows if c.start <= found.start < c.end), rows[0])
    citation = citation_for(n, document, chunk, found.start, found.end)
    return f"{found.sentence.rstrip('。')}[{n}]。", [citation]
