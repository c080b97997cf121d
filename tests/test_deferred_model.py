"""A restarted server listens before its model has loaded: the index answers the page at once, questions wait
for the model, and a model that fails or does not fit the index is reported to every caller."""

from __future__ import annotations

import threading

import pytest

from assistant import Library
from assistant.config import default_corpus_dir
from embeddings.deferred import DeferredEmbedder
from tests.conftest import FakeEmbedder


def test_the_model_loads_once_when_started_or_first_used():
    calls: list[int] = []
    gate = threading.Event()

    def load():
        gate.wait(5)
        calls.append(1)
        return FakeEmbedder()

    deferred = DeferredEmbedder(load, dimension=FakeEmbedder.dimension)
    assert not deferred.loaded and calls == [] and deferred.dimension == FakeEmbedder.dimension
    deferred.start()
    deferred.start()
    gate.set()
    vector = deferred.encode_queries(["消费扶贫专柜"])
    assert vector.shape == (1, FakeEmbedder.dimension) and deferred.loaded and calls == [1]
    assert (vector == FakeEmbedder().encode_queries(["消费扶贫专柜"])).all()
    assert deferred.model_hash == FakeEmbedder.model_hash and deferred.model_id == FakeEmbedder.model_id
    assert deferred.encode_passages(["一段文字"]).shape == (1, FakeEmbedder.dimension) and calls == [1]
    with pytest.raises(AttributeError):
        deferred.__missing_private  # noqa: B018 - private names are not forwarded (and do not load)


def test_a_failed_or_unfitting_model_raises_in_every_caller():
    def broken():
        raise OSError("model files missing")

    deferred = DeferredEmbedder(broken, dimension=64)
    for _ in range(2):
        with pytest.raises(OSError, match="missing"):
            deferred.encode_queries(["x"])
    unfitting = DeferredEmbedder(FakeEmbedder, dimension=FakeEmbedder.dimension + 1)
    with pytest.raises(ValueError, match="rebuild the index"):
        unfitting.wait()
    with pytest.raises(ValueError):
        DeferredEmbedder(FakeEmbedder, dimension=0)


def test_a_library_opens_without_its_model_and_loads_it_for_the_first_question(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    Library(root, seed=default_corpus_dir(), embedder=FakeEmbedder()).ensure_index()
    loads: list[str] = []

    def index_embedder(store):
        loads.append(store.manifest.model_id)
        return FakeEmbedder()

    monkeypatch.setattr("assistant.library.index_embedder", index_embedder)
    library = Library(root, seed=default_corpus_dir())
    assert library.open_existing(defer_model=True)
    titles = [d.title for d in library.documents()]  # what the page is drawn from: no model needed
    assert titles and loads == []
    answer = library.assistant.ask("2020年消费扶贫专柜目标是多少")
    assert loads == [FakeEmbedder.model_id] and answer.citations
    library.load_model()  # already loaded: nothing more
    assert loads == [FakeEmbedder.model_id]
    # the library keeps the one model for its builds: adding nothing new reuses the index and loads nothing more
    assert library.ensure_index().unchanged and loads == [FakeEmbedder.model_id]
