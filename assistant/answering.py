"""Extractive answers: pick the sentence that answers, say it briefly, cite it, or abstain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chunking import sentence_spans
from assistant.indexing import IndexStore
from assistant.records import Chunk, Citation, Document
from assistant.regions import PROVINCES
from assistant.textnorm import normalize, readable

_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}年底|年底前|\d{4}年(?:前|内|起)")
_NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|亿|个|项|%|％|人|户|元|亩|家|所|名|次|期|公里|千米|批|条|座|类|年|倍|处|村|县|乡)"
    r"|第[一二三四五六七八九十百]+|[一二三四五六七八九十两]+(?:个|项|类|批|条|是)")
_CLAUSE_END = re.compile(r"[，,；;：:]")


@dataclass(frozen=True)
class Evidence:
    """A chosen sentence inside a chunk, with how well it matches the question."""

    row: int
    start: int  # offsets in the document's display text
    end: int
    score: float
    chunk_coverage: float
    sentence_coverage: float


def question_terms(terms: list[str], years: tuple[int, ...], regions: tuple[str, ...]) -> list[str]:
    """Topic terms of a question: filter words (years, places) and bare numbers left out."""
    drop = {str(y) for y in years} | {str(y)[2:] for y in years} | set(regions) | set(PROVINCES) | {"年"}
    out: list[str] = []
    for term in terms:
        if term in drop or term.isdigit() or term in out:
            continue
        out.append(term)
    return out


def coverage(terms: list[str], weights: dict[str, float], text: str, unseen: frozenset[str] = frozenset()) -> float:
    """Weighted share of the terms that occur in the (normalized) text.

    A word the corpus never uses is probably the asker's paraphrase, so it earns half credit when
    its characters occur; a corpus word that is missing earns nothing."""
    total = sum(weights[t] for t in terms)
    if total <= 0:
        return 0.0
    got = 0.0
    for term in terms:
        if term in text:
            got += weights[term]
        elif term in unseen and all(c in text for c in term):
            got += 0.5 * weights[term]
    return got / total


def _intent_bonus(intent: str, sentence: str, chunk: Chunk, ordinal: bool = False) -> float:
    if ordinal:
        return 0.2 if re.search(r"第[一二三四五六七八九十百\d]+", sentence) else 0.0
    if intent == "number":
        return 0.15 if _NUMBER.search(sentence) else 0.0
    if intent == "when":
        return 0.2 if _DATE.search(sentence) else 0.0
    if intent == "who":
        return 0.15 if chunk.responsible or re.search(r"负责|牵头", sentence) else 0.0
    return 0.0


def choose_evidence(store: IndexStore, rows: list[int], terms: list[str], intent: str,
                    *, years: tuple[int, ...] = (), ordinal: bool = False, depth: int = 10) -> Evidence | None:
    """The best sentence among the first `depth` retrieved chunks."""
    unseen = frozenset(t for t in terms if t not in store.doc_freq)
    weights = {t: (1.0 if t in unseen else store.idf(t)) for t in terms}
    best: Evidence | None = None
    for rank, row in enumerate(rows[:depth]):
        chunk = store.chunks[row]
        document = store.documents[chunk.doc_id]
        heading = normalize(" ".join(chunk.section))
        context = normalize(f"{document.title} {document.issuer}") + heading
        chunk_cov = coverage(terms, weights, context + normalize(chunk.text), unseen)
        for s_start, s_end in sentence_spans(chunk.text, chunk.start):
            sentence = document.display_text[s_start:s_end]
            norm = normalize(sentence)
            if len(norm.strip()) < 4:
                continue
            sent_cov = coverage(terms, weights, heading + norm, unseen)
            score = 0.6 * sent_cov + 0.25 * chunk_cov + _intent_bonus(intent, norm, chunk, ordinal) + 0.1 / (1 + rank)
            if years and any(str(y) in norm for y in years):
                score += 0.05
            if best is None or score > best.score:
                best = Evidence(row, s_start, s_end, score, chunk_cov, sent_cov)
    return best


def compact_section(section: tuple[str, ...]) -> str:
    """三、… › (十)开展消费扶贫专项行动 -> 三(十)开展消费扶贫专项行动."""
    if not section or section == ("前言",):
        return ""
    parts = []
    for label in section[:-1]:
        marker = re.match(r"^(第[^章条编]+[章条编]|[一二三四五六七八九十百]+、|\([^)]*\)|（[^）]*）|\d+[.、]|\S{0,6})", label)
        parts.append((marker.group(1) if marker else label).rstrip("、"))
    return readable("".join(parts) + section[-1])


def snippet(sentence: str, terms: list[str], intent: str, limit: int) -> str:
    """The sentence, or its best clauses when it is too long for a short answer."""
    sentence = readable(sentence).strip()
    if len(sentence) <= limit:
        return sentence
    pieces: list[str] = []
    last = 0
    for match in _CLAUSE_END.finditer(sentence):
        pieces.append(sentence[last : match.end()])
        last = match.end()
    if last < len(sentence):
        pieces.append(sentence[last:])

    def score(piece: str) -> float:
        norm = normalize(piece)
        value = sum(1.0 for t in terms if t in norm)
        if intent == "number" and _NUMBER.search(norm):
            value += 1.5
        if intent == "when" and _DATE.search(norm):
            value += 1.5
        return value

    scores = [score(p) for p in pieces]
    i = max(range(len(pieces)), key=lambda k: (scores[k], -k))
    lo, hi = i, i + 1
    while True:
        options = []
        if lo > 0 and len("".join(pieces[lo - 1 : hi])) <= limit:
            options.append((scores[lo - 1], lo - 1, hi))
        if hi < len(pieces) and len("".join(pieces[lo : hi + 1])) <= limit:
            options.append((scores[hi], lo, hi + 1))
        if not options:
            break
        _, lo, hi = max(options)
    text = "".join(pieces[lo:hi])
    if len(text) > limit:
        text = text[: limit - 1]
    text = text.rstrip("，,；;：:")
    return ("……" if lo > 0 else "") + text + ("……" if hi < len(pieces) else "")


def who_sentence(chunk: Chunk) -> str:
    """The responsible units of a provision, said as a sentence."""
    units = chunk.responsible
    if len(units) > 90:
        units = units[:88] + "等"
    if re.search(r"(?:负责|牵头)$", units):
        return f"由{units}。"
    return f"责任单位：{units}。"


def citation_for(n: int, document: Document, chunk: Chunk, start: int, end: int) -> Citation:
    """A citation quoting display_text[start:end]."""
    return Citation(n=n, doc_id=document.doc_id, title=document.title, number=document.number,
                    section=chunk.section_label, text=document.display_text[start:end], start=start, end=end)
