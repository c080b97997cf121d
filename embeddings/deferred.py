"""An embedder whose model loads when first needed (or when asked to, in a thread), so a server can listen first."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from embeddings.models import Embedder


class DeferredEmbedder:
    """Stands for the embedder `load()` returns: questions and passages wait for the load, which happens in a
    thread from `start()` or else in the first caller. A failed load, or a model giving vectors of another size
    than `dimension` (the index's), raises in every caller."""

    def __init__(self, load: Callable[[], Embedder], *, dimension: int) -> None:
        if dimension < 1:
            raise ValueError("dimension must be positive")
        self._load = load
        self.dimension = dimension  # the index's; the model's is checked against it when it has loaded
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._embedder: Embedder | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Begin loading in a background thread (once)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="model-load", daemon=True)
                self._thread.start()

    @property
    def loaded(self) -> bool:
        return self._embedder is not None

    def wait(self) -> Embedder:
        """The loaded embedder (loading it now if nobody started it)."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._embedder is not None
        return self._embedder

    def _run(self) -> None:
        try:
            embedder = self._load()
            if embedder.dimension != self.dimension:
                raise ValueError(f"the embedding model gives {embedder.dimension}-d vectors but the index holds "
                                 f"{self.dimension}-d ones; rebuild the index with this model")
            self._embedder = embedder
        except BaseException as exc:  # kept for every caller: the thread itself has no one to tell
            self._error = exc

    @property
    def model_id(self) -> str:
        return self.wait().model_id

    @property
    def model_hash(self) -> str:
        return self.wait().model_hash

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.wait().encode_queries(texts)

    def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        return self.wait().encode_passages(texts, show_progress=show_progress)

    def __getattr__(self, name: str):
        # Only called for what this class lacks (the loaded embedder's passage_encoder, release_passage_encoder
        # and the like); private and special names are not forwarded, so copying or pickling does not load.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.wait(), name)
