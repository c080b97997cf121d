"""The library tab lists quarantined files with their reason, and retries or deletes them."""

from __future__ import annotations

import hashlib
import json

from assistant import FeedbackStore, Library
from assistant.config import default_corpus_dir
from tests.conftest import FakeEmbedder
from ui.app import build_app, quarantine_rows

GOOD = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n"
        "一、总体目标\n(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")


def _quarantined_library(tmp_path) -> Library:
    root = tmp_path / "lib"
    Library(root, seed=default_corpus_dir(), embedder=FakeEmbedder()).ensure_index()
    for name in ("plan_01.txt", "![x](javascript:alert(1))_02.txt"):
        (root / "documents" / name).write_text(GOOD.replace("7号", name[-6:-4] + "号"), encoding="utf-8")
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "documents").glob("*_0?.txt")}
    (root / "indexing.json").write_text(json.dumps({"pid": 1, "started_at": 0, "files": files}), encoding="utf-8")
    library = Library(root, seed=default_corpus_dir(), embedder=FakeEmbedder())
    assert library.open_existing()
    return library


def _fn(app, name: str):
    return next(block.fn for block in app.fns.values() if getattr(block.fn, "__name__", "") == name)


def test_quarantined_files_are_listed_with_reason_and_retried_or_deleted(tmp_path):
    library = _quarantined_library(tmp_path)
    rows = quarantine_rows(library)
    assert sorted(r[0] for r in rows) == ["![x](javascript:alert(1))_02.txt", "plan_01.txt"]
    assert all("中断" in r[1] for r in rows)
    app = build_app(library, FeedbackStore(tmp_path / "feedback.db"))
    table = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "quarantine-table")
    assert sorted(row[0] for row in table.value["data"]) == sorted(r[0] for r in rows)

    version = library.version
    message, rows, _ = _fn(app, "on_retry")("plan_01.txt", None)
    assert message.startswith("✅") and "2021年测试市乡村振兴工作要点" in message
    assert [r[0] for r in rows] == ["![x](javascript:alert(1))_02.txt"] and library.version > version
    assert any(d.source_file == "plan_01.txt" for d in library.documents())

    message, rows, _ = _fn(app, "on_delete")("![x](javascript:alert(1))_02.txt", None)
    assert "已永久删除" in message and "](" not in message  # the name is shown as text
    assert rows == [] and library.quarantined() == []
    message, _, _ = _fn(app, "on_retry")("../documents/plan_01.txt", None)
    assert "隔离区中没有" in message
    message, _, _ = _fn(app, "on_delete")(None, None)
    assert "请先选择" in message
