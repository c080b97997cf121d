"""The one public entry point: load an index, ask questions, get cited answers."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.answering import (Evidence, choose_evidence, citation_for, compact_section, inline_assignment,
                                 question_terms, rerank, snippet, who_sentence)
from assistant.config import AskConfig, default_index_dir
from assistant.chunking import sentence_spans
from assistant.indexing import IndexStore
from assistant.lexical import Segmenter
from assistant.metadata import METADATA_WORDS, answer_metadata, metadata_kind
from assistant.generation import Generator
from assistant.llm import LLMError
from assistant.query import analyse, is_elliptical, rewrite, strip_filters
from assistant.records import Answer, Citation, Document, RetrievedPassage
from assistant.retrieval import Filters, Ranked, Retriever
from assistant.textnorm import normalize, readable


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, for example)."""


class Assistant:
    """Answers questions about one index of documents."""

    def __init__(self, store: IndexStore, embedder, config: AskConfig = AskConfig(),
                 generator: Generator | None = None) -> None:
        self.store = store
        self.config = config
        self.generator = generator
        self.retriever = Retriever(store, embedder)
        self._regions = tuple(sorted({store.documents.meta(d)["region"] for d in store.documents} - {""}))

    @classmethod
    def load(cls, index_dir: str | Path | None = None, *, embedder=None, config: AskConfig = AskConfig(),
             generator: Generator | None = None) -> "Assistant":
        """Load the index folder (built by `python -m assistant index`) and its embedding model; with a
        generator, answers are written by a chat model and checked against the passages they cite."""
        store = IndexStore.load(Path(index_dir) if index_dir else default_index_dir())
        # jieba's dictionary loads while the model does: the two take about as long each.
        dictionary = threading.Thread(target=Segmenter.shared, daemon=True)
        dictionary.start()
        if embedder is None:
            from embeddings.models import load_embedder

            embedder = load_embedder(store.manifest.model_id if store.manifest.model_id != "multilingual-e5-small"
                                     else "default")
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
        rows = self.store.chunks.rows_of(self.store.document_order.index(doc_id))
        return len({self.store.chunks[int(r)].section for r in rows} - {("前言",)})

    def ask(self, question: str, history: Sequence[dict] = (), *, doc_ids: Sequence[str] = (),
            years: Sequence[int] = (), regions: Sequence[str] = ()) -> Answer:
        """Answer `question`, using `history` for follow-ups; optional filters narrow the search."""
        answer: Answer | None = None
        for item in self.ask_stream(question, history, doc_ids=doc_ids, years=years, regions=regions):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: Sequence[dict] = (), *, doc_ids: Sequence[str] = (),
                   years: Sequence[int] = (), regions: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Like `ask`, but first yields the draft of a generated answer as it arrives (str pieces), then
        the checked Answer; the extractive path yields the Answer alone."""
        started = time.perf_counter()
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("问题为空：请输入要查询的问题。")
        notices: list[str] = []
        question = question.strip()
        if len(question) > self.config.max_question_chars:
            question = question[: self.config.max_question_chars]
            notices.append(f"问题过长，只使用了前{self.config.max_question_chars}个字。")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        full = self._rewrite(question, history, notices)
        facts = analyse(full, self._regions)
        terms = question_terms(self.retriever.segmenter.topic_words(full), facts.years, facts.regions)
        # Places become filters; left in the search text they only pull up title pages. Years stay:
        # a sentence that names the year asked about is often the answer.
        search_text = strip_filters(full, (), facts.regions) or full
        timings["normalize_ms"] = (time.perf_counter() - t0) * 1000

        # A question about two years or two places is answered part by part.
        parts: list[tuple[str, Filters]] = []
        base = dict(doc_ids=tuple(doc_ids))
        fixed_years, fixed_regions = tuple(years), tuple(regions)
        if len(facts.years) > 1 and not fixed_years:
            parts = [(f"{y}年", Filters(years=(y,), regions=fixed_regions or facts.regions, **base))
                     for y in facts.years]
        elif len(facts.regions) > 1 and not fixed_regions:
            parts = [(r, Filters(years=fixed_years or facts.years, regions=(r,), **base)) for r in facts.regions]
        else:
            parts = [("", Filters(years=fixed_years or facts.years, regions=fixed_regions or facts.regions, **base))]

        limit = self.config.max_answer_chars // len(parts)
        asks_metadata = metadata_kind(full)
        sentences: list[str] = []
        citations: list[Citation] = []
        part_results: list[list[Ranked]] = []
        missing: list[str] = []
        for label, filters in parts:
            ranked = self.retriever.search(search_text, filters, k=self.config.rerank_depth,
                                           candidates=self.config.candidates, rrf_k=self.config.rrf_k,
                                           mode=self.config.retriever, timings=timings)
            t1 = time.perf_counter()
            if self.config.rerank and ranked:
                by_row = {r.row: r for r in ranked}
                order = rerank(self.store, [r.row for r in ranked], terms, facts.intent, question=full,
                               years=filters.years)
                ranked = [by_row[row] for row in order]
            ranked = ranked[: self.config.top_k]
            timings["rerank_ms"] = timings.get("rerank_ms", 0.0) + (time.perf_counter() - t1) * 1000
            part_results.append(ranked)
            t1 = time.perf_counter()
            composed = self._metadata(asks_metadata, full, terms, ranked, len(citations) + 1,
                                      filters.years) if asks_metadata else None
            if composed is None:
                evidence = choose_evidence(self.store, [r.row for r in ranked], terms, facts.intent, question=full,
                                           years=filters.years, ordinal="第几" in full)
                if evidence and self._answers(evidence[0], terms):
                    composed = self._compose(evidence, len(citations) + 1, terms, facts.intent, limit)
            timings["answer_ms"] = timings.get("answer_ms", 0.0) + (time.perf_counter() - t1) * 1000
            if composed is None:
                missing.append(label)
                continue
            sentence, new_citations = composed
            sentences.append((f"{label}：" if label else "") + sentence)
            citations.extend(new_citations)

        # Parts take turns in the retrieved list, so each part's best passages stay near the top.
        retrieved: list[Ranked] = []
        for group in itertools.zip_longest(*part_results):
            retrieved.extend(r for r in group if r is not None and r.row not in {x.row for x in retrieved})
        if not citations:
            nearest = retrieved or self.retriever.search(full, Filters(doc_ids=tuple(doc_ids)), k=self.config.top_k,
                                                         candidates=self.config.candidates, rrf_k=self.config.rrf_k,
                                                         mode=self.config.retriever)
            text = self._abstention(terms, facts, nearest)
            # Nothing to cite: the model is not asked, so it cannot answer from its own memory.
            yield self._answer(question, text, True, (), nearest, timings, started, full, notices)
            return
        text = "；".join(s.rstrip("。") for s in sentences) + "。"
        if missing and any(missing):
            text += f"（{'、'.join(m for m in missing if m)}：文档中未找到相关规定。）"
        final_citations = tuple(citations)
        if self.generator is not None:
            generated = None
            for item in self.generator.generate(full, history, self.store.documents, self._passages(retrieved)):
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
        yield self._answer(question, text, False, final_citations, retrieved, timings, started, full, notices)

    def _rewrite(self, question: str, history: Sequence[dict], notices: list[str]) -> str:
        """The standalone question: by the model when configured to, else (or when it fails) by rules."""
        if self.generator is not None and self.generator.config.rewrite_follow_ups and history \
                and is_elliptical(question, self._regions):
            try:
                return self.generator.rewrite(question, history)
            except LLMError:
                notices.append("大模型改写追问失败，已按规则理解追问。")
        return rewrite(question, history, self._regions)

    def _answers(self, evidence: Evidence, terms: list[str]) -> bool:
        if not terms:
            return evidence.sentence_coverage > 0 or evidence.chunk_coverage > 0
        return evidence.chunk_coverage >= self.config.min_coverage and evidence.sentence_coverage > 0

    def _compose(self, evidence: list[Evidence], n: int, terms: list[str], intent: str,
                 limit: int) -> tuple[str, list[Citation]]:
        groups: list[list[Evidence]] = []
        for item in evidence:
            if groups and groups[-1][0].row == item.row:
                groups[-1].append(item)
            else:
                groups.append([item])
        room = max(30, limit // len(groups))
        texts: list[str] = []
        citations: list[Citation] = []
        for index, group in enumerate(groups):
            chunk = self.store.chunks[group[0].row]
            document = self.store.documents[chunk.doc_id]
            display = document.display_text
            section = compact_section(chunk.section)
            if len(section) > 24:
                section = section[:22] + "…"
            same_doc = index > 0 and self.store.chunks[groups[0][0].row].doc_id == chunk.doc_id
            if same_doc:
                lead = f"{section}：" if section else ""
            else:
                lead = f"根据《{document.title}》{section}：" if section else f"根据《{document.title}》："
            start, end = group[0].start, group[-1].end
            assigned = inline_assignment(display[start:end], terms) if intent == "who" else ""
            if assigned:
                body = assigned
            elif intent == "who" and chunk.responsible:
                # The whole provision is quoted: what it asks for and who answers for it.
                body, start, end = who_sentence(chunk), chunk.start, chunk.end
            else:
                each = max(30, room - len(lead)) // len(group)
                body = "；".join(snippet(display[e.start:e.end], terms, intent, each).rstrip("。；;") for e in group)
                if end - start < 20:
                    # A very short sentence says little on its own: quote the next one too.
                    following = [e for s, e in sentence_spans(chunk.text, chunk.start) if s >= end]
                    end = following[0] if following else end
            marker = n + len(citations)
            texts.append(f"{lead}{body.rstrip('。；;，,：:')}[{marker}]")
            citations.append(citation_for(marker, document, chunk, start, end))
        return "；".join(texts) + "。", citations

    def _metadata(self, kind: str, question: str, terms: list[str], ranked: list[Ranked],
                  n: int, years: tuple[int, ...]) -> tuple[str, list[Citation]] | None:
        """Answer 文号 / issuer / date questions from the metadata of the document the question names."""
        topic = [t for t in terms if not any(w in t for w in METADATA_WORDS)]
        order: list[str] = []
        for r in ranked:
            doc_id = self.store.chunks[r.row].doc_id
            if doc_id not in order:
                order.append(doc_id)
        if not order:
            return None

        def named(doc_id: str) -> float:
            document = self.store.documents[doc_id]
            label = normalize(f"{document.title}{document.issuer}{document.number}{document.region}")
            return sum(1.0 for t in topic if t in label) / len(topic) if topic else 0.0

        best = max(order, key=lambda d: (named(d), self.store.documents[d].year in years, -order.index(d)))
        # Only a question that names the document (every topic word in its title, issuer or number)
        # is about the document itself; "when is the 倡议书 published" is about an activity.
        if topic and named(best) < 1.0:
            return None
        document = self.store.documents[best]
        found = answer_metadata(document, kind, question)
        if found is None:
            return None
        rows = [self.store.chunks[int(r)] for r in self.store.chunks.rows_of(self.store.document_order.index(best))]
        chunk = next((c for c in rows if c.start <= found.start < c.end), rows[0])
        citation = citation_for(n, document, chunk, found.start, found.end)
        return f"{found.sentence.rstrip('。')}[{n}]。", [citation]

    def _abstention(self, terms: list[str], facts, nearest: list[Ranked]) -> str:
        scope = "、".join([f"{y}年" for y in facts.years] + list(facts.regions))
        # Name the longest topic words only: 消费扶贫专柜, not also 消费 and 专柜.
        topic = "、".join([t for t in terms if not any(t != o and t in o for o in terms)][:4])
        about = f"关于“{topic}”的" if topic else "相关"
        text = f"文档中没有找到{scope}{about}规定，无法回答这个问题。"
        shown = []
        for ranked in nearest[:3]:
            chunk = self.store.chunks[ranked.row]
            document = self.store.documents[chunk.doc_id]
            shown.append(f"《{document.title}》{compact_section(chunk.section)}")
        if shown:
            text += "可能相关：" + "；".join(dict.fromkeys(shown)) + "。"
        return text

    def _passages(self, ranked: list[Ranked]) -> tuple[RetrievedPassage, ...]:
        """The retrieved chunks as passages, best first (at least the top 10)."""
        passages = []
        for r in ranked[: max(self.config.top_k, 10)]:
            chunk = self.store.chunks[r.row]
            document = self.store.documents[chunk.doc_id]
            passages.append(RetrievedPassage(chunk.chunk_id, chunk.doc_id, document.title, chunk.section_label,
                                             chunk.text, r.score, chunk.start, chunk.end))
        return tuple(passages)

    def _answer(self, question: str, text: str, abstained: bool, citations: tuple[Citation, ...],
                ranked: list[Ranked], timings: dict[str, float], started: float, rewritten: str,
                notices: list[str]) -> Answer:
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return Answer(question=question, text=readable(text) if abstained else text, abstained=abstained,
                      citations=citations, retrieved=self._passages(ranked), timings=timings,
                      rewritten_question=rewritten, notices=tuple(notices))
