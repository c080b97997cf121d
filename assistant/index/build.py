"""Building an index folder from a corpus: read, parse, chunk, encode (reusing known vectors), write, swap."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import IndexConfig
from assistant.errors import IndexLoadError
from assistant.index.files import WriterLock, file_checksums, swap_in
from assistant.index.lexical import BM25Index, Segmenter, dictionary_hash
from assistant.index.store import FORMAT_VERSION, MANIFEST, IndexStore, Manifest
from assistant.index.tables import ChunkTable, DocumentTable, FilterIndex
from assistant.ingest.chunking import chunk_document
from assistant.ingest.corpus import SkippedFile, read_corpus
from assistant.ingest.parsing import PARSER_VERSION, parse_page
from assistant.ingest.versions import assign_versions
from assistant.records import Chunk, Document
from assistant.text.normalize import normalize, readable
from assistant.text.tokens import count_tokens
from embeddings.models import Embedder


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

    def summary(self) -> str:
        """The build in one paragraph: what was read, what the index holds, what was left out and why."""
        state = "unchanged, reused" if self.unchanged else f"built in {self.seconds:.1f}s"
        provisions = f"{self.provisions} provisions, " if self.provisions else ""
        lines = [f"index {state}: {self.documents} documents, {provisions}{self.chunks} chunks; "
                 f"{self.earlier_versions} earlier versions, {self.repealed} repealed; "
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
        if len(source.text) > config.max_file_chars:
            # Work per file is bounded: one oversized file must not hold up the whole library.
            _skip(skipped, source.name, f"文件过长（{len(source.text)} 字），超过每个文件 {config.max_file_chars} 字的上限")
            continue
        own_documents: list[Document] = []
        own_chunks: list[Chunk] = []
        for parsed in parse_page(source.name, source.text):
            own_documents.append(parsed.document)
            own_chunks.extend(chunk_document(parsed, max_tokens=config.max_chunk_tokens, count_tokens=count_tokens))
            if len(own_chunks) > config.max_chunks_per_file:
                break
        if len(own_chunks) > config.max_chunks_per_file:
            _skip(skipped, source.name, f"切分出的段落超过每个文件 {config.max_chunks_per_file} 个的上限"
                                        "（文件可能只有标题标记或格式异常）")
            continue
        documents.extend(own_documents)
        chunks.extend(own_chunks)
    return assign_versions(documents), chunks


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
    """File name to content hash for the usable files of a corpus folder."""
    files, _ = read_corpus(corpus_dir)
    return {f.name: f.sha256 for f in files}


def build_index(corpus_dir: Path, index_dir: Path, config: IndexConfig = IndexConfig(), *,
                embedder: Embedder | None = None, progress: bool = False,
                log: Callable[[str], None] = lambda message: None) -> BuildReport:
    """Build (or refresh) the index for `corpus_dir` into `index_dir`, atomically; with the Milvus backend
    configured, into the library's Milvus collections (`index_dir` then only holds the writer's lock)."""
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
        files, skipped = read_corpus(Path(corpus_dir))
        for item in skipped:
            log(f"skipped {item.name}: {item.reason}")
        log(f"read {len(files)} files ({len(skipped)} skipped) in {time.perf_counter() - started:.1f}s")
        if not files:
            raise ValueError(f"no readable documents in {corpus_dir}")
        previous = _previous(index_dir)
        fingerprint = {f.name: f.sha256 for f in files}
        # Decide "nothing changed" before loading the model, which is the slow part of a start.
        model_hash = embedder.model_hash if embedder is not None else model_hash_of(config.model)
        if previous is not None and previous.manifest.corpus_files == fingerprint and \
                previous.manifest.model_hash == model_hash and \
                previous.manifest.max_chunk_tokens == config.max_chunk_tokens and \
                previous.manifest.dictionary_hash == dictionary_hash() and \
                previous.manifest.parser_version == PARSER_VERSION:
            metas = [previous.documents.meta(d) for d in previous.documents]
            report = BuildReport(index_dir, len(previous.documents), len(previous.chunks), 0, len(previous.chunks),
                                 tuple(skipped), time.perf_counter() - started, unchanged=True,
                                 earlier_versions=sum(m.get("status") == "earlier" for m in metas),
                                 repealed=sum(m.get("status") == "repealed" for m in metas))
            log(report.summary())
            return report
        if embedder is None:
            embedder = load_embedder(config.model)

        stage = time.perf_counter()
        before = len(skipped)
        documents, chunks = _prepare(files, config, _Progress(log, "parsing", len(files), "files", every), skipped)
        for item in skipped[before:]:
            log(f"skipped {item.name}: {item.reason}")
        if not documents:
            raise ValueError(f"no usable documents in {corpus_dir}")
        provisions = _provisions(chunks)
        log(f"parsed {len(files)} files into {len(documents)} documents, {provisions} provisions, "
            f"{len(chunks)} chunks in {time.perf_counter() - stage:.1f}s")
        by_id = {d.doc_id: d for d in documents}
        texts = [embedding_text(by_id[c.doc_id], c) for c in chunks]
        hashes = [_chunk_hash(embedder.model_hash, t) for t in texts]

        # Unchanged passages keep their vectors: only new or edited text is encoded.
        known: dict[str, np.ndarray] = {}
        if previous is not None and previous.manifest.model_hash == embedder.model_hash:
            old_vectors = previous.vectors.reconstruct_all()
            known = {h: old_vectors[i] for i, h in enumerate(previous.chunk_hashes)}
        todo = [i for i, h in enumerate(hashes) if h not in known]
        vectors = np.zeros((len(chunks), embedder.dimension), dtype=np.float32)
        for i, h in enumerate(hashes):
            if h in known:
                vectors[i] = known[h]
        encode_started = time.perf_counter()
        if todo:
            # Sorting by length keeps padding small inside each batch; slices of the sorted list let the
            # build report its progress whatever the embedder.
            order = sorted(todo, key=lambda i: len(texts[i]))
            encoding = _Progress(log, "encoding", len(order), "passages", every)
            for start in range(0, len(order), ENCODE_SLICE):
                part = order[start: start + ENCODE_SLICE]
                encoded = embedder.encode_passages([texts[i] for i in part])
                vectors[part] = encoded
                encoding.add(len(part))
        encode_seconds = time.perf_counter() - encode_started
        rate = f" ({len(todo) / encode_seconds:.1f} passages/s)" if todo and encode_seconds > 0 else ""
        log(f"embedded {len(todo)} passages in {encode_seconds:.1f}s{rate}, reused {len(chunks) - len(todo)}")

        stage = time.perf_counter()
        segmenter = Segmenter.shared()
        corpus_terms = [segmenter.terms(t) for t in texts]
        filter_texts = [normalize(f"{by_id[c.doc_id].title} {' '.join(c.section)} {c.text}") for c in chunks]
        log(f"segmented {len(texts)} passages in {time.perf_counter() - stage:.1f}s")
        stage = time.perf_counter()
        _write_index(index_dir, documents, chunks, hashes, vectors, corpus_terms, filter_texts,
                     model_id=embedder.model_id, model_hash=embedder.model_hash, dimension=embedder.dimension,
                     max_chunk_tokens=config.max_chunk_tokens, corpus_files=fingerprint)
        log(f"wrote the index in {time.perf_counter() - stage:.1f}s")
        report = BuildReport(index_dir, len(documents), len(chunks), len(todo), len(chunks) - len(todo),
                             tuple(skipped), time.perf_counter() - started, encode_seconds=encode_seconds,
                             provisions=provisions, earlier_versions=sum(d.status == "earlier" for d in documents),
                             repealed=sum(d.status == "repealed" for d in documents),
                             passage_encoder=getattr(embedder, "passage_encoder", ""))
        log(report.summary())
        return report


def write_index(index_dir: Path, documents: list[Document], chunks: list[Chunk], hashes: list[str],
                vectors: np.ndarray, corpus_terms: list[list[str]], filter_texts: list[str], *, model_id: str,
                model_hash: str, max_chunk_tokens: int, corpus_files: dict[str, str]) -> None:
    """Write an index folder from prepared records (for corpora made elsewhere, such as benchmarks)."""
    index_dir = Path(index_dir)
    with WriterLock(index_dir):
        _write_index(index_dir, documents, chunks, hashes, vectors, corpus_terms, filter_texts, model_id=model_id,
                     model_hash=model_hash, dimension=int(vectors.shape[1]), max_chunk_tokens=max_chunk_tokens,
                     corpus_files=corpus_files)


def _write_index(index_dir: Path, documents: list[Document], chunks: list[Chunk], hashes: list[str],
                 vectors: np.ndarray, corpus_terms: list[list[str]], filter_texts: list[str], *, model_id: str,
                 model_hash: str, dimension: int, max_chunk_tokens: int, corpus_files: dict[str, str]) -> None:
    from embeddings.vector_index import VectorIndex

    if not (len(chunks) == len(hashes) == len(vectors) == len(corpus_terms) == len(filter_texts)):
        raise ValueError("chunks, hashes, vectors, terms and filter texts must be as many")
    bm25 = BM25Index.build(corpus_terms)
    doc_freq: dict[str, int] = {}
    for terms in corpus_terms:
        for term in set(terms):
            doc_freq[term] = doc_freq.get(term, 0) + 1
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.build-", dir=index_dir.parent))
    try:
        DocumentTable.write(tmp, documents)
        ChunkTable.write(tmp, documents, chunks, hashes)
        FilterIndex.write(tmp, filter_texts, [d.region for d in documents if d.region])
        (tmp / "term_df.json").write_text(json.dumps(doc_freq, ensure_ascii=False), encoding="utf-8")
        (tmp / "bm25").mkdir()
        bm25.save(tmp / "bm25")
        vector_index = VectorIndex.build(vectors)
        nprobe, recall = vector_index.tune(vectors) if vector_index.kind != "flat" else (0, 1.0)
        vector_index.save(tmp / "vectors.faiss")
        file_sha256, file_sizes = file_checksums(tmp)  # every file but the manifest, checked on load and --verify
        manifest = Manifest(
            format_version=FORMAT_VERSION, model_id=model_id, model_hash=model_hash, dimension=dimension,
            max_chunk_tokens=max_chunk_tokens, dictionary_hash=dictionary_hash(), corpus_files=corpus_files,
            parser_version=PARSER_VERSION,
            documents=len(documents), chunks=len(chunks), built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
            vector_index=vector_index.kind, vector_nprobe=nprobe, vector_recall_at_10=recall,
            file_sha256=file_sha256, file_sizes=file_sizes)
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
