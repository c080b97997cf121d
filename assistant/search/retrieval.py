"""Hybrid retrieval: BM25 and dense search, filtered by year, region and document, fused by reciprocal rank."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.config import RetrieverMode
from assistant.index.lexical import Segmenter
from assistant.index.store import IndexStore
from assistant.records import Filters
from assistant.text.normalize import normalize
from embeddings.models import Embedder


@dataclass(frozen=True)
class Ranked:
    """A chunk row with its fused score."""

    row: int
    score: float
    retrievers: tuple[str, ...]
    similarity: float = 0.0  # the question–passage cosine, when dense retrieval found it


class Retriever:
    """Searches one loaded index."""

    def __init__(self, store: IndexStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.segmenter = Segmenter.shared()
        order = store.document_order
        self._doc_position = {doc_id: i for i, doc_id in enumerate(order)}
        metas = [store.documents.meta(d) for d in order]
        self._doc_year = np.array([m["year"] or 0 for m in metas], dtype=np.int32)
        self._doc_region = [m["region"] for m in metas]
        self._doc_labels = [normalize(f"{m['title']} {m['issuer']}") for m in metas]

    def eligible(self, filters: Filters) -> np.ndarray:
        """Boolean mask of the chunks the filters allow."""
        n = len(self.store.chunks)
        mask = np.ones(n, dtype=bool)
        if not filters:
            return mask
        doc_index = np.asarray(self.store.chunks.doc_index)
        if filters.doc_ids:
            wanted = np.zeros(len(self._doc_year), dtype=bool)
            for doc_id in filters.doc_ids:
                if doc_id in self._doc_position:
                    wanted[self._doc_position[doc_id]] = True
            mask &= wanted[doc_index]
        if filters.years:
            # A document about that year, or a chunk (with its title and headings) that names it.
            docs = np.isin(self._doc_year, filters.years) | np.array(
                [any(str(y) in label for y in filters.years) for label in self._doc_labels], dtype=bool)
            ok = docs[doc_index]
            for year in filters.years:
                rows = self.store.filters.years.get(int(year))
                if rows is not None:
                    ok[rows] = True
            mask &= ok
        if filters.regions:
            docs = np.array([region in filters.regions or any(r in label for r in filters.regions)
                             for region, label in zip(self._doc_region, self._doc_labels)], dtype=bool)
            ok = docs[doc_index]
            for region in filters.regions:
                rows = self.store.filters.places.get(region)
                if rows is not None:
                    ok[rows] = True
            mask &= ok
        return mask

    def search(self, question: str, filters: Filters, *, k: int, candidates: int, rrf_k: int,
               mode: RetrieverMode = RetrieverMode.HYBRID, timings: dict[str, float] | None = None) -> list[Ranked]:
        """The best `k` chunks for the question among those the filters allow; stage times are added to `timings`."""
        timings = timings if timings is not None else {}
        search = getattr(self.store, "search", None)
        if search is not None:
            return self._search_engine(search, question, filters, k=k, candidates=candidates, rrf_k=rrf_k, mode=mode,
                                       timings=timings)
        mask = self.eligible(filters)
        if not mask.any():
            return []
        ranked_lists: dict[str, list[int]] = {}
        similarity: dict[int, float] = {}
        if mode in (RetrieverMode.HYBRID, RetrieverMode.BM25):
            t0 = time.perf_counter()
            scores = self.store.bm25.scores(self.segmenter.terms(question))
            scores = np.where(mask, scores, -np.inf)
            # The best few of a million scores without sorting them all.
            top = min(candidates, len(scores))
            part = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
            order = part[np.lexsort((part, -scores[part]))]
            ranked_lists["bm25"] = [int(i) for i in order if np.isfinite(scores[i]) and scores[i] > 0]
            timings["bm25_ms"] = timings.get("bm25_ms", 0.0) + (time.perf_counter() - t0) * 1000
        if mode in (RetrieverMode.HYBRID, RetrieverMode.DENSE):
            t0 = time.perf_counter()
            vector = self.embedder.encode_queries([question])[0]
            t1 = time.perf_counter()
            scores, ids = self.store.vectors.search(vector, candidates, None if mask.all() else mask)
            ranked_lists["dense"] = [int(i) for i in ids if mask[int(i)]][:candidates]
            similarity = {int(i): float(s) for s, i in zip(scores, ids, strict=False) if i >= 0}
            timings["encode_ms"] = timings.get("encode_ms", 0.0) + (t1 - t0) * 1000
            timings["vector_ms"] = timings.get("vector_ms", 0.0) + (time.perf_counter() - t1) * 1000
        t0 = time.perf_counter()
        fused: dict[int, float] = {}
        found_by: dict[int, list[str]] = {}
        for name, rows in ranked_lists.items():
            for rank, row in enumerate(rows):
                fused[row] = fused.get(row, 0.0) + 1.0 / (rrf_k + rank + 1)
                found_by.setdefault(row, []).append(name)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        timings["fusion_ms"] = timings.get("fusion_ms", 0.0) + (time.perf_counter() - t0) * 1000
        return [Ranked(row, score, tuple(found_by[row]), similarity.get(row, 0.0)) for row, score in best]

    def _search_engine(self, search, question: str, filters: Filters, *, k: int, candidates: int, rrf_k: int,
                       mode: RetrieverMode, timings: dict[str, float]) -> list[Ranked]:
        """The same search done by the index's own engine (Milvus): its filter expressions, BM25, dense search
        and reciprocal-rank fusion, timed as one vector search after the question's encoding."""
        vector = None
        t0 = time.perf_counter()
        if mode in (RetrieverMode.HYBRID, RetrieverMode.DENSE):
            vector = self.embedder.encode_queries([question])[0]
        t1 = time.perf_counter()
        ranked: list[Ranked] = search(question, vector, filters, k=k, candidates=candidates, rrf_k=rrf_k, mode=mode)
        if vector is not None:
            timings["encode_ms"] = timings.get("encode_ms", 0.0) + (t1 - t0) * 1000
        timings["vector_ms"] = timings.get("vector_ms", 0.0) + (time.perf_counter() - t1) * 1000
        return ranked
