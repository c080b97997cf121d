"""FAISS vector index over unit vectors (inner product = cosine): exact while cheap, IVF beyond."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import faiss

# Up to this many vectors exact search is fast enough and needs no training.
EXACT_LIMIT = 50_000
# Similarities closer than this count as ties when recall is measured.
TIE = 0.002
# Clusters an IVF search visits at least. The tuning below reaches its recall on passages as queries; real
# questions lie farther from their passages: on the 96,402-provision library (1,242 lists) 590 development and
# blind questions found 0.835 of the exact top 10 at 8 clusters, 0.951 at 64 and 0.973 at 128 (0.3 ms each).
QUESTION_NPROBE = 128


class VectorIndex:
    """Inner-product search; persisted with FAISS and memory-mapped on load."""

    def __init__(self, index: faiss.Index, nprobe: int | None = None) -> None:
        # Flat or IVF (told apart by _is_ivf), so the IVF attributes are looked up at run time.
        self._index: Any = index
        if nprobe is not None and hasattr(index, "nprobe"):
            self.set_nprobe(nprobe)

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        return int(self._index.d)

    @property
    def kind(self) -> str:
        """flat (exact) or ivf-sq8 (clustered, 8-bit vectors)."""
        return "ivf-sq8" if self._is_ivf() else "flat"

    def _is_ivf(self) -> bool:
        return hasattr(self._index, "nprobe")

    @classmethod
    def build(cls, vectors: np.ndarray, *, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
        """Index (n, d) float32 unit vectors: exact up to `exact_limit`, IVF with 8-bit vectors beyond."""
        import faiss

        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array")
        n, dimension = int(vectors.shape[0]), int(vectors.shape[1])
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        if n <= exact_limit:
            index: faiss.Index = faiss.IndexFlatIP(dimension)
            if n:
                index.add(data)
            return cls(index)
        lists = lists_for(n)
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = data[rng.choice(n, size=min(n, lists * 40), replace=False)]
        index.train(sample)
        for start in range(0, n, 100_000):
            index.add(data[start:start + 100_000])
        return cls(index, nprobe=default_nprobe(lists))

    def tune(self, vectors: np.ndarray, *, target: float = 0.98, queries: int = 200, seed: int = 0) -> tuple[int, float]:
        """Smallest nprobe whose recall@10 against exact search reaches `target`, on perturbed stored
        vectors as queries; returns (nprobe, recall) and keeps that nprobe."""
        if not self._is_ivf():
            return 0, 1.0
        rng = np.random.default_rng(seed)
        picks = rng.choice(len(vectors), size=min(queries, len(vectors)), replace=False)
        probe = vectors[picks] + rng.normal(0, 0.02, size=(len(picks), vectors.shape[1])).astype(np.float32)
        probe /= np.linalg.norm(probe, axis=1, keepdims=True)
        exact = np.zeros((len(probe), 10), dtype=np.int64)
        best = np.full((len(probe), 10), -np.inf, dtype=np.float32)
        for start in range(0, len(vectors), 200_000):
            scores = probe @ vectors[start:start + 200_000].T
            merged = np.concatenate([best, scores], axis=1)
            ids = np.concatenate([exact, np.arange(start, start + scores.shape[1])[None, :].repeat(len(probe), 0)],
                                 axis=1)
            top = np.argsort(-merged, axis=1)[:, :10]
            best = np.take_along_axis(merged, top, axis=1)
            exact = np.take_along_axis(ids, top, axis=1)
        lists = int(self._index.nlist)
        recall = 0.0
        nprobe = 1
        tenth = best[:, -1]
        for nprobe in sorted({8, 16, 32, 64, 96, 128, 192, 256, 384, 512, lists}):
            if nprobe > lists:
                continue
            self._index.nprobe = nprobe
            _, found = self._index.search(probe, 10)
            # A neighbour found counts when it is as close as the exact 10th (within TIE): among
            # near-duplicates which of two equal passages comes back is no loss.
            true_scores = np.einsum("qd,qkd->qk", probe, vectors[np.clip(found, 0, len(vectors) - 1)])
            good = (found >= 0) & (true_scores >= tenth[:, None] - TIE)
            recall = float(good.sum() / good.size)
            if recall >= target:
                break
        return nprobe, round(recall, 4)

    def save(self, path: Path) -> None:
        """Write the index to `path`."""
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by `save`, memory-mapped where FAISS allows."""
        import faiss

        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            index = faiss.read_index(str(path))
        nprobe = default_nprobe(index.nlist) if hasattr(index, "nlist") else None
        return cls(index, nprobe=nprobe)

    def set_nprobe(self, nprobe: int) -> None:
        """How many clusters an IVF search visits (more: better recall, slower), at least QUESTION_NPROBE."""
        if self._is_ivf():
            self._index.nprobe = max(1, min(int(self._index.nlist), max(int(nprobe), QUESTION_NPROBE)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest vectors, only among `allowed` rows when a mask is given."""
        import faiss

        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if allowed is not None and not allowed.all():
            k = min(k, int(allowed.sum()))
            if k <= 0:
                return np.zeros(0, np.float32), np.zeros(0, np.int64)
            bits = np.packbits(allowed.astype(np.uint8), bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
            if self._is_ivf():
                # The clusters usually visited may hold too few allowed rows: widen until k are found.
                nprobe = self._index.nprobe
                while True:
                    # faiss's stubs omit the keyword constructor that its Python wrapper adds to every
                    # SearchParameters class (faiss.class_wrappers.handle_SearchParameters).
                    params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
                    scores, ids = self._index.search(vector, k, params=params)
                    if (ids[0] >= 0).sum() >= k or nprobe >= self._index.nlist:
                        break
                    nprobe = min(self._index.nlist, nprobe * 4)
            else:
                scores, ids = self._index.search(
                    vector, k, params=faiss.SearchParameters(sel=selector))  # type: ignore[call-arg]  # as above
            del bits  # the selector points into it until the search has returned
        else:
            scores, ids = self._index.search(vector, k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors, in row order (8-bit vectors come back approximately)."""
        if self.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._is_ivf():
            self._index.make_direct_map()
        return self._index.reconstruct_n(0, self.size)


def default_nprobe(lists: int) -> int:
    """Clusters visited per search: enough for recall@10 ≥ 0.98 on policy text (see the benchmark)."""
    return max(8, min(lists, int(lists * 0.04)))


def lists_for(n: int) -> int:
    """The number of IVF lists an index of `n` vectors is built with."""
    return int(min(65536, max(256, 4 * math.sqrt(n))))


def renumbered(index: VectorIndex, new_row_of_old: np.ndarray, added: np.ndarray, added_rows: np.ndarray, *,
               exact_limit: int = EXACT_LIMIT) -> VectorIndex | None:
    """`index` with rows removed, renumbered and added, without training it again: old row i becomes row
    new_row_of_old[i] (-1: removed) and added[j] row added_rows[j]. The stored 8-bit codes of an IVF index are
    moved, not re-encoded. None when the lists of an IVF index were made for a size too far from the new one
    (or the new size wants exact search): build a new index then."""
    import faiss

    new_row_of_old = np.asarray(new_row_of_old, dtype=np.int64)
    added = np.ascontiguousarray(added, dtype=np.float32).reshape(-1, index.dimension)
    added_rows = np.asarray(added_rows, dtype=np.int64)
    kept = int((new_row_of_old >= 0).sum())
    total = kept + len(added)
    if not index._is_ivf():
        old = index.reconstruct_all()
        vectors = np.zeros((total, index.dimension), dtype=np.float32)
        keep = new_row_of_old >= 0
        vectors[new_row_of_old[keep]] = old[keep]
        vectors[added_rows] = added
        return VectorIndex.build(vectors, exact_limit=exact_limit)
    ivf: Any = faiss.downcast_index(faiss.extract_index_ivf(index._index))
    lists = int(ivf.nlist)
    if total <= exact_limit or not lists_for(total) / 1.5 <= lists <= lists_for(total) * 1.5:
        return None
    quantizer = faiss.IndexFlatIP(index.dimension)
    quantizer.add(ivf.quantizer.reconstruct_n(0, lists))
    fresh: Any = faiss.IndexIVFScalarQuantizer(quantizer, index.dimension, lists, faiss.ScalarQuantizer.QT_8bit,
                                               faiss.METRIC_INNER_PRODUCT)
    fresh.sq.trained = ivf.sq.trained
    fresh.is_trained = True
    code_size = int(ivf.code_size)
    source, target = ivf.invlists, fresh.invlists
    for number in range(lists):
        size = int(source.list_size(number))
        if not size:
            continue
        ids = faiss.rev_swig_ptr(source.get_ids(number), size).copy()
        codes = faiss.rev_swig_ptr(source.get_codes(number), size * code_size).copy().reshape(size, code_size)
        rows = new_row_of_old[ids]
        keep = rows >= 0
        if keep.any():
            rows_kept = np.ascontiguousarray(rows[keep])
            codes_kept = np.ascontiguousarray(codes[keep])
            target.add_entries(number, int(keep.sum()), faiss.swig_ptr(rows_kept), faiss.swig_ptr(codes_kept))
    fresh.ntotal = kept
    if len(added):
        fresh.add_with_ids(added, added_rows)
    return VectorIndex(fresh, nprobe=int(ivf.nprobe))
