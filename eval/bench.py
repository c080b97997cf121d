"""`python -m eval bench`: where the time and memory go, on the bundled corpus and on synthetic corpora."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.metrics import percentile

if TYPE_CHECKING:
    from assistant import Assistant

STAGES = ("normalize_ms", "bm25_ms", "encode_ms", "vector_ms", "fusion_ms", "rerank_ms", "answer_ms", "total_ms")
WARM_UP = ("扶贫工作要点有哪些内容", "乡村振兴衔接", "消费扶贫的做法")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {}
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "max": round(max(values), 2)}


def _folder_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1048576, 1)


# Runs in a fresh process: load the index, answer, report time, stage latencies and resident memory.
_CHILD = r"""
import json, sys, time
started = time.perf_counter()
from assistant import Assistant
index_dir, questions_path = sys.argv[1], sys.argv[2]
assistant = Assistant.load(index_dir)
loaded = time.perf_counter() - started
first = assistant.ask("2020年消费扶贫专柜目标是多少")
cold = time.perf_counter() - started

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

rss_after_load = rss_mb()
questions = [json.loads(l) for l in open(questions_path, encoding="utf-8") if l.strip()]
for q in ("扶贫工作要点有哪些内容", "乡村振兴衔接", "消费扶贫的做法"):
    assistant.ask(q)
stages = {}
for q in questions:
    answer = assistant.ask(q["question"], q.get("history") or [])
    for key, value in answer.timings.items():
        if key.endswith("_ms"):
            stages.setdefault(key, []).append(value)
print(json.dumps({"load_s": loaded, "cold_start_s": cold, "rss_after_load_mb": rss_after_load,
                  "rss_after_queries_mb": rss_mb(), "stages": stages}))
"""


def _child_measure(index_dir: Path, questions: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", _CHILD, str(index_dir), str(questions)], capture_output=True,
                         text=True, env=env, timeout=3600)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"measuring {index_dir} failed: {run.stderr[-2000:]}")
    data = json.loads(run.stdout.strip().splitlines()[-1])
    stages = {key: _percentiles(values) for key, values in data.pop("stages").items() if key in STAGES}
    return {**{k: round(v, 2) for k, v in data.items()}, "process_wall_s": round(wall, 2), "stages": stages}


def bench_bundled(corpus: Path, questions: Path, work: Path, log: Callable[[str], None], *, rounds: int = 5) -> dict:
    """Build, rebuild, raw encoding, cold start and per-stage latency on the bundled corpus."""
    from assistant import BuildReport, build_index, load_embedder, passage_texts, warm_up

    started = time.perf_counter()
    embedder = load_embedder("default")
    embedder.encode_passages(["预热"])  # load the passage model here, so the build below times the build
    warm_up()  # and the segmenter's dictionary, which is loaded once per process like the model
    model_load = time.perf_counter() - started
    index_dir = work / "bundled"
    texts = passage_texts(corpus)
    # Build and raw encoding take turns, `rounds` times, each going first in every other round, and the
    # fastest of each counts: on a shared machine one run of either can be a tenth slower than the next for
    # reasons of its own.
    builds, encodings, inside, outside = [], [], [], []

    def one_build() -> BuildReport:
        shutil.rmtree(index_dir, ignore_errors=True)
        started = time.perf_counter()
        report = build_index(corpus, index_dir, embedder=embedder)
        builds.append(time.perf_counter() - started)
        inside.append(report.encode_seconds)
        outside.append(builds[-1] - report.encode_seconds)
        return report

    def one_encoding() -> None:
        started = time.perf_counter()
        embedder.encode_passages(texts)
        encodings.append(time.perf_counter() - started)

    for turn in range(rounds):
        if turn % 2:
            one_encoding()
            report = one_build()
        else:
            report = one_build()
            one_encoding()
    build, encode_only = min(builds), min(encodings)
    started = time.perf_counter()
    build_index(corpus, index_dir, embedder=embedder)
    rebuild = time.perf_counter() - started
    log(f"bundled: build {build:.1f}s, encode only {encode_only:.1f}s, rebuild {rebuild:.2f}s")
    measured = _child_measure(index_dir, questions)
    return {"chunks": report.chunks, "model_and_dictionary_load_s": round(model_load, 2), "build_s": round(build, 2),
            "encode_only_s": round(encode_only, 2), "pipeline_vs_encoding": round(encode_only / build, 3),
            "build_runs_s": [round(b, 2) for b in builds], "encode_only_runs_s": [round(e, 2) for e in encodings],
            "build_encoding_runs_s": [round(e, 2) for e in inside],
            # The build's own work besides encoding (parse, chunk, segment, write): the pipeline's overhead
            # measured directly, free of the run-to-run spread of the encoding itself; and the ratio it gives.
            "build_besides_encoding_s": round(min(outside), 2),
            "pipeline_vs_encoding_net": round(encode_only / (encode_only + min(outside)), 3),
            "chunks_per_s": round(report.chunks / build, 1), "rebuild_s": round(rebuild, 3),
            "index_mb": _folder_mb(index_dir), **measured, "index_dir": str(index_dir)}


def bench_scale(source_index: Path, size: int, questions: Path, work: Path, log: Callable[[str], None]) -> dict:
    """A synthetic corpus of `size` chunks: build, size on disk, memory, cold start, latency by stage."""
    from assistant import load_embedder
    from eval.synthetic import build_synthetic_index

    index_dir = work / f"synthetic-{size}"
    started = time.perf_counter()
    report = build_synthetic_index(source_index, index_dir, size, embedder=load_embedder("default"), log=log)
    build = time.perf_counter() - started
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    log(f"{size}: built in {build:.1f}s ({manifest['vector_index']}, nprobe {manifest['vector_nprobe']})")
    measured = _child_measure(index_dir, questions)
    result = {"chunks": size, "documents": report.documents, "vectors": report.vector_source,
              "build_s": round(build, 1), "index_mb": _folder_mb(index_dir), "vector_index": manifest["vector_index"],
              "nprobe": manifest["vector_nprobe"], "recall@10_vs_exact": manifest["vector_recall_at_10"], **measured}
    shutil.rmtree(index_dir, ignore_errors=True)
    return result


def _corpus_without_one(library: Path, work: Path) -> tuple[Path, Path]:
    """The held-out document of the library and a copy of the library without it under `work`."""
    held_out = _held_out(library)
    corpus = work / "library-corpus"
    corpus.mkdir(parents=True)
    for source in library.iterdir():
        if source.is_file() and source != held_out:
            shutil.copy2(source, corpus / source.name)
    return held_out, corpus


def _held_out(library: Path) -> Path:
    """The library file added last to time adding one document: the one of median size."""
    files = sorted((f for f in library.iterdir() if f.is_file() and not f.name.startswith(".")),
                   key=lambda f: (f.stat().st_size, f.name))
    if len(files) < 2:
        raise ValueError(f"{library} needs at least two documents")
    return files[len(files) // 2]


def bench_library(library: Path, questions: Path, work: Path, log: Callable[[str], None], *,
                  encode_sample: int = 3000) -> dict:
    """A real library folder: build (all documents but one), raw encoding of the same texts (a random sample
    of `encode_sample` of them when there are more), size on disk, memory, cold start, warm latency over
    `questions` (answers not judged), then the time to add the held-out document."""
    import random

    from assistant import build_index, load_embedder, passage_texts, warm_up

    library = Path(library)
    held_out, corpus = _corpus_without_one(library, work)
    started = time.perf_counter()
    embedder = load_embedder("default")
    embedder.encode_passages(["预热"])  # the model loads here, so the build below times the build
    warm_up()
    model_load = time.perf_counter() - started
    index_dir = work / "library-index"
    started = time.perf_counter()
    report = build_index(corpus, index_dir, embedder=embedder, progress=True, log=log)
    build = time.perf_counter() - started
    log(f"library: built in {build:.1f}s ({report.chunks} chunks, {report.encode_seconds:.1f}s of it encoding)")

    texts = passage_texts(corpus)
    sample = sorted(random.Random(0).sample(texts, encode_sample), key=len) if len(texts) > encode_sample else texts
    started = time.perf_counter()
    embedder.encode_passages(sample)
    raw = time.perf_counter() - started
    raw_rate = len(sample) / raw
    build_rate = report.chunks / build
    log(f"library: raw encoding {raw_rate:.1f} passages/s over {len(sample)} passages; build {build_rate:.1f}/s")

    measured = _child_measure(index_dir, questions)
    shutil.copy2(held_out, corpus / held_out.name)
    added_lines: list[str] = []
    started = time.perf_counter()
    added = build_index(corpus, index_dir, embedder=embedder, log=added_lines.append)
    add_s = time.perf_counter() - started
    log(f"library: added {held_out.name} in {add_s:.2f}s ({added.embedded} passages encoded in "
        f"{added.encode_seconds:.2f}s)")
    return {"library": str(library), "documents": added.documents, "files": len(list(corpus.iterdir())),
            "provisions": added.provisions, "chunks": added.chunks, "earlier_versions": added.earlier_versions,
            "repealed": added.repealed, "skipped": len(added.skipped),
            "passage_encoder": report.passage_encoder, "model_load_s": round(model_load, 2),
            "build_s": round(build, 1), "build_encoding_s": round(report.encode_seconds, 1),
            "build_besides_encoding_s": round(build - report.encode_seconds, 1),
            "build_passages_per_s": round(build_rate, 1),
            "raw_encoding_passages": len(sample), "raw_encoding_s": round(raw, 2),
            "raw_passages_per_s": round(raw_rate, 1),
            "pipeline_vs_encoding": round(build_rate / raw_rate, 3),
            "index_mb": _folder_mb(index_dir), **measured,
            "query_p50_ms": measured["stages"]["total_ms"]["p50"],
            "query_p95_ms": measured["stages"]["total_ms"]["p95"],
            "add_document": held_out.name, "add_document_s": round(add_s, 2),
            "add_document_passages": added.embedded, "add_document_encoding_s": round(added.encode_seconds, 2),
            "add_document_besides_encoding_s": round(add_s - added.encode_seconds, 2)}


def library_table(r: dict) -> str:
    """The library figures as Markdown."""
    return "\n".join([
        f"| library {Path(r['library']).name} | figure |", "|---|---|",
        f"| files / documents / provisions / chunks | {r['files']} / {r['documents']} / {r['provisions']} / "
        f"{r['chunks']} |",
        f"| earlier versions / repealed / files skipped | {r['earlier_versions']} / {r['repealed']} / {r['skipped']} |",
        f"| passage encoder | {r['passage_encoder']} |",
        f"| build (of which encoding) | {r['build_s']} s ({r['build_encoding_s']} s) |",
        f"| build throughput / raw encoding ({r['raw_encoding_passages']} passages) | {r['build_passages_per_s']} / "
        f"{r['raw_passages_per_s']} passages/s = {r['pipeline_vs_encoding']} |",
        f"| index on disk | {r['index_mb']} MB |",
        f"| resident memory after load / after the questions | {r['rss_after_load_mb']} / "
        f"{r['rss_after_queries_mb']} MB |",
        f"| cold start to first answer (new process) | {r['cold_start_s']} s |",
        f"| warm query p50 / p95 | {r['query_p50_ms']} / {r['query_p95_ms']} ms |",
        f"| add one document ({r['add_document_passages']} passages) | {r['add_document_s']} s, of which encoding "
        f"{r['add_document_encoding_s']} s |"])


def run_library_bench(library: Path, questions: Path, *, encode_sample: int = 3000,
                      log: Callable[[str], None] = print, keep_index: Path | None = None) -> dict:
    """The library figures, built in a temporary folder that is removed afterwards; with `keep_index`, the
    library's index (the whole library, the held-out document added back) is moved there first."""
    work = Path(tempfile.mkdtemp(prefix="policy-qa-bench-library-"))
    try:
        figures = bench_library(library, questions, work, log, encode_sample=encode_sample)
        if keep_index is not None:
            keep_index.parent.mkdir(parents=True, exist_ok=True)
            if keep_index.exists():
                keep_index.rmdir()  # checked empty before the build
            shutil.move(str(work / "library-index"), str(keep_index))
            figures["kept_index"] = str(keep_index)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_add(library: Path, source_index: Path, work: Path, log: Callable[[str], None]) -> dict:
    """Adding the held-out document of `library` to a copy of `source_index` (an index of the library without
    it, such as a full library run builds), then removing it again: each timed as one incremental build."""
    from assistant import build_index, load_embedder, warm_up

    library = Path(library)
    held_out, corpus = _corpus_without_one(library, work)
    index_dir = work / "library-index"
    shutil.copytree(source_index, index_dir)
    embedder = load_embedder("default")
    embedder.encode_passages(["预热"])
    warm_up()
    base = build_index(corpus, index_dir, embedder=embedder, log=log)  # unchanged, or brought to this version
    if not base.unchanged:
        log(f"library: the index was brought up to date first ({base.seconds:.1f}s, {base.embedded} passages encoded)")
    shutil.copy2(held_out, corpus / held_out.name)
    started = time.perf_counter()
    added = build_index(corpus, index_dir, embedder=embedder, log=log)
    add_s = time.perf_counter() - started
    (corpus / held_out.name).unlink()
    started = time.perf_counter()
    removed = build_index(corpus, index_dir, embedder=embedder, log=log)
    remove_s = time.perf_counter() - started
    log(f"library: added {held_out.name} in {add_s:.2f}s ({added.embedded} passages encoded in "
        f"{added.encode_seconds:.2f}s), removed it in {remove_s:.2f}s")
    return {"library": str(library), "documents": added.documents, "files": len(list(corpus.iterdir())) + 1,
            "chunks": added.chunks, "reused_files": added.reused_files,
            "add_document": held_out.name, "add_document_s": round(add_s, 2),
            "add_document_passages": added.embedded, "add_document_encoding_s": round(added.encode_seconds, 2),
            "add_document_besides_encoding_s": round(add_s - added.encode_seconds, 2),
            "remove_document_s": round(remove_s, 2), "remove_document_encoded": removed.embedded}


def add_table(r: dict) -> str:
    """The add/remove figures as Markdown."""
    return "\n".join([
        f"| library {Path(r['library']).name} ({r['files']} files, {r['chunks']} chunks) | figure |", "|---|---|",
        f"| add one document ({r['add_document_passages']} passages) | {r['add_document_s']} s, of which encoding "
        f"{r['add_document_encoding_s']} s (besides encoding {r['add_document_besides_encoding_s']} s) |",
        f"| remove it again | {r['remove_document_s']} s |"])


def run_add_bench(library: Path, source_index: Path, *, log: Callable[[str], None] = print) -> dict:
    """The add/remove figures, in a temporary folder that is removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="policy-qa-bench-add-"))
    try:
        return bench_add(library, source_index, work, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _median(values: list[float]) -> float:
    """The p50 of one round's latencies (a round has one per question, so never none)."""
    value = percentile(values, 50)
    assert value is not None
    return value


def bench_peer(corpus: Path, questions_path: Path, ours: Assistant, log: Callable[[str], None], *,
               rounds: int = 5) -> tuple[dict, dict]:
    """The same corpus and model through LlamaIndex's default splitter and vector retriever, timed on the
    answerable questions in turns with `ours` (an Assistant) in the same process: (peer figures, ours)."""
    try:
        from eval.peer import LlamaIndexPeer, found_in_top5
    except ImportError as exc:
        return {"skipped": f"LlamaIndex is not installed ({exc.name}); pip install llama-index-core "
                           f"llama-index-embeddings-huggingface"}, {}
    from eval.questions import load_questions

    questions = [q for q in load_questions(questions_path) if q.answerable]
    peer = LlamaIndexPeer(corpus)
    ours.ask("扶贫工作要点有哪些内容")
    # Both sides take turns, each over every question; the better round of each counts, so that a slow
    # spell of the machine does not land on one side only.
    ours_rounds, peer_rounds = [], []
    for _ in range(rounds):
        ours.forms.clear()  # each round meets the questions' provisions afresh
        latencies = []
        for q in questions:
            started = time.perf_counter()
            ours.ask(q.question, list(q.history))
            latencies.append((time.perf_counter() - started) * 1000)
        ours_rounds.append(latencies)
        latencies, hits = [], 0
        for q in questions:
            started = time.perf_counter()
            texts = peer.retrieve(q.question)
            latencies.append((time.perf_counter() - started) * 1000)
            hits += found_in_top5(q, texts)
        peer_rounds.append(latencies)
    ours_best = min(ours_rounds, key=_median)
    peer_best = min(peer_rounds, key=_median)
    log(f"peer (LlamaIndex): built in {peer.build_s:.1f}s, {len(questions)} questions, {rounds} rounds")
    peer_figures: dict[str, Any]
    ours_figures: dict[str, Any]
    peer_figures = {"name": peer.name, "build_s": round(peer.build_s, 2), "chunks": peer.chunks,
                    "query_p50_ms": percentile(peer_best, 50), "query_p95_ms": percentile(peer_best, 95),
                    "query_p50_ms_rounds": [percentile(v, 50) for v in peer_rounds],
                    "hit@5": round(hits / len(questions), 4), "questions": len(questions),
                    "note": "retrieval only (no answer); the questions without history"}
    ours_figures = {"query_p50_ms": percentile(ours_best, 50), "query_p95_ms": percentile(ours_best, 95),
                    "query_p50_ms_rounds": [percentile(v, 50) for v in ours_rounds],
                    "note": "the whole answer (retrieval, rerank, cited extractive answer), history included, "
                            "no query cache"}
    peer_figures["ours_speedup"] = round(peer_figures["query_p50_ms"] / ours_figures["query_p50_ms"], 2)
    return peer_figures, ours_figures


def run_bench(*, sizes: list[int], corpus: Path, questions: Path, peer: bool = True, rounds: int = 5,
              log: Callable[[str], None] = print) -> dict:
    """Every figure of the benchmark, as a dict; `rounds` is how many times the build and the peer
    comparison are repeated (the best of them counts)."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    from eval.metrics import judge, summarize
    from eval.questions import load_questions
    from eval.runner import run_questions

    work = Path(tempfile.mkdtemp(prefix="policy-qa-bench-"))
    try:
        bundled = bench_bundled(corpus, questions, work, log, rounds=rounds)
        golden = load_questions(questions)
        rows = run_questions(golden, index_dir=Path(bundled["index_dir"]))
        ours = summarize([judge(q, r) for q, r in zip(golden, rows)])
        results: dict = {"bundled": {k: v for k, v in bundled.items() if k != "index_dir"},
                         "ours": {"hit@5": ours["hit@5"], "accuracy": ours["accuracy"],
                                  "query_p50_ms": ours["latency_p50_ms"], "query_p95_ms": ours["latency_p95_ms"]}}
        results["bundled"]["query_p50_ms"] = bundled["stages"]["total_ms"]["p50"]
        results["bundled"]["query_p95_ms"] = bundled["stages"]["total_ms"]["p95"]
        results["scale"] = {}
        for size in sizes:
            scale = bench_scale(Path(bundled["index_dir"]), size, questions, work, log)
            scale["query_p50_ms"] = scale["stages"]["total_ms"]["p50"]
            scale["query_p95_ms"] = scale["stages"]["total_ms"]["p95"]
            scale["rss_mb"] = scale["rss_after_queries_mb"]
            results["scale"][str(size)] = scale
        if peer:
            from assistant import Assistant, load_embedder

            # Our side gets its own model instance with no query cache, like the peer's.
            ours_side = Assistant.load(Path(bundled["index_dir"]), embedder=load_embedder("default", shared=False))
            results["peer"], compared = bench_peer(corpus, questions, ours_side, log, rounds=rounds)
            results["ours"].update(compared)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def flat_figures(results: dict) -> dict:
    """The figures under dotted names: bundled.query_p50_ms, scale.100000.rss_mb, peer.hit@5, …"""
    flat: dict = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat[prefix] = value
    walk("", results)
    return flat


def table(results: dict) -> str:
    """The headline figures as Markdown."""
    b = results["bundled"]
    lines = ["| bundled corpus | value |", "|---|---|",
             f"| chunks | {b['chunks']} |", f"| build (s) | {b['build_s']} |",
             f"| raw encoding of the same texts (s) | {b['encode_only_s']} |",
             f"| pipeline throughput / raw encoding | {b['pipeline_vs_encoding']} |",
             f"| build time besides encoding (s) | {b['build_besides_encoding_s']} |",
             f"| raw encoding / (raw encoding + build time besides encoding) | {b['pipeline_vs_encoding_net']} |",
             f"| rebuild, nothing changed (s) | {b['rebuild_s']} |", f"| cold start to first answer (s) | {b['cold_start_s']} |",
             f"| resident memory after load (MB) | {b['rss_after_load_mb']} |",
             f"| query p50 / p95 (ms) | {b['query_p50_ms']} / {b['query_p95_ms']} |"]
    lines += ["", "| stage | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
    for stage in STAGES:
        figures = b["stages"].get(stage)
        if figures:
            lines.append(f"| {stage[:-3]} | {figures['p50']} | {figures['p95']} | {figures['max']} |")
    if results.get("scale"):
        lines += ["", "| chunks | build s | index MB | vectors | recall@10 | RSS MB | cold start s | p50 ms | p95 ms |"
                  " bm25 p50 | vector p50 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for size, s in results["scale"].items():
            lines.append(f"| {size} | {s['build_s']} | {s['index_mb']} | {s['vector_index']} (nprobe {s['nprobe']}) |"
                         f" {s['recall@10_vs_exact']} | {s['rss_mb']} | {s['cold_start_s']} | {s['query_p50_ms']} |"
                         f" {s['query_p95_ms']} | {s['stages']['bm25_ms']['p50']} | {s['stages']['vector_ms']['p50']} |")
    peer = results.get("peer")
    if peer:
        if "skipped" in peer:
            lines += ["", f"peer: {peer['skipped']}"]
        else:
            lines += ["", f"| same {peer['questions']} questions, same model | query p50 ms | p95 ms | hit@5 |",
                      "|---|---|---|---|",
                      f"| this project | {results['ours']['query_p50_ms']} | {results['ours']['query_p95_ms']} |"
                      f" {results['ours']['hit@5']} |",
                      f"| {peer['name']} | {peer['query_p50_ms']} | {peer['query_p95_ms']} | {peer['hit@5']} |",
                      "", f"peer p50 / ours p50: {peer['ours_speedup']}x"]
    return "\n".join(lines)
