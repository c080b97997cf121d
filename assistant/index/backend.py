"""Which index backend a process uses: the embedded folder (FAISS + bm25s) or a Milvus collection.

The choice is configuration, read from the environment so that every entry point (CLI, web UI, eval, the
Python API, and any process they start) sees the same one; the command lines' `--backend`, `--milvus-uri`,
`--milvus-token` and `--milvus-collection` set these variables for their process."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum

BACKEND_ENV = "POLICY_QA_BACKEND"
URI_ENV = "POLICY_QA_MILVUS_URI"
TOKEN_ENV = "POLICY_QA_MILVUS_TOKEN"  # never logged
COLLECTION_ENV = "POLICY_QA_MILVUS_COLLECTION"
DEFAULT_COLLECTION = "policy_qa"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


class Backend(StrEnum):
    """Where an index lives."""

    EMBEDDED = "embedded"
    MILVUS = "milvus"


@dataclass(frozen=True)
class BackendConfig:
    """The index backend and, for Milvus, where the server is and which library (collection name) to use."""

    backend: Backend = Backend.EMBEDDED
    milvus_uri: str = ""
    milvus_token: str = ""
    collection: str = DEFAULT_COLLECTION

    def __post_init__(self) -> None:
        if self.backend not in tuple(Backend):
            raise ValueError(f"backend must be one of {', '.join(Backend)}, not {self.backend!r}")
        if self.backend == Backend.MILVUS and not self.milvus_uri:
            raise ValueError(f"the milvus backend needs a server URI (--milvus-uri or {URI_ENV}): a file path such as "
                             "./library.db for Milvus Lite, or http://host:19530 for a Milvus server or cluster")
        if not _NAME.fullmatch(self.collection):
            raise ValueError("the Milvus collection name must be letters, digits and underscores, starting with a "
                             f"letter or underscore, not {self.collection!r}")

    @property
    def is_milvus(self) -> bool:
        return self.backend == Backend.MILVUS

    def __repr__(self) -> str:  # the token is a secret: never in logs or tracebacks
        token = ", milvus_token=***" if self.milvus_token else ""
        return (f"BackendConfig(backend={self.backend.value!r}, milvus_uri={self.milvus_uri!r}{token}, "
                f"collection={self.collection!r})")

    @classmethod
    def from_env(cls) -> BackendConfig:
        """The configuration the environment gives (embedded when nothing is set)."""
        backend = os.environ.get(BACKEND_ENV, "").strip().lower() or Backend.EMBEDDED.value
        if backend not in {b.value for b in Backend}:
            raise ValueError(f"{BACKEND_ENV} must be one of {', '.join(Backend)}, not {backend!r}")
        return cls(Backend(backend), os.environ.get(URI_ENV, "").strip(), os.environ.get(TOKEN_ENV, ""),
                   os.environ.get(COLLECTION_ENV, "").strip() or DEFAULT_COLLECTION)


def current_backend() -> BackendConfig:
    """The backend this process is configured for."""
    return BackendConfig.from_env()


def configure_backend(backend: str | None = None, *, milvus_uri: str | None = None, milvus_token: str | None = None,
                      collection: str | None = None) -> BackendConfig:
    """Set the backend for this process (and those it starts) from command-line values; None keeps what the
    environment says. Returns the resulting configuration, checked."""
    values = {BACKEND_ENV: backend, URI_ENV: milvus_uri, TOKEN_ENV: milvus_token, COLLECTION_ENV: collection}
    before = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is not None:
            os.environ[name] = value
    if milvus_uri is not None and backend is None and not os.environ.get(BACKEND_ENV):
        os.environ[BACKEND_ENV] = Backend.MILVUS.value  # a server URI alone means that server
    try:
        return BackendConfig.from_env()
    except ValueError:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        raise


def add_backend_arguments(parser) -> None:
    """The backend options every command line offers (argparse)."""
    group = parser.add_argument_group("index backend")
    group.add_argument("--backend", choices=[b.value for b in Backend], default=None,
                       help=f"embedded (index folder, default) or milvus; or set {BACKEND_ENV}")
    group.add_argument("--milvus-uri", default=None,
                       help=f"Milvus Lite file (./library.db) or server (http://host:19530); or set {URI_ENV}")
    group.add_argument("--milvus-token", default=None,
                       help=f"Milvus token or user:password (prefer {TOKEN_ENV}: arguments are visible to others)")
    group.add_argument("--milvus-collection", default=None,
                       help=f"the library's collection name prefix (default {DEFAULT_COLLECTION}); or set {COLLECTION_ENV}")


def apply_backend_arguments(args) -> BackendConfig:
    """Configure this process from parsed `add_backend_arguments` options."""
    return configure_backend(getattr(args, "backend", None), milvus_uri=getattr(args, "milvus_uri", None),
                             milvus_token=getattr(args, "milvus_token", None),
                             collection=getattr(args, "milvus_collection", None))
