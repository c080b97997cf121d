"""The viewer's download: an upload's original under its own name and format, a seed document's own file, and
nothing outside the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import FeedbackStore, Library
from assistant.config import default_corpus_dir
from tests.conftest import FakeEmbedder
from tests.documents import docx_bytes
from ui.app import build_app
from ui.downloads import GONE, NO_DOCUMENT, download_name, prepare_original

NEW_DOC = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n一、总体目标\n"
           "(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")


@pytest.fixture
def library(tmp_path) -> Library:
    library = Library(tmp_path / "lib", seed=default_corpus_dir(), embedder=FakeEmbedder())
    library.ensure_index()
    return library


def _fn(app, name: str):
    return next(block.fn for block in app.fns.values() if getattr(block.fn, "__name__", "") == name)


def test_the_viewer_offers_an_uploads_original_under_its_name(library, tmp_path):
    data = docx_bytes(NEW_DOC.splitlines())
    result = library.add("乡村振兴 工作要点.docx", data)
    doc_id = result.documents[0].doc_id
    app = build_app(library, FeedbackStore(tmp_path / "feedback.db"))
    message, path = _fn(app, "download_original")(doc_id, None)
    assert path is not None and Path(path).name == "乡村振兴 工作要点.docx" and Path(path).read_bytes() == data
    assert "乡村振兴 工作要点.docx" in message and "Word" in message
    # the copy lives outside the library: deleting it leaves the kept original alone
    kept = library.original(result.stored_as)
    assert kept is not None and Path(path).parent != kept[0].parent
    Path(path).unlink()
    assert kept[0].read_bytes() == data


def test_a_seed_document_gives_its_own_file_and_a_lost_original_the_text_with_a_note(library, tmp_path):
    seed = library.documents()[0]
    message, path = prepare_original(library, seed.doc_id, tmp_path)
    assert path is not None and Path(path).name == seed.source_file
    assert Path(path).read_bytes() == (library.documents_dir / seed.source_file).read_bytes()
    assert "文档库中的文件" in message

    result = library.add("乡村振兴 工作要点.docx", docx_bytes(NEW_DOC.splitlines()))
    kept = library.original(result.stored_as)
    assert kept is not None
    kept[0].unlink()  # an original lost (or a library from before originals were kept)
    message, path = prepare_original(library, result.documents[0].doc_id, tmp_path)
    assert path is not None and Path(path).name == result.stored_as and "原文件没有保留" in message
    assert Path(path).read_text(encoding="utf-8") == (library.documents_dir / result.stored_as).read_text(encoding="utf-8")


def test_nothing_outside_the_library_is_given(library, tmp_path):
    assert prepare_original(library, None, tmp_path) == (NO_DOCUMENT, None)
    assert prepare_original(library, "", tmp_path) == (NO_DOCUMENT, None)
    for doc_id in ("../../../etc/passwd", "/etc/passwd", "no-such-document"):
        assert prepare_original(library, doc_id, tmp_path) == (GONE, None)
    for name in ("../feedback.db", "/etc/passwd", "sub/x.txt", ".sources.json", ".hidden.txt", ""):
        assert library.stored_file(name) is None
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (library.documents_dir / "link.txt").symlink_to(outside)
    assert library.stored_file("link.txt") is None
    seed = library.documents()[0]
    assert library.stored_file(seed.source_file) == library.documents_dir / seed.source_file


def test_download_names_are_safe():
    assert download_name("../../a/b.docx", "x.docx") == "b.docx"
    assert download_name("C:\\Users\\me\\计划.pdf", "x.pdf") == "计划.pdf"
    assert download_name("a\x00b\nc?.txt", "x.txt") == "a_b_c_.txt"
    assert download_name("...", "kept.docx") == "kept.docx" and download_name("", "kept.docx") == "kept.docx"
    long = download_name("长" * 300 + ".docx", "x")
    assert len(long) <= 120 and long.endswith(".docx")


def test_the_ledger_viewer_offers_its_documents_file_too(library, tmp_path):
    from types import SimpleNamespace

    app = build_app(library, FeedbackStore(tmp_path / "feedback.db"))
    drawn = _fn(app, "ledger_view")("全部", None)
    sources = drawn[2]
    assert sources and drawn[-3:] == (None, "", None)  # a redrawn ledger has nothing to download yet
    html, doc_id, status, file = _fn(app, "open_ledger_row")(sources, SimpleNamespace(index=[0]))
    assert doc_id == sources[0]["doc_id"] and "ledger-doc-viewer" in html and (status, file) == ("", None)
    message, path = _fn(app, "download_original")(doc_id, None)
    source_file = library.assistant.document(doc_id).source_file
    assert path is not None and Path(path).name == source_file
    assert Path(path).read_bytes() == (library.documents_dir / source_file).read_bytes()
    skipped = _fn(app, "open_ledger_row")(sources, SimpleNamespace(index=[10**6]))  # a row gone: nothing changes
    assert len(skipped) == 4 and not any(isinstance(x, str) for x in skipped)
