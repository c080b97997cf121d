"""Question answering over Chinese policy documents, with cited, extractive answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Assistant", "Answer", "Citation", "Document", "QuestionError", "AskConfig", "IndexConfig",
           "build_index", "BuildReport", "IndexLoadError", "IndexBusyError", "match_form", "default_index_dir",
           "default_corpus_dir", "Library", "AddResult", "UploadError", "FeedbackStore", "FeedbackItem",
           "Generator", "LLMConfig", "LLMError", "write_index", "passage_texts", "build_synthetic_index",
           "load_embedder", "warm_up", "token_encoding", "policy_home"]
__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from assistant.api import Assistant, QuestionError
    from assistant.config import AskConfig, IndexConfig, default_corpus_dir, default_index_dir, policy_home
    from assistant.indexing import (BuildReport, IndexBusyError, IndexLoadError, build_index, passage_texts,
                                    warm_up, write_index)
    from assistant.synthetic import build_synthetic_index
    from assistant.tokens import encoding as token_encoding
    from embeddings.models import load_embedder
    from assistant.records import Answer, Citation, Document
    from assistant.feedback import FeedbackItem, FeedbackStore
    from assistant.generation import Generator
    from assistant.llm import LLMConfig, LLMError
    from assistant.library import AddResult, Library
    from assistant.textnorm import match_form
    from assistant.uploads import UploadError

_LOCATIONS = {
    "Assistant": "assistant.api", "QuestionError": "assistant.api", "AskConfig": "assistant.config",
    "IndexConfig": "assistant.config", "default_corpus_dir": "assistant.config",
    "default_index_dir": "assistant.config", "policy_home": "assistant.config", "build_index": "assistant.indexing",
    "BuildReport": "assistant.indexing", "IndexLoadError": "assistant.indexing",
    "IndexBusyError": "assistant.indexing", "Answer": "assistant.records", "Citation": "assistant.records",
    "Document": "assistant.records", "match_form": "assistant.textnorm", "Library": "assistant.library",
    "AddResult": "assistant.library", "UploadError": "assistant.uploads", "FeedbackStore": "assistant.feedback",
    "FeedbackItem": "assistant.feedback", "Generator": "assistant.generation", "LLMConfig": "assistant.llm",
    "LLMError": "assistant.llm", "write_index": "assistant.indexing", "passage_texts": "assistant.indexing",
    "build_synthetic_index": "assistant.synthetic", "load_embedder": "embeddings.models",
    "warm_up": "assistant.indexing",
}


def __getattr__(name: str):
    if name == "token_encoding":  # the offline cl100k encoding, for other tools that count tokens
        from assistant.tokens import encoding

        return encoding
    # Heavy modules (jieba, faiss, torch) load only when a name is first used.
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
