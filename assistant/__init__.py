"""Question answering over Chinese policy documents, with cited, extractive answers.

The names below are the public API used by the CLI, the web UI and the evaluation alike."""

from __future__ import annotations

from assistant.api import Assistant
from assistant.config import AskConfig, IndexConfig, RetrieverMode, default_corpus_dir, default_index_dir, policy_home
from assistant.errors import IndexBusyError, IndexLoadError, LLMError, QuestionError, UploadError
from assistant.exports import write_export
from assistant.feedback import AuditEvent, FeedbackItem, FeedbackStore
from assistant.generate.generation import Generator
from assistant.generate.llm import LLMConfig
from assistant.index import milvus as milvus_backend
from assistant.index import milvus_ops
from assistant.index.backend import (
    Backend,
    BackendConfig,
    add_backend_arguments,
    apply_backend_arguments,
    configure_backend,
    current_backend,
)
from assistant.index.build import BuildReport, build_index, embedding_text, passage_texts, warm_up, write_index
from assistant.index.lexical import index_terms
from assistant.index.store import IndexStore, open_index
from assistant.ledger import LedgerEntry, ledger_units, task_ledger, write_ledger
from assistant.library import AddResult, Library
from assistant.records import Answer, Chunk, Citation, Document, Filters
from assistant.text.normalize import match_form, normalize, readable
from assistant.text.regions import PROVINCES
from assistant.text.sentences import sentence_spans
from assistant.text.tokens import encoding as token_encoding
from embeddings.models import load_embedder

__all__ = ["Assistant", "Answer", "Citation", "Document", "Chunk", "QuestionError", "AskConfig", "IndexConfig",
           "build_index", "BuildReport", "IndexLoadError", "IndexBusyError", "match_form", "default_index_dir",
           "default_corpus_dir", "Library", "AddResult", "UploadError", "FeedbackStore", "FeedbackItem",
           "Generator", "LLMConfig", "LLMError", "write_index", "passage_texts", "load_embedder", "warm_up",
           "token_encoding", "policy_home", "RetrieverMode", "write_export", "AuditEvent", "LedgerEntry", "task_ledger",
           "ledger_units", "write_ledger",
           # for tools that read or write index folders (benchmarks, synthetic corpora)
           "IndexStore", "open_index", "index_terms", "normalize", "readable", "sentence_spans", "PROVINCES",
           "embedding_text", "Filters",
           # the index backend (embedded folder or Milvus), chosen in configuration
           "Backend", "BackendConfig", "configure_backend", "current_backend", "add_backend_arguments",
           "apply_backend_arguments", "milvus_backend", "milvus_ops"]
__version__ = "0.1.0"
