"""The Milvus backend against Milvus Lite (a temporary .db file, or its server for two processes)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

# Looked up, not imported: importing them costs most of a second of every run's collection, fast tier included.
if not (importlib.util.find_spec("pymilvus") and importlib.util.find_spec("milvus_lite")):
    pytest.skip("needs pymilvus and milvus-lite (the milvus extra)", allow_module_level=True)

# Milvus Lite starts an engine per library: these run with the slow tier.
pytestmark = pytest.mark.integration

from assistant.api import Assistant  # noqa: E402
from assistant.config import RetrieverMode  # noqa: E402
from assistant.errors import IndexLoadError  # noqa: E402
from assistant.index import milvus  # noqa: E402
from assistant.index.backend import BackendConfig, configure_backend, current_backend  # noqa: E402
from assistant.index.build import build_index  # noqa: E402
from assistant.index.store import IndexStore  # noqa: E402
from assistant.records import Filters  # noqa: E402
from assistant.search.retrieval import Retriever  # noqa: E402
from tests.conftest import FakeEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Three invented documents: two years of one city's plan, and another province's rules.
DOCUMENTS = {
    "plan_2019.txt": "关于印发《甲市2019年就业帮扶工作要点》的通知\n一、目标任务\n（一）新建就业帮扶车间20个。\n"
                     "（二）开发公益岗位300个。\n二、保障措施\n（一）各区县人社局负责组织实施。",
    "plan_2020.txt": "关于印发《甲市2020年就业帮扶工作要点》的通知\n一、目标任务\n（一）新建就业帮扶车间35个。\n"
                     "（二）开发公益岗位500个。\n二、保障措施\n（一）市财政安排专项资金800万元。",
    "rules.txt": "山东省乡村公益岗位管理办法\n第一条 为规范乡村公益岗位管理，制定本办法。\n"
                 "第二条 公益岗位人员每月补贴不低于500元。\n第三条 本办法自2021年1月1日起施行。",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def lite(tmp_path: Path, monkeypatch) -> BackendConfig:
    """The Milvus backend on a Milvus Lite file of this test's own."""
    for name in ("POLICY_QA_BACKEND", "POLICY_QA_MILVUS_URI", "POLICY_QA_MILVUS_TOKEN", "POLICY_QA_MILVUS_COLLECTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICY_QA_BACKEND", "milvus")
    monkeypatch.setenv("POLICY_QA_MILVUS_URI", str(tmp_path / "milvus" / "library.db"))
    monkeypatch.setenv("POLICY_QA_MILVUS_COLLECTION", "test_library")
    return current_backend()


def _rows(config: BackendConfig, expr: str) -> list[dict]:
    client = milvus.connect(config)
    chunks, _ = milvus.collection_names(config.collection)
    return client.query(chunks, filter=expr, output_fields=["pk", "doc_id", "gen", "text"])


def test_backend_configuration_is_checked(monkeypatch):
    monkeypatch.delenv("POLICY_QA_BACKEND", raising=False)
    monkeypatch.delenv("POLICY_QA_MILVUS_URI", raising=False)
    assert not current_backend().is_milvus
    with pytest.raises(ValueError, match="server URI"):
        configure_backend("milvus")
    assert not current_backend().is_milvus  # a refused configuration changes nothing
    with pytest.raises(ValueError, match="collection name"):
        BackendConfig(milvus_uri="x.db", collection="bad-name")
    assert "secret" not in repr(BackendConfig(milvus_uri="x.db", milvus_token="secret"))


def test_build_and_answer(lite, corpus, tmp_path):
    report = build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    assert report.documents == 3 and report.chunks == report.embedded > 0
    store = IndexStore.load(tmp_path / "index")
    assert isinstance(store, milvus.MilvusStore) and store.generation == 1
    assert len(_rows(lite, "gen >= 0")) == report.chunks
    answer = Assistant.load(tmp_path / "index", embedder=FakeEmbedder()).ask("甲市2020年新建就业帮扶车间多少个")
    assert not answer.abstained and "35个" in answer.text
    assert answer.citations[0].doc_id.startswith("plan_2020")
    # Nothing changed: nothing is written.
    assert build_index(corpus, tmp_path / "index", embedder=FakeEmbedder()).unchanged


def _embedded_store(corpus: Path, folder: Path, monkeypatch) -> IndexStore:
    with monkeypatch.context() as m:
        m.setenv("POLICY_QA_BACKEND", "embedded")
        build_index(corpus, folder, embedder=FakeEmbedder())
        return IndexStore.load(folder)


def test_hybrid_search_filters_are_the_embedded_ones(lite, corpus, tmp_path, monkeypatch):
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    store = IndexStore.load(tmp_path / "index")
    embedded = Retriever(_embedded_store(corpus, tmp_path / "embedded", monkeypatch), FakeEmbedder())
    retriever = Retriever(store, FakeEmbedder())
    plan_2019 = next(d for d in store.documents if d.startswith("plan_2019"))
    cases = [Filters(), Filters(years=(2019,)), Filters(years=(2020, 2021)), Filters(regions=("山东",)),
             Filters(doc_ids=(plan_2019,)), Filters(years=(2019,), regions=("山东",)), Filters(years=(1999,))]
    for filters in cases:
        # Dense search over every chunk returns exactly the chunks the filter expression allows.
        found = retriever.search("就业帮扶 公益岗位", filters, k=100, candidates=100, rrf_k=60, mode=RetrieverMode.DENSE)
        allowed = {store.chunks[r.row].chunk_id for r in found}
        mask = embedded.eligible(filters)
        expected = {embedded.store.chunks[int(i)].chunk_id for i in np.flatnonzero(mask)}
        assert allowed == expected, (filters, store.filter_expression(filters))
    hits = retriever.search("公益岗位补贴每月多少", Filters(regions=("山东",)), k=5, candidates=30, rrf_k=60)
    assert hits and all(store.chunks[h.row].doc_id.startswith("rules") for h in hits)
    assert all(h.similarity > 0 for h in hits)
    hybrid = retriever.search("新建就业帮扶车间", Filters(years=(2019,)), k=3, candidates=30, rrf_k=60)
    assert hybrid and "20个" in store.chunks[hybrid[0].row].text
    assert retriever.search("车间", Filters(years=(1999,)), k=3, candidates=30, rrf_k=60) == []


def test_reindexing_a_changed_document_replaces_its_rows(lite, corpus, tmp_path):
    embedder = FakeEmbedder()
    build_index(corpus, tmp_path / "index", embedder=embedder)
    before = {r["doc_id"]: r["gen"] for r in _rows(lite, "gen >= 0")}
    (corpus / "plan_2020.txt").write_text(DOCUMENTS["plan_2020.txt"].replace("35个", "40个"), encoding="utf-8")
    encoded = embedder.passages_encoded
    report = build_index(corpus, tmp_path / "index", embedder=embedder)
    assert embedder.passages_encoded - encoded == report.embedded == 1  # one chunk's text changed
    rows = _rows(lite, "gen >= 0")
    changed = [r for r in rows if r["doc_id"].startswith("plan_2020")]
    assert changed and {r["gen"] for r in changed} == {2}  # the old rows are gone, the new ones are generation 2
    assert not any("35个" in r["text"] for r in rows) and any("40个" in r["text"] for r in changed)
    assert {r["doc_id"]: r["gen"] for r in rows if not r["doc_id"].startswith("plan_2020")} == \
        {d: g for d, g in before.items() if not d.startswith("plan_2020")}  # untouched documents keep their rows
    answer = Assistant.load(tmp_path / "index", embedder=FakeEmbedder()).ask("甲市2020年新建就业帮扶车间多少个")
    assert "40个" in answer.text


def test_deleting_a_document_removes_its_rows(lite, corpus, tmp_path):
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    (corpus / "rules.txt").unlink()
    report = build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    assert report.documents == 2
    assert not [r for r in _rows(lite, "gen >= 0") if r["doc_id"].startswith("rules")]
    store = IndexStore.load(tmp_path / "index")
    assert not any(d.startswith("rules") for d in store.documents)
    answer = Assistant(store, FakeEmbedder()).ask("山东省公益岗位人员每月补贴多少")
    assert answer.abstained or "500元" not in answer.text


def test_an_interrupted_ingest_leaves_the_previous_version_answerable(lite, corpus, tmp_path, monkeypatch):
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    (corpus / "plan_2020.txt").write_text(DOCUMENTS["plan_2020.txt"].replace("35个", "40个"), encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process stops after the new rows went in, before the switch

    with monkeypatch.context() as m:
        m.setattr(milvus, "_write_files", killed)
        with pytest.raises(KeyboardInterrupt):
            build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    assert _rows(lite, "gen == 2")  # the interrupted build's rows are there, unused
    store = IndexStore.load(tmp_path / "index")
    assert store.generation == 1
    answer = Assistant(store, FakeEmbedder()).ask("甲市2020年新建就业帮扶车间多少个")
    assert "35个" in answer.text and "40个" not in answer.text
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    assert IndexStore.load(tmp_path / "index").generation == 2
    assert not any("35个" in r["text"] for r in _rows(lite, "gen >= 0"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_READER = """
import json, sys
sys.path.insert(0, {root!r})
from assistant.api import Assistant
from tests.conftest import FakeEmbedder
assistant = Assistant.load({index!r}, embedder=FakeEmbedder())
answer = assistant.ask("甲市2020年新建就业帮扶车间多少个")
print(json.dumps({{"generation": assistant.store.generation, "answer": answer.text}}, ensure_ascii=False))
"""


def test_two_processes_read_one_library(corpus, tmp_path, monkeypatch):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "server"),
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        uri = f"http://127.0.0.1:{port}"
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        for name, value in (("POLICY_QA_BACKEND", "milvus"), ("POLICY_QA_MILVUS_URI", uri),
                            ("POLICY_QA_MILVUS_COLLECTION", "shared")):
            monkeypatch.setenv(name, value)
        build_index(corpus, tmp_path / "writer-index", embedder=FakeEmbedder())
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        script = _READER.format(root=str(ROOT), index=str(tmp_path / "reader-index"))
        readers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env, text=True) for _ in range(2)]
        results = [json.loads(r.communicate(timeout=120)[0].strip().splitlines()[-1]) for r in readers]
        assert all(r["generation"] == 1 and "35个" in r["answer"] for r in results)
        # An update through one process is seen by the others.
        (corpus / "plan_2020.txt").write_text(DOCUMENTS["plan_2020.txt"].replace("35个", "40个"), encoding="utf-8")
        build_index(corpus, tmp_path / "writer-index", embedder=FakeEmbedder())
        reader = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, text=True, timeout=120)
        result = json.loads(reader.stdout.strip().splitlines()[-1])
        assert result["generation"] == 2 and "40个" in result["answer"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_unreachable_server_gives_one_clear_message(tmp_path, monkeypatch):
    uri = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("POLICY_QA_BACKEND", "milvus")
    monkeypatch.setenv("POLICY_QA_MILVUS_URI", uri)
    with pytest.raises(IndexLoadError, match="无法连接 Milvus 服务"):
        IndexStore.load(tmp_path / "index")
    cli = subprocess.run([sys.executable, "-m", "assistant", "ask", "补贴多少", "--index-dir", str(tmp_path / "index"),
                          "--backend", "milvus", "--milvus-uri", uri], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert cli.returncode == 2
    message = f"错误：无法连接 Milvus 服务（{uri}）：请检查地址、端口和令牌是否正确，以及服务是否已启动。"
    assert cli.stderr.strip().splitlines() == [message]


def test_listing_libraries_and_dropping_older_formats(lite, corpus, tmp_path, monkeypatch, capsys):
    from assistant.cli import main
    from assistant.index import milvus_ops

    # A library built by a version of an older format, and another library of that format, on the same server.
    with monkeypatch.context() as m:
        m.setattr(milvus, "MILVUS_FORMAT", milvus.MILVUS_FORMAT - 1)
        build_index(corpus, tmp_path / "old-index", embedder=FakeEmbedder())
        m.setenv("POLICY_QA_MILVUS_COLLECTION", "other_library")
        build_index(corpus, tmp_path / "other-index", embedder=FakeEmbedder())
    old = [f"test_library_v{milvus.MILVUS_FORMAT - 1}_chunks", f"test_library_v{milvus.MILVUS_FORMAT - 1}_store"]
    uri = ["--milvus-uri", lite.milvus_uri, "--milvus-collection", "test_library"]
    # Until this version's format is built, the older collections are what older servers answer from.
    assert main(["milvus", "--drop-old", *uri]) == 2
    assert "还没有本版本格式" in capsys.readouterr().err
    assert set(old) <= set(milvus.connect(lite).list_collections())

    report = build_index(corpus, tmp_path / "index", embedder=FakeEmbedder())
    libraries = {(lib.name, lib.format): lib for lib in milvus_ops.list_libraries(lite)}
    assert set(libraries) == {("test_library", milvus.MILVUS_FORMAT), ("test_library", milvus.MILVUS_FORMAT - 1),
                              ("other_library", milvus.MILVUS_FORMAT - 1)}
    current = libraries[("test_library", milvus.MILVUS_FORMAT)]
    assert current.complete and (current.generation, current.documents, current.chunks) == (1, 3, report.chunks)
    assert current.collections[0] == (milvus.collection_names("test_library")[0], report.chunks)
    assert not libraries[("test_library", milvus.MILVUS_FORMAT - 1)].readable
    assert main(["milvus", "--list", *uri]) == 0
    listed = capsys.readouterr().out
    assert f"test_library  格式 {milvus.MILVUS_FORMAT}：第 1 代在用，3 篇文档" in listed and "旧格式" in listed

    assert main(["milvus", "--drop-old", *uri]) == 0
    assert capsys.readouterr().out.split() == [part for name in old for part in ("已删除", name)]
    left = set(milvus.connect(lite).list_collections())
    assert not set(old) & left
    assert set(milvus.collection_names("test_library")) <= left  # this version's library stays and answers
    assert {f"other_library_v{milvus.MILVUS_FORMAT - 1}_chunks", f"other_library_v{milvus.MILVUS_FORMAT - 1}_store"} \
        <= left  # another library is not this command's to drop
    answer = Assistant.load(tmp_path / "index", embedder=FakeEmbedder()).ask("甲市2020年新建就业帮扶车间多少个")
    assert "35个" in answer.text
    assert main(["milvus", "--drop-old", *uri]) == 0 and "没有旧格式" in capsys.readouterr().out


def test_dropping_older_formats_never_touches_newer_ones(lite, corpus, tmp_path, monkeypatch):
    from assistant.index import milvus_ops

    with monkeypatch.context() as m:
        m.setattr(milvus, "MILVUS_FORMAT", milvus.MILVUS_FORMAT + 1)  # built by a newer version
        build_index(corpus, tmp_path / "new-index", embedder=FakeEmbedder())
    newer = set(milvus.connect(lite).list_collections())
    assert len(newer) == 2
    [library] = milvus_ops.list_libraries(lite)
    assert library.format == milvus.MILVUS_FORMAT + 1 and not library.readable and library.generation == 0
    assert milvus_ops.drop_older_formats(lite) == milvus_ops.drop_older_formats(lite, force=True) == []
    assert set(milvus.connect(lite).list_collections()) == newer


class BatchSensitiveEmbedder(FakeEmbedder):
    """Like the 8-bit encoder, a text's vector depends a little on the batch it is encoded in."""

    def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        vectors = super().encode_passages(texts) + 0.01 * len(texts)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _stored_vectors(config: BackendConfig) -> dict[str, np.ndarray]:
    client = milvus.connect(config)
    chunks, _ = milvus.collection_names(config.collection)
    client.load_collection(chunks)
    rows = client.query(chunks, filter="gen >= 0", output_fields=["pk", "dense"])
    return {str(r["pk"]).split("@")[0]: np.asarray(r["dense"], dtype=np.float32) for r in rows}


def test_both_backends_store_the_same_vectors(lite, corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(milvus, "INSERT_ROWS", 2)  # many insert requests: encoding must not follow them
    with monkeypatch.context() as m:
        m.setenv("POLICY_QA_BACKEND", "embedded")
        build_index(corpus, tmp_path / "embedded", embedder=BatchSensitiveEmbedder())
        embedded = IndexStore.load(tmp_path / "embedded")
    build_index(corpus, tmp_path / "index", embedder=BatchSensitiveEmbedder())
    stored = _stored_vectors(lite)
    vectors = embedded.vectors.reconstruct_all()
    assert len(stored) == len(embedded.chunks) > 2
    for row in range(len(embedded.chunks)):
        np.testing.assert_allclose(stored[embedded.chunks[row].chunk_id], vectors[row], atol=1e-6)


def test_copying_an_embedded_index_into_milvus(lite, corpus, tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        m.setenv("POLICY_QA_BACKEND", "embedded")
        build_index(corpus, tmp_path / "embedded", embedder=FakeEmbedder())
        embedded = IndexStore.load(tmp_path / "embedded")
    copied = subprocess.run([sys.executable, "-m", "assistant", "milvus", "--from-index", str(tmp_path / "embedded"),
                             "--milvus-uri", lite.milvus_uri, "--milvus-collection", lite.collection],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert copied.returncode == 0, copied.stderr
    assert f"3 篇文档，写入 {len(embedded.chunks)} 行" in copied.stdout
    assert "Traceback" not in copied.stderr  # Milvus Lite's refusals of calls pymilvus does without are not shown
    stored = _stored_vectors(lite)
    vectors = embedded.vectors.reconstruct_all()
    assert {embedded.chunks[row].chunk_id: vectors[row].tolist() for row in range(len(embedded.chunks))} == \
        {chunk_id: vector.tolist() for chunk_id, vector in stored.items()}
    # The copy is the library of those documents: a build over them has nothing to do, and it answers.
    embedder = FakeEmbedder()
    assert build_index(corpus, tmp_path / "index", embedder=embedder).unchanged and embedder.passages_encoded == 0
    answer = Assistant.load(tmp_path / "index", embedder=FakeEmbedder()).ask("甲市2020年新建就业帮扶车间多少个")
    assert "35个" in answer.text
