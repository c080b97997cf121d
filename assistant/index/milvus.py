"""The Milvus backend: one library in two Milvus collections, searched by Milvus itself.

`<name>_v<format>_chunks` holds one row per chunk: its id, document id, the generation that wrote it, its
content hash, scalar fields to filter on (year, the years and places it may answer for, region, kind,
version status), the normalized text it is searched by, a dense vector (the same embeddings as the embedded
backend) and a sparse BM25 vector that Milvus computes from the text with its built-in BM25 function and the
jieba tokenizer (with the policy-term dictionary and stop words). A question is one `hybrid_search`: dense
and BM25 requests under the same filter expression, fused by `RRFRanker`.

`<name>_v<format>_store` holds what every serving process needs besides: the documents' metadata and display
texts, the chunk table (heading paths, offsets), the filter lists and term counts, and the manifest, as the
same files the embedded index folder holds, in pieces, per generation; and one row, `active`, naming the
generation that answers. A build writes a new generation beside the answering one (new and changed
documents' rows, then the files) and only then moves `active`, so an interrupted build leaves the previous
version answerable; the rows it replaced are deleted afterwards (and by the next build, if it was killed in
between). Readers search only rows of the generation they loaded or older, and drop any row their chunk
table does not list."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.config import IndexConfig, RetrieverMode
from assistant.errors import IndexLoadError
from assistant.index.backend import BackendConfig
from assistant.index.files import file_checksums, sha256_of
from assistant.index.lexical import Segmenter, dictionary_hash, stopwords
from assistant.index.store import FORMAT_VERSION, MANIFEST, IndexStore, Manifest, _check_chunk_spans, _term_df
from assistant.index.tables import ChunkTable, DocumentTable, FilterIndex
from assistant.records import Chunk, Document, Filters
from assistant.text.normalize import normalize
from assistant.text.numbers import YEAR_DIGITS
from assistant.text.regions import PROVINCES

if TYPE_CHECKING:
    from assistant.index.build import BuildReport
    from assistant.search.retrieval import Ranked
    from embeddings.models import Embedder

log = logging.getLogger(__name__)

# Bumped when the collections' fields or the stored files change; collections of another format are left alone.
MILVUS_FORMAT = 1
PIECE_BYTES = 48_000  # stored as base64 (64,000 characters) in a VARCHAR of at most 65,535
INSERT_ROWS = 500  # chunk rows per insert request
DELETE_IDS = 500  # ids per delete expression
MAX_YEARS, MAX_PLACES = 256, 128  # per chunk; more is never seen in real provisions
# Dense index: HNSW over inner product (the vectors are unit length, so this is cosine).
DENSE_INDEX = {"index_type": "HNSW", "metric_type": "IP", "params": {"M": 16, "efConstruction": 200}}
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults, which the embedded backend uses
MILVUS_FILE = "milvus.json"  # beside the manifest: generation, rows per document, rows left to delete
CONNECT_TIMEOUT_S = 5.0

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def collection_names(prefix: str) -> tuple[str, str]:
    """The chunk and store collections of the library named `prefix`."""
    return f"{prefix}_v{MILVUS_FORMAT}_chunks", f"{prefix}_v{MILVUS_FORMAT}_store"


def unreachable(config: BackendConfig) -> IndexLoadError:
    """The one message for a Milvus server that cannot be reached (or refuses the token)."""
    return IndexLoadError(f"无法连接 Milvus 服务（{config.milvus_uri}）：请检查地址、端口和令牌是否正确，以及服务是否已启动。")


def connect(config: BackendConfig):
    """A MilvusClient for the configured server (one per process and server), or IndexLoadError."""
    try:
        import jieba
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise IndexLoadError("使用 Milvus 后端需要安装 pymilvus：pip install -c constraints.txt -e '.[milvus]'") from exc
    uri = config.milvus_uri
    if "://" not in uri and not uri.endswith(".db"):
        raise IndexLoadError(f"Milvus 地址（{uri}）无法识别：Milvus Lite 用以 .db 结尾的文件路径，"
                             "Milvus 服务用 http://主机:19530。")
    if "://" not in uri:
        Path(uri).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).expanduser().resolve())
    # Milvus Lite tokenizes with the process's jieba, which would print its start-up lines; pymilvus prints a
    # traceback for a refused connection, where the user gets the one message below and the log a warning.
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    logging.getLogger("milvus_lite").setLevel(logging.WARNING)  # its servers' start and stop lines
    # Milvus Lite's in-process gRPC server does not implement AllocTimestamp, which pymilvus asks for before a
    # delete or upsert and does without; grpc logs each refusal as an error with a traceback.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    key = (uri, config.milvus_token)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        try:
            client = MilvusClient(uri=uri, token=config.milvus_token, timeout=CONNECT_TIMEOUT_S)
            client.list_collections()
        except Exception as exc:  # pymilvus raises several kinds for a refused or absent server
            log.warning("cannot reach Milvus at %s: %s: %s", config.milvus_uri, type(exc).__name__, exc)
            raise unreachable(config) from exc
        _clients[key] = client
        return client


def _analyzer() -> dict:
    """jieba with the policy-term dictionary (beside jieba's own) and the stop words the embedded BM25 drops."""
    lines = resources.files("assistant").joinpath("data", "policy_terms.txt").read_text(encoding="utf-8")
    words = [line.split()[0] for line in lines.splitlines() if line.strip()]
    return {"tokenizer": {"type": "jieba", "dict": ["_default_", *words], "mode": "search"},
            "filter": [{"type": "stop", "stop_words": sorted(stopwords())}]}


def _ensure_collections(client, prefix: str, dimension: int) -> None:
    from pymilvus import DataType, Function, FunctionType

    chunks, store = collection_names(prefix)
    existing = set(client.list_collections())
    if chunks not in existing:
        schema = client.create_schema(auto_id=False, description=f"policy-qa chunks, format {MILVUS_FORMAT}")
        schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=512)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=256)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("hash", DataType.VARCHAR, max_length=32)
        schema.add_field("year", DataType.INT64)
        schema.add_field("years", DataType.ARRAY, element_type=DataType.INT64, max_capacity=MAX_YEARS)
        schema.add_field("region", DataType.VARCHAR, max_length=64)
        schema.add_field("regions", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_PLACES,
                         max_length=64)
        schema.add_field("kind", DataType.VARCHAR, max_length=64)
        schema.add_field("status", DataType.VARCHAR, max_length=16)
        schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                         analyzer_params=_analyzer())
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                     output_field_names=["sparse"]))
        params = client.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
        params.add_index("dense", **DENSE_INDEX)
        for scalar in ("doc_id", "gen", "year", "region", "status"):
            params.add_index(scalar, index_type="INVERTED")
        client.create_collection(chunks, schema=schema, index_params=params, consistency_level="Strong")
    if store not in existing:
        schema = client.create_schema(auto_id=False, description=f"policy-qa library files, format {MILVUS_FORMAT}")
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("name", DataType.VARCHAR, max_length=256)
        schema.add_field("piece", DataType.INT64)
        schema.add_field("data", DataType.VARCHAR, max_length=65535)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires a vector field in a collection
        params = client.prepare_index_params()
        params.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(store, schema=schema, index_params=params, consistency_level="Strong")
    for name in (chunks, store):
        client.load_collection(name)


def _active_generation(client, store: str) -> int:
    rows = client.query(store, filter='key == "active"', output_fields=["gen"])
    return int(rows[0]["gen"]) if rows else 0


def _read_file(client, store: str, generation: int, name: str, pieces: int | None = None) -> bytes:
    """One stored file of a generation, read 100 pieces (4.8 MB) per request."""
    parts: list[tuple[int, str]] = []
    first = 0
    while pieces is None or first < pieces:
        rows = client.query(store, filter=f"gen == {generation} and name == {_quote(name)} and piece >= {first} "
                                          f"and piece < {first + 100}", output_fields=["piece", "data"])
        parts.extend((int(r["piece"]), r["data"]) for r in rows)
        first += 100
        if pieces is None and len(rows) < 100:
            break
    parts.sort()
    if [p for p, _ in parts] != list(range(len(parts))) or not parts or (pieces is not None and len(parts) != pieces):
        raise ValueError(f"{name} of generation {generation} lacks pieces")
    return b"".join(base64.b64decode(data) for _, data in parts)


def _read_files(client, store: str, generation: int, folder: Path) -> None:
    """Write the files of one generation into `folder`: the manifest first, then every file it lists."""
    manifest = _read_file(client, store, generation, MANIFEST)
    (folder / MANIFEST).write_bytes(manifest)
    sizes = json.loads(manifest.decode("utf-8")).get("file_sizes", {})
    for name, size in sizes.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_read_file(client, store, generation, name, max(1, -(-int(size) // PIECE_BYTES))))


def _write_files(client, store: str, generation: int, folder: Path) -> None:
    """Store every file under `folder` as pieces of generation `generation`."""
    rows: list[dict] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        for piece, start in enumerate(range(0, max(len(data), 1), PIECE_BYTES)):
            rows.append({"key": f"{generation}/{name}/{piece}", "gen": generation, "name": name, "piece": piece,
                         "data": base64.b64encode(data[start:start + PIECE_BYTES]).decode("ascii"),
                         "unused": [0.0, 0.0]})
            if len(rows) >= 100:
                client.insert(store, rows)
                rows = []
    if rows:
        client.insert(store, rows)


def _label_years(label: str) -> set[int]:
    """Every four-digit number inside the label's digit runs (the embedded filter tests `str(year) in label`)."""
    years: set[int] = set()
    for run in re.findall(r"\d{4,}", label):
        years.update(int(run[i:i + 4]) for i in range(len(run) - 3))
    return years


def _doc_label(meta: dict | Document) -> str:
    title, issuer = (meta["title"], meta["issuer"]) if isinstance(meta, dict) else (meta.title, meta.issuer)
    return normalize(f"{title} {issuer}")


def place_names(documents: Sequence[Document]) -> list[str]:
    """The place names the filter lists know (provinces and every document's region), longest first."""
    return sorted({d.region for d in documents if d.region} | set(PROVINCES), key=len, reverse=True)


def chunk_rows(documents: Sequence[Document], chunks: Sequence[Chunk], hashes: Sequence[str], texts: Sequence[str],
               filter_texts: Sequence[str], generation: int) -> list[dict]:
    """The chunk collection's rows without their vectors: the years and places a chunk may answer for are those
    the embedded filters allow it for (its document's year and region, those in its document's title and
    issuer, and those its own text names)."""
    by_id = {d.doc_id: d for d in documents}
    names = place_names(documents)
    labels = {d.doc_id: _doc_label(d) for d in documents}
    label_years = {d: _label_years(label) for d, label in labels.items()}
    label_places = {d: {n for n in names if n in label} for d, label in labels.items()}
    rows = []
    for chunk, digest, text, filter_text in zip(chunks, hashes, texts, filter_texts, strict=True):
        document = by_id[chunk.doc_id]
        years = {int(y) for y in YEAR_DIGITS.findall(filter_text)} | label_years[chunk.doc_id]
        if document.year:
            years.add(int(document.year))
        places = {n for n in names if n in filter_text} | label_places[chunk.doc_id]
        if document.region:
            places.add(document.region)
        rows.append({"pk": f"{chunk.chunk_id}@{generation}", "doc_id": chunk.doc_id, "gen": generation,
                     "hash": digest, "year": int(document.year or 0), "years": sorted(years)[:MAX_YEARS],
                     "region": document.region[:64], "regions": sorted(p[:64] for p in places)[:MAX_PLACES],
                     "kind": document.kind[:64], "status": document.status[:16],
                     "text": _fit(normalize(text), 65535)})
    return rows


def _fit(text: str, limit: int) -> str:
    """The text cut to at most `limit` UTF-8 bytes, on a character boundary."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def _fingerprint(rows: Iterable[dict]) -> str:
    """What a document's rows say (vectors aside, which follow from the hashes): equal means nothing to rewrite."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps({k: v for k, v in row.items() if k not in ("pk", "gen")}, ensure_ascii=False,
                                 sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:24]


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _id_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"


@dataclasses.dataclass(frozen=True)
class MilvusState:
    """What milvus.json records: the generation, each document's rows (generation, fingerprint), and the
    documents whose older rows may still be there (a build killed after it moved `active`)."""

    generation: int
    doc_rows: dict[str, tuple[int, str]]
    superseded: tuple[str, ...] = ()
    dense_index: str = DENSE_INDEX["index_type"]  # type: ignore[assignment]

    def to_json(self) -> str:
        return json.dumps({"generation": self.generation, "doc_rows": {d: list(v) for d, v in self.doc_rows.items()},
                           "superseded": list(self.superseded), "dense_index": self.dense_index},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> MilvusState:
        raw = json.loads(text)
        if not isinstance(raw, dict) or not isinstance(raw.get("generation"), int) or \
                not isinstance(raw.get("doc_rows"), dict):
            raise ValueError("milvus.json is malformed")
        rows = {str(d): (int(v[0]), str(v[1])) for d, v in raw["doc_rows"].items()}
        return cls(raw["generation"], rows, tuple(str(d) for d in raw.get("superseded", ())),
                   str(raw.get("dense_index", DENSE_INDEX["index_type"])))


def _delete_superseded(client, chunks: str, doc_rows: dict[str, tuple[int, str]], doc_ids: Sequence[str]) -> None:
    """Delete the rows of `doc_ids` other than those `doc_rows` lists (all of them for a document it lacks)."""
    by_gen: dict[int | None, list[str]] = {}
    for doc_id in doc_ids:
        kept = doc_rows.get(doc_id)
        by_gen.setdefault(kept[0] if kept else None, []).append(doc_id)
    for gen, ids in by_gen.items():
        for start in range(0, len(ids), DELETE_IDS):
            chosen = _id_list(ids[start:start + DELETE_IDS])
            expr = f"doc_id in {chosen}" if gen is None else f"doc_id in {chosen} and gen != {gen}"
            client.delete(chunks, filter=expr)


def write_library(config: BackendConfig, documents: list[Document], chunks: list[Chunk], hashes: list[str],
                  texts: list[str], filter_texts: list[str], corpus_terms: list[list[str]],
                  vectors_for: Callable[[list[int], dict[int, np.ndarray]], np.ndarray], *, model_id: str,
                  model_hash: str, dimension: int, max_chunk_tokens: int, corpus_files: dict[str, str],
                  parser_version: int, log: Callable[[str], None] = lambda message: None,
                  every: float = 30.0) -> tuple[int, int]:
    """Write a library as the next generation: the rows of new and changed documents, then the files, then the
    switch, then the removal of replaced rows. `vectors_for(rows, known)` gives the vectors of those chunk rows
    (called once, with every row to write), `known` holding the ones found in Milvus by content hash. Returns
    (passages encoded, rows written)."""
    from assistant.index.build import _Progress

    client = connect(config)
    _ensure_collections(client, config.collection, dimension)
    chunk_collection, store = collection_names(config.collection)
    active = _active_generation(client, store)
    previous = _stored_state(client, store, active) if active else None
    generation = active + 1
    # Leftovers of a build killed before its switch: rows and files of generations that never answered.
    client.delete(chunk_collection, filter=f"gen > {active}")
    client.delete(store, filter=f"gen > {active}")
    if previous is not None and previous.superseded:
        _delete_superseded(client, chunk_collection, previous.doc_rows, previous.superseded)

    rows = chunk_rows(documents, chunks, hashes, texts, filter_texts, generation)
    by_doc: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_doc.setdefault(row["doc_id"], []).append(i)
    old_rows = previous.doc_rows if previous is not None else {}
    doc_rows: dict[str, tuple[int, str]] = {}
    changed: list[str] = []
    for doc_id, members in by_doc.items():
        fingerprint = _fingerprint(rows[i] for i in members)
        old = old_rows.get(doc_id)
        if old is not None and old[1] == fingerprint:
            doc_rows[doc_id] = old
        else:
            doc_rows[doc_id] = (generation, fingerprint)
            changed.append(doc_id)
    removed = sorted(set(old_rows) - set(by_doc))
    todo = [i for d in changed for i in by_doc[d]]
    known = _known_vectors(client, chunk_collection, [d for d in changed if d in old_rows], active,
                           {hashes[i] for i in todo})
    log(f"milvus: {len(changed)} new or changed documents ({len(todo)} rows), {len(by_doc) - len(changed)} "
        f"unchanged, {len(removed)} removed; {len(known)} vectors reused by content hash")

    encoded = sum(hashes[i] not in known for i in todo)
    # Every vector first, in one call: encoded in the embedded build's order and slices, the same passages get
    # the same vectors in both backends (the 8-bit encoder's output depends a little on the batch).
    vectors = vectors_for(todo, {i: known[hashes[i]] for i in todo if hashes[i] in known})
    progress = _Progress(log, "milvus ingest", len(todo), "rows", every)
    for start in range(0, len(todo), INSERT_ROWS):
        part = todo[start:start + INSERT_ROWS]
        # Each row is written once in the build; the pk names its generation.
        batch = [{**rows[i], "dense": np.asarray(vector, dtype=np.float32).tolist()}
                 for i, vector in zip(part, vectors[start:start + INSERT_ROWS], strict=True)]
        client.insert(chunk_collection, batch)
        progress.add(len(part))

    doc_freq: dict[str, int] = {}
    for terms in corpus_terms:
        for term in set(terms):
            doc_freq[term] = doc_freq.get(term, 0) + 1
    tmp = Path(tempfile.mkdtemp(prefix="policy-qa-milvus-"))
    try:
        DocumentTable.write(tmp, documents)
        ChunkTable.write(tmp, documents, chunks, hashes)
        FilterIndex.write(tmp, filter_texts, [d.region for d in documents if d.region])
        (tmp / "term_df.json").write_text(json.dumps(doc_freq, ensure_ascii=False), encoding="utf-8")
        state = MilvusState(generation, doc_rows, tuple(sorted(set(changed) & set(old_rows)) + removed))
        (tmp / MILVUS_FILE).write_text(state.to_json(), encoding="utf-8")
        file_sha256, file_sizes = file_checksums(tmp)
        manifest = Manifest(
            format_version=FORMAT_VERSION, model_id=model_id, model_hash=model_hash, dimension=dimension,
            max_chunk_tokens=max_chunk_tokens, dictionary_hash=dictionary_hash(), corpus_files=corpus_files,
            parser_version=parser_version, documents=len(documents), chunks=len(chunks),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S"), vector_index=f"milvus:{DENSE_INDEX['index_type']}",
            file_sha256=file_sha256, file_sizes=file_sizes)
        (tmp / MANIFEST).write_text(json.dumps(dataclasses.asdict(manifest), ensure_ascii=False, indent=2),
                                    encoding="utf-8")
        _write_files(client, store, generation, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    client.flush(chunk_collection)
    client.flush(store)
    # The switch: one row. Before it, readers answer from the previous generation; after it, from this one.
    client.upsert(store, [{"key": "active", "gen": generation, "name": "", "piece": -1, "data": "",
                           "unused": [0.0, 0.0]}])
    client.flush(store)
    _delete_superseded(client, chunk_collection, doc_rows, state.superseded)
    if active > 1:
        client.delete(store, filter=f"gen < {active} and piece >= 0")  # the previous generation's files stay
    log(f"milvus: generation {generation} answers ({len(documents)} documents, {len(chunks)} chunks)")
    return encoded, len(todo)


def _known_vectors(client, chunks: str, doc_ids: Sequence[str], active: int, wanted: set[str]) -> dict[str, np.ndarray]:
    """Vectors of the answering rows of `doc_ids`, by content hash (only the hashes wanted)."""
    known: dict[str, np.ndarray] = {}
    for start in range(0, len(doc_ids), DELETE_IDS):
        expr = f"doc_id in {_id_list(doc_ids[start:start + DELETE_IDS])} and gen <= {active}"
        for row in client.query(chunks, filter=expr, output_fields=["hash", "dense"]):
            if row["hash"] in wanted:
                known[row["hash"]] = np.asarray(row["dense"], dtype=np.float32)
    return known


def _stored_state(client, store: str, generation: int) -> MilvusState | None:
    try:
        return MilvusState.from_json(_read_file(client, store, generation, MILVUS_FILE).decode("utf-8"))
    except ValueError:
        return None


def stored_manifest(config: BackendConfig) -> Manifest | None:
    """The answering generation's manifest, or None when the library has none."""
    client = connect(config)
    _, store = collection_names(config.collection)
    if store not in client.list_collections():
        return None
    client.load_collection(store)
    generation = _active_generation(client, store)
    if not generation:
        return None
    return Manifest.from_json(json.loads(_read_file(client, store, generation, MANIFEST).decode("utf-8")))


def current_generation(config: BackendConfig) -> int:
    """The generation that answers now (0 when none); cheap, for serving processes that poll for changes."""
    client = connect(config)
    _, store = collection_names(config.collection)
    return _active_generation(client, store)


class _NotHere:
    """Stands for the embedded backend's BM25 and FAISS parts, which a Milvus library does not have."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"a Milvus library has no local {self._what}: Milvus searches it")


class MilvusStore(IndexStore):
    """A library loaded from Milvus: the same tables as an index folder's (documents, chunks, filter lists,
    term counts), searched through `search`."""

    def __init__(self, config: BackendConfig, manifest: Manifest, state: MilvusState, documents: DocumentTable,
                 chunks: ChunkTable, doc_freq: dict[str, int], filters: FilterIndex, folder: Path) -> None:
        super().__init__(folder, manifest, documents, chunks, _NotHere("BM25 index"),  # type: ignore[arg-type]
                         _NotHere("vector index"), doc_freq, filters)  # type: ignore[arg-type]
        self.config = config
        self.state = state
        self.generation = state.generation
        self._chunk_collection, _ = collection_names(config.collection)
        doc_ids = list(documents)
        meta = np.asarray(chunks._meta)
        self._row_of = {f"{doc_ids[d]}:{local:04d}@{state.doc_rows[doc_ids[d]][0]}": row
                        for row, (d, local) in enumerate(zip(meta[:, 0].tolist(), meta[:, 6].tolist(), strict=True))}
        metas = [documents.meta(d) for d in doc_ids]
        self._names = set(place_names([documents[d] for d in doc_ids])) if len(doc_ids) < 5000 else \
            {m["region"] for m in metas if m["region"]} | set(PROVINCES)
        self._labels = [(m["doc_id"], m["region"], _doc_label(m)) for m in metas]

    @classmethod
    def open(cls, config: BackendConfig, folder: Path | None = None) -> MilvusStore:
        """Load the library's answering generation, or raise IndexLoadError saying how to build it."""
        client = connect(config)
        chunk_collection, store = collection_names(config.collection)
        existing = set(client.list_collections())
        hint = f"python -m assistant index --backend milvus --milvus-uri {config.milvus_uri} " \
               f"--milvus-collection {config.collection} --corpus <文档目录>"
        if chunk_collection not in existing or store not in existing:
            older = sorted(n for n in existing if n.startswith(f"{config.collection}_v") and n.endswith("_store"))
            if older:
                raise IndexLoadError(f"Milvus 中的文档库（{config.collection}）由另一版本的程序建立（{older[-1]}），"
                                     f"本版本读取格式 {MILVUS_FORMAT}。请用 {hint} 重建。")
            raise IndexLoadError(f"Milvus（{config.milvus_uri}）中没有文档库 {config.collection}。请用 {hint} 建立。")
        for name in (chunk_collection, store):
            client.load_collection(name)
        for _attempt in range(3):
            generation = _active_generation(client, store)
            if not generation:
                raise IndexLoadError(f"Milvus 中的文档库 {config.collection} 还没有建好。请用 {hint} 建立。")
            tmp = Path(tempfile.mkdtemp(prefix="policy-qa-milvus-load-"))
            try:
                _read_files(client, store, generation, tmp)
                return cls._from_files(config, tmp, folder or tmp)
            except (ValueError, OSError, KeyError, TypeError) as exc:
                # A build may have replaced this generation while it was read: try the new one.
                if _active_generation(client, store) == generation:
                    log.warning("library %s generation %s is damaged: %s: %s", config.collection, generation,
                                type(exc).__name__, exc)
                    raise IndexLoadError(f"Milvus 中的文档库 {config.collection} 已损坏或不完整。请用 {hint} 重建。") \
                        from exc
            finally:
                # The tables are memory-mapped: the mappings outlive the files.
                shutil.rmtree(tmp, ignore_errors=True)
        raise IndexLoadError(f"Milvus 中的文档库 {config.collection} 正在频繁更新，暂时无法读取，请稍后再试。")

    @classmethod
    def _from_files(cls, config: BackendConfig, tmp: Path, folder: Path) -> MilvusStore:
        manifest = Manifest.from_json(json.loads((tmp / MANIFEST).read_text(encoding="utf-8")))
        if manifest.format_version != FORMAT_VERSION:
            raise ValueError(f"stored tables have format {manifest.format_version}, not {FORMAT_VERSION}")
        for name, expected in manifest.file_sha256.items():
            if not (tmp / name).is_file() or sha256_of(tmp / name) != expected:
                raise ValueError(f"{name} differs from its checksum")
        state = MilvusState.from_json((tmp / MILVUS_FILE).read_text(encoding="utf-8"))
        documents = DocumentTable.load(tmp)
        chunks = ChunkTable.load(tmp, [documents.meta(d) for d in documents])
        _check_chunk_spans(chunks, documents)
        filters = FilterIndex.load(tmp)
        filters.check(len(chunks))
        doc_freq = _term_df(tmp / "term_df.json")
        if len(chunks) != manifest.chunks or len(documents) != manifest.documents or \
                set(state.doc_rows) != set(documents):
            raise ValueError("stored tables disagree with their manifest")
        return cls(config, manifest, state, documents, chunks, doc_freq, filters, folder)

    def filter_expression(self, filters: Filters) -> str:
        """The Milvus filter for these filters within this generation (the same chunks `Retriever.eligible` allows
        in the embedded backend)."""
        parts = [f"gen <= {self.generation}"]
        if filters.doc_ids:
            parts.append(f"doc_id in {_id_list(filters.doc_ids)}")
        if filters.years:
            parts.append(f"array_contains_any(years, {sorted({int(y) for y in filters.years})})")
        if filters.regions:
            known = sorted(r for r in set(filters.regions) if r in self._names)
            others = sorted(set(filters.regions) - set(known))
            options = [f"array_contains_any(regions, {_id_list(known)})"] if known else []
            if others:
                # A place no filter list knows: the documents of that region, or whose title or issuer names it.
                docs = [d for d, region, label in self._labels if region in others or any(r in label for r in others)]
                options.append(f"doc_id in {_id_list(docs)}" if docs else "doc_id == \"\"")
            parts.append("(" + " or ".join(options) + ")")
        return " and ".join(parts)

    def search(self, question: str, vector: np.ndarray | None, filters: Filters, *, k: int, candidates: int,
               rrf_k: int, mode: RetrieverMode) -> list[Ranked]:
        """The best `k` chunks by Milvus: BM25 over the jieba-tokenized text and the dense vectors, fused by RRF."""
        from pymilvus import AnnSearchRequest, RRFRanker

        from assistant.search.retrieval import Ranked

        client = connect(self.config)
        expr = self.filter_expression(filters)
        text = normalize(question)
        # A filtered HNSW search needs a wide beam: with ef 64 a 50-deep search within a quarter of the chunks
        # missed passages exact search ranks 27th (golden g002); 4 × candidates found them all.
        dense_params = {"metric_type": "IP", "params": {"ef": max(200, 4 * candidates)}}
        try:
            if mode == RetrieverMode.HYBRID:
                assert vector is not None
                requests = [AnnSearchRequest([vector.tolist()], "dense", dense_params, limit=candidates, expr=expr),
                            AnnSearchRequest([text], "sparse", {"metric_type": "BM25"}, limit=candidates, expr=expr)]
                hits = client.hybrid_search(self._chunk_collection, requests, RRFRanker(rrf_k), limit=k,
                                            output_fields=["dense"])[0]
                found_by: tuple[str, ...] = ("bm25", "dense")
            elif mode == RetrieverMode.DENSE:
                assert vector is not None
                hits = client.search(self._chunk_collection, [vector.tolist()], anns_field="dense", filter=expr,
                                     limit=min(k, candidates), search_params=dense_params, output_fields=["dense"])[0]
                found_by = ("dense",)
            else:
                hits = client.search(self._chunk_collection, [text], anns_field="sparse", filter=expr,
                                     limit=min(k, candidates), search_params={"metric_type": "BM25"})[0]
                found_by = ("bm25",)
        except Exception as exc:
            from pymilvus.exceptions import MilvusException

            if isinstance(exc, MilvusException | ConnectionError | TimeoutError):
                log.warning("Milvus search failed: %s: %s", type(exc).__name__, exc)
                raise unreachable(self.config) from exc
            raise
        ranked = []
        for hit in hits:
            row = self._row_of.get(str(hit["pk"]))
            if row is None:
                continue  # a row of a build in progress or just replaced
            similarity = 0.0
            if vector is not None:
                stored = hit.get("entity", {}).get("dense")
                if stored is not None:
                    similarity = float(np.dot(np.asarray(stored, dtype=np.float32), vector))
            score = float(hit["distance"])
            ranked.append(Ranked(row, score, found_by, similarity))
        return ranked


def build_milvus(corpus_dir: Path, index_dir: Path, config: IndexConfig, backend: BackendConfig, *,
                 embedder: Embedder | None, progress: bool, log: Callable[[str], None]) -> BuildReport:
    """`build_index` for the Milvus backend: the corpus read, parsed and chunked as for an index folder, written
    to the library's collections as a new generation (only new and changed documents' rows, vectors reused by
    content hash)."""
    from assistant.index.build import (
        BuildReport,
        _chunk_hash,
        _prepare,
        _Progress,
        _provisions,
        embedding_text,
        encode_into,
    )
    from assistant.ingest.corpus import read_corpus
    from assistant.ingest.parsing import PARSER_VERSION
    from embeddings.models import load_embedder, model_hash_of

    started = time.perf_counter()
    every = 10.0 if progress else 30.0
    files, skipped = read_corpus(Path(corpus_dir))
    for item in skipped:
        log(f"skipped {item.name}: {item.reason}")
    if not files:
        raise ValueError(f"no readable documents in {corpus_dir}")
    fingerprint = {f.name: f.sha256 for f in files}
    model_hash = embedder.model_hash if embedder is not None else model_hash_of(config.model)
    previous = stored_manifest(backend)
    if previous is not None and previous.corpus_files == fingerprint and previous.model_hash == model_hash and \
            previous.max_chunk_tokens == config.max_chunk_tokens and previous.dictionary_hash == dictionary_hash() \
            and previous.parser_version == PARSER_VERSION:
        report = BuildReport(Path(index_dir), previous.documents, previous.chunks, 0, previous.chunks, tuple(skipped),
                             time.perf_counter() - started, unchanged=True)
        log(report.summary())
        return report
    if previous is not None and previous.model_hash != model_hash:
        raise ValueError(f"the Milvus library {backend.collection} holds vectors of another model "
                         f"({previous.model_id}); give it another --milvus-collection or drop its collections")
    if embedder is None:
        embedder = load_embedder(config.model)
    documents, chunks = _prepare(files, config, _Progress(log, "parsing", len(files), "files", every), skipped)
    if not documents:
        raise ValueError(f"no usable documents in {corpus_dir}")
    by_id = {d.doc_id: d for d in documents}
    texts = [embedding_text(by_id[c.doc_id], c) for c in chunks]
    hashes = [_chunk_hash(embedder.model_hash, t) for t in texts]
    segmenter = Segmenter.shared()
    corpus_terms = [segmenter.terms(t) for t in texts]
    filter_texts = [normalize(f"{by_id[c.doc_id].title} {' '.join(c.section)} {c.text}") for c in chunks]
    encode_seconds = 0.0
    chosen = embedder

    def vectors_for(rows: list[int], known: dict[int, np.ndarray]) -> np.ndarray:
        nonlocal encode_seconds
        out = np.zeros((len(rows), chosen.dimension), dtype=np.float32)
        todo = [j for j, i in enumerate(rows) if i not in known]
        for j, i in enumerate(rows):
            if i in known:
                out[j] = known[i]
        if todo:
            t0 = time.perf_counter()
            encode_into(out, todo, lambda j: texts[rows[j]], chosen,
                        _Progress(log, "encoding", len(todo), "passages", every))
            encode_seconds += time.perf_counter() - t0
        return out

    encoded, written = write_library(
        backend, documents, chunks, hashes, texts, filter_texts, corpus_terms, vectors_for,
        model_id=embedder.model_id, model_hash=embedder.model_hash, dimension=embedder.dimension,
        max_chunk_tokens=config.max_chunk_tokens, corpus_files=fingerprint, parser_version=PARSER_VERSION, log=log,
        every=every)
    report = BuildReport(Path(index_dir), len(documents), len(chunks), encoded, len(chunks) - encoded, tuple(skipped),
                         time.perf_counter() - started, encode_seconds=encode_seconds, provisions=_provisions(chunks),
                         earlier_versions=sum(d.status == "earlier" for d in documents),
                         repealed=sum(d.status == "repealed" for d in documents),
                         passage_encoder=getattr(embedder, "passage_encoder", ""))
    log(report.summary() + f"; {written} Milvus rows written")
    return report


def drop_library(config: BackendConfig) -> list[str]:
    """Drop the library's collections of this format (for tests and deliberate rebuilds); returns their names."""
    client = connect(config)
    names = [n for n in collection_names(config.collection) if n in client.list_collections()]
    for name in names:
        client.drop_collection(name)
    return names
