"""The index folder's format (manifest) and loading it into an IndexStore."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import IndexLoadError
from assistant.index.lexical import BM25Index
from assistant.index.tables import ChunkTable, DocumentTable, FilterIndex

if TYPE_CHECKING:
    from embeddings.vector_index import VectorIndex

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
REBUILD_HINT = "python -m assistant index --index-dir {dir}"


@dataclass(frozen=True)
class Manifest:
    """What an index folder holds and how it was made."""

    format_version: int
    model_id: str
    model_hash: str
    dimension: int
    max_chunk_tokens: int
    dictionary_hash: str
    corpus_files: dict[str, str]
    documents: int
    chunks: int
    built_at: str
    vector_index: str = "flat"
    vector_nprobe: int = 0
    vector_recall_at_10: float = 1.0
    parser_version: int = 0  # documents parsed by an older parser are parsed again (vectors are reused)


class IndexStore:
    """A loaded index: documents, chunks, filter lists, BM25 and vectors."""

    def __init__(self, folder: Path, manifest: Manifest, documents: DocumentTable, chunks: ChunkTable,
                 bm25: BM25Index, vectors: VectorIndex, doc_freq: dict[str, int], filters: FilterIndex) -> None:
        self.folder = folder
        self.manifest = manifest
        self.documents = documents
        self.document_order = list(documents)
        self.chunks = chunks
        self.bm25 = bm25
        self.vectors = vectors
        self.doc_freq = doc_freq
        self.filters = filters

    @property
    def chunk_hashes(self) -> list[str]:
        """Content hashes of the chunks' embedded texts, in row order."""
        return self.chunks.hashes()

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over the chunks (unseen terms weigh most)."""
        n = max(1, len(self.chunks))
        return math.log(1.0 + (n + 0.5) / (self.doc_freq.get(term, 0) + 0.5))

    @classmethod
    def load(cls, folder: Path) -> IndexStore:
        """Load an index folder, or raise IndexLoadError naming the command that rebuilds it."""
        from embeddings.vector_index import VectorIndex

        hint = REBUILD_HINT.format(dir=folder)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise IndexLoadError(f"no index found at {folder}. Build it with: {hint}")
        try:
            raw = json.loads(manifest_path.read_text(encoding="utf-8"))
            manifest = Manifest(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexLoadError(
                f"the index at {folder} is not one of ours or is damaged ({exc}). Rebuild it with: {hint}") from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexLoadError(f"the index at {folder} has format {manifest.format_version}, this version reads "
                                 f"{FORMAT_VERSION}. Rebuild it with: {hint}")
        try:
            documents = DocumentTable.load(folder)
            chunks = ChunkTable.load(folder, [documents.meta(d) for d in documents])
            bm25 = BM25Index.load(folder / "bm25")
            doc_freq = json.loads((folder / "term_df.json").read_text(encoding="utf-8"))
            filters = FilterIndex.load(folder)
            vectors = VectorIndex.load(folder / "vectors.faiss")
        except Exception as exc:  # any damage to any file means the same thing to the user
            raise IndexLoadError(f"the index at {folder} is damaged ({type(exc).__name__}: {exc}). "
                                 f"Rebuild it with: {hint}") from exc
        if len(chunks) != manifest.chunks or vectors.size != len(chunks) or len(documents) != manifest.documents:
            raise IndexLoadError(f"the index at {folder} is incomplete (counts do not match its manifest). "
                                 f"Rebuild it with: {hint}")
        if manifest.vector_nprobe:
            vectors.set_nprobe(manifest.vector_nprobe)
        return cls(folder, manifest, documents, chunks, bm25, vectors, doc_freq, filters)


def open_index(folder: str | Path) -> IndexStore:
    """Load an index folder read-only (for tools that read its documents and chunks)."""
    return IndexStore.load(Path(folder))
