"""`python -m ui`: build the library's index on first start, then serve the page.
`python -m ui hash-password`: print a hashed password for the auth file."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from assistant import default_corpus_dir, policy_home


def default_data_dir() -> Path:
    """$POLICY_QA_HOME/library, or ~/.cache/policy-qa/library."""
    return policy_home() / "library"


log = logging.getLogger("policy_qa.ui")

NOISY_LOGGERS = ("faiss", "faiss.loader", "bm25s", "httpx", "httpcore", "urllib3", "gradio", "jieba",
                 "sentence_transformers", "transformers", "onnxruntime", "asyncio", "uvicorn.access")


def configure_logging(verbose: bool = False) -> None:
    """Warnings and errors only; with --verbose, this project's INFO lines too (libraries stay at WARNING:
    faiss's AVX2 import notes, bm25s DEBUG, httpx request lines)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for handler in logging.getLogger().handlers:
        # bm25s sets its own logger to DEBUG when imported, so the handler filters too
        handler.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("policy_qa").setLevel(logging.INFO if verbose else logging.WARNING)


def read_auth(path: Path | None) -> list[tuple[str, str]] | None:
    """Logins from POLICY_QA_AUTH ("user:password,user2:password2") or a file of user:password lines; a
    password may be stored hashed (`pbkdf2_sha256$iterations$salt$hash`, see `python -m ui hash-password`)."""
    entries: list[str] = []
    if os.environ.get("POLICY_QA_AUTH"):
        entries += os.environ["POLICY_QA_AUTH"].split(",")
    if path is not None:
        entries += path.read_text(encoding="utf-8").splitlines()
    pairs = []
    for entry in entries:
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise ValueError("each login must be written user:password")
        pairs.append((user, password))
    return pairs or None


def hash_password_main(argv: list[str]) -> int:
    """`python -m ui hash-password [--stdin]`: read a password (twice) and print its pbkdf2_sha256 hash."""
    from ui.auth import hash_password

    parser = argparse.ArgumentParser(prog="python -m ui hash-password",
                                     description="生成登录口令的哈希，写入认证文件：user:<哈希>")
    parser.add_argument("--stdin", action="store_true", help="read the password from standard input (one line)")
    args = parser.parse_args(argv)
    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("口令：")
        if getpass.getpass("再输入一次：") != password:
            print("错误：两次输入不一致", file=sys.stderr)
            return 2
    if not password:
        print("错误：口令不能为空", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Start the web UI; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hash-password"]:
        return hash_password_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m ui", description="政策文件问答的网页界面")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="the library: documents/, index/ and feedback.db (seeded with the bundled documents)")
    parser.add_argument("--auth-file", type=Path, default=None, help="file of user:password lines; or set POLICY_QA_AUTH")
    parser.add_argument("--max-upload-mb", type=int, default=20)
    parser.add_argument("--llm-config", type=Path, default=None,
                        help="JSON file for an OpenAI-compatible chat model (or set POLICY_QA_LLM_BASE_URL/_MODEL)")
    parser.add_argument("--verbose", action="store_true", help="log INFO lines too (default: warnings and errors)")
    from assistant import add_backend_arguments, apply_backend_arguments

    add_backend_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        apply_backend_arguments(args)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2

    from assistant import FeedbackStore, Generator, IndexBusyError, IndexLoadError, Library, LLMConfig
    from ui.app import build_app, launch_options
    from ui.auth import ClientAddressMiddleware, LoginGuard

    try:
        auth = read_auth(args.auth_file)
        llm = LLMConfig.from_env(args.llm_config)
        if llm is not None:
            print(f"大模型：{llm.model} @ {llm.base_url}（回答会与原文核对）", file=sys.stderr)
        library = Library(args.data_dir, seed=default_corpus_dir(), max_upload_bytes=args.max_upload_mb * 1048576,
                          generator=Generator(llm) if llm else None)
        # A restart listens as soon as the page can be drawn from the index on disk: the model, the dictionaries
        # and the check for files added meanwhile (which reads the whole documents folder) come after.
        restarted = library.open_existing(defer_model=True)
        if restarted:
            print(f"文档库：{args.data_dir}，{len(library.documents())} 篇文档", file=sys.stderr)
        else:
            print(f"文档库：{args.data_dir}（正在建立索引）", file=sys.stderr)
            report = library.ensure_index(progress=True, log=lambda m: print(m, file=sys.stderr))
            print(f"索引就绪：{report.documents} 篇文档，{report.chunks} 个段落", file=sys.stderr)
        feedback = FeedbackStore(args.data_dir / "feedback.db")
    except (OSError, ValueError, IndexLoadError, IndexBusyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    # The audit trail lives beside the feedback, in the same database: who asked, uploaded, deleted, logged in.
    app = build_app(library, feedback, feedback)
    guard = LoginGuard(dict(auth), on_event=feedback.record_event) if auth else None
    from starlette.middleware import Middleware

    app.queue(default_concurrency_limit=4).launch(
        server_name=args.host, server_port=args.port, auth=guard.check if guard else None, show_error=False,
        prevent_thread_lock=True,
        **launch_options(Middleware(ClientAddressMiddleware), max_upload_bytes=library.max_upload_bytes))
    print(f"网页界面：http://{args.host}:{args.port}/" + ("（需要登录）" if guard else ""), file=sys.stderr)
    try:
        library.load_model()
    except Exception as exc:  # the page cannot answer without its model: say so and stop
        log.exception("loading the embedding model failed")
        print(f"错误：未能加载向量模型（{type(exc).__name__}: {exc}）。请检查模型设置；若更换了模型，请删除 "
              f"{library.index_dir} 后重新启动，以新模型重建索引", file=sys.stderr)
        app.close()
        return 2
    from assistant import warm_up

    warm_up()  # the first question should not wait for dictionaries to load
    if restarted:
        # The index on disk answers while files added meanwhile are indexed behind it.
        library.refresh_in_background(log=lambda m: print(m, file=sys.stderr))
        print("后台检查新增文件", file=sys.stderr)
    app.block_thread()
    return 0
