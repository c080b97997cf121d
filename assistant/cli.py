"""Command line: `python -m assistant index | ask | chat | milvus`."""

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

    stored = sub.add_parser("milvus", help="list the libraries a Milvus server holds; drop older formats' collections")
    action = stored.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list every library and format on the server (default)")
    action.add_argument("--drop-old", action="store_true",
                        help="drop the collections of --milvus-collection's formats older than this version's")
    action.add_argument("--from-index", type=Path, default=None, metavar="DIR",
                        help="copy this embedded index folder into --milvus-collection (its chunks and vectors, "
                             "nothing encoded again)")
    stored.add_argument("--force", action="store_true",
                        help="with --drop-old: drop them even though this version's format is not built yet")
    add_backend_arguments(stored)
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
        if args.command == "milvus":
            return _milvus(args)
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


def _milvus(args: argparse.Namespace) -> int:
    from assistant.index.backend import current_backend
    from assistant.index.milvus import MILVUS_FORMAT
    from assistant.index.milvus_ops import copy_index, drop_older_formats, list_libraries

    config = current_backend()
    if not config.is_milvus:
        return _error("请用 --milvus-uri（或环境变量 POLICY_QA_MILVUS_URI）指定 Milvus 服务或 Milvus Lite 文件。")
    if args.from_index is not None:
        documents, written = copy_index(args.from_index, config, log=lambda m: print(m, file=sys.stderr), every=10.0)
        print(f"已将 {args.from_index} 复制到 Milvus 文档库 {config.collection}：{documents} 篇文档，写入 {written} 行。")
        return 0
    if args.drop_old:
        dropped = drop_older_formats(config, force=args.force)
        if not dropped:
            print(f"文档库 {config.collection} 没有旧格式的集合，未删除任何集合。")
        for name in dropped:
            print(f"已删除 {name}")
        return 0
    libraries = list_libraries(config)
    if not libraries:
        print(f"Milvus（{config.milvus_uri}）中没有文档库。")
        return 0
    print(f"Milvus（{config.milvus_uri}）中的文档库（本版本读写格式 {MILVUS_FORMAT}）：")
    for lib in libraries:
        if lib.readable:
            state = f"第 {lib.generation} 代在用，{lib.documents} 篇文档，{lib.chunks} 个段落，建于 {lib.built_at}" \
                if lib.generation else "未建完（没有在用的一代）"
        elif lib.format < MILVUS_FORMAT:
            state = "旧格式，本版本不读取；新格式建好后可用 --drop-old 删除"
        else:
            state = "新版本的格式，本版本不读取，也不会删除"
        rows = "，".join(f"{name}（{count if count >= 0 else '?'} 行）" for name, count in lib.collections)
        print(f"  {lib.name}  格式 {lib.format}：{state}\n      {rows}")
    return 0


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
