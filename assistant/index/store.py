"""The index folder's format (manifest), loading it into an IndexStore, and checking it.

Loading checks the folder (every file there, of the size the manifest records; every table's shape, fields,
offsets and counts; for a small index every file's SHA-256 too), so a damaged index is refused when it is
opened, with one message a user can act on, instead of failing later inside a question. `verify_index` (and
`python -m assistant index --verify`) checks every checksum whatever the size. The details go to the log."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.config import default_index_dir
from assistant.errors import IndexLoadError
from assistant.index.files import file_checksums, sha256_of, tidy_leftovers
from assistant.index.lexical import BM25Index
from assistant.index.tables import ChunkTable, DocumentTable, FilterIndex, TermTable, TextColumn

if TYPE_CHECKING:
    from embeddings.vector_index import VectorIndex

FORMAT_VERSION = 4
MANIFEST = "manifest.json"
REBUILD_HINT = "python -m assistant index --index-dir {dir}"
# Up to this many bytes in all, loading checks every file's SHA-256 as well (a few milliseconds per MB).
VERIFY_ON_LOAD_BYTES = 64 * 1024 * 1024
# Files every index folder holds, besides the manifest (the BM25 folder's own files are checked by content).
REQUIRED_FILES = ("documents.jsonl", "doc_text.bin", "doc_offsets.npy", *ChunkTable.FILES, "filters.npz",
                  "filter_places.json", "term_df.json", "vectors.faiss", "bm25/params.index.json",
                  "bm25/vocab.index.json", *TermTable.FILES, *TextColumn.files("filter_text"))
# The least a file of each kind can hold (an .npy header alone is 64 bytes); a smaller one is damaged.
_MIN_SIZE = {".npy": 64, ".npz": 22, ".json": 2, ".faiss": 16}

log = logging.getLogger(__name__)


def rebuild_command(folder: Path) -> str:
    """The command that rebuilds the index at `folder` (a web UI library's documents sit beside its index)."""
    documents = folder.parent / "documents"
    if documents.is_dir():
        return f"python -m assistant index --corpus {documents} --index-dir {folder}"
    if folder.resolve() == default_index_dir().resolve():
        return REBUILD_HINT.format(dir=folder)
    return f"python -m assistant index --corpus <文档目录> --index-dir {folder}"


def damaged(folder: Path, detail: str) -> IndexLoadError:
    """The one error a user sees for any damage to an index; `detail` (English) goes to the log."""
    log.warning("index %s is damaged: %s", folder, detail)
    return IndexLoadError(f"索引已损坏或不完整（{folder}）。请用 {rebuild_command(folder)} 重建索引。")


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
    vector_tuned_chunks: int = 0  # chunks the IVF search width was last tuned on (retuned past a 10% change)
    # Per file (path relative to the folder): SHA-256 and size at write time; empty in older indexes.
    file_sha256: dict[str, str] = field(default_factory=dict)
    file_sizes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: object) -> Manifest:
        """The manifest from its parsed JSON, every field of the right type; ValueError otherwise."""
        if not isinstance(raw, dict):
            raise ValueError("the manifest is not a JSON object")
        unknown = sorted(set(raw) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"the manifest has unknown fields {unknown}")
        manifest = cls(**raw)  # TypeError when a required field is missing
        for name, kind in (("format_version", int), ("model_id", str), ("model_hash", str), ("dimension", int),
                           ("max_chunk_tokens", int), ("dictionary_hash", str), ("corpus_files", dict),
                           ("documents", int), ("chunks", int), ("built_at", str), ("vector_index", str),
                           ("vector_nprobe", int), ("vector_recall_at_10", (int, float)), ("parser_version", int),
                           ("vector_tuned_chunks", int),
                           ("file_sha256", dict),
                           ("file_sizes", dict)):
            value = getattr(manifest, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"the manifest's {name} is a {type(value).__name__}")
        if manifest.dimension < 1 or manifest.documents < 0 or manifest.chunks < 0 or manifest.vector_nprobe < 0:
            raise ValueError("the manifest's counts are out of range")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in manifest.file_sha256.items()) or \
                not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
                        for k, v in manifest.file_sizes.items()):
            raise ValueError("the manifest's file checksums or sizes are malformed")
        return manifest


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
        """Load an index folder, or raise IndexLoadError naming the command that rebuilds it. With the Milvus
        backend configured (`assistant.index.backend`), the library is loaded from Milvus instead."""
        from assistant.index.backend import current_backend

        backend = current_backend()
        if backend.is_milvus:
            from assistant.index.milvus import MilvusStore

            return MilvusStore.open(backend, Path(folder))
        return cls.load_folder(Path(folder))

    @classmethod
    def load_folder(cls, folder: Path) -> IndexStore:
        """Load an index folder whichever backend is configured (copying one to Milvus reads it), or raise
        IndexLoadError naming the command that rebuilds it."""
        from embeddings.vector_index import VectorIndex

        folder = Path(folder)
        tidy_leftovers(folder)  # a killed build's folders (or an interrupted swap) are dealt with first
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            log.info("no manifest at %s", manifest_path)
            raise IndexLoadError(f"没有找到索引（{folder}）。请用 {rebuild_command(folder)} 建立索引。")
        try:
            manifest = Manifest.from_json(json.loads(manifest_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise damaged(folder, f"manifest: {type(exc).__name__}: {exc}") from exc
        if manifest.format_version != FORMAT_VERSION:
            log.warning("index %s has format %s, this version reads %s", folder, manifest.format_version,
                        FORMAT_VERSION)
            raise IndexLoadError(f"索引（{folder}）由另一版本的程序建立（格式 {manifest.format_version}，本版本读取格式 "
                                 f"{FORMAT_VERSION}）。请用 {rebuild_command(folder)} 重建索引。")
        try:
            total = _check_files(folder, manifest)
            if manifest.file_sha256 and total <= VERIFY_ON_LOAD_BYTES:
                bad = _checksum_mismatches(folder, manifest)
                if bad:
                    raise ValueError(f"checksums differ for {', '.join(bad)}")
            documents = DocumentTable.load(folder)
            chunks = ChunkTable.load(folder, [documents.meta(d) for d in documents])
            _check_chunk_spans(chunks, documents)
            bm25 = BM25Index.load(folder / "bm25")
            _check_bm25(folder / "bm25", len(chunks))
            doc_freq = _term_df(folder / "term_df.json")
            filters = FilterIndex.load(folder)
            filters.check(len(chunks))
            vectors = VectorIndex.load(folder / "vectors.faiss")
        except Exception as exc:  # any damage to any file means the same thing to the user
            raise damaged(folder, f"{type(exc).__name__}: {exc}") from exc
        if len(chunks) != manifest.chunks or vectors.size != len(chunks) or len(documents) != manifest.documents \
                or vectors.dimension != manifest.dimension:
            raise damaged(folder, f"counts do not match the manifest: {len(documents)} documents, {len(chunks)} "
                                  f"chunks, {vectors.size} vectors of {vectors.dimension} dimensions; manifest says "
                                  f"{manifest.documents}, {manifest.chunks}, dimension {manifest.dimension}")
        if manifest.vector_nprobe:
            vectors.set_nprobe(manifest.vector_nprobe)
        return cls(folder, manifest, documents, chunks, bm25, vectors, doc_freq, filters)


def _check_files(folder: Path, manifest: Manifest) -> int:
    """Every file the index needs (and every file the manifest lists) is there, of the recorded size or, for an
    older index without sizes, of a plausible one; returns their total size."""
    total = 0
    for name in sorted({*REQUIRED_FILES, *manifest.file_sizes}):
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{name} is missing")
        size = path.stat().st_size
        total += size
        expected = manifest.file_sizes.get(name)
        if expected is not None and size != expected:
            raise ValueError(f"{name} has {size} bytes, the manifest recorded {expected}")
        if size < _MIN_SIZE.get(path.suffix, 0):
            raise ValueError(f"{name} has only {size} bytes")
    return total


def _checksum_mismatches(folder: Path, manifest: Manifest) -> list[str]:
    """Files whose SHA-256 is not the one the manifest recorded (missing files included)."""
    bad = []
    for name, expected in sorted(manifest.file_sha256.items()):
        path = folder / name
        if not path.is_file() or sha256_of(path) != expected:
            bad.append(name)
    return bad


def _check_chunk_spans(chunks: ChunkTable, documents: DocumentTable) -> None:
    """Every chunk's span lies inside its document's text (a character is at least one byte)."""
    if not len(chunks):
        return
    meta = np.asarray(chunks._meta)
    limits = documents.byte_lengths()[meta[:, 0]]
    if bool((meta[:, 2] > limits).any()):
        raise ValueError("a chunk's span runs past the end of its document")


def _term_df(path: Path) -> dict[str, int]:
    """term_df.json: a dict of term to the number of chunks holding it."""
    value = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                              and v >= 0 for k, v in value.items()):
        raise ValueError("term_df.json is not a dict of term to count")
    return value


def _check_bm25(folder: Path, rows: int) -> None:
    """The BM25 files agree with each other and with the chunk count (a bad one would fail inside a search)."""
    params: Any = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
    vocab: Any = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    if not isinstance(params, dict) or params.get("num_docs") != rows:
        raise ValueError(f"the BM25 index counts {params.get('num_docs') if isinstance(params, dict) else '?'} "
                         f"chunks, not {rows}")
    if not isinstance(vocab, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                              for k, v in vocab.items()):
        raise ValueError("the BM25 vocabulary is not a dict of term to number")
    arrays = {name: folder / f"{name}.csc.index.npy" for name in ("data", "indices", "indptr")}
    if not all(p.is_file() for p in arrays.values()):
        return  # another bm25s layout: its own loader has checked it
    data, indices, indptr = (np.load(p, mmap_mode="r", allow_pickle=False) for p in arrays.values())
    if indptr.ndim != 1 or indices.ndim != 1 or data.ndim != 1 or indptr.dtype.kind not in "iu" \
            or indices.dtype.kind not in "iu" or data.dtype.kind != "f":
        raise ValueError("the BM25 arrays have the wrong shape or type")
    if not len(indptr) or int(indptr[0]) != 0 or int(indptr[-1]) != len(indices) or len(indices) != len(data) \
            or bool((np.diff(np.asarray(indptr)) < 0).any()):
        raise ValueError("the BM25 arrays disagree with each other")
    if vocab and (min(vocab.values()) < 0 or max(vocab.values()) >= len(indptr)):
        raise ValueError("the BM25 vocabulary points outside its arrays")
    if len(indices) and (int(np.min(indices)) < 0 or int(np.max(indices)) >= rows):
        raise ValueError("the BM25 index points outside the chunks")
    if not bool(np.isfinite(np.asarray(data)).all()):
        raise ValueError("the BM25 index holds scores that are not numbers")


def verify_index(folder: str | Path) -> str:
    """Check every file of an index against the checksums its manifest recorded, and load it; returns a Chinese
    message saying it is intact, or raises IndexLoadError with the one message for damage."""
    folder = Path(folder)
    store = IndexStore.load(folder)
    manifest = store.manifest
    generation = getattr(store, "generation", None)
    if generation is not None:  # a Milvus library: loading checked every stored file
        return (f"文档库完好：Milvus 中第 {generation} 版的 {len(manifest.file_sha256)} 个文件校验和全部一致，"
                f"{manifest.documents} 篇文档、{manifest.chunks} 个段落。")
    if not manifest.file_sha256:
        raise IndexLoadError(f"索引（{folder}）由旧版本建立，没有记录校验和，无法校验。请用 {rebuild_command(folder)} "
                             f"重建索引后再校验。")
    bad = _checksum_mismatches(folder, manifest)
    hashes, _ = file_checksums(folder)
    extra = sorted(set(hashes) - set(manifest.file_sha256))
    if bad or extra:
        raise damaged(folder, f"checksums differ for {bad}; files the manifest does not list: {extra}")
    return (f"索引完好：{len(manifest.file_sha256)} 个文件的校验和全部一致，{manifest.documents} 篇文档、"
            f"{manifest.chunks} 个段落（{folder}）。")


def open_index(folder: str | Path) -> IndexStore:
    """Load an index folder read-only (for tools that read its documents and chunks)."""
    return IndexStore.load(Path(folder))
