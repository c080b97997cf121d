"""Cut a parsed document into chunks: one per provision, long provisions split at sentence ends."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.ingest.parsing import ARTICLE, ParsedDocument
from assistant.records import Chunk, Provision
from assistant.text.normalize import normalize
from assistant.text.sentences import sentence_spans

PREAMBLE = ("前言",)
_SHORT_LINE = 40


def _trim(display: str, start: int, end: int) -> tuple[int, int]:
    while start < end and display[start].isspace():
        start += 1
    while end > start and display[end - 1].isspace():
        end -= 1
    return start, end


def chunk_document(parsed: ParsedDocument, *, max_tokens: int,
                   count_tokens: Callable[[str], int]) -> list[Chunk]:
    """Chunks covering the document in order; none crosses a provision boundary."""
    if max_tokens < 16:
        raise ValueError("max_tokens must be at least 16")
    display = parsed.document.display_text
    chunks: list[Chunk] = []
    for provision in article_units(parsed.provisions):
        start, end = _trim(display, provision.start, provision.end)
        if start >= end:
            continue
        pieces: list[tuple[int, int]] = []
        if provision.path == PREAMBLE:
            # Text before the first numbered provision (a notice, a news item) is cut by paragraph:
            # each paragraph says one thing, and a short line (a title, a date) joins the next one.
            pieces = _paragraphs(display, start, end, max_tokens, count_tokens)
        elif count_tokens(display[start:end]) <= max_tokens:
            pieces.append((start, end))
        else:
            pieces = _within_budget(display, start, end, max_tokens, count_tokens)
        for p_start, p_end in pieces:
            if not display[p_start:p_end].strip():
                continue
            p_start, p_end = _trim(display, p_start, p_end)
            text = display[p_start:p_end]
            chunks.append(Chunk(
                chunk_id=f"{parsed.document.doc_id}:{len(chunks):04d}", doc_id=parsed.document.doc_id,
                section=provision.path, text=text, start=p_start, end=p_end, tokens=count_tokens(text),
                responsible=provision.responsible))
    return chunks


def article_units(provisions: Sequence[Provision]) -> list[Provision]:
    """Provisions with each article (第X条) and everything under it (paragraphs, items) merged into one unit:
    in a regulation the article is what answers, and its items stay with their lead-in."""
    units: list[Provision] = []
    current: tuple[str, ...] | None = None
    for provision in provisions:
        cut = next((i for i, label in enumerate(provision.path) if ARTICLE.match(normalize(label))), None)
        article = provision.path[: cut + 1] if cut is not None else None
        if article is not None and article == current and units:
            last = units[-1]
            units[-1] = Provision(article, last.start, provision.end, last.responsible or provision.responsible)
            continue
        current = article
        units.append(Provision(article, provision.start, provision.end, provision.responsible) if article else provision)
    return units


def _paragraphs(display: str, start: int, end: int, max_tokens: int,
                count_tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    piece_start = start
    position = start
    for line in display[start:end].split("\n"):
        line_end = position + len(line)
        text = display[piece_start:line_end]
        if len(line.strip()) >= _SHORT_LINE or count_tokens(text) > max_tokens:
            pieces.extend(_within_budget(display, piece_start, line_end, max_tokens, count_tokens))
            piece_start = line_end + 1
        position = line_end + 1
    if piece_start < end:
        pieces.extend(_within_budget(display, piece_start, end, max_tokens, count_tokens))
    return pieces


def _within_budget(display: str, start: int, end: int, max_tokens: int,
                   count_tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    if count_tokens(display[start:end]) <= max_tokens:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = piece_end = start
    for s_start, s_end in sentence_spans(display[start:end], start):
        if piece_end > piece_start and count_tokens(display[piece_start:s_end]) > max_tokens:
            pieces.append((piece_start, piece_end))
            piece_start = s_start
        piece_end = s_end
    if piece_end > piece_start:
        pieces.append((piece_start, piece_end))
    return pieces
