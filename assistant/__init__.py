"""Question answering over Chinese policy documents, with cited, extractive answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Assistant", "Answer", "Citation", "Document", "QuestionError", "AskConfig", "IndexConfig",
           "build_index", "IndexLoadError", "IndexBusyError"]
__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from assistant.api import Assistant, QuestionError
    from assistant.config import AskConfig, IndexConfig
    from assistant.indexing import IndexBusyError, IndexLoadError, build_index
    from assistant.records import Answer, Citation, Document

_LOCATIONS = {
    "Assistant": "assistant.api", "QuestionError": "assistant.api", "AskConfig": "assistant.config",
    "IndexConfig": "assistant.config", "build_index": "assistant.indexing", "IndexLoadError": "assistant.indexing",
    "IndexBusyError": "assistant.indexing", "Answer": "assistant.records", "Citation": "assistant.records",
    "Document": "assistant.records",
}


def __getattr__(name: str):
    # Heavy modules (jieba, faiss, torch) load only when a name is first used.
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
