"""`python -m ui`: build the library's index on first start, then serve the page."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from assistant import default_corpus_dir, policy_home


def default_data_dir() -> Path:
    """$POLICY_QA_HOME/library, or ~/.cache/policy-qa/library."""
    return policy_home() / "library"


def read_auth(path: Path | None) -> list[tuple[str, str]] | None:
    """Logins from POLICY_QA_AUTH ("user:password,user2:password2") or a file of user:password lines."""
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


def main(argv: list[str] | None = None) -> int:
    """Start the web UI; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ui", description="政策文件问答的网页界面")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="the library: documents/, index/ and feedback.db (seeded with the bundled documents)")
    parser.add_argument("--auth-file", type=Path, default=None, help="file of user:password lines; or set POLICY_QA_AUTH")
    parser.add_argument("--max-upload-mb", type=int, default=20)
    parser.add_argument("--llm-config", type=Path, default=None,
                        help="JSON file for an OpenAI-compatible chat model (or set POLICY_QA_LLM_BASE_URL/_MODEL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from assistant import FeedbackStore, Generator, IndexBusyError, IndexLoadError, Library, LLMConfig
    from ui.app import build_app

    try:
        auth = read_auth(args.auth_file)
        llm = LLMConfig.from_env(args.llm_config)
        if llm is not None:
            print(f"大模型：{llm.model} @ {llm.base_url}（回答会与原文核对）", file=sys.stderr)
        library = Library(args.data_dir, seed=default_corpus_dir(), max_upload_bytes=args.max_upload_mb * 1048576,
                          generator=Generator(llm) if llm else None)
        print(f"文档库：{args.data_dir}（首次启动会建立索引）", file=sys.stderr)
        report = library.ensure_index(progress=True, log=lambda m: print(m, file=sys.stderr))
        print(f"索引就绪：{report.documents} 篇文档，{report.chunks} 个段落", file=sys.stderr)
        feedback = FeedbackStore(args.data_dir / "feedback.db")
        from assistant import warm_up
        warm_up()  # the first question should not wait for dictionaries to load
    except (OSError, ValueError, IndexLoadError, IndexBusyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    app = build_app(library, feedback)
    app.queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port, auth=auth,
                                                  show_error=False, max_file_size=args.max_upload_mb * 1048576)
    return 0
