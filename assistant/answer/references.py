"""Articles that name other articles of their document: 违反本条例第九条第一项规定的，处五十元罚款.

A regulation's penalty article says what is punished by the number of the article that sets the duty, so the
topic of a question about a penalty ("遛狗不拴绳罚多少") is in the duty article and its amount in the penalty
article. Linking the two lets the penalty article be found from the duty article and judged by its topic."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.store import IndexStore
from assistant.text.normalize import normalize
from assistant.text.numbers import ITEM_LINE, small_number

_NUM = "[〇一二三四五六七八九十百零]+"
# 本条例第九条第一项, and the articles listed after it (、第十条, 和第十二条第二款).
REFERENCE = re.compile(
    # 违反本条例第九条…, and 违反第九条… once the text has said which rules it means.
    rf"(?:本(?:条例|办法|规定|细则|决定|法)|(?<=违反))(第{_NUM}条(?:之{_NUM})?(?:第{_NUM}[款项](?:、第{_NUM}[款项])*)?"
    rf"(?:(?:、|和|或者|以及|至)第{_NUM}条(?:之{_NUM})?(?:第{_NUM}[款项](?:、第{_NUM}[款项])*)?)*)")
_ONE = re.compile(rf"(第{_NUM}条(?:之{_NUM})?)((?:第{_NUM}[款项](?:、第{_NUM}[款项])*)?)")
_ITEM = re.compile(rf"第({_NUM})项")
_PARAGRAPH = re.compile(rf"第({_NUM})款")



@dataclass(frozen=True)
class Reference:
    """One article named by another: its number (第九条), and the paragraphs (第四款 -> 4) and items (第一项 -> 1)
    named of it, if any."""

    article: str
    items: tuple[int, ...] = ()
    paragraphs: tuple[int, ...] = ()


def references(text: str) -> list[Reference]:
    """The articles of its own document a text names (本条例第九条第一项、第十条 -> 第九条 item 1, 第十条)."""
    found: list[Reference] = []
    for match in REFERENCE.finditer(text):
        for one in _ONE.finditer(match.group(1)):
            items = tuple(n for n in (small_number(i) for i in _ITEM.findall(one.group(2))) if n)
            paragraphs = tuple(n for n in (small_number(i) for i in _PARAGRAPH.findall(one.group(2))) if n)
            reference = Reference(one.group(1), items, paragraphs)
            if reference not in found:
                found.append(reference)
    return found


def paragraph_text(text: str, paragraph: int) -> str:
    """An article's n-th paragraph (款: a line of its own, with the items under it), or the whole text when it
    has fewer."""
    paragraphs: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if paragraphs and ITEM_LINE.match(line):
            paragraphs[-1] += "\n" + line
        else:
            paragraphs.append(line)
    return paragraphs[paragraph - 1] if 0 < paragraph <= len(paragraphs) else text


def item_text(text: str, item: int) -> str:
    """An article's lead-in and its n-th item (（一）… on its own line), or the whole text without such items."""
    starts = [m.start() for m in ITEM_LINE.finditer(text)]
    if not starts or item > len(starts):
        return text
    end = starts[item] if item < len(starts) else len(text)
    return text[: starts[0]] + text[starts[item - 1]: end]


class ArticleLinks:
    """For the chunks of one index: the articles each names, and the chunks that name each, found on first use."""

    def __init__(self, store: IndexStore, capacity: int) -> None:
        self._store = store
        self._capacity = capacity
        self._articles: dict[str, dict[str, list[int]]] = {}  # doc_id -> article number -> rows
        self._named_by: dict[str, dict[str, list[int]]] = {}  # doc_id -> article number -> rows naming it
        self._linked: dict[int, str] = {}

    def _document(self, doc_id: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        if doc_id not in self._articles:
            if len(self._articles) >= self._capacity:
                self._articles.clear()
                self._named_by.clear()
            articles: dict[str, list[int]] = {}
            named_by: dict[str, list[int]] = {}
            position = self._store.document_order.index(doc_id)
            for row in (int(r) for r in self._store.chunks.rows_of(position)):
                chunk = self._store.chunks[row]
                number = article_of(chunk.section)
                if number:
                    articles.setdefault(number, []).append(row)
                for reference in references(chunk.text):
                    if reference.article != number:
                        named_by.setdefault(reference.article, []).append(row)
            self._articles[doc_id], self._named_by[doc_id] = articles, named_by
        return self._articles[doc_id], self._named_by[doc_id]

    def linked_text(self, row: int) -> str:
        """The normalized text of the articles (or items) the row's chunk names, "" when it names none."""
        if row in self._linked:
            return self._linked[row]
        chunk = self._store.chunks[row]
        found = references(chunk.text)
        parts: list[str] = []
        if found:
            articles, _ = self._document(chunk.doc_id)
            for reference in found:
                texts = [self._store.chunks[r].text for r in articles.get(reference.article, ())]
                whole = "".join(texts)
                if reference.paragraphs:
                    whole = "\n".join(paragraph_text(whole, p) for p in reference.paragraphs)
                parts.extend([item_text(whole, i) for i in reference.items] if reference.items else [whole])
        if len(self._linked) >= self._capacity:
            self._linked.clear()
        self._linked[row] = normalize("".join(parts))
        return self._linked[row]

    def naming(self, row: int) -> list[int]:
        """The rows of the same document whose chunks name the row's article."""
        chunk = self._store.chunks[row]
        number = article_of(chunk.section)
        if not number:
            return []
        _, named_by = self._document(chunk.doc_id)
        return named_by.get(number, [])


_ARTICLE_NUMBER = re.compile(rf"^(第{_NUM}条(?:之{_NUM})?)")


def article_of(section: tuple[str, ...]) -> str:
    """The article number a chunk's heading path ends in (第九条), or ""."""
    for part in reversed(section):
        match = _ARTICLE_NUMBER.match(part)
        if match:
            return match.group(1)
    return ""
