"""Documents a question names ("北京那个居家养老条例", "未保条例", "残疾人就业条例", "旧版"), resolved into a scope."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.text.normalize import char_bigrams, normalize
from assistant.text.regions import cities_named

KINDS = ("条例", "办法", "规定", "细则", "意见", "方案", "要点", "通知", "规划", "批复", "决定", "计划", "纲要", "措施")
_WRAPPER = re.compile(r"中华人民共和国|实施|关于|印发|《|》|的")
OLDER = re.compile(r"旧版|老版|原版|原来的|以前的|之前的|修订前|修改前|修正前|过去的|早先")
NEWER = re.compile(r"新版|现行|最新|修订后|修改后|修正后|现在的")
# "2019年修改前": the year of an amendment, naming the version on one side of it (not a year of the topic).
AMENDMENT_SIDE = re.compile(r"的?(?:修改|修订|修正)(前|以前|之前|后|以后|之后)")
_AMENDED_IN = re.compile(r"((?:19|20)\d{2})年?" + AMENDMENT_SIDE.pattern)
_JOINED = re.compile(r"和|与|及|跟|同|、|还是|相比|比较|对比|分别|各自")
# Words that end or start many titles and so name none of them on their own.
_GENERIC = frozenset({"促进", "保护", "管理", "保障", "服务", "实施", "建设", "发展", "工作", "安全", "权益", "防治"})
_SURE = 0.7  # a name this sure may stand beside another in one question
_MAX_NAMED = 4
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_WORD = re.compile(r"(?:19|20)\d{2}年?")
COMPARE = re.compile(r"变化|不同|不一样|一样吗|区别|差别|差异|改了|修改了|有何变|新旧|两版|前后")
# Words that say the versions of one text are meant: 修改前后, 2021版和2024版, 新旧, 原来 … 现在.
_VERSION_CUE = re.compile(r"版|修改|修订|修正|新旧|前后|以前|原来|现在|之前")


def compares_versions(question: str) -> bool:
    """The question asks how versions of a text differ (修改前后有什么不一样, 2021版和2024版有什么不同)."""
    simple = normalize(question)
    return bool(COMPARE.search(simple) and _VERSION_CUE.search(simple))


@dataclass(frozen=True)
class CatalogEntry:
    """What scope resolution needs to know of one indexed document."""

    doc_id: str
    title: str
    region: str
    status: str
    version: str
    issuer: str = ""
    stated_years: tuple[int, ...] = ()  # years of the dates the text states (通过, 修订, 修正 …)


@dataclass(frozen=True)
class DocumentScope:
    """The documents a question names and the title words to leave out of its topic."""

    doc_ids: tuple[str, ...] = ()
    title_words: str = ""  # the normalized title core; topic terms inside it name the document, not the topic
    versions: tuple[tuple[str, ...], ...] = ()  # doc ids per version when the question compares versions
    documents: tuple[tuple[str, ...], ...] = ()  # doc ids per document when the question names several

    def __bool__(self) -> bool:
        return bool(self.doc_ids)


@lru_cache(maxsize=65536)
def title_core(title: str) -> tuple[str, str]:
    """The distinctive part of a title and its kind: 上海市未成年人保护条例 -> (未成年人保护, 条例)."""
    simple = normalize(title)
    simple = re.sub(r"[(（][^)）]*[)）]$", "", simple)
    kind = next((k for k in KINDS if simple.endswith(k)), "")
    core = simple[: len(simple) - len(kind)] if kind else simple
    core = _PLACE.sub("", core)
    core = _WRAPPER.sub("", core)
    return core, kind


@lru_cache(maxsize=65536)
def _bigrams(text: str) -> frozenset[str]:
    return char_bigrams(text)  # cached: titles and questions are scored again and again


@lru_cache(maxsize=65536)
def _abbreviations(core: str) -> frozenset[str]:
    """Short names people use: 未成年人保护 -> 未保, 残疾人保障法 -> 残保法 (first characters of its words)."""
    from assistant.index.lexical import Segmenter

    words = [w for w in Segmenter.shared().topic_words(core) if len(w) >= 2]
    out = {"".join(w[0] for w in words)} if len(words) >= 2 else set()
    if core.endswith("法") and words:
        out |= {a + "法" for a in out}
    return frozenset(a for a in out if len(a) >= 2)


def name_score(question: str, title: str) -> float:
    """How surely the (normalized) question names a document of this title: 0 when it does not."""
    core, kind = title_core(title)
    title_years = set(_YEAR.findall(core))
    asked_years = set(_YEAR.findall(question))
    # 2021年…工作要点 does not name the 2020 one, however alike the rest.
    if title_years and asked_years and not title_years & asked_years:
        return 0.0
    core = _YEAR_WORD.sub("", core) if title_years and not asked_years else core
    if not core or len(core) < 2:
        return 0.0
    # A document is named by its core with its kind word (条例, 办法 …), or by a long core alone.
    # A core said without its kind word is often just the topic (残疾人就业保障金): only long ones name.
    if core in question and ((kind and kind in question) or len(core) >= 6):
        return 1.0 + len(core) / 100
    if not kind or kind not in question:
        return 0.0
    grams = _bigrams(core)
    share = len(grams & _bigrams(question)) / len(grams) if grams else 0.0
    if any(a in question for a in _abbreviations(core)):
        share = max(share, 0.8)
    # The end or the start of a long name with the kind word: 残疾预防和残疾人康复条例 as 康复条例,
    # 老年人权益保障条例 as 老年人条例.
    if any((core[-n:] + kind in question and core[-n:] not in _GENERIC) or (core[:n] + kind in question
           and core[:n] not in _GENERIC) for n in range(2, min(6, len(core)) + 1)):
        share = max(share, 0.7)
    return share if share >= 0.6 else 0.0


def _mask(question: str, title: str) -> str:
    """The question with the words that name this title blanked out."""
    core, kind = title_core(title)
    pieces = [core] + [core[:n] for n in range(len(core), 1, -1)] + [core[-n:] for n in range(len(core), 1, -1)]
    pieces += sorted(_abbreviations(core), key=len, reverse=True)
    for piece in pieces:
        for form in (piece + kind, piece):
            if len(form) >= 2 and form in question:
                return question.replace(form, "□" * len(form), 1)
    return question


def _position(question: str, title: str) -> int:
    """Where the question names the title (for ordering named documents): its place name when said, else the
    longest part of its core that the question says."""
    simple = normalize(title)
    place = _PLACE.match(simple)
    if place:
        for size in range(len(place.group(0)), 1, -1):
            found = question.find(place.group(0)[:size])
            if found >= 0:
                return found
    core, _ = title_core(title)
    for size in range(len(core), 1, -1):
        hits = [question.find(core[i:i + size]) for i in range(len(core) - size + 1)]
        hits = [h for h in hits if h >= 0]
        if hits:
            return min(hits)
    return len(question)


class _TitleIndex:
    """Which catalog entries a question could name, found by the two-character pieces of their title cores."""

    def __init__(self, catalog: Sequence[CatalogEntry]) -> None:
        self.catalog = catalog
        self.by_piece: dict[str, list[int]] = {}
        self.long_cores: list[tuple[str, int]] = []
        self.abbreviations: dict[str, list[int]] = {}
        for i, entry in enumerate(catalog):
            core, _ = title_core(entry.title)
            for piece in _bigrams(core):
                self.by_piece.setdefault(piece, []).append(i)
            for short in _abbreviations(core):
                self.abbreviations.setdefault(short, []).append(i)


_INDEXES: dict[int, _TitleIndex] = {}


def _candidates(question: str, catalog: Sequence[CatalogEntry]) -> list[CatalogEntry]:
    """The entries sharing a piece of their title's core (or a short name) with the question: every name_score
    above 0 needs one, so the others are never scored (a library of thousands stays fast)."""
    index = _INDEXES.get(id(catalog))
    if index is None or index.catalog is not catalog:
        index = _TitleIndex(catalog)
        _INDEXES.clear()  # one catalog at a time: the loaded library's
        _INDEXES[id(catalog)] = index
    found: set[int] = set()
    for i in range(len(question) - 1):
        found.update(index.by_piece.get(question[i:i + 2], ()))
    for short, entries in index.abbreviations.items():
        if short in question:
            found.update(entries)
    return [catalog[i] for i in sorted(found)]


_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,6}?)(?:省|市|经济特区|自治区|自治州|县)")


def title_place(title: str) -> str:
    """The place a title begins with: 广州市慈善促进条例 -> 广州; '' for a national text."""
    match = _PLACE.match(normalize(title))
    return match.group(1) if match else ""


def _several_named(simple: str, scored: Sequence[tuple[float, CatalogEntry]]) -> DocumentScope | None:
    """"A条例和B办法…": each named document a part of its own; None unless the question names two or more."""
    by_title: dict[str, list[tuple[float, CatalogEntry]]] = {}
    for score, entry in scored:
        by_title.setdefault(normalize(entry.title), []).append((score, entry))
    ranked = sorted((t for t, members in by_title.items() if max(s for s, _ in members) >= _SURE),
                    key=lambda t: -max(s for s, _ in by_title[t]))
    # As many documents as the question says kind words (条例 … 办法 …), the best named first, each named by
    # words no better-named document used (就业条例 inside 残疾人就业条例 names nothing else); then in the
    # order the question names them.
    named: list[str] = []
    rest = simple
    for title in ranked:
        if name_score(rest, title) >= _SURE:
            named.append(title)
            rest = _mask(rest, title)
    named = sorted(named[: sum(simple.count(k) for k in KINDS)], key=lambda t: _position(simple, t))
    # 上海和广州的慈善条例: one kind word, two places, a document each (the best named of each place).
    places = [p for p in dict.fromkeys(title_place(t) for t in ranked) if p and p in simple]
    if len(places) > len(named):
        named = [next(t for t in ranked if title_place(t) == p) for p in sorted(places, key=simple.index)]
    if len(named) < 2 or not _JOINED.search(simple) or len(named) > _MAX_NAMED:
        return None
    parts = tuple(tuple(e.doc_id for _, e in by_title[t] if e.status == "current" or len(by_title[t]) == 1)
                  or tuple(e.doc_id for _, e in by_title[t]) for t in named)
    words = "".join(title_core(t)[0] + t for t in named)
    return DocumentScope(tuple(d for p in parts for d in p), words, documents=parts)


def resolve_scope(question: str, catalog: Sequence[CatalogEntry], regions: Sequence[str]) -> DocumentScope:
    """The documents the question names (the best-named title, in the regions it names), with the version it
    asks for: older / newer / both when it compares them; the current one when it says nothing."""
    simple = normalize(question)
    everywhere = [(s, e) for s, e in ((name_score(simple, entry.title), entry) for entry in _candidates(simple, catalog))
                  if s > 0]
    scored = [(s, e) for s, e in everywhere if not regions or not e.region or e.region in regions]
    # "北京燃气条例和商丘供水条例": a city names its own document, whichever province the other belongs to.
    several = _several_named(simple, everywhere)
    if several is not None:
        return several
    # 广州慈善条例: a place that begins some named title picks that place's documents, however well the
    # words alone name another place's (上海市慈善条例).
    places = {p for p in (title_place(e.title) for _, e in scored) if p and p in simple}
    if places:
        scored = [(s, e) for s, e in scored if title_place(e.title) in places]
    elif asked := cities_named(simple):
        # 郑州市节约用水条例 in a library that has only 威海's: another city's text is not the one named.
        provinces = {province for _, province in asked}
        scored = [(s, e) for s, e in scored if title_place(e.title) in ("", *provinces)]
    if not scored:
        return DocumentScope()
    best = max(s for s, _ in scored)
    chosen = [e for s, e in scored if s >= best - 1e-9]
    titles = {normalize(e.title) for e in chosen}
    words = "".join(sorted({title_core(e.title)[0] for e in chosen})) + "".join(t for t in titles)
    grouped = [e for e in chosen if e.version]
    if len(chosen) > 1 and grouped and len(titles) == 1:
        by_date = sorted(chosen, key=lambda e: e.version)
        if COMPARE.search(simple) or (OLDER.search(simple) and NEWER.search(simple)):
            return DocumentScope(tuple(e.doc_id for e in by_date), words, tuple((e.doc_id,) for e in by_date))
        amended = _AMENDED_IN.search(simple)
        if amended:
            # 2019年修改前: the latest version dated before that year; 修改后: the first of that year or later.
            year, before = amended.group(1), amended.group(2) in ("前", "以前", "之前")
            side = ([e for e in by_date if e.version[:4] < year][-1:] if before
                    else [e for e in by_date if e.version[:4] >= year][:1])
            if side:
                return DocumentScope(tuple(e.doc_id for e in side), words)
        year = re.search(r"((?:19|20)\d{2})年?(?:[^，。？?版]{0,6}?)(?:版|的版本|那版)", simple)
        if year:
            picked = [e for e in by_date if e.version.startswith(year.group(1))]
            if not picked:
                # 2003年修订的那一版: the earliest version whose text states that year (it carries that revision).
                picked = [e for e in by_date if int(year.group(1)) in e.stated_years][:1]
            if picked:
                return DocumentScope(tuple(e.doc_id for e in picked), words)
        if OLDER.search(simple):
            return DocumentScope(tuple(e.doc_id for e in by_date[:-1]), words)
        current = [e for e in by_date if e.status == "current"] or by_date[-1:]
        return DocumentScope(tuple(e.doc_id for e in current), words)
    return DocumentScope(tuple(e.doc_id for e in chosen), words)
