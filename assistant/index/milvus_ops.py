"""Operations on the libraries a Milvus server holds: list them by format, drop the formats this version no
longer reads.

A library named `NAME` is the collections `NAME_v<format>_chunks` and `NAME_v<format>_store`. A new format is
written beside the old one (servers of the old version keep answering from it), so after an upgrade the older
collections stay until they are dropped here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import IndexLoadError
from assistant.index import milvus  # its MILVUS_FORMAT is read at call time
from assistant.index.backend import BackendConfig
from assistant.index.milvus import MANIFEST, _active_generation, _read_file, collection_names, connect
from assistant.index.store import IndexStore, Manifest
from assistant.index.tables import TermTable, TextColumn
from assistant.records import Chunk, Document

_COLLECTION = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*?)_v(?P<format>\d+)_(?P<kind>chunks|store)")


@dataclass(frozen=True)
class StoredLibrary:
    """One library at one format on a Milvus server: its collections and their rows, and for this version's
    format the generation that answers and what it holds."""

    name: str
    format: int
    collections: tuple[tuple[str, int], ...]  # (collection, rows), chunks before store
    generation: int = 0  # the answering generation; 0 when none, or unknown for another format
    documents: int = 0
    chunks: int = 0
    built_at: str = ""

    @property
    def readable(self) -> bool:
        """Whether this version reads (and writes) this format."""
        return self.format == milvus.MILVUS_FORMAT

    @property
    def complete(self) -> bool:
        """Both collections are there and a generation answers (known only for this version's format)."""
        return self.readable and len(self.collections) == 2 and self.generation > 0


def _rows(client, name: str) -> int:
    try:
        return int(client.get_collection_stats(name).get("row_count", 0))
    except Exception:  # a collection being dropped or not loadable: its size is unknown, not a failure of the list
        return -1


def _current_summary(client, store: str) -> tuple[int, int, int, str]:
    """(generation, documents, chunks, built_at) of a library of this format, zeros when none answers."""
    client.load_collection(store)
    generation = _active_generation(client, store)
    if not generation:
        return 0, 0, 0, ""
    try:
        manifest = json.loads(_read_file(client, store, generation, MANIFEST).decode("utf-8"))
    except ValueError:
        return generation, 0, 0, ""
    return generation, int(manifest.get("documents", 0)), int(manifest.get("chunks", 0)), \
        str(manifest.get("built_at", ""))


def list_libraries(config: BackendConfig) -> list[StoredLibrary]:
    """Every library (name and format) the configured server holds, by name, newest format first."""
    client = connect(config)
    groups: dict[tuple[str, int], dict[str, str]] = {}
    for collection in sorted(client.list_collections()):
        match = _COLLECTION.fullmatch(collection)
        if match:
            key = (match["name"], int(match["format"]))
            groups.setdefault(key, {})[match["kind"]] = collection
    libraries = []
    for (name, version), kinds in sorted(groups.items(), key=lambda item: (item[0][0], -item[0][1])):
        collections = tuple((kinds[k], _rows(client, kinds[k])) for k in ("chunks", "store") if k in kinds)
        summary = (0, 0, 0, "")
        if version == milvus.MILVUS_FORMAT and "store" in kinds:
            summary = _current_summary(client, kinds["store"])
        libraries.append(StoredLibrary(name, version, collections, *summary))
    return libraries


def drop_older_formats(config: BackendConfig, *, force: bool = False) -> list[str]:
    """Drop the collections of the configured library's formats older than this version's; returns their names.

    Refused (IndexLoadError) while this version's format of the library has no answering generation, unless
    `force`: until it is built, the older collections are what servers of the older version answer from.
    Collections of newer formats are never touched."""
    libraries = [lib for lib in list_libraries(config) if lib.name == config.collection]
    older = [lib for lib in libraries if lib.format < milvus.MILVUS_FORMAT]
    if not older:
        return []
    current = next((lib for lib in libraries if lib.readable), None)
    if not force and (current is None or not current.complete):
        chunks, _ = collection_names(config.collection)
        raise IndexLoadError(
            f"文档库 {config.collection} 还没有本版本格式（{chunks}）的完整索引，旧格式的集合仍是旧版服务的数据来源，"
            f"未删除。请先运行 python -m assistant index --backend milvus --milvus-collection {config.collection} "
            "--corpus <文档目录> 建好新格式，或确认不再需要旧数据后加 --force。")
    client = connect(config)
    dropped = []
    for lib in older:
        for collection, _rows_count in lib.collections:
            client.drop_collection(collection)
            dropped.append(collection)
    return dropped



@dataclass(frozen=True)
class IndexRecords:
    """An index folder's library as the records a build writes: documents, chunks in row order with their
    content hashes, embedded texts, filter texts, BM25 terms and vectors."""

    manifest: Manifest
    documents: list[Document]
    chunks: list[Chunk]
    hashes: list[str]
    texts: list[str]
    filter_texts: list[str]
    terms: list[list[str]]
    vectors: np.ndarray


def index_records(index_dir: Path) -> IndexRecords:
    """The records of an embedded index folder (whichever backend is configured), read from its own files."""
    from assistant.index.build import embedding_text

    store = IndexStore.load_folder(Path(index_dir))
    documents = [store.documents[d] for d in store.document_order]
    chunks = list(store.chunks)
    by_id = {d.doc_id: d for d in documents}
    table = TermTable.load(store.folder)
    ids, offsets = np.asarray(table.ids), np.asarray(table.offsets)
    terms = [[table.vocab[t] for t in ids[offsets[i]:offsets[i + 1]].tolist()] for i in range(len(chunks))]
    column = TextColumn.load(store.folder, "filter_text")
    return IndexRecords(store.manifest, documents, chunks, store.chunk_hashes,
                        [embedding_text(by_id[c.doc_id], c) for c in chunks], [column[i] for i in range(len(chunks))],
                        terms, store.vectors.reconstruct_all())


def copy_index(index_dir: Path, config: BackendConfig, *, log: Callable[[str], None] = lambda message: None,
               every: float = 30.0) -> tuple[int, int]:
    """Write an embedded index folder's library to Milvus as its next generation, with the folder's own chunks,
    terms and vectors: nothing is parsed or encoded again. Returns (documents, rows written).

    The copy records the folder's corpus fingerprint and settings, so `index --backend milvus` over the same
    documents afterwards finds nothing to do, and one over changed documents encodes only their passages."""
    records = index_records(index_dir)
    manifest = records.manifest
    log(f"milvus: copying {len(records.documents)} documents, {len(records.chunks)} chunks and their vectors "
        f"from {index_dir}")
    _encoded, written = milvus.write_library(
        config, records.documents, records.chunks, records.hashes, records.texts, records.filter_texts,
        records.terms, lambda rows, known: records.vectors[rows], model_id=manifest.model_id,
        model_hash=manifest.model_hash, dimension=manifest.dimension, max_chunk_tokens=manifest.max_chunk_tokens,
        corpus_files=manifest.corpus_files, parser_version=manifest.parser_version, log=log, every=every)
    return len(records.documents), written
