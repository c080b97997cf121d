"""Text-to-vector models: the bundled default, or any sentence-transformers model by name or folder."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from embeddings.onnx_bert import OnnxBertEncoder

DEFAULT_MODEL = "default"
# Which encoder writes the bundled model's passage vectors: "int8", the 8-bit ONNX graph that also encodes
# questions (several times faster on a CPU, vectors within cosine 0.99 of the float ones), or "float",
# sentence-transformers in full precision. Other models always encode passages in full precision.
PASSAGE_ENCODER_ENV = "POLICY_QA_PASSAGE_ENCODER"
PASSAGE_ENCODERS = ("int8", "float")
DEFAULT_PASSAGE_ENCODER = "int8"
# Appended to the model hash of vectors from the 8-bit encoder, so an index (and each chunk's reuse key) never
# takes 8-bit vectors for full-precision ones or the other way round; "s" since the weights are signed (vectors
# of the earlier unsigned graph are not reused).
INT8_HASH_SUFFIX = "-int8s"


def passage_encoder_choice(choice: str | None = None) -> str:
    """The passage encoder asked for: `choice`, else $POLICY_QA_PASSAGE_ENCODER, else int8."""
    value = (choice or os.environ.get(PASSAGE_ENCODER_ENV) or DEFAULT_PASSAGE_ENCODER).strip().lower()
    if value in ("float32", "fp32", "full"):
        value = "float"
    if value not in PASSAGE_ENCODERS:
        raise ValueError(f"passage encoder must be one of {', '.join(PASSAGE_ENCODERS)}, not {value!r} "
                         f"(set by {PASSAGE_ENCODER_ENV} or the embedder's passage_encoder)")
    return value


class Embedder(Protocol):
    """What the index and retrieval need from a model."""

    model_id: str
    model_hash: str
    dimension: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model with E5-style query/passage prompts and a query cache."""

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 16, query_cache_size: int = 1024,
                 cache_dir: Path | None = None, passage_encoder: str | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if query_cache_size < 0:
            raise ValueError("query_cache_size must not be negative")
        # Nothing may reach a model hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self._model: SentenceTransformer | None = None
        self._query_encoder: OnnxBertEncoder | None = None
        self._passage_onnx: OnnxBertEncoder | None = None
        self._passage_lock = threading.Lock()
        choice = passage_encoder_choice(passage_encoder)
        self._query_prompt: str | None
        self._passage_prompt: str | None
        self._batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache_size
        self._lock = threading.Lock()
        if model == DEFAULT_MODEL:
            from embeddings.convert import DEFAULT_MODEL_ID, PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model
            from embeddings.onnx_bert import OnnxBertEncoder

            folder = ensure_default_model(cache_dir)
            self.model_id = DEFAULT_MODEL_ID
            self.passage_encoder = choice
            self.model_hash = folder.name.rsplit("-", 1)[-1] + (INT8_HASH_SUFFIX if choice == "int8" else "")
            self._source = str(folder)
            # Questions go through ONNX Runtime over the same weights (the same vectors, without importing
            # torch, and faster per question); sentence-transformers loads only when passages are encoded in
            # full precision.
            self._query_encoder = OnnxBertEncoder(folder)
            self.dimension = self._query_encoder.dimension
            self._prompts = {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT}
            self._query_prompt, self._passage_prompt = "query", "passage"
        else:
            self._source = model
            self.model_id = model
            self.passage_encoder = "float"
            self.model_hash = model_hash_of(model)
            st = self._sentence_transformer()
            dimension = (st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension")
                         else st.get_sentence_embedding_dimension())
            if dimension is None:
                raise ValueError(f"embedding model {model!r} does not state its vector dimension")
            self.dimension = int(dimension)
            prompts = getattr(st, "prompts", {}) or {}
            self._prompts = prompts
            self._query_prompt = "query" if "query" in prompts else None
            self._passage_prompt = "passage" if "passage" in prompts else (
                "document" if "document" in prompts else None)

    def _sentence_transformer(self) -> SentenceTransformer:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._source, device="cpu")
            except OSError as exc:
                raise ValueError(f"cannot load embedding model {self._source!r}: {exc}") from exc
        return self._model

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for questions; repeated questions come from the cache."""
        out: list[np.ndarray | None] = []  # None: not cached yet
        fresh: dict[str, np.ndarray] = {}
        missing: list[str] = []
        with self._lock:
            for text in texts:
                cached = self._cache.get(text)
                if cached is not None:
                    self._cache.move_to_end(text)
                out.append(cached)
                if cached is None:
                    missing.append(text)
        if missing:
            if self._query_encoder is not None:
                vectors = self._query_encoder.encode([self._prompts["query"] + t for t in missing])
            else:
                vectors = self._encode(missing, self._query_prompt, show_progress=False)
            fresh = dict(zip(missing, vectors))
            with self._lock:
                for text, vector in fresh.items():
                    if self._cache_size:
                        self._cache[text] = vector
                        while len(self._cache) > self._cache_size:
                            self._cache.popitem(last=False)
        rows = [fresh[t] if v is None else v for t, v in zip(texts, out)]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.dimension), np.float32)

    def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Unit vectors for passages, batched by length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.passage_encoder == "int8":
            prompt = self._prompts["passage"]
            return self._passage_encoder().encode_many([prompt + t for t in texts], workers=_workers())
        return self._encode(texts, self._passage_prompt, show_progress=show_progress)

    def _passage_encoder(self) -> OnnxBertEncoder:
        """The 8-bit graph in a single-threaded session that runs one batch per core at once: on the shared
        2-core machine this spent fewer CPU-seconds per passage than one session with two spinning threads."""
        with self._passage_lock:
            if self._passage_onnx is None:
                from embeddings.onnx_bert import OnnxBertEncoder

                self._passage_onnx = OnnxBertEncoder(Path(self._source), precision="int8", threads=1)
            return self._passage_onnx

    def release_passage_encoder(self) -> bool:
        """Drop what only encodes passages (the 8-bit session and its buffers; for the bundled model, the
        full-precision model too, since questions go through ONNX): a server keeps only the question encoder
        between uploads. The next `encode_passages` loads it again. True when something was dropped."""
        with self._passage_lock:
            dropped = self._passage_onnx is not None
            self._passage_onnx = None
            if self._query_encoder is not None and self._model is not None:
                self._model, dropped = None, True
        return dropped

    def _encode(self, texts: list[str], prompt_name: str | None, *, show_progress: bool) -> np.ndarray:
        vectors = self._sentence_transformer().encode(texts, prompt_name=prompt_name, batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=show_progress,
                                     convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


def _workers() -> int:
    """Passage batches run at once: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


def model_hash_of(model: str, passage_encoder: str | None = None) -> str:
    """The hash an embedder for `model` (and passage encoder, by default $POLICY_QA_PASSAGE_ENCODER) will
    report, computed without loading the model."""
    if model == DEFAULT_MODEL:
        from embeddings.convert import default_model_key

        suffix = INT8_HASH_SUFFIX if passage_encoder_choice(passage_encoder) == "int8" else ""
        return default_model_key() + suffix
    return hashlib.sha256(str(Path(model).resolve() if Path(model).exists() else model).encode()).hexdigest()[:16]


_shared: dict[tuple[str, str, str], SentenceTransformerEmbedder] = {}
_shared_lock = threading.Lock()


def release_passage_encoders(*embedders: object) -> bool:
    """Release the passage encoders of the process-wide embedders and of `embedders` (any object with a
    `release_passage_encoder` method), then hand freed memory back to the system; True when one was held.

    Encoding passages grows ONNX Runtime's buffers by several hundred MB; freed, glibc keeps most of them
    mapped unless asked to trim, so a serving process would stay at its build-time size."""
    with _shared_lock:
        held = list(_shared.values())
    dropped = False
    for embedder in (*held, *embedders):
        release = getattr(embedder, "release_passage_encoder", None)
        if callable(release):
            dropped = bool(release()) or dropped
    if dropped:
        trim_memory()
    return dropped


def trim_memory() -> None:
    """Collect garbage and return free heap pages to the system (glibc's malloc_trim; elsewhere a no-op)."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        trim = getattr(libc, "malloc_trim", None)
        if trim is not None:
            trim(0)
    except OSError:
        return


def load_embedder(model: str = DEFAULT_MODEL, *, cache_dir: Path | None = None, shared: bool = True,
                  passage_encoder: str | None = None) -> SentenceTransformerEmbedder:
    """A process-wide embedder for `model` (the bundled default, a model name, or a folder) and passage
    encoder (int8 or float; by default $POLICY_QA_PASSAGE_ENCODER, else int8); with shared=False a separate
    instance without a query cache (for fair timing of other systems)."""
    choice = passage_encoder_choice(passage_encoder)
    if not shared:
        return SentenceTransformerEmbedder(model, cache_dir=cache_dir, query_cache_size=0, passage_encoder=choice)
    key = (model, str(cache_dir), choice)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = SentenceTransformerEmbedder(model, cache_dir=cache_dir, passage_encoder=choice)
        return _shared[key]
