"""`python -m eval load`'s check against a real server: 20 clients × 50 questions while a document is uploaded
and another deleted through the page in headless Chromium; no errors, and afterwards answers cite the new
document and no longer the deleted one."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.config import default_corpus_dir

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEW_DOC = ("关于印发《2031年测试市养老服务工作方案》的通知\n测试府办发〔2031〕9号\n一、重点任务\n"
           "（一）建设社区食堂。2031年6月底前建成社区食堂40个，由市民政局负责，市财政局配合。\n")


def test_load_with_an_upload_and_a_deletion_meanwhile(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from assistant import FeedbackStore, Library
    from eval.loadcheck import page_change, run_load
    from ui.app import build_app, launch_options

    library = Library(tmp_path / "library", seed=default_corpus_dir())
    library.ensure_index()
    feedback = FeedbackStore(tmp_path / "library" / "feedback.db")
    app = build_app(library, feedback, feedback)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.queue(default_concurrency_limit=4).launch(server_name="127.0.0.1", server_port=port,
                                                  prevent_thread_lock=True, show_error=False, **launch_options())
    try:
        upload = tmp_path / "测试市养老服务.txt"
        upload.write_text(NEW_DOC, encoding="utf-8")
        url = f"http://127.0.0.1:{port}/"
        report = run_load(url, clients=20, questions=50, change=page_change(url, upload, "锁定两类对象"),
                          after=("2031年测试市要建成多少个社区食堂？", "重庆定点攻坚的对象分为哪两类？"))
    finally:
        app.close()
    assert report["requests"] == 1000 and report["errors"] == 0, report["first_errors"]
    assert "已添加" in report["change"]["upload"] and "已删除" in report["change"]["delete"], report["change"]
    new, deleted = report["after"]
    assert new["cited_titles"] == ["2031年测试市养老服务工作方案"] and "40个" in new["answer"]
    assert not any("定点攻坚" in t for t in deleted["cited_titles"])
    assert report["server_rss_mb_after"] and report["server_pid"]
