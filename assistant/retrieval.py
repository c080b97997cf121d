"""Hybrid retrieval: BM25 and dense search, filtered by year, region and document, fused by reciprocal rank."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.indexing import IndexStore
from assistant.lexical import Segmenter
from assistant.textnorm import normalize


@dataclass(frozen=True)
class Filters:
    """Restrictions on which chunks may answer."""

    years: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.years or self.regions or self.doc_ids)


@dataclass(frozen=True)
class Ranked:
    """A chunk row with its fused score."""

    row: int
    score: float
    retrievers: tuple[str, ...]


class Retriever:
    """Searches one loaded index."""

    def __init__(self, store: IndexStore, embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.segmenter = Segmenter.shared()
        # Normalized chunk text with title and heading path: what year and region filters look at.
        self._filter_text = [
            normalize(f"{store.documents[c.doc_id].title} {' '.join(c.section)} {c.text}") for c in store.chunks]
        self._doc_of_row = [c.doc_id for c in store.chunks]

    def eligible(self, filters: Filters) -> np.ndarray:
        """Boolean mask of the chunks the filters allow."""
        n = len(self.store.chunks)
        mask = np.ones(n, dtype=bool)
        if filters.doc_ids:
            allowed = set(filters.doc_ids)
            mask &= np.array([d in allowed for d in self._doc_of_row], dtype=bool)
        if filters.years:
            ok = np.zeros(n, dtype=bool)
            for year in filters.years:
                token = f"{year}"
                ok |= np.array([self.store.documents[d].year == year or token in t
                                for d, t in zip(self._doc_of_row, self._filter_text)], dtype=bool)
            mask &= ok
        if filters.regions:
            ok = np.zeros(n, dtype=bool)
            for region in filters.regions:
                ok |= np.array([self.store.documents[d].region == region or region in t
                                or region in self.store.documents[d].issuer
                                for d, t in zip(self._doc_of_row, self._filter_text)], dtype=bool)
            mask &= ok
        return mask

    def search(self, question: str, filters: Filters, *, k: int, candidates: int, rrf_k: int,
               mode: str = "hybrid", timings: dict[str, float] | None = None) -> list[Ranked]:
        """The best `k` chunks for the question among those the filters allow."""
        timings = timings if timings is not None else {}
        mask = self.eligible(filters)
        if not mask.any():
            return []
        ranked_lists: dict[str, list[int]] = {}
        if mode in {"hybrid", "bm25"}:
            t0 = time.perf_counter()
            scores = self.store.bm25.scores(self.segmenter.terms(question))
            scores = np.where(mask, scores, -np.inf)
            order = np.argsort(-scores, kind="stable")[:candidates]
            ranked_lists["bm25"] = [int(i) for i in order if np.isfinite(scores[i]) and scores[i] > 0]
            timings["bm25_ms"] = (time.perf_counter() - t0) * 1000
        if mode in {"hybrid", "dense"}:
            t0 = time.perf_counter()
            vector = self.embedder.encode_queries([question])[0]
            t1 = time.perf_counter()
            want = candidates if mask.all() else min(self.store.vectors.size, candidates + int((~mask).sum()))
            scores, ids = self.store.vectors.search(vector, want)
            ranked_lists["dense"] = [int(i) for i in ids if mask[int(i)]][:candidates]
            timings["encode_ms"] = (t1 - t0) * 1000
            timings["vector_ms"] = (time.perf_counter() - t1) * 1000
        t0 = time.perf_counter()
        fused: dict[int, float] = {}
        found_by: dict[int, list[str]] = {}
        for name, rows in ranked_lists.items():
            for rank, row in enumerate(rows):
                fused[row] = fused.get(row, 0.0) + 1.0 / (rrf_k + rank + 1)
                found_by.setdefault(row, []).append(name)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        timings["fusion_ms"] = (time.perf_counter() - t0) * 1000
        return [Ranked(row, score, tuple(found_by[row])) for row, score in best]
