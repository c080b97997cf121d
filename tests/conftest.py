"""Shared fixtures: a deterministic fake embedder and small corpora."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import default_corpus_dir
from assistant.text.normalize import normalize

FIXTURES = Path(__file__).parent / "fixtures"


def fast_tier(config: pytest.Config) -> bool:
    """Whether this run leaves out the integration tier (the README's fast tier): random searches run fewer rounds
    there, and the whole suite runs them in full."""
    return "not integration" in (config.getoption("markexpr") or "")


class FakeEmbedder:
    """Hashes character bigrams into a unit vector: deterministic, fast, no model needed."""

    model_id = "fake-bigram"
    model_hash = "fake0001"
    dimension = 64

    def __init__(self) -> None:
        self.passages_encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        norm = normalize(text)
        for a, b in zip(norm, norm[1:]):
            slot = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16) % self.dimension
            vec[slot] += 1.0
        length = np.linalg.norm(vec)
        return vec / length if length else vec

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        self.passages_encoded += len(texts)
        return self.encode_queries(texts)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(default_corpus_dir(), target)
    return target


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory) -> Path:
    """The bundled corpus indexed once with the fake embedder."""
    from assistant.index.build import build_index

    folder = tmp_path_factory.mktemp("fake-index") / "index"
    build_index(default_corpus_dir(), folder, embedder=FakeEmbedder())
    return folder


@pytest.fixture(scope="session")
def _library_template(tmp_path_factory) -> Path:
    """A library seeded with the bundled corpus and indexed once with the fake embedder: only ever copied."""
    from assistant.library import Library

    root = tmp_path_factory.mktemp("library-template") / "lib"
    Library(root, seed=default_corpus_dir(), embedder=FakeEmbedder()).ensure_index()
    return root


@pytest.fixture
def built_library_root(tmp_path: Path, _library_template: Path) -> Path:
    """A writable library folder (tmp_path / "lib"), seeded and indexed: what a first start leaves on disk.

    Copied from one built once per session, as copying takes milliseconds and building half a second."""
    target = tmp_path / "lib"
    shutil.copytree(_library_template, target)
    return target


def assistant_over(folder: Path, files: dict[str, str], config=None):
    """An assistant on the fake embedder over invented documents (file name -> text), written and indexed under
    `folder`."""
    from assistant.api import Assistant
    from assistant.config import AskConfig
    from assistant.index.build import build_index

    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, folder / "index", embedder=FakeEmbedder())
    return Assistant.load(folder / "index", embedder=FakeEmbedder(), config=config or AskConfig())


def turns(question: str, answer: str) -> list[dict]:
    """A chat history of one question and its answer."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.fixture(scope="session")
def fake_assistant(fake_index):
    from assistant.api import Assistant

    return Assistant.load(fake_index, embedder=FakeEmbedder())


def read_bundled(name: str) -> str:
    return (default_corpus_dir() / name).read_text(encoding="utf-8")
