"""Synthetic corpora for scale benchmarks: real sentences of an index recombined into new documents."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant import (
    PROVINCES,
    Chunk,
    Document,
    IndexStore,
    index_terms,
    normalize,
    open_index,
    readable,
    sentence_spans,
    write_index,
)
from embeddings.models import Embedder

CHUNKS_PER_DOCUMENT = 50


@dataclass(frozen=True)
class SyntheticReport:
    """How a synthetic index was made."""

    size: int
    documents: int
    sentences: int
    seconds: float
    vector_source: str


def _sentences(store: IndexStore) -> list[tuple[str, tuple[str, ...]]]:
    seen: dict[str, tuple[str, ...]] = {}
    for row in range(len(store.chunks)):
        chunk = store.chunks[row]
        for start, end in sentence_spans(chunk.text):
            text = chunk.text[start:end].strip()
            if len(text) >= 8 and text not in seen:
                seen[text] = chunk.section
    return list(seen.items())


def build_synthetic_index(source_dir: Path, out_dir: Path, size: int, *, embedder: Embedder | None = None, seed: int = 0,
                          log: Callable[[str], None] = lambda m: None) -> SyntheticReport:
    """An index of `size` chunks made of the source index's sentences (2–4 per chunk) in synthetic documents.

    With an embedder, each chunk's vector is the normalized sum of its sentences' real vectors plus a little
    noise (each distinct sentence is encoded once); without one, vectors are random unit vectors."""
    if size < 1:
        raise ValueError("size must be positive")
    started = time.perf_counter()
    store = open_index(source_dir)
    sentences = _sentences(store)
    rng = np.random.default_rng(seed)
    texts = [s for s, _ in sentences]
    norms = [normalize(s) for s in texts]
    terms = [index_terms(readable(s)) for s in texts]
    dimension = store.manifest.dimension
    if embedder is not None:
        sentence_vectors = embedder.encode_passages(texts)
        source = f"sums of real sentence vectors ({embedder.model_id})"
    else:
        sentence_vectors = None
        source = "random unit vectors"
    log(f"{len(texts)} distinct sentences; vectors: {source}")
    source_docs = [store.documents.meta(d) for d in store.documents]
    documents: list[Document] = []
    chunks: list[Chunk] = []
    chunk_terms: list[list[str]] = []
    filter_texts: list[str] = []
    vectors = np.zeros((size, dimension), dtype=np.float32)
    made = 0
    number = 0
    while made < size:
        meta = source_docs[int(rng.integers(len(source_docs)))]
        count = min(CHUNKS_PER_DOCUMENT, size - made)
        doc_id = f"syn{size}-{number:06d}"
        year = int(rng.integers(2015, 2024))
        region = PROVINCES[int(rng.integers(len(PROVINCES)))]
        title = f"{region}{year}年{meta['title']}（合成{number}）"
        title_terms = index_terms(title)
        parts: list[str] = []
        position = 0
        for local in range(count):
            picks = rng.integers(len(texts), size=int(rng.integers(2, 5)))
            text = "".join(texts[i] for i in picks)
            section = sentences[int(picks[0])][1]
            chunks.append(Chunk(f"{doc_id}:{local:04d}", doc_id, section, text, position, position + len(text),
                                len(text), ""))
            chunk_terms.append(title_terms + [t for i in picks for t in terms[i]])
            filter_texts.append(normalize(title) + "".join(norms[i] for i in picks))
            if sentence_vectors is not None:
                vector = sentence_vectors[picks].sum(axis=0) + rng.normal(0, 0.01, dimension)
            else:
                vector = rng.normal(0, 1, dimension)
            vectors[made] = vector / np.linalg.norm(vector)
            parts.append(text)
            position += len(text) + 1
            made += 1
        documents.append(Document(doc_id, f"{doc_id}.txt", title, meta["issuer"], "", (), region, year,
                                  "\n".join(parts)))
        number += 1
    hashes = [hashlib.sha256(c.text.encode("utf-8")).hexdigest()[:24] for c in chunks]
    log(f"writing {size} chunks in {len(documents)} documents")
    write_index(Path(out_dir), documents, chunks, hashes, vectors, chunk_terms, filter_texts,
                model_id=store.manifest.model_id, model_hash=store.manifest.model_hash,
                max_chunk_tokens=store.manifest.max_chunk_tokens, corpus_files={"synthetic": f"{size}:{seed}"})
    return SyntheticReport(size, len(documents), len(texts), time.perf_counter() - started, source)
