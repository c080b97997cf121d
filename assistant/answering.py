"""Extractive answers: pick the sentence that answers, say it briefly, cite it, or abstain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chunking import sentence_spans
from assistant.indexing import IndexStore
from assistant.records import Chunk, Citation, Document
from assistant.regions import PROVINCES
from assistant.textnorm import normalize, readable

_DATE = re.compile(
    r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}年(?:底|前|内|起|以前)"
    r"|年底|年内|上半年|下半年|第[一二三四]季度|每(?:月|季度|半年|半月|年)|月底|\d{1,2}月(?:底|前|中旬|上旬|下旬)")
_NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:个|项|%|％|人|户|元|亩|家|所|名|次|期|公里|千米|批|条|座|类|年|倍|处|村|县|乡|°)"
    r"|第[一二三四五六七八九十百\d]+|[一二三四五六七八九十两]+(?:个|项|类|批|条|是|大)|\d+(?:\.\d+)?万")
# "多少人", "几项": the unit an answer must carry.
_ASKED_UNIT = re.compile(
    r"多少(万|亿)?(人次|人|个|亩|公里|万元|元|家|户|项|所|次|名|期|批|条|座|度)|几(个|项|类|家|批|条|次|名|大|所)")
# Units a question may use for what the text counts with another word: 多少名 ~ 4000人.
_UNIT_SYNONYMS = {"名": "名|人", "人": "人|名", "人次": "人次|人", "度": "度|°", "个": "个|家|所|座|处|项",
                  "所": "所|个", "家": "家|个"}
_FIRST_ITEM = re.compile(r"首先|第一(?:个|条|项|是)?(?:是|为)?什么|第一步")
_BOTH_PARTS = re.compile(r"分别|各自|各是|各有|各要|各实现|各多少|各为|各设")
_CLAUSE_END = re.compile(r"[，,；;：:]")
_ASK_PHRASE = re.compile(r"(?:的)?(?:是|叫|有|为|要|达到)?(?:什么|哪些|哪个|多少|几|谁|何时|怎样|如何)")


@dataclass(frozen=True)
class Evidence:
    """A chosen sentence inside a chunk, with how well it matches the question."""

    row: int
    start: int  # offsets in the document's display text
    end: int
    score: float
    chunk_coverage: float
    sentence_coverage: float
    norm: str = ""


def question_terms(terms: list[str], years: tuple[int, ...], regions: tuple[str, ...]) -> list[str]:
    """Topic terms of a question: filter words (years, places) and bare numbers left out."""
    drop = {str(y) for y in years} | {str(y)[2:] for y in years} | set(regions) | set(PROVINCES) | {"年"}
    out: list[str] = []
    for term in terms:
        if term in drop or term.isdigit() or term in out or _ORDINAL_ITEM.fullmatch(term):
            continue
        out.append(term)
    return out


class CoverageScorer:
    """Weighted share of a question's terms that occur in a (normalized) text, for many texts in turn.

    A word the corpus never uses is probably the asker's paraphrase, so it earns half credit when
    its characters occur; a corpus word that is missing earns nothing."""

    __slots__ = ("_items", "_total")

    def __init__(self, terms: list[str], weights: dict[str, float], unseen: frozenset[str] = frozenset()) -> None:
        self._total = sum(weights[t] for t in terms)
        self._items = [(t, weights[t], t in unseen) for t in terms]

    def __call__(self, text: str) -> float:
        if self._total <= 0:
            return 0.0
        got = 0.0
        for term, weight, paraphrase in self._items:
            if term in text:
                got += weight
            elif paraphrase and all(c in text for c in term):
                got += 0.5 * weight
        return got / self._total


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


def required_answer(question: str) -> re.Pattern[str] | None:
    """What an answer sentence must contain: 多少人 needs a count of people, 几项 a count of items."""
    simple = normalize(question)
    match = _ASKED_UNIT.search(simple)
    if not match:
        return None
    unit = match.group(2) or match.group(3)
    units = re.escape(_UNIT_SYNONYMS.get(unit, unit)) if unit not in _UNIT_SYNONYMS else _UNIT_SYNONYMS[unit]
    if match.group(3):
        return re.compile(r"[\d.一二三四五六七八九十两百千]+(?:" + units + ")")
    return re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:" + units + ")")


_CN_DIGITS = "零一二三四五六七八九十"
_ORDINAL_ITEM = re.compile(r"第([一二三四五六七八九十]{1,3}|\d{1,2})(?:项|条|个|点|类|方面|部分|是)")


def _cn_number(value: int) -> str:
    if value <= 10:
        return _CN_DIGITS[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def ordinal_target(question: str) -> int | None:
    """The item a question asks for by its place: 第三项内容 -> 3 (not 第几)."""
    match = _ORDINAL_ITEM.search(normalize(question))
    if not match:
        return None
    value = match.group(1)
    if value.isdigit():
        return int(value)
    if value.startswith("十"):
        value = "一" + value
    tens, _, ones = value.partition("十")
    if "十" not in value:
        return _CN_DIGITS.index(value)
    return _CN_DIGITS.index(tens) * 10 + (_CN_DIGITS.index(ones) if ones else 0)


def _is_item(chunk: Chunk, norm: str, item: int) -> bool:
    """The sentence is the item-th of a list: 三是…, or the provision numbered (三), 三、 or 3."""
    cn = _cn_number(item)
    label = normalize(chunk.section[-1]) if chunk.section else ""
    return (norm.startswith(f"{cn}是") or label.startswith(f"({cn})") or label.startswith(f"{cn}、")
            or label.startswith(f"{item}."))


def _is_heading_sentence(chunk: Chunk, start: int, norm: str) -> bool:
    """A provision's title sentence, such as (十)签订目标责任书。: it names a topic but answers nothing."""
    return (start == chunk.start and chunk.section != ("前言",) and len(norm) <= 30
            and not re.search(r"\d", norm))


def focus_term(question: str, terms: list[str]) -> str:
    """The word just before the question phrase: in 专项行动叫什么 the thing asked about is 专项行动."""
    simple = normalize(question)
    match = _ASK_PHRASE.search(simple)
    if not match:
        return ""
    before = simple[: match.start()]
    placed = [(before.rfind(t) + len(t), t) for t in terms if t in before]
    return max(placed)[1] if placed else ""


@dataclass(frozen=True)
class RowForms:
    """A chunk's normalized forms for scoring: its sentences, its heading, and heading + provision text
    with the document's title and issuer in front."""

    sentences: list[tuple[int, int, str]]
    heading: str
    context: str
    chunk: Chunk


def row_forms(store: IndexStore, row: int) -> RowForms:
    """A chunk's normalized forms, kept after first use (questions revisit chunks)."""
    cached = store.forms_cache.get(row)
    if cached is None:
        chunk = store.chunks[row]
        document = store.documents[chunk.doc_id]
        heading = normalize(" ".join(chunk.section))
        cached = RowForms([(s, e, normalize(chunk.text[s - chunk.start:e - chunk.start]))
                           for s, e in sentence_spans(chunk.text, chunk.start)], heading,
                          normalize(f"{document.title} {document.issuer}") + heading + normalize(chunk.text), chunk)
        if len(store.forms_cache) > 50_000:
            store.forms_cache.clear()
        store.forms_cache[row] = cached
    return cached


def _candidates(store: IndexStore, rows: list[int], terms: list[str], intent: str, years: tuple[int, ...],
                ordinal: bool, first_item: bool, required: re.Pattern[str] | None, depth: int,
                item: int | None = None, focus: str = "") -> list[Evidence]:
    unseen = frozenset(t for t in terms if t not in store.doc_freq)
    weights = {t: (1.0 if t in unseen else store.idf(t)) for t in terms}
    sentences = []
    for rank, row in enumerate(rows[:depth]):
        forms = row_forms(store, row)
        chunk, spans = forms.chunk, forms.sentences
        for index, (s_start, s_end, norm) in enumerate(spans):
            if len(norm.strip()) < 4:
                continue
            if len(spans) > 1 and _is_heading_sentence(chunk, s_start, norm) and not (
                    item is not None and _is_item(chunk, norm, item)):
                continue
            sentences.append((rank, row, chunk, index, s_start, s_end, norm))
    # Inside the retrieved context a word found in every sentence tells them apart less than a rare one.
    import math

    local = {t: 1.0 + math.log((len(sentences) + 1) / (1 + sum(1 for *_, n in sentences if t in n)))
             for t in terms}
    local_weights = {t: weights[t] * local[t] * (2.0 if t == focus else 1.0) for t in terms}
    out: list[Evidence] = []
    cache: dict[int, tuple[float, float, str]] = {}
    local_coverage, plain_coverage = CoverageScorer(terms, local_weights, unseen), CoverageScorer(terms, weights, unseen)
    for rank, row, chunk, index, s_start, s_end, norm in sentences:
        if required is not None and not required.search(norm):
            continue
        own = local_coverage(norm)
        if required is not None and plain_coverage(norm) < 0.5:
            # A figure only answers when the sentence that states it is about what was asked.
            continue
        if row not in cache:
            forms = row_forms(store, row)
            cache[row] = (plain_coverage(forms.context), plain_coverage(forms.heading), forms.heading)
        chunk_cov, heading_cov, heading = cache[row]
        with_heading = plain_coverage(heading + norm)
        # The sentence's own words count most; its heading and provision add context. Who answers
        # for a task is a property of the provision, so there the provision's match leads.
        if intent == "who":
            score = 0.15 * own + 0.15 * with_heading + 0.35 * chunk_cov + 0.3 * heading_cov
        else:
            score = 0.45 * own + 0.2 * with_heading + 0.2 * chunk_cov + 0.15 * heading_cov
        score += _intent_bonus(intent, norm, chunk, ordinal) + 0.08 / (1 + rank)
        if years and any(str(y) in norm for y in years):
            score += 0.05
        if first_item and index <= 1:
            score += 0.1
        if item is not None and _is_item(chunk, norm, item):
            # The list item asked for by its place; its topic words are usually in the list's lead-in.
            score += 0.5 + 0.3 * chunk_cov
            with_heading = max(with_heading, chunk_cov)
        out.append(Evidence(row, s_start, s_end, score, chunk_cov, with_heading, norm))
    return out


def rerank(store: IndexStore, rows: list[int], terms: list[str], intent: str, *, question: str = "",
           years: tuple[int, ...] = ()) -> list[int]:
    """Order retrieved chunks by how well their best sentence answers the question (ties keep fusion order)."""
    candidates = _candidates(store, rows, terms, intent, years, "第几" in question,
                             bool(_FIRST_ITEM.search(question)), None, len(rows), ordinal_target(question),
                             focus_term(question, terms))
    best: dict[int, float] = {}
    for c in candidates:
        best[c.row] = max(best.get(c.row, 0.0), c.score)
    position = {row: i for i, row in enumerate(rows)}
    return sorted(rows, key=lambda row: (-best.get(row, 0.0), position[row]))


def choose_evidence(store: IndexStore, rows: list[int], terms: list[str], intent: str, *, question: str = "",
                    years: tuple[int, ...] = (), ordinal: bool = False, depth: int = 10) -> list[Evidence]:
    """The best sentence among the first `depth` retrieved chunks; when the question asks for two things
    at once (分别, 各), also the sentence of the same provision that covers what the first leaves out."""
    required = required_answer(question) if intent in {"number", "what"} and not ordinal else None
    candidates = _candidates(store, rows, terms, intent, years, ordinal, bool(_FIRST_ITEM.search(question)),
                             required, depth, ordinal_target(question), focus_term(question, terms))
    if not candidates:
        return []
    best = max(candidates, key=lambda c: c.score)
    chosen = [best]
    if _BOTH_PARTS.search(question) or (intent in {"number", "when"} and "和" in question):
        missing = [t for t in terms if t not in best.norm]
        others = [c for c in candidates if c.start != best.start and any(t in c.norm for t in missing)
                  and (intent not in {"number", "when"} or _intent_bonus(intent, c.norm, store.chunks[c.row]) > 0)]
        if others:
            # The other part is looked for in the same provision first, then anywhere retrieved.
            chosen.append(max(others, key=lambda c: (c.row == best.row, sum(1 for t in missing if t in c.norm),
                                                     c.score)))
    return sorted(chosen, key=lambda c: (rows.index(c.row) if c.row != best.row else -1, c.start))


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


_ASSIGNMENT = re.compile(r"^(?:由)?([^，,；;。:：]{2,30}?)(?:牵头|会同[^，,；;。]{0,40}?)?负责(.{2,})$")


def inline_assignment(sentence: str, terms: list[str]) -> str:
    """"地区商务局负责开展电商扶贫活动": the clause of a sentence that gives the asked task to a unit."""
    best, best_hits = "", 0
    for clause in re.split(r"[；;。，,]", readable(sentence)):
        match = _ASSIGNMENT.match(clause.strip())
        if not match:
            continue
        hits = sum(1 for t in terms if t in normalize(match.group(2)))
        if hits > best_hits:
            best, best_hits = clause.strip(), hits
    return best


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
