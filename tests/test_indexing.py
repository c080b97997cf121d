import json

import pytest

from assistant.api import Assistant
from assistant.errors import IndexBusyError, IndexLoadError
from assistant.index.build import build_index
from assistant.index.files import WriterLock
from assistant.index.store import IndexStore
from tests.conftest import FakeEmbedder


def test_build_writes_manifest_and_loads(fake_index):
    store = IndexStore.load(fake_index)
    manifest = json.loads((fake_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"] == "fake-bigram" and manifest["dimension"] == 64
    assert len(manifest["corpus_files"]) == 5 and manifest["dictionary_hash"]
    assert store.manifest.documents == 7 == len(store.documents)
    assert store.vectors.size == len(store.chunks) == store.manifest.chunks


def test_rebuild_with_no_change_does_nothing(corpus_copy, tmp_path):
    embedder = FakeEmbedder()
    build_index(corpus_copy, tmp_path / "idx", embedder=embedder)
    first = embedder.passages_encoded
    report = build_index(corpus_copy, tmp_path / "idx", embedder=embedder)
    assert report.unchanged and embedder.passages_encoded == first and report.encode_seconds == 0.0


def test_changed_document_reembeds_only_new_text(corpus_copy, tmp_path):
    embedder = FakeEmbedder()
    build_index(corpus_copy, tmp_path / "idx", embedder=embedder)
    (corpus_copy / "005_new.txt").write_text("关于印发《2021年测试方案》的通知\n一、目标\n(一)新建100个站点。", encoding="utf-8")
    before = embedder.passages_encoded
    report = build_index(corpus_copy, tmp_path / "idx", embedder=embedder)
    assert 0 < report.embedded == embedder.passages_encoded - before <= 5
    assert report.reused >= 200
    assert 0.0 < report.encode_seconds < report.seconds


def test_skipped_files_are_reported_and_the_rest_indexed(corpus_copy, tmp_path):
    (corpus_copy / "broken.txt").write_bytes(b"\x00\x01binary")
    report = build_index(corpus_copy, tmp_path / "idx", embedder=FakeEmbedder())
    assert [s.name for s in report.skipped] == ["broken.txt"]
    assert report.documents == 7


def test_missing_foreign_and_corrupt_indexes_name_the_rebuild_command(fake_index, tmp_path):
    with pytest.raises(IndexLoadError, match="python -m assistant index"):
        IndexStore.load(tmp_path / "nowhere")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(IndexLoadError, match="python -m assistant index"):
        IndexStore.load(foreign)
    import shutil
    broken = tmp_path / "broken"
    shutil.copytree(fake_index, broken)
    (broken / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexLoadError, match="索引已损坏"):
        IndexStore.load(broken)
    import numpy as np
    truncated = tmp_path / "truncated"
    shutil.copytree(fake_index, truncated)
    meta = np.load(truncated / "chunk_meta.npy")
    np.save(truncated / "chunk_meta.npy", meta[:-3])
    with pytest.raises(IndexLoadError, match="索引已损坏"):
        IndexStore.load(truncated)
    miscounted = tmp_path / "miscounted"
    shutil.copytree(fake_index, miscounted)
    manifest = json.loads((miscounted / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunks"] += 1
    (miscounted / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="索引已损坏"):
        IndexStore.load(miscounted)


class ExplodingEmbedder(FakeEmbedder):
    model_hash = "explode1"

    def encode_passages(self, texts, *, show_progress=False):
        raise RuntimeError("power cut")


def test_interrupted_build_leaves_the_previous_index_usable(corpus_copy, tmp_path):
    target = tmp_path / "idx"
    build_index(corpus_copy, target, embedder=FakeEmbedder())
    with pytest.raises(RuntimeError, match="power cut"):
        build_index(corpus_copy, target, embedder=ExplodingEmbedder())
    store = IndexStore.load(target)
    assert store.manifest.model_hash == "fake0001"
    assert not [p for p in tmp_path.iterdir() if ".build-" in p.name]


def test_a_second_writer_is_refused(tmp_path, corpus_copy):
    target = tmp_path / "idx"
    with WriterLock(target), pytest.raises(IndexBusyError, match="另一个进程"):
        build_index(corpus_copy, target, embedder=FakeEmbedder())


def test_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "c").mkdir()
    with pytest.raises(ValueError, match="no readable documents"):
        build_index(tmp_path / "c", tmp_path / "idx", embedder=FakeEmbedder())


def test_dimension_mismatch_is_refused(fake_index):
    class Other(FakeEmbedder):
        dimension = 32
    with pytest.raises(ValueError, match="rebuild the index"):
        Assistant.load(fake_index, embedder=Other())


def test_provision_counts_from_the_section_column_match_the_chunks(fake_assistant):
    store = fake_assistant.store
    for position, doc_id in enumerate(store.document_order):
        sections = {store.chunks[int(r)].section for r in store.chunks.rows_of(position)} - {("前言",)}
        assert fake_assistant.provision_count(doc_id) == len(sections)
    assert sum(fake_assistant.provision_count(d) for d in store.document_order) > len(store.document_order)
    counts = store.chunks.section_counts()
    assert len(counts) == len(store.document_order) and counts.sum() >= sum(
        fake_assistant.provision_count(d) for d in store.document_order)
