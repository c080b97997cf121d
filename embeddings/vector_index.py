"""FAISS vector index over unit vectors (inner product = cosine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    """Exact inner-product search; persisted with FAISS and memory-mapped on load."""

    def __init__(self, index) -> None:
        self._index = index

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray) -> "VectorIndex":
        """Index the given (n, d) float32 unit vectors."""
        import faiss

        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array")
        index = faiss.IndexFlatIP(int(vectors.shape[1]))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        """Write the index to `path`."""
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        """Read an index written by `save`, memory-mapped where FAISS allows."""
        import faiss

        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            index = faiss.read_index(str(path))
        return cls(index)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest vectors to one query vector."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors, in row order."""
        if self.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._index.reconstruct_n(0, self.size)
