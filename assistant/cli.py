"""Command line: `python -m assistant index | ask | chat`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.api import Assistant
from assistant.config import AskConfig, IndexConfig, default_corpus_dir, default_index_dir
from assistant.index.backend import add_backend_arguments, apply_backend_arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Ask Chinese policy documents; answers cite the provisions.")
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="build or refresh the index of a folder of documents")
    index.add_argument("--corpus", type=Path, default=default_corpus_dir(),
                       help="folder of documents (.txt, .md, .html, .docx, .pdf, scans)")
    index.add_argument("--index-dir", type=Path, default=default_index_dir(), help="where the index is written")
    index.add_argument("--model", default="default",
                       help="'default' (bundled multilingual-e5-small) or a sentence-transformers name or folder")
    index.add_argument("--max-chunk-tokens", type=int, default=IndexConfig.max_chunk_tokens)
    index.add_argument("--verify", action="store_true",
                       help="check the index at --index-dir against the checksums in its manifest; build nothing")
    add_backend_arguments(index)

    for name, text in (("ask", "answer one question"), ("chat", "interactive chat in the terminal")):
        cmd = sub.add_parser(name, help=text)
        if name == "ask":
            cmd.add_argument("question")
            cmd.add_argument("--json", action="store_true", help="print the results-file fields as JSON")
        cmd.add_argument("--index-dir", type=Path, default=None,
                         help="an index folder (default: the library the web UI uses, see --data-dir)")
        cmd.add_argument("--corpus", type=Path, default=None,
                         help="build the index from this folder first if it is missing or out of date")
        cmd.add_argument("--data-dir", type=Path, default=None,
                         help="the shared library (default $POLICY_QA_HOME/library, the web UI's): its documents, "
                              "uploads included, and its index")
        cmd.add_argument("--retriever", choices=("hybrid", "bm25", "dense"), default="hybrid")
        add_backend_arguments(cmd)
    return parser


def _error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _ensure_index(index_dir: Path, corpus: Path | None) -> None:
    from assistant.errors import IndexLoadError
    from assistant.index.build import build_index, corpus_fingerprint
    from assistant.index.store import IndexStore

    if corpus is None:
        if index_dir != default_index_dir():
            return
        try:
            IndexStore.load(index_dir)
            return
        except IndexLoadError:
            corpus = default_corpus_dir()  # first run (or an older format) on the bundled corpus: build it
    try:
        store = IndexStore.load(index_dir)
        if store.manifest.corpus_files == corpus_fingerprint(corpus):
            return
    except IndexLoadError:
        pass
    print(f"正在为 {corpus} 建立索引……", file=sys.stderr)
    build_index(corpus, index_dir, progress=True, log=lambda m: print(m, file=sys.stderr))


def _assistant(args: argparse.Namespace) -> Assistant:
    """The assistant asked: over an index folder or corpus when given, else over the shared library, so the
    terminal sees the same documents (uploads included) as the web UI."""
    config = AskConfig(retriever=args.retriever)
    if args.index_dir is not None or args.corpus is not None:
        index_dir = args.index_dir or default_index_dir()
        _ensure_index(index_dir, args.corpus)
        return Assistant.load(index_dir, config=config)
    from assistant.config import policy_home
    from assistant.library import Library

    library = Library(args.data_dir or policy_home() / "library", seed=default_corpus_dir(), ask_config=config)
    library.ensure_index(progress=True, log=lambda m: print(m, file=sys.stderr))
    return library.assistant


def _print_answer(answer) -> None:
    for notice in answer.notices:
        print(f"提示：{notice}")
    print(answer.text)
    for c in answer.citations:
        number = f" {c.number}" if c.number else ""
        print(f"  [{c.n}] 《{c.title}》{number} {c.section}")
        print(f"      “{c.text}”")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    import logging

    # Details of a failure (in English) go to the log on stderr; the user reads the one Chinese message.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    from assistant.errors import IndexBusyError, IndexLoadError, QuestionError
    from assistant.index.build import build_index

    try:
        apply_backend_arguments(args)
        if args.command == "index" and args.verify:
            from assistant.index.store import verify_index

            try:
                print(verify_index(args.index_dir))
            except IndexLoadError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 1
            return 0
        if args.command == "index":
            report = build_index(args.corpus, args.index_dir,
                                 IndexConfig(model=args.model, max_chunk_tokens=args.max_chunk_tokens),
                                 progress=True, log=lambda m: print(m, file=sys.stderr))
            state = "未变化，沿用现有索引" if report.unchanged else "已建立"
            print(f"索引{state}：{report.documents} 篇文档，{report.chunks} 个段落，新编码 {report.embedded}，"
                  f"复用 {report.reused}，用时 {report.seconds:.1f} 秒 → {report.index_dir}")
            for item in report.skipped:
                print(f"已跳过 {item.name}：{item.reason}")
            return 0
        assistant = _assistant(args)
        if args.command == "ask":
            answer = assistant.ask(args.question)
            if args.json:
                print(json.dumps(answer.to_result(), ensure_ascii=False, indent=2))
            else:
                _print_answer(answer)
            return 0
        return _chat(assistant)
    except QuestionError as exc:
        return _error(str(exc))
    except (IndexLoadError, IndexBusyError, FileNotFoundError, ValueError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        return 130


def _chat(assistant) -> int:
    from assistant.errors import QuestionError

    print("政策问答：输入问题后回车；输入 /new 开始新对话，/quit 退出。")
    history: list[dict] = []
    while True:
        try:
            question = input("问> ").strip()
        except EOFError:
            print()
            return 0
        if question in {"/quit", "/exit", "quit", "exit"}:
            return 0
        if question == "/new":
            history = []
            continue
        if not question:
            continue
        try:
            answer = assistant.ask(question, history)
        except QuestionError as exc:
            print(exc)
            continue
        _print_answer(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
