"""Command line: `python -m eval run | report`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden.jsonl"
BLIND_1 = Path(__file__).resolve().parent / "sets" / "blind-1.jsonl"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate the assistant on a question set.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="answer a question file and write the results file")
    run.add_argument("--questions", type=Path, default=GOLDEN, help="question file (JSONL); default: the golden set")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--index-dir", type=Path, default=None, help="an index built by `python -m assistant index`")
    source.add_argument("--corpus", type=Path, default=None, help="a folder of documents: build or reuse its index")
    run.add_argument("--out", type=Path, required=True, help="where to write the results (JSONL)")
    run.add_argument("--retriever", choices=("hybrid", "bm25", "dense"), default="hybrid")
    run.add_argument("--no-rerank", action="store_true", help="keep the fused retrieval order (no answer-aware rerank)")
    run.add_argument("--generator", choices=("extractive", "llm"), default="extractive",
                     help="llm: answers written by the chat model configured by POLICY_QA_LLM_* or --llm-config")
    run.add_argument("--llm-config", type=Path, default=None, help="JSON file with base_url, model, api_key, …")
    run.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    report = sub.add_parser("report", help="write a Markdown report with charts for a results file")
    report.add_argument("results", type=Path, nargs="+",
                        help="one results file, or several (e.g. extractive and llm) shown side by side")
    report.add_argument("--questions", type=Path, default=GOLDEN)
    report.add_argument("--out", type=Path, default=None, help="folder for report.md and charts (default: beside)")
    imported = sub.add_parser("import-feedback", help="turn 👎 feedback into question candidates for review")
    imported.add_argument("--db", type=Path, default=None, help="feedback.db (default: the web UI's library)")
    imported.add_argument("--out", type=Path, required=True, help="where to write the candidates (JSONL)")
    bench = sub.add_parser("bench", help="speed and scale benchmark")
    bench.add_argument("--sizes", default="10000,100000,1000000", help="synthetic corpus sizes, comma-separated")
    bench.add_argument("--corpus", type=Path, default=None, help="the corpus to measure (default: bundled)")
    bench.add_argument("--questions", type=Path, default=GOLDEN)
    bench.add_argument("--no-peer", action="store_true", help="skip the LlamaIndex comparison")
    bench.add_argument("--rounds", type=int, default=5,
                       help="repeat the bundled build and the peer comparison this many times; the best counts")
    bench.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    baseline = sub.add_parser("baseline", help="retrieval hit@k of a plain BM25 over whole articles, to compare")
    baseline.add_argument("--questions", type=Path, default=GOLDEN)
    baseline.add_argument("--corpus", type=Path, required=True, help="a folder of .md/.txt documents")
    curve = sub.add_parser("curve", help="accuracy against abstention for a range of answer thresholds")
    curve.add_argument("--questions", type=Path, default=GOLDEN)
    curve_source = curve.add_mutually_exclusive_group()
    curve_source.add_argument("--index-dir", type=Path, default=None)
    curve_source.add_argument("--corpus", type=Path, default=None)
    curve.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    stress = sub.add_parser("stress", help="random and hostile questions and histories through the public API")
    stress_source = stress.add_mutually_exclusive_group()
    stress_source.add_argument("--index-dir", type=Path, default=None, help="an index built by `python -m assistant index`")
    stress_source.add_argument("--corpus", type=Path, default=None,
                               help="a folder of documents: build or reuse its index (default: the bundled corpus)")
    stress.add_argument("--iterations", type=int, default=10_000)
    stress.add_argument("--seed", type=int, default=0)
    stress.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="print the figures as JSON (or write them to FILE)")
    bench.add_argument("--library", type=Path, default=None,
                       help="instead: index this real library folder and time build, memory, cold start, latency "
                            "over --questions (default: blind-1, answers not judged) and adding one document")
    bench.add_argument("--from-index", type=Path, default=None,
                       help="with --library: start from a copy of this index of the library without its held-out "
                            "document (as a full --library run builds it) and time only adding and removing that "
                            "document; the full build is not redone")
    bench.add_argument("--keep-index", type=Path, default=None,
                       help="with --library: build the library's index in this (new or empty) folder and keep it")
    bench.add_argument("--encode-sample", type=int, default=3000,
                       help="with --library: raw encoding is timed on this many of its passages, at random")
    memory = sub.add_parser("build-memory", help="peak resident memory of an index build (in a child process)")
    memory.add_argument("--corpus", type=Path, required=True, help="the folder to build from")
    memory.add_argument("--index-dir", type=Path, required=True, help="where the index is written")
    memory.add_argument("--junk", type=int, default=0, metavar="N",
                        help="first fill --corpus (which must not exist) with N junk files and the bundled documents")
    memory.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    faults = sub.add_parser("faults", help="kill -9 a library build and an upload at random moments, then check")
    faults.add_argument("--trials", type=int, default=5, help="kills of each kind")
    faults.add_argument("--seed", type=int, default=0)
    faults.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    load = sub.add_parser("load", help="load check against a running web UI (python -m ui)")
    load.add_argument("--url", default="http://127.0.0.1:7860/")
    load.add_argument("--clients", type=int, default=10)
    load.add_argument("--questions", type=int, default=20, help="questions per client")
    load.add_argument("--malformed-every", type=int, default=3,
                      help="every N-th question of a client is malformed (default 3: a third; 0: none)")
    load.add_argument("--pid", type=int, default=None,
                      help="the server's process, for its memory (default: the one listening on the URL's port)")
    load.add_argument("--upload", type=Path, default=None,
                      help="meanwhile, upload this file through the page (headless Chromium, /usr/bin/chromium)")
    load.add_argument("--delete", default=None, metavar="TITLE",
                      help="meanwhile, delete the document whose title contains TITLE through the page")
    load.add_argument("--after", action="append", default=[], metavar="QUESTION",
                      help="ask this once the load and the change are done and report the titles it cites "
                           "(repeatable)")
    from assistant import add_backend_arguments

    for command in (run, curve, stress):  # the same index backend options as `python -m assistant`
        add_backend_arguments(command)
    return parser


def _score(questions, rows):
    from eval.metrics import judge, summarize

    by_id = {row.get("id"): row for row in rows}
    missing = [q.id for q in questions if q.id not in by_id]
    if missing:
        raise ValueError(f"the results have no row for {len(missing)} question(s), e.g. {missing[0]}")
    judgements = [judge(q, by_id[q.id]) for q in questions]
    return judgements, summarize(judgements), [by_id[q.id] for q in questions]


def _default_feedback_db() -> Path:
    from assistant import policy_home

    return policy_home() / "library" / "feedback.db"


def _import_feedback(args: argparse.Namespace) -> int:
    from assistant import FeedbackStore
    from eval.feedback import feedback_candidates, write_candidates

    db = args.db or _default_feedback_db()
    if not db.is_file():
        print(f"error: no feedback database at {db}", file=sys.stderr)
        return 2
    rows = feedback_candidates(FeedbackStore(db))
    write_candidates(rows, args.out)
    print(f"{len(rows)} candidate(s) written to {args.out}; fill in answer, must_contain, evidence, source_file")
    return 0


def _baseline(args: argparse.Namespace, questions: list) -> int:
    from eval.baseline import bm25_article_hits

    print(json.dumps(bm25_article_hits(questions, args.corpus), ensure_ascii=False, indent=2))
    return 0


def _curve(args: argparse.Namespace, questions: list) -> int:
    from assistant import default_corpus_dir
    from eval.curve import curve_table, threshold_curve
    from eval.runner import index_for_corpus

    index_dir = args.index_dir
    if index_dir is None:
        index_dir = index_for_corpus(args.corpus or default_corpus_dir(), log=lambda m: print(m, file=sys.stderr))
    rows = threshold_curve(questions, index_dir)
    print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json else curve_table(rows))
    return 0


def _bench(args: argparse.Namespace) -> int:
    """`python -m eval bench`: the bundled and synthetic figures, or with --library a real library's."""
    from assistant import default_corpus_dir
    from eval.bench import flat_figures, run_bench, table

    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        print("error: --sizes takes whole numbers separated by commas", file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("error: --rounds must be at least 1", file=sys.stderr)
        return 2
    if args.library is not None:
        from eval.bench import library_table, run_library_bench

        if not args.library.is_dir():
            print(f"error: no library folder at {args.library}", file=sys.stderr)
            return 2
        if args.encode_sample < 1:
            print("error: --encode-sample must be at least 1", file=sys.stderr)
            return 2
        if args.from_index is not None:
            from eval.bench import add_table, run_add_bench

            add = run_add_bench(args.library, args.from_index, log=lambda m: print(m, file=sys.stderr))
            print(add_table(add))
            if args.json:
                args.json.write_text(json.dumps(flat_figures({"library": add}), ensure_ascii=False, indent=2),
                                     encoding="utf-8")
            return 0
        questions = args.questions if args.questions != GOLDEN else BLIND_1
        if args.keep_index is not None and args.keep_index.exists() and any(args.keep_index.iterdir()):
            print(f"error: {args.keep_index} is not empty: --keep-index builds a new index", file=sys.stderr)
            return 2
        library = run_library_bench(args.library, questions, encode_sample=args.encode_sample,
                                    log=lambda m: print(m, file=sys.stderr), keep_index=args.keep_index)
        print(library_table(library))
        if args.json:
            args.json.write_text(json.dumps(flat_figures({"library": library}), ensure_ascii=False, indent=2),
                                 encoding="utf-8")
        return 0
    results = run_bench(sizes=sizes, corpus=args.corpus or default_corpus_dir(), questions=args.questions,
                        peer=not args.no_peer, rounds=args.rounds, log=lambda m: print(m, file=sys.stderr))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(flat_figures(results), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation command line; returns the exit status."""
    args = _parser().parse_args(argv)
    from assistant import IndexBusyError, IndexLoadError, apply_backend_arguments

    try:
        apply_backend_arguments(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from eval.questions import QuestionFileError, load_questions
    from eval.report import summary_table, write_report
    from eval.runner import index_for_corpus, read_results, run_questions, write_results

    if args.command == "import-feedback":
        return _import_feedback(args)
    if args.command == "bench":
        return _bench(args)
    if args.command == "faults":
        return _faults(args)
    if args.command == "build-memory":
        return _build_memory(args)
    if args.command in ("stress", "load"):
        return _stress(args) if args.command == "stress" else _load(args)
    try:
        questions = load_questions(args.questions)
        if args.command in ("curve", "baseline"):
            return _curve(args, questions) if args.command == "curve" else _baseline(args, questions)
        if args.command == "run":
            index_dir = args.index_dir
            if args.corpus is not None:
                index_dir = index_for_corpus(args.corpus, log=lambda m: print(m, file=sys.stderr))
            generator = None
            if args.generator == "llm":
                from assistant import Generator, LLMConfig

                config = LLMConfig.from_env(args.llm_config)
                if config is None:
                    raise ValueError("--generator llm needs POLICY_QA_LLM_BASE_URL and POLICY_QA_LLM_MODEL "
                                     "(or --llm-config FILE)")
                generator = Generator(config)
            rows = run_questions(questions, index_dir=index_dir, retriever=args.retriever, rerank=not args.no_rerank,
                                 generator=generator)
            write_results(rows, args.out)
            _, summary, _ = _score(questions, rows)
            summary["retriever"] = args.retriever
            summary["rerank"] = not args.no_rerank
            summary["generator"] = args.generator
            if args.json:
                print(json.dumps(summary, ensure_ascii=False, indent=2))
            else:
                print(f"{len(rows)} questions, retriever {args.retriever}, results in {args.out}\n")
                print(summary_table(summary))
            return 0
        runs = []
        for results_path in args.results:
            judgements, summary, ordered = _score(questions, read_results(results_path))
            runs.append((results_path.stem, ordered, judgements, summary))
        name, ordered, judgements, summary = runs[0]
        path = write_report(questions, ordered, judgements, summary, args.out or args.results[0].parent,
                            title=f"Evaluation report: {name}",
                            compare=[(n, s) for n, _, _, s in runs] if len(runs) > 1 else None)
        print(f"report written to {path}")
        return 0
    except (QuestionFileError, IndexLoadError, IndexBusyError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _stress(args) -> int:
    from assistant import Assistant, IndexBusyError, IndexLoadError, default_corpus_dir
    from eval.runner import index_for_corpus
    from eval.stress import run_stress, table

    if args.iterations < 1:
        print("error: --iterations must be at least 1", file=sys.stderr)
        return 2
    try:
        index_dir = args.index_dir or index_for_corpus(args.corpus or default_corpus_dir(),
                                                       log=lambda m: print(m, file=sys.stderr))
        assistant = Assistant.load(index_dir)
    except (IndexLoadError, IndexBusyError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = run_stress(assistant, args.iterations, seed=args.seed, log=lambda m: print(m, file=sys.stderr))
    if args.json == "-":
        print(json.dumps(report.figures(), ensure_ascii=False, indent=2))
    else:
        print(table(report))
        if args.json:
            Path(args.json).write_text(json.dumps(report.figures(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if report.unexpected or report.refused_real_questions else 0


def _load(args) -> int:
    from eval.loadcheck import page_change, run_load

    change = page_change(args.url, args.upload, args.delete) if args.upload or args.delete else None
    report = run_load(args.url, clients=args.clients, questions=args.questions,
                      malformed_every=args.malformed_every, pid=args.pid, change=change,
                      after=tuple(args.after))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if report["errors"] or "error" in report.get("change", {}) else 0


def _build_memory(args) -> int:
    import shutil

    from assistant import default_corpus_dir
    from eval.buildmem import make_junk, measure_build

    figures: dict = {"corpus": str(args.corpus)}
    if args.junk:
        if args.corpus.exists():
            print(f"error: {args.corpus} exists; --junk writes a new corpus there", file=sys.stderr)
            return 2
        figures["junk_files"] = make_junk(args.corpus, args.junk)
        for path in default_corpus_dir().glob("*.txt"):  # so the build has something to index
            shutil.copyfile(path, args.corpus / path.name)
    figures["files"] = sum(1 for p in args.corpus.iterdir() if p.is_file())
    figures.update(measure_build(args.corpus, args.index_dir, log=lambda m: print(m, file=sys.stderr)))
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


def _faults(args) -> int:
    from eval.faults import run_faults

    figures = run_faults(args.trials, seed=args.seed, log=lambda m: print(m, file=sys.stderr))
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    ok = figures["trials"] == figures["previous_library_answered"] == figures["listened_within_10s"] == \
        figures["next_build_ok"] == figures["nothing_lost"]
    return 0 if ok else 1
