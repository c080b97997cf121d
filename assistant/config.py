"""Configuration, checked when it is made."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def policy_home() -> Path:
    """Where the product keeps its caches and library: $POLICY_QA_HOME, or ~/.cache/policy-qa."""
    home = os.environ.get("POLICY_QA_HOME")
    return Path(home) if home else Path.home() / ".cache" / "policy-qa"


def default_corpus_dir() -> Path:
    """The bundled documents."""
    return PROJECT_ROOT / "data" / "corpus"


def default_index_dir() -> Path:
    """$POLICY_QA_INDEX, or data/index beside the bundled corpus."""
    env = os.environ.get("POLICY_QA_INDEX")
    return Path(env) if env else PROJECT_ROOT / "data" / "index"


@dataclass(frozen=True)
class IndexConfig:
    """How documents become an index."""

    model: str = "default"
    max_chunk_tokens: int = 400

    def __post_init__(self) -> None:
        if not self.model:
            raise ValueError("model must name the bundled model ('default'), a model name or a folder")
        if not 32 <= self.max_chunk_tokens <= 4096:
            raise ValueError("max_chunk_tokens must be between 32 and 4096")


@dataclass(frozen=True)
class AskConfig:
    """How questions are answered."""

    top_k: int = 10
    candidates: int = 50
    rerank: bool = True
    rerank_depth: int = 30
    rrf_k: int = 60
    retriever: str = "hybrid"
    max_question_chars: int = 2000
    min_coverage: float = 0.6
    max_answer_chars: int = 140

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if self.candidates < self.top_k:
            raise ValueError("candidates must be at least top_k")
        if not self.top_k <= self.rerank_depth <= self.candidates:
            raise ValueError("rerank_depth must be between top_k and candidates")
        if self.rrf_k < 1:
            raise ValueError("rrf_k must be at least 1")
        if self.retriever not in {"hybrid", "bm25", "dense"}:
            raise ValueError("retriever must be 'hybrid', 'bm25' or 'dense'")
        if self.max_question_chars < 10:
            raise ValueError("max_question_chars must be at least 10")
        if not 0.0 <= self.min_coverage <= 1.0:
            raise ValueError("min_coverage must be between 0 and 1")
        if self.max_answer_chars < 40:
            raise ValueError("max_answer_chars must be at least 40")
