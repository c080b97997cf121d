"""The one public entry point: load an index, ask questions, get cited answers.

A question goes through the stages in order: analyse (search/analysis, search/followup) → retrieve
(search/retrieval) → rerank candidates (answer/candidates) → decide and compose each part (answer/decide,
answer/compose) → optionally let a chat model write it (generate/)."""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer.candidates import FormsCache, rerank
from assistant.answer.compose import abstention, comparison, join_parts
from assistant.answer.decide import PartAnswer, answer_part, counterpart
from assistant.config import AskConfig, RetrieverMode, default_index_dir
from assistant.errors import LLMError, QuestionError
from assistant.generate.generation import Generator
from assistant.index.lexical import Segmenter
from assistant.index.store import IndexStore
from assistant.records import Answer, Citation, Document, Filters, RetrievedPassage
from assistant.search.analysis import ASKS_MEANING_PHRASE, MODAL_ASK, Part, QuestionFrame, frame_question
from assistant.search.followup import asked_with_previous, is_elliptical, own_words, rewrite
from assistant.search.retrieval import Ranked, Retriever
from assistant.search.scope import CatalogEntry, compares_versions, resolve_scope, title_place
from assistant.search.subquestions import pair_subjects, split_asks, split_pair, split_placed_pair, split_questions, split_scoped
from assistant.text.normalize import normalize, readable, sanitize
from embeddings.models import Embedder


def index_embedder(store: IndexStore) -> Embedder:
    """The process-wide embedder of the model an index was built with."""
    from embeddings.models import load_embedder

    model_id = store.manifest.model_id
    return load_embedder(model_id if model_id != "multilingual-e5-small" else "default")


class Assistant:
    """Answers questions about one index of documents."""

    def __init__(self, store: IndexStore, embedder: Embedder, config: AskConfig = AskConfig(),
                 generator: Generator | None = None) -> None:
        self.store = store
        self.config = config
        self.generator = generator
        self.retriever = Retriever(store, embedder)
        self._provision_counts: dict[str, int] | None = None
        self.forms = FormsCache(store, config.forms_cache_size)
        self._regions = tuple(sorted({store.documents.meta(d)["region"] for d in store.documents} - {""}))
        metas = [store.documents.meta(d) for d in store.documents]
        self._catalog = tuple(CatalogEntry(m["doc_id"], m["title"], m["region"], m.get("status", "current"),
                                           m.get("version", ""), m.get("issuer", ""), _stated_years(m))
                              for m in metas)
        # Places that begin document titles (广州 of 广州市慈善促进条例), for questions comparing places.
        places: dict[str, list[str]] = {}
        for entry in self._catalog:
            place = title_place(entry.title)
            if place and place not in self._regions:
                places.setdefault(place, []).append(entry.doc_id)
        self._places = {place: tuple(ids) for place, ids in places.items()}

    @classmethod
    def load(cls, index_dir: str | Path | None = None, *, embedder: Embedder | None = None,
             config: AskConfig = AskConfig(), generator: Generator | None = None) -> Assistant:
        """Load the index folder (built by `python -m assistant index`) and its embedding model; with a
        generator, answers are written by a chat model and checked against the passages they cite."""
        store = IndexStore.load(Path(index_dir) if index_dir else default_index_dir())
        # jieba's dictionary loads while the model does: the two take about as long each.
        dictionary = threading.Thread(target=Segmenter.shared, daemon=True)
        dictionary.start()
        if embedder is None:
            embedder = index_embedder(store)
        dictionary.join()
        if embedder.dimension != store.manifest.dimension:
            raise ValueError(f"the embedding model gives {embedder.dimension}-d vectors but the index holds "
                             f"{store.manifest.dimension}-d ones; rebuild the index with this model")
        return cls(store, embedder, config, generator)

    def documents(self) -> list[Document]:
        """The indexed documents, in index order."""
        return list(self.store.documents.values())

    def document(self, doc_id: str) -> Document:
        """One indexed document; KeyError when there is none with that id."""
        return self.store.documents[doc_id]

    def provision_count(self, doc_id: str) -> int:
        """How many numbered provisions (distinct heading paths) a document has."""
        if self._provision_counts is None:
            # Counted for every document at once, from the section column: the library table asks for all of
            # them (1.2 s chunk by chunk for a 96,000-chunk library, 10 ms this way).
            counts = self.store.chunks.section_counts(("前言",))
            self._provision_counts = {d: int(counts[i]) for i, d in enumerate(self.store.document_order)}
        return self._provision_counts[doc_id]

    def ask(self, question: str, history: object = (), *, doc_ids: Sequence[str] = (),
            years: Sequence[int] = (), regions: Sequence[str] = ()) -> Answer:
        """Answer `question`, using `history` for follow-ups; optional filters narrow the search.

        `history` is a list of {"role": "user" | "assistant", "content": str} turns; any other value or turn is
        dropped with a notice in `answer.notices`, and only the latest turns are used (see `_clean_history`).
        A question that is not text, or is empty, raises QuestionError."""
        answer: Answer | None = None
        for item in self.ask_stream(question, history, doc_ids=doc_ids, years=years, regions=regions):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: object = (), *, doc_ids: Sequence[str] = (),
                   years: Sequence[int] = (), regions: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Like `ask`, but first yields the draft of a generated answer as it arrives (str pieces), then
        the checked Answer; the extractive path yields the Answer alone."""
        started = time.perf_counter()
        notices: list[str] = []
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        turns = _clean_history(history, notices)
        fixed_ids, fixed_years, fixed_regions = _strings(doc_ids), _years(years), _strings(regions)
        frame = self._frame(question, turns, notices, doc_ids=fixed_ids, years=fixed_years, regions=fixed_regions)
        if not fixed_ids:
            frame = self._versions_compared(question, frame, turns, years=fixed_years, regions=fixed_regions) or frame
        timings["normalize_ms"] = (time.perf_counter() - t0) * 1000

        # Several questions in one message are answered in turn, each later one read as a follow-up.
        frames = self._subquestion_frames(frame, turns, doc_ids=fixed_ids, years=fixed_years,
                                          regions=fixed_regions) or [frame]
        asked = sum(len(f.parts) for f in frames)
        limit = self.config.max_answer_chars if asked == 1 else self.config.wording.max_parts_chars // asked
        found = self._answer_frames(frames, turns, limit, timings, doc_ids=fixed_ids, years=fixed_years,
                                    regions=fixed_regions)
        sentences, citations, missing, stated, part_results = (found.sentences, found.citations, found.missing,
                                                               found.stated, found.results)

        # Parts take turns in the retrieved list, so each part's best passages stay near the top.
        retrieved: list[Ranked] = []
        for group in itertools.zip_longest(*part_results):
            retrieved.extend(r for r in group if r is not None and r.row not in {x.row for x in retrieved})
        if not citations:
            # The nearest provisions respect the filters the caller set (a region chosen in the page, say).
            fixed = Filters(doc_ids=fixed_ids, years=fixed_years, regions=fixed_regions)
            nearest = retrieved or self.retriever.search(
                frame.full, fixed, k=self.config.top_k, candidates=self.config.candidates, rrf_k=self.config.rrf_k,
                mode=self.config.retriever)
            text = abstention(self.store, frame, nearest)
            # Nothing to cite: the model is not asked, so it cannot answer from its own memory.
            yield self._answer(frame, text, True, (), nearest, timings, started, notices)
            return
        # Same or different is only said of versions of one text: two regions' texts always differ in words.
        one_title = len({c.title for c in citations}) == 1
        lead = comparison(citations) if frame.compares and len(frames) == 1 and not missing and one_title else ""
        text = join_parts(sentences, missing, lead)
        final_citations = tuple(citations)
        if not stated:
            # The documents address the topic without the value asked for: said, cited, and not an answer.
            yield self._answer(frame, text, True, final_citations, retrieved, timings, started, notices)
            return
        if self.generator is not None:
            generated = None
            for item in self.generator.generate(frame.full, turns, self.store.documents, self._passages(retrieved)):
                if isinstance(item, str):
                    yield item
                else:
                    generated = item
            assert generated is not None
            timings.update(generated.timings)
            if generated.fallback_reason:
                notices.append(f"{generated.fallback_reason}，以下为原文摘录（未经大模型改写）。")
            else:
                text, final_citations = generated.text, generated.citations
                notices.extend(generated.notices)
        yield self._answer(frame, text, False, final_citations, retrieved, timings, started, notices)

    def _frame(self, question: object, history: Sequence[dict], notices: list[str], *, doc_ids: Sequence[str],
               years: Sequence[int], regions: Sequence[str], full: str = "", whole_topic: bool = False) -> QuestionFrame:
        """Check the question, resolve a follow-up (or take its standalone form `full`), and read it once;
        `whole_topic`: the topic is all of `full`, not the follow-up's own words."""
        if not isinstance(question, str):
            raise QuestionError(f"问题必须是文字（收到的是 {type(question).__name__}）：请输入要查询的问题。")
        limit = self.config.max_question_chars
        # Cut before cleaning, so a huge input costs no more than a long one; again after, to the limit.
        question = sanitize(question[: limit * 4]).strip()
        if not question:
            raise QuestionError("问题为空：请输入要查询的问题。")
        if len(question) > limit:
            question = question[:limit].rstrip()
            notices.append(f"问题过长，只使用了前{limit}个字。")
        full = full or self._rewrite(question, history, notices)
        own = readable(question).strip()
        # A follow-up asked together with the question before it: that question finds the provision,
        # but what the answer must speak to is what the follow-up asks.
        words = self.retriever.segmenter.topic_words
        # 那卖烟的呢: the pointing word is no part of the topic (segmented with it, it makes 那卖).
        topic_words = words(_topic_text(_POINTING.sub("", own))) \
            if full != question and full.endswith(own) and not whole_topic else []
        topic_words = topic_words or words(_topic_text(full))
        echo = own_words(question, self._regions) if full != question else ""
        return frame_question(question, full, topic_words, self._regions,
                              doc_ids=doc_ids, years=years, regions=regions, catalog=self._catalog, echo=echo,
                              places=self._places)

    def _answer_frames(self, frames: Sequence[QuestionFrame], history: Sequence[dict], limit: int,
                       timings: dict[str, float], *, doc_ids: Sequence[str], years: Sequence[int],
                       regions: Sequence[str]) -> _Found:
        """Each frame's parts answered in turn. A question that names no document is first looked for in the
        one the conversation is about (the one the question before it named or was answered from), then in
        the whole library."""
        found = _Found()
        documents = self._conversation_documents(frames[0], history, years=years, regions=regions) \
            if history and not doc_ids else ()
        said, asked_before = _previous_turn(history)
        for framed in frames:
            scoped = self._scoped_frame(framed, documents, years=years, regions=regions) \
                if documents and not doc_ids else None
            asked = scoped or framed
            earlier = " ".join(normalize(c.text) for c in found.citations) if framed.subject else ""
            if earlier and framed.subject not in earlier:
                # 新建小区和老小区…分别: the provision that answered the one, naming nothing of the other, does not
                # answer the other as well.
                asked = dataclasses.replace(asked, quoted=earlier)
            elif said and len(frames) == 1:
                # A question after an answer asks something that answer did not say.
                asked = dataclasses.replace(asked, said=said, asked_before=asked_before)
            cited_before = len(found.citations)
            answers: list[tuple[Part, PartAnswer | None]] = []
            for part in asked.parts:
                ranked, composed = self._attempt(asked, part.filters, limit, timings)
                if composed is None and scoped is not None and len(framed.parts) == 1 and len(frames) == 1 \
                        and readable(framed.full).strip() == readable(framed.asked).strip() \
                        and (together := self._asked_together(framed, history, documents, years=years,
                                                              regions=regions)) is not None:
                    # A short question that finds nothing alone may be a follow-up the rules did not see:
                    # asked together with the question before it, in the conversation's document.
                    ranked, composed = self._attempt(together, together.parts[0].filters, limit, timings)
                if composed is None and len(framed.parts) == 1 and len(frames) == 1 \
                        and readable(framed.full).strip() != readable(framed.asked).strip():
                    # A follow-up answered in other words than its own (那多久给答复 by 三十日内决定是否批准):
                    # the provision must then cover what the whole conversation asks, and still state what
                    # the follow-up asks for.
                    whole = self._whole_topic_frame(framed.asked, framed.full, documents, doc_ids=doc_ids,
                                                    years=years, regions=regions)
                    if whole is not None:
                        whole = dataclasses.replace(whole, said=said, asked_before=asked_before)
                        ranked, composed = self._attempt(whole, whole.parts[0].filters, limit, timings)
                if composed is None and scoped is not None and len(framed.parts) == 1 and not framed.stays:
                    # Not in the document the conversation is about: asked of the whole library (but a later
                    # question of the same message that names no place of its own stays in the first one's).
                    part = framed.parts[0]
                    ranked, composed = self._attempt(framed, part.filters, limit, timings)
                found.results.append(ranked)
                answers.append((part, composed))
            if asked.compares and any(a for _, a in answers) and not all(a for _, a in answers):
                answers = self._counterparts(asked, answers, limit)
            for part, composed in answers:
                # Parts are numbered as they are added (one a part before it already quotes is left out).
                composed = _renumbered(composed, len(found.citations) + 1) if composed is not None else None
                # A question of several in one message is named by its own words when it goes unanswered.
                found.add(composed, part.label,
                          part.label or (f"“{framed.asked.rstrip('？?')}”" if len(frames) > 1 else ""))
            # The next question of the message is read within the documents this one was answered from, or,
            # unanswered, within those it named (杭州办园多久审批？批了多久发证？).
            named = asked.parts[0].filters.doc_ids if len(asked.parts) == 1 else ()
            documents = tuple(dict.fromkeys(c.doc_id for c in found.citations[cited_before:])) or named \
                or documents
        return found

    def _attempt(self, frame: QuestionFrame, filters: Filters, limit: int,
                 timings: dict[str, float]) -> tuple[list[Ranked], PartAnswer | None]:
        """One part asked under `filters`: its ranked chunks and its answer, or None (numbered from 1: parts are
        renumbered as they are added)."""
        ranked = self._retrieve(frame, filters, timings)
        t1 = time.perf_counter()
        composed = answer_part(self.store, self.forms, frame, ranked, filters.years, 1, limit, self.config)
        timings["answer_ms"] = timings.get("answer_ms", 0.0) + (time.perf_counter() - t1) * 1000
        return ranked, composed

    def _asked_together(self, framed: QuestionFrame, history: Sequence[dict], documents: Sequence[str], *,
                        years: Sequence[int], regions: Sequence[str]) -> QuestionFrame | None:
        """A short question asked together with the user turn before it (its topic all of both, its ask its own),
        within the conversation's documents unless it names its own; None without such a turn or for several
        parts."""
        joined = asked_with_previous(framed.asked, history)
        if not joined:
            return None
        return self._whole_topic_frame(framed.asked, joined, documents, doc_ids=(), years=years, regions=regions)

    def _whole_topic_frame(self, asked: str, full: str, documents: Sequence[str], *, doc_ids: Sequence[str],
                           years: Sequence[int], regions: Sequence[str]) -> QuestionFrame | None:
        """`asked` read as `full` with all of `full` its topic, within `documents` unless it names its own or
        `doc_ids` fix the scope; None for several parts."""
        frame = self._frame(asked, [], [], doc_ids=doc_ids, years=years, regions=regions, full=full,
                            whole_topic=True)
        scoped = self._scoped_frame(frame, documents, years=years, regions=regions, whole_topic=True) \
            if documents and not doc_ids else None
        frame = scoped or frame
        return frame if len(frame.parts) == 1 else None

    def _counterparts(self, frame: QuestionFrame, answers: list[tuple[Part, PartAnswer | None]],
                      limit: int) -> list[tuple[Part, PartAnswer | None]]:
        """Versions compared: a version left unanswered is quoted where it says most nearly what an answered
        one says (the same provision renumbered or reworded)."""
        said = " ".join(c.text for c in next(a for _, a in answers if a).citations)
        out: list[tuple[Part, PartAnswer | None]] = []
        for part, composed in answers:
            if composed is None and part.filters.doc_ids:
                near = self.retriever.search(said, part.filters, k=3, candidates=self.config.candidates,
                                             rrf_k=self.config.rrf_k, mode=RetrieverMode.DENSE)
                composed = counterpart(self.store, self.forms, frame, near, said, 1, limit, self.config)
            out.append((part, composed))
        return out

    def _conversation_documents(self, frame: QuestionFrame, history: Sequence[dict], *, years: Sequence[int],
                                regions: Sequence[str]) -> tuple[str, ...]:
        """The documents the conversation is about: those the previous question named, else those the
        previous answer names (《…》), else the one the previous question is best answered from; none when
        the new question names a place or year of its own (it has moved on)."""
        users = [t["content"] for t in history if t["role"] == "user"]
        if not users:
            return ()
        previous = self._frame(users[-1], [], [], doc_ids=(), years=years, regions=regions)
        if (frame.regions and set(frame.regions) != set(previous.regions)) or \
                (frame.years and set(frame.years) != set(previous.years)):
            return ()
        named = tuple(dict.fromkeys(d for p in previous.parts for d in p.filters.doc_ids))
        if named:
            return named
        answers = [t["content"] for t in history if t["role"] == "assistant"]
        if answers and "《" in answers[-1]:
            titled = resolve_scope(answers[-1], self._catalog, previous.regions)
            if titled:
                return titled.doc_ids
        ranked = self._retrieve(previous, previous.parts[0].filters, {})
        return (self.store.chunks[ranked[0].row].doc_id,) if ranked else ()

    def _versions_compared(self, question: str, frame: QuestionFrame, history: Sequence[dict], *,
                           years: Sequence[int], regions: Sequence[str]) -> QuestionFrame | None:
        """A question comparing versions of a text it does not name (修改前后有什么不一样): framed again as naming
        the text its best passage comes from, when that text has several versions; else None."""
        if len(frame.parts) != 1 or frame.parts[0].filters.doc_ids or not compares_versions(frame.full):
            return None
        ranked = self._retrieve(frame, frame.parts[0].filters, {})
        if not ranked:
            return None
        title = self.store.documents.meta(self.store.chunks[ranked[0].row].doc_id)["title"]
        if sum(1 for e in self._catalog if e.title == title and e.version) < 2:
            return None
        return self._frame(question, history, [], doc_ids=(), years=years, regions=regions,
                           full=f"《{title}》{frame.full}")

    def _subquestion_frames(self, frame: QuestionFrame, history: Sequence[dict], *, doc_ids: Sequence[str],
                            years: Sequence[int], regions: Sequence[str]) -> list[QuestionFrame]:
        """One frame per question when the message asks several in a row (else none): each later question
        is read as a follow-up of the ones before it, so it keeps their document and topic."""
        questions = split_questions(frame.asked)
        separate = len(questions) > 1
        if len(questions) < 2:
            questions = split_asks(frame.asked)
        pair = False
        if len(questions) < 2 and len(frame.parts) == 1 and len(frame.regions) < 2:
            questions = split_pair(frame.asked)
            pair = len(questions) == 2
        if len(questions) < 2 and len(frame.regions) == 2:
            questions = split_placed_pair(frame.asked, frame.regions)
        if len(questions) < 2 and len(frame.years) > 1:
            questions = split_scoped(frame.asked)
        if len(questions) < 2:
            return []
        frames: list[QuestionFrame] = []
        earlier = list(history)
        for question in questions:
            frames.append(self._frame(question, earlier, [], doc_ids=doc_ids, years=years, regions=regions))
            earlier.append({"role": "user", "content": question})
        if separate:
            # 龙门石窟门票多少钱？老人能免票吗？: a later question naming no place, year or document of its own is
            # about what the first one was about.
            frames[1:] = [dataclasses.replace(f, stays=True) if not (f.regions or f.years or f.uncovered
                                                                     or any(p.filters.doc_ids for p in f.parts))
                          else f for f in frames[1:]]
        if pair:
            subjects = pair_subjects(frame.asked)
            frames[1] = dataclasses.replace(frames[1], subject=normalize(subjects[1]) if subjects else "")
        return frames

    def _scoped_frame(self, frame: QuestionFrame, documents: Sequence[str], *, years: Sequence[int],
                      regions: Sequence[str], whole_topic: bool = False) -> QuestionFrame | None:
        """The frame of a question that names no document, scoped to `documents`; None when it names its own
        or asks of several parts."""
        if any(p.filters.doc_ids for p in frame.parts) or len(frame.parts) > 1:
            return None
        # The standalone question (follow-up already resolved) is read again within those documents.
        scoped = self._frame(frame.asked, [], [], doc_ids=tuple(documents), years=years, regions=regions,
                             full=frame.full, whole_topic=whole_topic)
        return dataclasses.replace(scoped, echo=frame.echo)

    def _rewrite(self, question: str, history: Sequence[dict], notices: list[str]) -> str:
        """The standalone question: by the model when configured to, else (or when it fails) by rules."""
        if self.generator is not None and self.generator.config.rewrite_follow_ups and history \
                and is_elliptical(question, self._regions):
            try:
                return self.generator.rewrite(question, history)
            except LLMError:
                notices.append("大模型改写追问失败，已按规则理解追问。")
        return rewrite(question, history, self._regions)

    def _retrieve(self, frame: QuestionFrame, filters: Filters, timings: dict[str, float]) -> list[Ranked]:
        """The part's best chunks: fused retrieval, then reranked by how well their sentences answer."""
        ranked = self.retriever.search(frame.search_text, filters, k=self.config.rerank_depth,
                                       candidates=self.config.candidates, rrf_k=self.config.rrf_k,
                                       mode=self.config.retriever, timings=timings)
        t1 = time.perf_counter()
        if frame.asks_consequence and ranked:
            ranked = self._with_penalty_articles(ranked)
        if self.config.rerank and ranked:
            by_row = {r.row: r for r in ranked}
            order = rerank(self.store, self.forms, [r.row for r in ranked], frame, filters.years, self.config.weights,
                           {r.row: r.similarity for r in ranked})
            ranked = [by_row[row] for row in order]
        timings["rerank_ms"] = timings.get("rerank_ms", 0.0) + (time.perf_counter() - t1) * 1000
        return ranked[: self.config.top_k]

    def _with_penalty_articles(self, ranked: list[Ranked]) -> list[Ranked]:
        """The retrieved chunks and, after them, the articles that name the best ones (违反本条例第九条…的, 处…):
        a question about a penalty finds the duty's article, and the penalty is in the article naming it."""
        seen = {r.row for r in ranked}
        added: list[Ranked] = []
        for r in ranked[: self.config.linked_articles]:
            for row in self.forms.links.naming(r.row):
                if row not in seen:
                    seen.add(row)
                    added.append(Ranked(row, r.score, ("linked",), r.similarity))
        return ranked + added

    def _passages(self, ranked: list[Ranked]) -> tuple[RetrievedPassage, ...]:
        """The retrieved chunks as passages, best first (at least the top 10)."""
        passages = []
        for r in ranked[: max(self.config.top_k, 10)]:
            chunk = self.store.chunks[r.row]
            document = self.store.documents[chunk.doc_id]
            passages.append(RetrievedPassage(chunk.chunk_id, chunk.doc_id, document.title, chunk.section_label,
                                             chunk.text, r.score, chunk.start, chunk.end))
        return tuple(passages)

    def _answer(self, frame: QuestionFrame, text: str, abstained: bool, citations: tuple[Citation, ...],
                ranked: list[Ranked], timings: dict[str, float], started: float, notices: list[str]) -> Answer:
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return Answer(question=frame.asked, text=readable(text) if abstained else text, abstained=abstained,
                      citations=citations, retrieved=self._passages(ranked), timings=timings,
                      rewritten_question=frame.full, notices=tuple(notices))


_POINTING = re.compile(r"^(?:那么|那|还有|那个|这个)")
# Limits on the conversation a question carries: the latest turns, each cut, and all of them together.
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 2000
MAX_HISTORY_CHARS = 12000
_HISTORY_SCAN = 10_000  # turns read at most from any iterable (a generator may never end)


def _clean_history(history: object, notices: list[str]) -> list[dict]:
    """The usable turns of any `history` value: {"role": "user" | "assistant", "content": str} with the text
    cleaned; other turns dropped, only the latest MAX_HISTORY_TURNS kept, each cut to MAX_TURN_CHARS, and older
    turns dropped beyond MAX_HISTORY_CHARS in all, each with a notice."""
    if history is None:
        return []
    if isinstance(history, str | bytes | bytearray | Mapping) or not isinstance(history, Iterable):
        notices.append("对话历史的格式不对（应为若干条 {role, content} 记录的列表），已忽略，本问题按新对话回答。")
        return []
    try:
        # A list is read from its end (the latest turns count); any other iterable for at most so many turns.
        raw = list(history[-_HISTORY_SCAN:]) if isinstance(history, Sequence) else \
            list(itertools.islice(history, _HISTORY_SCAN))
    except Exception:  # an iterable that fails while read counts as no history
        notices.append("对话历史无法读取，已忽略，本问题按新对话回答。")
        return []
    turns: list[dict] = []
    dropped = 0
    for turn in raw:
        role = turn.get("role") if isinstance(turn, Mapping) else None
        content = turn.get("content") if isinstance(turn, Mapping) else None
        if not isinstance(role, str) or role not in ("user", "assistant") or not isinstance(content, str):
            dropped += 1
            continue
        turns.append({"role": role, "content": content})
    if dropped:
        notices.append(f"对话历史中有{dropped}条记录格式不对（应含 role 为 user 或 assistant、content 为文字），已忽略。")
    if len(turns) > MAX_HISTORY_TURNS:
        turns = turns[-MAX_HISTORY_TURNS:]
        notices.append(f"对话历史过长，只使用了最近的{MAX_HISTORY_TURNS}条记录。")
    cut = False
    for turn in turns:
        content = sanitize(turn["content"][: MAX_TURN_CHARS * 4])
        if len(content) > MAX_TURN_CHARS:
            content, cut = content[:MAX_TURN_CHARS], True
        turn["content"] = content
    if cut:
        notices.append(f"对话历史中有过长的发言，每条只使用了前{MAX_TURN_CHARS}个字。")
    total, kept = 0, len(turns)
    for i in range(len(turns) - 1, -1, -1):
        total += len(turns[i]["content"])
        if total > MAX_HISTORY_CHARS:
            kept = len(turns) - 1 - i
            break
    if kept < len(turns):
        turns = turns[len(turns) - kept:]
        notices.append(f"对话历史总字数过多，只使用了最近的{kept}条记录。")
    return turns


def _topic_text(text: str) -> str:
    """The text topic words are cut from: phrases that ask what a term means, and A-not-A asks (能不能), made
    breaks, so that no word is segmented across them (草坪上能不能烧烤 gave 上能)."""
    return MODAL_ASK.sub("，", ASKS_MEANING_PHRASE.sub("，", text))


def _previous_turn(history: Sequence[dict]) -> tuple[str, str]:
    """The latest assistant turn's text and the user turn before it, normalized; ("", "") without an answer."""
    for i in range(len(history) - 1, -1, -1):
        turn = history[i]
        if isinstance(turn, Mapping) and turn.get("role") == "assistant" and isinstance(turn.get("content"), str):
            users = [t.get("content") for t in history[:i] if isinstance(t, Mapping) and t.get("role") == "user"]
            asked = next((u for u in reversed(users) if isinstance(u, str)), "")
            return normalize(turn["content"]), normalize(asked)
    return "", ""


def _renumbered(composed: PartAnswer, first: int) -> PartAnswer:
    """The part's answer with its citation markers numbered from `first`."""
    text, citations = composed.text, []
    for i, citation in enumerate(composed.citations):
        number = first + i
        text = text.replace(f"[{citation.n}]", f"[\0{number}]")
        citations.append(dataclasses.replace(citation, n=number))
    return PartAnswer(text.replace("[\0", "["), citations, composed.stated)


def _stated_years(meta: Mapping) -> tuple[int, ...]:
    """The years of the dates a document's text states (通过, 修订, 修正, 施行), from its metadata."""
    years = []
    for pair in meta.get("dates") or ():
        date = pair[1] if isinstance(pair, list | tuple) and len(pair) == 2 else ""
        if isinstance(date, str) and date[:4].isdigit():
            years.append(int(date[:4]))
    return tuple(dict.fromkeys(years))


def _strings(values: object) -> tuple[str, ...]:
    """A filter of names (document ids, regions): one name or a list of them; anything else is ignored."""
    if isinstance(values, str):
        return (values,) if values else ()
    if not isinstance(values, Iterable) or isinstance(values, bytes | bytearray | Mapping):
        return ()
    return tuple(v for v in itertools.islice(values, 10_000) if isinstance(v, str) and v)


def _years(values: object) -> tuple[int, ...]:
    """A filter of years: one year or a list of them (whole numbers, or text of one); anything else is ignored."""
    if isinstance(values, int | str):
        values = (values,)
    if not isinstance(values, Iterable) or isinstance(values, bytes | bytearray | Mapping):
        return ()
    years: list[int] = []
    for v in itertools.islice(values, 1000):
        if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
            v = int(v.strip())
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9999:
            years.append(v)
    return tuple(years)


@dataclass
class _Found:
    """What the parts of a message found: answer sentences, citations, the parts left unanswered."""

    sentences: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    results: list[list[Ranked]] = field(default_factory=list)
    stated: bool = False

    def add(self, composed: PartAnswer | None, label: str, missing_label: str) -> None:
        """One part's answer after its label, or `missing_label` among the missing; an answer whose every
        citation an earlier part already quotes (one sentence says both) is not repeated."""
        if composed is None:
            self.missing.append(missing_label)
            return
        if self.citations and all(any(c.doc_id == o.doc_id and c.start >= o.start and c.end <= o.end
                                       for o in self.citations) for c in composed.citations):
            return
        self.stated = self.stated or composed.stated
        self.sentences.append((f"{label}：" if label else "") + composed.text)
        self.citations.extend(composed.citations)
