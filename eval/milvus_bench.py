"""Milvus backend at scale: ingest rate, hybrid query latency and dense recall@10 against exact search.

`python -m eval.milvus_bench --index-dir DIR --size 100000 --milvus-uri /tmp/bench.db [--json out.json]` fills
the backend's chunk collection with `size` synthetic rows made from the index's real chunks (each row a real
chunk's text, year and region, its vector the chunk's own plus a little noise, renormalized), then asks the
golden questions as the assistant does (one hybrid_search: BM25 and dense under a filter expression, RRF), and
compares the dense part's top 10 with exact search over the same vectors."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.milvus_bench")
    parser.add_argument("--index-dir", type=Path, required=True, help="an embedded index (its chunks and vectors)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--milvus-uri", required=True)
    parser.add_argument("--milvus-token", default="")
    parser.add_argument("--questions", type=Path, default=Path(__file__).resolve().parent / "golden.jsonl")
    parser.add_argument("--recall-queries", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from pymilvus import AnnSearchRequest, RRFRanker

    from assistant import Backend, BackendConfig, IndexStore, embedding_text, load_embedder, normalize
    from assistant import milvus_backend as milvus  # the benchmark fills the backend's collection directly

    config = BackendConfig(Backend.MILVUS, args.milvus_uri, args.milvus_token, f"bench_{args.size}")
    store = IndexStore.load(args.index_dir)
    vectors = store.vectors.reconstruct_all()
    chunks = [store.chunks[i] for i in range(len(store.chunks))]
    texts = [normalize(embedding_text(store.documents[c.doc_id], c)) for c in chunks]
    metas = [store.documents.meta(c.doc_id) for c in chunks]
    rng = np.random.default_rng(0)
    source = rng.integers(0, len(chunks), args.size)
    synthetic = vectors[source] + rng.normal(0, 0.02, (args.size, vectors.shape[1])).astype(np.float32)
    synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)

    client = milvus.connect(config)
    milvus.drop_library(config)
    milvus._ensure_collections(client, config.collection, vectors.shape[1])
    name, _ = milvus.collection_names(config.collection)
    started = time.perf_counter()
    for start in range(0, args.size, milvus.INSERT_ROWS):
        batch = []
        for i in range(start, min(start + milvus.INSERT_ROWS, args.size)):
            s = int(source[i])
            year, region = int(metas[s]["year"] or 0), metas[s]["region"]
            batch.append({"pk": f"r{i}", "doc_id": f"d{i // 50}", "gen": 1, "hash": "", "year": year,
                          "years": [year] if year else [], "region": region, "regions": [region] if region else [],
                          "kind": metas[s]["kind"], "status": "current", "text": texts[s],
                          "dense": synthetic[i].tolist()})
        client.insert(name, batch)
        if start and start % 20_000 == 0:
            print(f"{start} rows, {start / (time.perf_counter() - started):.0f} rows/s", file=sys.stderr)
    client.flush(name)
    ingest = time.perf_counter() - started
    client.load_collection(name)

    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    embedder = load_embedder("default")
    qvectors = embedder.encode_queries(questions)
    dense_params = {"metric_type": "IP", "params": {"ef": 200}}
    latencies = []
    for question, vector in zip(questions, qvectors, strict=True):
        expr = "gen <= 1" if "2019" not in question else "gen <= 1 and array_contains_any(years, [2019])"
        t0 = time.perf_counter()
        client.hybrid_search(name, [AnnSearchRequest([vector.tolist()], "dense", dense_params, limit=50, expr=expr),
                                    AnnSearchRequest([normalize(question)], "sparse", {"metric_type": "BM25"},
                                                     limit=50, expr=expr)], RRFRanker(60), limit=30)
        latencies.append((time.perf_counter() - t0) * 1000)
    found = 0
    for vector in qvectors[: args.recall_queries]:
        exact = set(np.argsort(-(synthetic @ vector))[:10].tolist())
        hits = client.search(name, [vector.tolist()], anns_field="dense", limit=10, search_params=dense_params)[0]
        found += len(exact & {int(str(h["pk"])[1:]) for h in hits})
    figures = {"rows": args.size, "uri": args.milvus_uri, "dense_index": milvus.DENSE_INDEX,
               "ingest_s": round(ingest, 1), "ingest_rows_per_s": round(args.size / ingest, 1),
               "query_p50_ms": round(float(np.percentile(latencies, 50)), 1),
               "query_p95_ms": round(float(np.percentile(latencies, 95)), 1), "queries": len(latencies),
               "dense_recall_at_10": round(found / (10 * min(args.recall_queries, len(qvectors))), 3),
               "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    milvus.drop_library(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
