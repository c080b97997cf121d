"""Both index backends on the same rows: ingest rate, search latency, dense recall@10 against exact search and
maximum resident memory, the embedded index folder and Milvus side by side.

`python -m eval.milvus_bench --milvus-uri /tmp/bench.db --size 100000 [--json out.json]` makes `size` synthetic
chunks from the bundled corpus's index (eval.synthetic: real sentences recombined, vectors the sums of the
sentences' real vectors); `--index-dir DIR` instead takes an existing embedded index's own chunks and vectors
(a real library). Each backend then runs in a child process of its own, so its memory is its own: it reads the
same records, writes them — the embedded backend as an index folder (`write_index`: FAISS and BM25 built),
Milvus as the library's collections (`milvus_ops.copy_index`, as `python -m assistant milvus --from-index`
does) — without encoding anything, loads them as a serving process does, asks every question of `--questions`
through the assistant's Retriever (hybrid: BM25 and dense under the year filter a question names, fused by RRF;
the questions encoded beforehand, so the time is the search's), and compares dense top-10s with exact search
over the same vectors."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BACKENDS = ("embedded", "milvus")
TOP_K, CANDIDATES, RRF_K = 10, 50, 60  # as the assistant searches (AskConfig's top_k, candidates and rrf_k)
YEAR = re.compile(r"(?<!\d)((?:19[5-9]|20[0-3])\d)(?=年)")
COLLECTION = "bench"


class _Encoded:
    """The embedder with the questions' vectors computed beforehand, so that search time is the backend's."""

    def __init__(self, embedder, questions: list[str]) -> None:
        self._embedder = embedder
        self._vectors = dict(zip(questions, embedder.encode_queries(questions), strict=True))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vectors[t] for t in texts])

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rss_mb() -> float:
    """The largest resident memory of this process or of any process it started and waited for (MB)."""
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return round(peak / 1024, 1)


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1) if values else 0.0


def measure(backend: str, source: Path, questions_path: Path, work: Path, uri: str, token: str,
            recall_queries: int, max_questions: int = 0) -> dict:
    """One backend, in this process: write the source index's records, load them, search; the figures."""
    from assistant import (
        Assistant,
        Backend,
        BackendConfig,
        Filters,
        IndexStore,
        RetrieverMode,
        configure_backend,
        load_embedder,
        milvus_backend,
        milvus_ops,
        write_index,
    )

    questions = [json.loads(line)["question"] for line in questions_path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    questions = questions[:max_questions] if max_questions > 0 else questions
    embedder = load_embedder("default")
    t0 = time.perf_counter()
    if backend == "embedded":
        records = milvus_ops.index_records(source)
        manifest, rows, documents = records.manifest, len(records.chunks), len(records.documents)
    else:
        # copy_index reads the records itself: a second copy held here doubled the peak memory (2 x 10 GB at
        # a million rows, besides Milvus Lite's own), so only their counts are read, from the mapped folder.
        mapped = IndexStore.load_folder(source)
        manifest, rows, documents = mapped.manifest, len(mapped.chunks), len(mapped.documents)
        del mapped
    if embedder.model_hash != manifest.model_hash:
        raise SystemExit(f"{source} holds vectors of {manifest.model_id} ({manifest.model_hash}), the questions "
                         f"would be encoded by {embedder.model_hash}")
    encoded = _Encoded(embedder, questions)
    _say(f"{backend}: {rows} rows of {documents} documents read in {time.perf_counter() - t0:.1f}s")
    figures: dict = {"backend": backend, "rows": rows, "documents": documents,
                     "rss_before_ingest_mb": _rss_mb()}
    started = time.perf_counter()
    if backend == "embedded":
        configure_backend("embedded")
        folder = work / "embedded-index"
        write_index(folder, records.documents, records.chunks, records.hashes, records.vectors, records.terms,
                    records.filter_texts, model_id=manifest.model_id, model_hash=manifest.model_hash,
                    max_chunk_tokens=manifest.max_chunk_tokens, corpus_files=manifest.corpus_files)
        del records
    else:
        config = BackendConfig(Backend.MILVUS, uri, token, COLLECTION)
        configure_backend("milvus", milvus_uri=uri, milvus_token=token, collection=COLLECTION)
        milvus_backend.drop_library(config)
        folder = work / "milvus-index"
        milvus_ops.copy_index(source, config, log=_say, every=30.0)
    ingest = time.perf_counter() - started
    _say(f"{backend}: {rows} rows written in {ingest:.1f}s ({rows / ingest:.0f} rows/s)")
    t0 = time.perf_counter()
    store = IndexStore.load(folder)
    load = time.perf_counter() - t0
    if backend == "embedded":
        figures["vector_index"] = store.manifest.vector_index
        figures["nprobe"] = store.manifest.vector_nprobe
    else:
        figures["vector_index"] = milvus_backend.DENSE_INDEX
    retriever = Assistant(store, encoded).retriever
    latencies, tops = [], []
    for number, question in enumerate(questions):
        filters = Filters(years=tuple(sorted({int(y) for y in YEAR.findall(question)})))
        t0 = time.perf_counter()
        hits = retriever.search(question, filters, k=TOP_K, candidates=CANDIDATES, rrf_k=RRF_K)
        latencies.append((time.perf_counter() - t0) * 1000)
        tops.append([store.chunks[h.row].chunk_id for h in hits])
        if number and number % 50 == 0:
            _say(f"{backend}: {number}/{len(questions)} questions, p50 {_percentile(latencies, 50)} ms so far")
    vectors = store_vectors(source)
    found = asked = 0
    for question in questions[:recall_queries]:
        vector = encoded.encode_queries([question])[0]
        exact = {store.chunks[int(i)].chunk_id for i in np.argsort(-(vectors @ vector))[:10]}
        hits = retriever.search(question, Filters(), k=10, candidates=CANDIDATES, rrf_k=RRF_K,
                                mode=RetrieverMode.DENSE)
        found += len(exact & {store.chunks[h.row].chunk_id for h in hits})
        asked += 1
    figures |= {"ingest_s": round(ingest, 1), "ingest_rows_per_s": round(rows / ingest, 1),
                "load_s": round(load, 2), "queries": len(latencies), "query_p50_ms": _percentile(latencies, 50),
                "query_p95_ms": _percentile(latencies, 95), "query_max_ms": _percentile(latencies, 100),
                "dense_recall_at_10": round(found / max(1, 10 * asked), 3), "recall_queries": asked,
                "max_rss_mb": _rss_mb(), "top10": tops}
    if backend == "milvus":
        milvus_backend.drop_library(BackendConfig(Backend.MILVUS, uri, token, COLLECTION))
    return figures


def store_vectors(source: Path) -> np.ndarray:
    """The source index's vectors, for exact search."""
    from assistant import IndexStore

    return IndexStore.load_folder(source).vectors.reconstruct_all()


def _synthetic_source(size: int, work: Path) -> Path:
    """A synthetic index of `size` chunks made from the bundled corpus's index."""
    from assistant import default_corpus_dir, load_embedder
    from eval.runner import index_for_corpus
    from eval.synthetic import build_synthetic_index

    bundled = index_for_corpus(default_corpus_dir(), log=_say)
    folder = work / f"synthetic-{size}"
    report = build_synthetic_index(bundled, folder, size, embedder=load_embedder("default"), log=_say)
    _say(f"synthetic source: {report.size} chunks in {report.documents} documents ({report.seconds:.0f}s)")
    return folder


def _overlap(a: list[list[str]], b: list[list[str]]) -> float:
    """Mean share of one backend's top 10 that the other's top 10 holds too."""
    shares = [len(set(x) & set(y)) / max(1, len(x)) for x, y in zip(a, b, strict=True) if x or y]
    return round(float(np.mean(shares)), 3) if shares else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.milvus_bench")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--index-dir", type=Path, help="an embedded index: its own chunks and vectors are the rows")
    source.add_argument("--size", type=int, help="this many synthetic rows made from the bundled corpus's index")
    parser.add_argument("--milvus-uri", required=True, help="a Milvus Lite file (.db) or server URI")
    parser.add_argument("--milvus-token", default=os.environ.get("POLICY_QA_MILVUS_TOKEN", ""))
    parser.add_argument("--questions", type=Path, default=HERE / "golden.jsonl")
    parser.add_argument("--recall-queries", type=int, default=50)
    parser.add_argument("--max-questions", type=int, default=0, help="ask only the first N questions (0: all)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated, of " + ", ".join(BACKENDS))
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", choices=BACKENDS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or set(backends) - set(BACKENDS):
        parser.error(f"--backends must name some of {', '.join(BACKENDS)}")

    if args.child:
        figures = measure(args.child, args.index_dir, args.questions, args.work, args.milvus_uri,
                          args.milvus_token, args.recall_queries, args.max_questions)
        args.child_out.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
        return 0

    work = args.work or Path(tempfile.mkdtemp(prefix="milvus-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        source_dir = args.index_dir if args.index_dir else _synthetic_source(args.size, work)
        results: dict = {"source": str(args.index_dir) if args.index_dir else f"synthetic {args.size}",
                         "questions": str(args.questions), "uri": args.milvus_uri, "backends": {}}
        for backend in backends:
            out = work / f"{backend}.json"
            command = [sys.executable, "-m", "eval.milvus_bench", "--child", backend, "--child-out", str(out),
                       "--index-dir", str(source_dir), "--milvus-uri", args.milvus_uri, "--questions",
                       str(args.questions), "--recall-queries", str(args.recall_queries),
                       "--max-questions", str(args.max_questions), "--work", str(work)]
            env = {**os.environ, "POLICY_QA_MILVUS_TOKEN": args.milvus_token}
            t0 = time.perf_counter()
            done = subprocess.run(command, env=env, check=False)
            if done.returncode != 0:
                _say(f"{backend}: the child process failed ({done.returncode})")
                results["backends"][backend] = {"failed": done.returncode}
                continue
            figures = json.loads(out.read_text(encoding="utf-8"))
            figures["process_s"] = round(time.perf_counter() - t0, 1)
            results["backends"][backend] = figures
        if all("top10" in results["backends"].get(b, {}) for b in BACKENDS):
            results["top10_overlap"] = _overlap(results["backends"]["embedded"]["top10"],
                                                results["backends"]["milvus"]["top10"])
        for figures in results["backends"].values():
            figures.pop("top10", None)
        results["wall_s"] = round(time.perf_counter() - started, 1)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
