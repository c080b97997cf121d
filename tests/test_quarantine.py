"""Files whose indexing failed or was interrupted are quarantined with their reason, never retried on their own."""

import json
import time

import pytest

import assistant.library as library_module
from assistant import Library, UploadError
from assistant.config import IndexConfig, default_corpus_dir
from assistant.index.files import WriterLock
from tests.conftest import FakeEmbedder

GOOD = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n"
        "一、总体目标\n(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")
OTHER = ("测试县2022年饮水安全实施方案\n一、工作目标\n(一)到2022年底,农村自来水普及率达到93%。\n")


def _library(root, **kwargs):
    return Library(root, seed=default_corpus_dir(), embedder=FakeEmbedder(), **kwargs)


@pytest.fixture
def root(built_library_root):
    return built_library_root


def _interrupted_upload(root, name: str, text: str) -> None:
    """What a server killed while indexing an upload leaves: the file stored, the journal naming it."""
    import hashlib

    (root / "documents" / name).write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (root / "indexing.json").write_text(json.dumps({"pid": 999999, "started_at": time.time() - 60,
                                                    "files": {name: digest}}), encoding="utf-8")


def test_interrupted_upload_is_quarantined_before_serving_and_not_retried(root):
    _interrupted_upload(root, "plan_0123456789.txt", GOOD)
    lib = _library(root)
    assert lib.open_existing()  # what the server does before it listens
    assert not (root / "documents" / "plan_0123456789.txt").exists()
    assert not (root / "indexing.json").exists()
    [item] = lib.quarantined()
    assert item.name == "plan_0123456789.txt" and "中断" in item.reason and item.size > 0
    lib.refresh_in_background().join()  # the background refresh after listening does not index it
    assert all(d.source_file != item.name for d in lib.documents())
    assert len(lib.documents()) == 7
    # A later start still shows it, with the same reason.
    assert [q.reason for q in _library(root).quarantined()] == [item.reason]


def test_retry_indexes_a_quarantined_file_and_delete_removes_one(root):
    _interrupted_upload(root, "plan_0123456789.txt", GOOD)
    lib = _library(root)
    lib.open_existing()
    version = lib.version
    result = lib.retry_quarantined("plan_0123456789.txt")
    assert result.documents and result.documents[0].number == "测试府发〔2021〕7号"
    assert "5万亩" in lib.assistant.ask("2021年测试市新建多少亩高标准农田").text
    assert lib.quarantined() == [] and lib.version > version
    assert not list((root / "quarantine").iterdir())

    _interrupted_upload(root, "water_0123456789.txt", OTHER)
    lib = _library(root)
    lib.open_existing()
    assert [q.name for q in lib.quarantined()] == ["water_0123456789.txt"]
    lib.delete_quarantined("water_0123456789.txt")
    assert lib.quarantined() == [] and not list((root / "quarantine").iterdir())
    for bad in ("water_0123456789.txt", "../documents/001_4eddf58954baa6ae.txt", "x.reason.json", ""):
        with pytest.raises(UploadError, match="隔离区中没有"):
            lib.retry_quarantined(bad)
        with pytest.raises(UploadError, match="隔离区中没有"):
            lib.delete_quarantined(bad)


def test_a_file_the_index_already_holds_stays(root):
    """Killed after the new index was swapped in but before the journal was cleared: nothing to quarantine."""
    lib = _library(root)
    lib.add("plan.txt", GOOD.encode("utf-8"))
    stored = next(p.name for p in (root / "documents").iterdir() if p.name.startswith("plan_"))
    _interrupted_upload(root, stored, GOOD)
    lib = _library(root)
    assert lib.open_existing()
    assert lib.quarantined() == [] and (root / "documents" / stored).is_file()
    assert not (root / "indexing.json").exists()


def test_a_running_build_keeps_its_journal(root):
    _interrupted_upload(root, "plan_0123456789.txt", GOOD)
    with WriterLock(root / "index"):  # another process is building
        assert _library(root).recover_interrupted() == []
    assert (root / "documents" / "plan_0123456789.txt").is_file() and (root / "indexing.json").is_file()


def test_an_unreadable_journal_is_dropped(root):
    (root / "indexing.json").write_text("{not json", encoding="utf-8")
    lib = _library(root)
    assert lib.open_existing() and lib.quarantined() == []
    assert not (root / "indexing.json").exists()


def test_failed_indexing_quarantines_the_upload_and_keeps_the_library(root, monkeypatch):
    lib = _library(root)
    lib.open_existing()

    def broken(*args, **kwargs):
        raise MemoryError("out of memory while encoding")

    monkeypatch.setattr(library_module, "build_index", broken)
    with pytest.raises(UploadError, match="隔离区"):
        lib.add("plan.txt", GOOD.encode("utf-8"))
    [item] = lib.quarantined()
    assert item.name.startswith("plan_") and "MemoryError" in item.reason and "out of memory" in item.reason
    assert len(lib.documents()) == 7 and not (root / "indexing.json").exists()
    assert not any(p.name.startswith("plan_") for p in (root / "documents").iterdir())
    # Retrying while it still fails puts it back, with the new reason.
    with pytest.raises(UploadError, match="隔离区"):
        lib.retry_quarantined(item.name)
    assert [q.name for q in lib.quarantined()] == [item.name]
    monkeypatch.undo()
    lib.retry_quarantined(item.name)
    assert lib.quarantined() == [] and "5万亩" in lib.assistant.ask("2021年测试市新建多少亩高标准农田").text


def test_a_busy_index_is_not_the_file_s_fault(root):
    lib = _library(root)
    lib.open_existing()
    with WriterLock(root / "index"), pytest.raises(Exception, match="另一个进程"):
        lib.add("plan.txt", GOOD.encode("utf-8"))
    assert lib.quarantined() == [] and not (root / "indexing.json").exists()


def test_files_added_by_hand_over_the_budget_are_quarantined_with_the_reason(tmp_path):
    config = IndexConfig(max_chunks_per_file=100)
    lib = _library(tmp_path / "lib", index_config=config)
    lib.ensure_index()
    (tmp_path / "lib" / "documents" / "markers.txt").write_text("".join(f"第{i}条\n" for i in range(1, 400)),
                                                               encoding="utf-8")
    (tmp_path / "lib" / "documents" / "water.txt").write_text(OTHER, encoding="utf-8")
    lib = _library(tmp_path / "lib", index_config=config)
    lib.open_existing()
    lib.refresh_in_background().join()
    [item] = lib.quarantined()
    assert item.name == "markers.txt" and "上限" in item.reason
    assert any(d.source_file == "water.txt" for d in lib.documents())


def test_an_upload_over_the_budget_is_refused_not_quarantined(tmp_path):
    lib = _library(tmp_path / "lib", index_config=IndexConfig(max_chunks_per_file=100))
    lib.ensure_index()
    before = len(lib.documents())
    with pytest.raises(UploadError, match="上限"):
        lib.add("markers.txt", "".join(f"第{i}条\n" for i in range(1, 400)).encode("utf-8"))
    assert lib.quarantined() == [] and len(lib.documents()) == before


def test_deleting_a_quarantined_upload_deletes_its_original(root, monkeypatch):
    lib = _library(root)
    lib.open_existing()
    monkeypatch.setattr(library_module, "build_index", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(UploadError, match="隔离区"):
        lib.add("plan.txt", GOOD.encode("utf-8"))
    [item] = lib.quarantined()
    assert "disk full" in item.reason and list((root / "originals").iterdir())
    lib.delete_quarantined(item.name)
    assert not list((root / "originals").iterdir()) and lib.quarantined() == []
