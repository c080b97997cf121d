"""Building an index folder from a corpus: read, parse, chunk, encode (reusing known vectors), write, swap."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import IndexConfig
from assistant.errors import IndexLoadError
from assistant.index.files import WriterLock, file_checksums, swap_in
from assistant.index.lexical import BM25Index, Segmenter, dictionary_hash
from assistant.index.store import FORMAT_VERSION, MANIFEST, IndexStore, Manifest
from assistant.index.tables import ChunkTable, DocumentTable, FilterIndex, TermTable, TextColumn
from assistant.ingest.chunking import chunk_document
from assistant.ingest.corpus import CorpusEntry, SkippedFile, SourceFile, read_corpus, read_entries, scan_corpus
from assistant.ingest.parsing import PARSER_VERSION, parse_page
from assistant.ingest.versions import assign_versions
from assistant.records import Chunk, Document
from assistant.text.normalize import normalize, readable
from assistant.text.tokens import count_tokens
from embeddings.models import Embedder

if TYPE_CHECKING:
    from embeddings.vector_index import VectorIndex


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    index_dir: Path
    documents: int
    chunks: int
    embedded: int
    reused: int
    skipped: tuple[SkippedFile, ...]
    seconds: float
    unchanged: bool = False
    encode_seconds: float = 0.0  # of `seconds`, the time spent encoding passages
    provisions: int = 0  # numbered provisions (distinct heading paths of a document, its preamble aside)
    earlier_versions: int = 0  # documents that a newer text of the same title replaces
    repealed: int = 0  # documents that a newer document says it repeals
    passage_encoder: str = ""  # int8 or float, for the bundled model
    ocr_pages: int = 0  # pages of the library's files whose text came from OCR
    reused_files: int = 0  # files taken unchanged from the previous index (not read, parsed or segmented again)

    def summary(self) -> str:
        """The build in one paragraph: what was read, what the index holds, what was left out and why."""
        state = "unchanged, reused" if self.unchanged else f"built in {self.seconds:.1f}s"
        provisions = f"{self.provisions} provisions, " if self.provisions else ""
        lines = [f"index {state}: {self.documents} documents, {provisions}{self.chunks} chunks; "
                 f"{self.earlier_versions} earlier versions, {self.repealed} repealed, {self.ocr_pages} OCR pages; "
                 f"encoded {self.embedded} passages"
                 + (f" ({self.passage_encoder})" if self.passage_encoder else "")
                 + (f" in {self.encode_seconds:.1f}s ({self.embedded / self.encode_seconds:.1f}/s)"
                    if self.embedded and self.encode_seconds > 0 else "")
                 + f", reused {self.reused}; {len(self.skipped)} files skipped"]
        reasons: dict[str, list[str]] = {}
        for item in self.skipped:
            reasons.setdefault(item.reason, []).append(item.name)
        for reason, names in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            lines.append(f"  skipped {len(names)} ({reason}): {shown}")
        return "\n".join(lines)


class _Progress:
    """Progress lines for a long stage, at most one per `every` seconds: done/total, rate and time left."""

    def __init__(self, log: Callable[[str], None], what: str, total: int, unit: str, every: float,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._log, self._what, self._total, self._unit, self._every = log, what, total, unit, every
        self._clock = clock
        self._started = self._last = clock()
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        now = self._clock()
        if now - self._last >= self._every and self.done < self._total:
            self._last = now
            rate = self.done / max(now - self._started, 1e-9)
            left = (self._total - self.done) / rate if rate > 0 else 0.0
            self._log(f"{self._what}: {self.done}/{self._total} {self._unit} ({100 * self.done / self._total:.0f}%), "
                      f"{rate:.1f} {self._unit}/s, about {_duration(left)} left")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


# Passages handed to the embedder at once: small enough that progress is reported often, large enough
# that its batching by length works (each slice is itself of nearly one length, as the todo list is sorted).
ENCODE_SLICE = 512


def embedding_text(document: Document, chunk: Chunk) -> str:
    """The text a chunk is embedded and searched by: title and heading path give it context."""
    return readable(f"{document.title} {' '.join(chunk.section)} {chunk.text}")


def _chunk_hash(model_hash: str, text: str) -> str:
    return hashlib.sha256(f"{model_hash}\n{text}".encode()).hexdigest()[:24]


def warm_up() -> None:
    """Load the word segmenter, token counter and script converter now rather than on first use."""
    from assistant.text.normalize import to_simplified
    from assistant.text.tokens import encoding

    Segmenter.shared()
    encoding()
    to_simplified("預熱")


def _prepare(files, config: IndexConfig, progress: _Progress | None = None,
             skipped: list[SkippedFile] | None = None) -> tuple[list[Document], list[Chunk]]:
    """Parse and chunk every file within the per-file budget; files over it are skipped with their reason."""
    documents: list[Document] = []
    chunks: list[Chunk] = []
    for source in files:
        if progress is not None:
            progress.add(1)
        part = _parse_file(source, config, skipped)
        if part is not None:
            documents.extend(part[0])
            chunks.extend(part[1])
    return assign_versions(documents), chunks


def _parse_file(source: SourceFile, config: IndexConfig,
                skipped: list[SkippedFile] | None) -> tuple[list[Document], list[Chunk]] | None:
    """One file's documents (with where their text came from) and chunks; None when it is over the budget."""
    if len(source.text) > config.max_file_chars:
        # Work per file is bounded: one oversized file must not hold up the whole library.
        _skip(skipped, source.name, f"文件过长（{len(source.text)} 字），超过每个文件 {config.max_file_chars} 字的上限")
        return None
    own_documents: list[Document] = []
    own_chunks: list[Chunk] = []
    for parsed in parse_page(source.name, source.text):
        own_documents.append(dataclasses.replace(parsed.document, source_format=source.format,
                                                 ocr_pages=source.ocr_pages, original_name=source.original_name))
        own_chunks.extend(chunk_document(parsed, max_tokens=config.max_chunk_tokens, count_tokens=count_tokens))
        if len(own_chunks) > config.max_chunks_per_file:
            _skip(skipped, source.name, f"切分出的段落超过每个文件 {config.max_chunks_per_file} 个的上限"
                                        "（文件可能只有标题标记或格式异常）")
            return None
    return own_documents, own_chunks


def _skip(skipped: list[SkippedFile] | None, name: str, reason: str) -> None:
    if skipped is not None:
        skipped.append(SkippedFile(name, reason))


def _provisions(chunks: list[Chunk]) -> int:
    return len({(c.doc_id, c.section) for c in chunks} - {(c.doc_id, ("前言",)) for c in chunks})


def passage_texts(corpus_dir: Path, config: IndexConfig = IndexConfig()) -> list[str]:
    """The texts a build of `corpus_dir` embeds, in the order it embeds them (shortest first)."""
    files, _ = read_corpus(Path(corpus_dir))
    documents, chunks = _prepare(files, config)
    by_id = {d.doc_id: d for d in documents}
    return sorted((embedding_text(by_id[c.doc_id], c) for c in chunks), key=len)


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """File name to content hash for the supported files of a corpus folder (read without extracting text)."""
    entries, _ = scan_corpus(Path(corpus_dir))
    return {e.name: e.sha256 for e in entries}


@dataclass
class _Part:
    """One file's share of the index: fresh from parsing, or rows [start, stop) of the previous index."""

    name: str
    documents: list[Document]
    chunks: list[Chunk]
    start: int = -1
    stop: int = -1
    term_ids: np.ndarray | None = None  # the chunks' terms as ids into the build's vocabulary, one after another
    term_counts: np.ndarray | None = None  # terms per chunk
    filter_texts: list[str] | None = None

    @property
    def reused(self) -> bool:
        return self.start >= 0


class _Previous:
    """The previous index of the folder, as far as a new build can reuse it: per file its documents and the
    row range of its chunks (rows are in file order), with their terms, filter texts and vectors."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.terms = TermTable.load(store.folder)
        self.filter_texts = TextColumn.load(store.folder, "filter_text")
        positions: dict[str, list[int]] = {}
        for i, doc_id in enumerate(store.document_order):
            positions.setdefault(store.documents.meta(doc_id)["source_file"], []).append(i)
        doc_index = np.asarray(store.chunks.doc_index)
        bounds = np.searchsorted(doc_index, np.arange(len(store.document_order) + 1))
        if len(doc_index) and bool((np.diff(doc_index) < 0).any()):
            raise ValueError("the previous index's chunks are not in document order")
        self.files = {name: (docs, int(bounds[docs[0]]), int(bounds[docs[-1] + 1])) for name, docs in positions.items()}

    def part(self, name: str) -> _Part:
        docs, start, stop = self.files[name]
        order = self.store.document_order
        # Versions are assigned again over the whole library: start from the document as parsed.
        documents = [dataclasses.replace(self.store.documents[order[i]], status="current", version="") for i in docs]
        chunks = [self.store.chunks[row] for row in range(start, stop)]
        return _Part(name, documents, chunks, start, stop)

    def provenance(self, name: str) -> tuple[str, int, str]:
        first = self.store.documents.meta(self.store.document_order[self.files[name][0][0]])
        return str(first.get("source_format", "")), int(first.get("ocr_pages", 0)), str(first.get("original_name", ""))


def _settings_match(manifest: Manifest, model_hash: str, config: IndexConfig) -> bool:
    return manifest.model_hash == model_hash and manifest.max_chunk_tokens == config.max_chunk_tokens and \
        manifest.dictionary_hash == dictionary_hash() and manifest.parser_version == PARSER_VERSION


def _reusable(entry: CorpusEntry, previous: _Previous | None) -> bool:
    """An unchanged file (same name, same bytes, same recorded origin) whose chunks the previous index holds."""
    if previous is None or entry.name not in previous.files or \
            previous.store.manifest.corpus_files.get(entry.name) != entry.sha256:
        return False
    return entry.origin is None or previous.provenance(entry.name) == entry.provenance


def build_index(corpus_dir: Path, index_dir: Path, config: IndexConfig = IndexConfig(), *,  # noqa: C901
                embedder: Embedder | None = None, progress: bool = False,
                log: Callable[[str], None] = lambda message: None) -> BuildReport:
    """Build (or refresh) the index for `corpus_dir` into `index_dir`, atomically. Unchanged files are taken
    from the previous index (documents, chunks, terms, vectors): only added or changed files are read, parsed,
    segmented and encoded, so adding one document to a large library costs about that document's work. With
    the Milvus backend configured, the index goes into the library's Milvus collections (`index_dir` then
    only holds the writer's lock)."""
    from assistant.index.backend import current_backend
    from embeddings.models import load_embedder, model_hash_of

    started = time.perf_counter()
    index_dir = Path(index_dir)
    every = 10.0 if progress else 30.0
    backend = current_backend()
    if backend.is_milvus:
        from assistant.index.milvus import build_milvus

        with WriterLock(index_dir):
            return build_milvus(corpus_dir, index_dir, config, backend, embedder=embedder, progress=progress, log=log)
    with WriterLock(index_dir):
        entries, skipped = scan_corpus(Path(corpus_dir))
        if not entries:
            for item in skipped:
                log(f"skipped {item.name}: {item.reason}")
            raise ValueError(f"no readable documents in {corpus_dir}")
        store = _previous(index_dir)
        fingerprint = {e.name: e.sha256 for e in entries}
        # Decide "nothing changed" before loading the model, which is the slow part of a start.
        model_hash = embedder.model_hash if embedder is not None else model_hash_of(config.model)
        previous: _Previous | None = None
        if store is not None and _settings_match(store.manifest, model_hash, config):
            try:
                previous = _Previous(store)
            except (OSError, ValueError) as exc:
                log(f"the previous index cannot be reused file by file ({exc}); building from the documents")
        if previous is not None and store is not None and store.manifest.corpus_files == fingerprint \
                and all(_reusable(e, previous) for e in entries if e.name in previous.files):
            for item in skipped:
                log(f"skipped {item.name}: {item.reason}")
            metas = [store.documents.meta(d) for d in store.documents]
            report = BuildReport(index_dir, len(store.documents), len(store.chunks), 0, len(store.chunks),
                                 tuple(skipped), time.perf_counter() - started, unchanged=True,
                                 earlier_versions=sum(m.get("status") == "earlier" for m in metas),
                                 repealed=sum(m.get("status") == "repealed" for m in metas),
                                 ocr_pages=_ocr_pages(metas))
            log(report.summary())
            return report
        if embedder is None:
            embedder = load_embedder(config.model)

        stage = time.perf_counter()
        fresh_entries = [e for e in entries if not _reusable(e, previous)]
        parsing = _Progress(log, "reading and parsing", len(fresh_entries), "files", every)
        parts: list[_Part] = []
        for entry in entries:
            if previous is not None and _reusable(entry, previous):
                parts.append(previous.part(entry.name))
                continue
            source = read_entries([entry], skipped)
            parsing.add(1)
            parsed = _parse_file(source[0], config, skipped) if source else None
            if parsed is not None:
                parts.append(_Part(entry.name, parsed[0], parsed[1]))
        for item in skipped:
            log(f"skipped {item.name}: {item.reason}")
        documents = assign_versions([d for part in parts for d in part.documents])
        if not documents:
            raise ValueError(f"no usable documents in {corpus_dir}")
        chunks = [c for part in parts for c in part.chunks]
        provisions = _provisions(chunks)
        reused_files = sum(p.reused for p in parts)
        log(f"read and parsed {len(fresh_entries)} new or changed files in {time.perf_counter() - stage:.1f}s, "
            f"took {reused_files} unchanged ones from the previous index: {len(documents)} documents, "
            f"{provisions} provisions, {len(chunks)} chunks")
        by_id = {d.doc_id: d for d in documents}

        # Rows: each part's chunks in file order; a reused part's rows keep their order from the previous index.
        row_of: list[int] = []
        row = 0
        for part in parts:
            row_of.append(row)
            row += len(part.chunks)
        old_hashes = previous.store.chunk_hashes if previous is not None else []
        hashes: list[str] = []
        fresh_rows: list[int] = []
        fresh_texts: list[str] = []
        for part, first in zip(parts, row_of):
            if part.reused:
                hashes.extend(old_hashes[part.start:part.stop])
            else:
                texts = [embedding_text(by_id[c.doc_id], c) for c in part.chunks]
                hashes.extend(_chunk_hash(embedder.model_hash, t) for t in texts)
                fresh_rows.extend(range(first, first + len(texts)))
                fresh_texts.extend(texts)

        # Unchanged passages keep their vectors: only new or edited text is encoded.
        encode_started = time.perf_counter()
        fresh_vectors = np.zeros((len(fresh_rows), embedder.dimension), dtype=np.float32)
        known_rows: dict[str, int] = {}
        if store is not None and store.manifest.model_hash == embedder.model_hash:
            known_rows = {h: i for i, h in enumerate(store.chunk_hashes)}
        old_vectors = _old_vectors(index_dir, embedder.model_hash) if store is None else None
        if old_vectors is not None:
            known_rows = {h: i for i, h in enumerate(old_vectors[0])}
        todo: list[int] = []
        known_at: list[tuple[int, int]] = []
        for j, row in enumerate(fresh_rows):
            at = known_rows.get(hashes[row])
            if at is None:
                todo.append(j)
            else:
                known_at.append((j, at))
        if known_at:
            source_vectors = old_vectors[1] if old_vectors is not None else store.vectors.reconstruct_all()  # type: ignore[union-attr]
            for j, at in known_at:
                fresh_vectors[j] = source_vectors[at]
            del source_vectors
        # Memory is bounded by what the index itself needs: the old vectors and the hash lookup go once used.
        old_vectors = None
        known_rows.clear()
        if todo:
            encode_into(fresh_vectors, todo, fresh_texts.__getitem__, embedder,
                        _Progress(log, "encoding", len(todo), "passages", every))
        encode_seconds = time.perf_counter() - encode_started
        fresh_texts.clear()
        if todo:
            # The passage encoder's working memory (ONNX Runtime's buffers, about 0.7-0.9 GB after a library) is
            # not needed to segment and write: kept, it added to the write phase's own peak (2.4 GB for the
            # 1,903 regulations encoded afresh). The next encoding loads it again.
            from embeddings.models import release_passage_encoders

            release_passage_encoders(embedder)
        rate = f" ({len(todo) / encode_seconds:.1f} passages/s)" if todo and encode_seconds > 0 else ""
        log(f"embedded {len(todo)} passages in {encode_seconds:.1f}s{rate}, reused {len(chunks) - len(todo)}")

        stage = time.perf_counter()
        segmenter = Segmenter.shared()
        # Terms become ids file by file: a library's tens of millions of term strings are never held at once.
        lookup = {t: i for i, t in enumerate(previous.terms.vocab)} if previous is not None else {}
        for part in parts:
            if not part.reused:
                ids: list[int] = []
                counts: list[int] = []
                for c in part.chunks:
                    terms = segmenter.terms(embedding_text(by_id[c.doc_id], c))
                    ids.extend([lookup.setdefault(t, len(lookup)) for t in terms])
                    counts.append(len(terms))
                part.term_ids = np.asarray(ids, dtype=np.int32)
                part.term_counts = np.asarray(counts, dtype=np.int64)
                part.filter_texts = [normalize(f"{by_id[c.doc_id].title} {' '.join(c.section)} {c.text}")
                                     for c in part.chunks]
        log(f"segmented {len(fresh_rows)} new passages in {time.perf_counter() - stage:.1f}s")
        stage = time.perf_counter()
        _write_parts(index_dir, documents, chunks, hashes, parts, row_of, previous, fresh_rows, fresh_vectors,
                     list(lookup), model_id=embedder.model_id, model_hash=embedder.model_hash, dimension=embedder.dimension,
                     max_chunk_tokens=config.max_chunk_tokens, corpus_files=fingerprint)
        log(f"wrote the index in {time.perf_counter() - stage:.1f}s")
        report = BuildReport(index_dir, len(documents), len(chunks), len(todo), len(chunks) - len(todo),
                             tuple(skipped), time.perf_counter() - started, encode_seconds=encode_seconds,
                             provisions=provisions, earlier_versions=sum(d.status == "earlier" for d in documents),
                             repealed=sum(d.status == "repealed" for d in documents),
                             passage_encoder=getattr(embedder, "passage_encoder", ""),
                             ocr_pages=_ocr_pages([{"source_file": d.source_file, "ocr_pages": d.ocr_pages}
                                                   for d in documents]),
                             reused_files=reused_files)
        log(report.summary())
        return report


def encode_into(out: np.ndarray, todo: Sequence[int], text_of: Callable[[int], str], embedder: Embedder,
                progress: _Progress) -> None:
    """Encode the passages `todo` (indexes into `out`), shortest first, in slices of ENCODE_SLICE. Both
    backends encode this way: the 8-bit encoder's vector for a text depends a little on the batch it is in, so
    the same order gives the same vectors."""
    # Sorting by length keeps padding small inside each batch; slices of the sorted list let the build report
    # its progress whatever the embedder.
    order = sorted(todo, key=lambda j: len(text_of(j)))
    for begin in range(0, len(order), ENCODE_SLICE):
        piece = order[begin: begin + ENCODE_SLICE]
        out[piece] = embedder.encode_passages([text_of(j) for j in piece])
        progress.add(len(piece))


def _ocr_pages(metas: list[dict]) -> int:
    """Pages read by OCR over the files (each file counted once, whatever number of documents it holds)."""
    return sum({m["source_file"]: int(m.get("ocr_pages", 0)) for m in metas}.values())


def _old_vectors(index_dir: Path, model_hash: str) -> tuple[list[str], np.ndarray] | None:
    """Chunk hashes and vectors of an index this version cannot load (another format), when made by the same
    model: a rebuild after a format change re-encodes nothing it already encoded."""
    from embeddings.vector_index import VectorIndex

    try:
        manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("model_hash") != model_hash:
            return None
        hashes = np.load(index_dir / "chunk_hash.npy", allow_pickle=False)
        vectors = VectorIndex.load(index_dir / "vectors.faiss").reconstruct_all()
    except Exception:  # nothing to reuse: every passage is encoded
        return None
    if hashes.ndim != 1 or len(hashes) != len(vectors):
        return None
    return [h.decode("ascii") for h in hashes], vectors


def write_index(index_dir: Path, documents: list[Document], chunks: list[Chunk], hashes: list[str],
                vectors: np.ndarray, corpus_terms: list[list[str]], filter_texts: list[str], *, model_id: str,
                model_hash: str, max_chunk_tokens: int, corpus_files: dict[str, str]) -> None:
    """Write an index folder from prepared records (for corpora made elsewhere, such as benchmarks)."""
    from embeddings.vector_index import VectorIndex

    if not (len(chunks) == len(hashes) == len(vectors) == len(corpus_terms) == len(filter_texts)):
        raise ValueError("chunks, hashes, vectors, terms and filter texts must be as many")
    index_dir = Path(index_dir)
    lookup: dict[str, int] = {}
    ids = np.asarray([lookup.setdefault(t, len(lookup)) for terms in corpus_terms for t in terms], dtype=np.int32)
    offsets = np.zeros(len(corpus_terms) + 1, dtype=np.int64)
    np.cumsum([len(terms) for terms in corpus_terms], out=offsets[1:])
    encoded = [t.encode("utf-8") for t in filter_texts]
    filters = FilterIndex.build(filter_texts, [d.region for d in documents if d.region])
    vector_index = VectorIndex.build(vectors)
    nprobe, recall = vector_index.tune(vectors) if vector_index.kind != "flat" else (0, 1.0)
    with WriterLock(index_dir):
        _write_index(index_dir, documents, chunks, hashes, TermTable(ids, offsets, list(lookup)),
                     ([b"".join(encoded)], [np.array([len(e) for e in encoded], dtype=np.int64)]), filters,
                     vector_index, (nprobe, recall, len(chunks)), model_id=model_id, model_hash=model_hash,
                     dimension=int(vectors.shape[1]), max_chunk_tokens=max_chunk_tokens, corpus_files=corpus_files)


def _write_parts(index_dir: Path, documents: list[Document], chunks: list[Chunk], hashes: list[str],  # noqa: C901
                 parts: list[_Part], row_of: list[int], previous: _Previous | None, fresh_rows: list[int],
                 fresh_vectors: np.ndarray, vocab: list[str], *, model_id: str, model_hash: str, dimension: int,
                 max_chunk_tokens: int, corpus_files: dict[str, str]) -> None:
    """Put the parts together (reused rows copied from the previous index, fresh ones added) and write them."""
    from embeddings.vector_index import VectorIndex, renumbered

    id_pieces: list[np.ndarray] = []
    count_pieces: list[np.ndarray] = []
    text_pieces: list[bytes] = []
    text_lengths: list[np.ndarray] = []
    fresh_filter_texts: list[str] = []
    new_row_of_old = np.full(len(previous.store.chunks) if previous is not None else 0, -1, dtype=np.int64)
    for part, first in zip(parts, row_of):
        if part.reused:
            assert previous is not None
            terms = previous.terms
            a, b = part.start, part.stop
            id_pieces.append(np.asarray(terms.ids[int(terms.offsets[a]):int(terms.offsets[b])]))
            count_pieces.append(np.diff(np.asarray(terms.offsets[a:b + 1])))
            piece, lengths = previous.filter_texts.byte_range(a, b)
            text_pieces.append(piece)
            text_lengths.append(lengths)
            new_row_of_old[a:b] = np.arange(first, first + b - a)
        else:
            assert part.term_ids is not None and part.term_counts is not None and part.filter_texts is not None
            id_pieces.append(part.term_ids)
            count_pieces.append(part.term_counts)
            encoded = [t.encode("utf-8") for t in part.filter_texts]
            text_pieces.append(b"".join(encoded))
            text_lengths.append(np.asarray([len(e) for e in encoded], dtype=np.int64))
            fresh_filter_texts.extend(part.filter_texts)
    ids = np.concatenate(id_pieces).astype(np.int32) if id_pieces else np.zeros(0, np.int32)
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(count_pieces) if count_pieces else np.zeros(0, np.int64), out=offsets[1:])
    # Terms of removed files leave the vocabulary.
    used = np.flatnonzero(np.bincount(ids, minlength=len(vocab))) if len(ids) else np.zeros(0, np.int64)
    if len(used) < len(vocab):
        compact = np.full(len(vocab), -1, dtype=np.int32)
        compact[used] = np.arange(len(used), dtype=np.int32)
        ids = compact[ids]
        vocab = [vocab[i] for i in used]
    term_table = TermTable(ids, offsets, vocab)

    names = FilterIndex.names([d.region for d in documents if d.region])
    filters = FilterIndex.build(fresh_filter_texts, (), rows=fresh_rows, names=names)
    if previous is not None:
        before = set(FilterIndex.names([str(previous.store.documents.meta(d).get("region", ""))
                                        for d in previous.store.document_order
                                        if previous.store.documents.meta(d).get("region")]))
        filters = filters.merged(previous.store.filters.renumbered(new_row_of_old, names))
        added_names = [n for n in names if n not in before]
        if added_names:
            # A region no document had before: the reused chunks are searched for it too.
            old_rows = np.flatnonzero(new_row_of_old >= 0)
            texts = [previous.filter_texts[int(r)] for r in old_rows]
            filters = filters.merged(FilterIndex.build(texts, (), rows=new_row_of_old[old_rows].tolist(),
                                                       names=added_names))

    vector_index = None
    tuned: tuple[int, float, int] | None = None
    if previous is not None:
        vector_index = renumbered(previous.store.vectors, new_row_of_old, fresh_vectors, np.asarray(fresh_rows))
        manifest = previous.store.manifest
        if vector_index is not None and vector_index.kind != "flat" and manifest.vector_nprobe and \
                abs(len(chunks) - manifest.vector_tuned_chunks) <= 0.1 * manifest.vector_tuned_chunks:
            # The same lists, barely more or fewer vectors: the search width tuned before still holds.
            tuned = (manifest.vector_nprobe, manifest.vector_recall_at_10, manifest.vector_tuned_chunks)
    plain: np.ndarray | None = None
    if vector_index is None and previous is None and len(fresh_rows) == len(chunks):
        plain = fresh_vectors  # every row is fresh, in order: no second copy
        vector_index = VectorIndex.build(plain)
    if vector_index is None:
        plain = np.zeros((len(chunks), dimension), dtype=np.float32)
        if previous is not None:
            keep = new_row_of_old >= 0
            plain[new_row_of_old[keep]] = previous.store.vectors.reconstruct_all()[keep]
        plain[fresh_rows] = fresh_vectors
        vector_index = VectorIndex.build(plain)
    if tuned is None:
        if vector_index.kind == "flat":
            tuned = (0, 1.0, len(chunks))
        else:
            nprobe, recall = vector_index.tune(vector_index.reconstruct_all())
            tuned = (nprobe, recall, len(chunks))
    elif tuned[0]:
        vector_index.set_nprobe(tuned[0])
    _write_index(index_dir, documents, chunks, hashes, term_table, (text_pieces, text_lengths), filters, vector_index,
                 tuned, model_id=model_id, model_hash=model_hash, dimension=dimension,
                 max_chunk_tokens=max_chunk_tokens, corpus_files=corpus_files)


def _write_index(index_dir: Path, documents: list[Document], chunks: list[Chunk], hashes: list[str],
                 terms: TermTable, filter_text: tuple[list[bytes], list[np.ndarray]], filters: FilterIndex,
                 vector_index: VectorIndex, tuned: tuple[int, float, int], *, model_id: str, model_hash: str,
                 dimension: int, max_chunk_tokens: int, corpus_files: dict[str, str]) -> None:
    """Write every file of an index folder beside the index, then swap it in."""
    if not (len(chunks) == len(hashes) == len(terms) == vector_index.size):
        raise ValueError("chunks, hashes, terms and vectors must be as many")
    bm25 = BM25Index.from_ids(terms.ids, terms.offsets, terms.vocab)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.build-", dir=index_dir.parent))
    try:
        DocumentTable.write(tmp, documents)
        ChunkTable.write(tmp, documents, chunks, hashes)
        terms.write(tmp)
        TextColumn.write(tmp, "filter_text", *filter_text)
        filters.save(tmp)
        (tmp / "term_df.json").write_text(json.dumps(bm25.doc_freq, ensure_ascii=False), encoding="utf-8")
        (tmp / "bm25").mkdir()
        bm25.save(tmp / "bm25")
        vector_index.save(tmp / "vectors.faiss")
        file_sha256, file_sizes = file_checksums(tmp)  # every file but the manifest, checked on load and --verify
        nprobe, recall, tuned_chunks = tuned
        manifest = Manifest(
            format_version=FORMAT_VERSION, model_id=model_id, model_hash=model_hash, dimension=dimension,
            max_chunk_tokens=max_chunk_tokens, dictionary_hash=dictionary_hash(), corpus_files=corpus_files,
            parser_version=PARSER_VERSION,
            documents=len(documents), chunks=len(chunks), built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
            vector_index=vector_index.kind, vector_nprobe=nprobe, vector_recall_at_10=recall,
            vector_tuned_chunks=tuned_chunks, file_sha256=file_sha256, file_sizes=file_sizes)
        # The manifest is written last: a folder without one is never taken for an index.
        (tmp / MANIFEST).write_text(json.dumps(dataclasses.asdict(manifest), ensure_ascii=False, indent=2),
                                    encoding="utf-8")
        swap_in(tmp, index_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _previous(index_dir: Path) -> IndexStore | None:
    try:
        return IndexStore.load(index_dir)
    except IndexLoadError:
        return None
