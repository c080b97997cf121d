"""A document library: a folder of documents and its index, which files can be added to and removed from
while the assistant keeps answering."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.api import Assistant
from assistant.config import AskConfig, IndexConfig
from assistant.errors import IndexLoadError, UploadError
from assistant.index.build import BuildReport, build_index
from assistant.ingest.readers import SUPPORTED_SUFFIXES, extract_text
from assistant.records import Document

if TYPE_CHECKING:
    from assistant.generate.generation import Generator
    from embeddings.models import Embedder

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class AddResult:
    """What adding a file did."""

    stored_as: str
    documents: tuple[Document, ...]
    report: BuildReport


def safe_name(original: str, content: bytes) -> str:
    """A file name that is safe on any system: the readable part of the name plus a content hash."""
    stem = Path(original.replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\u3400-\u9fff-]+", "_", stem).strip("._-")[:60] or "document"
    return f"{stem}_{hashlib.sha256(content).hexdigest()[:10]}.txt"


class Library:
    """Documents under `root/documents`, their index under `root/index`."""

    def __init__(self, root: str | Path, *, seed: str | Path | None = None,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, index_config: IndexConfig = IndexConfig(),
                 ask_config: AskConfig = AskConfig(), embedder: Embedder | None = None,
                 generator: Generator | None = None) -> None:
        if max_upload_bytes < 1:
            raise ValueError("max_upload_bytes must be positive")
        self.root = Path(root)
        self.documents_dir = self.root / "documents"
        self.index_dir = self.root / "index"
        self.max_upload_bytes = max_upload_bytes
        self._index_config = index_config
        self._ask_config = ask_config
        self._embedder = embedder
        self._generator = generator
        self._lock = threading.RLock()
        self._assistant: Assistant | None = None
        if not self.documents_dir.exists():
            self.documents_dir.mkdir(parents=True)
            if seed is not None:
                # A new library starts with copies of the seed documents; the seed itself is never changed.
                for path in sorted(Path(seed).iterdir()):
                    if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES \
                            and not path.name.upper().startswith("README"):
                        shutil.copyfile(path, self.documents_dir / path.name)

    def ensure_index(self, *, progress: bool = False, log: Callable[[str], None] = lambda m: None) -> BuildReport:
        """Build the index if it is missing or out of date, and (re)load the assistant."""
        with self._lock:
            report = build_index(self.documents_dir, self.index_dir, self._index_config, embedder=self._embedder,
                                 progress=progress, log=log)
            if self._assistant is None or not report.unchanged:
                self._assistant = Assistant.load(self.index_dir, embedder=self._embedder, config=self._ask_config,
                                                 generator=self._generator)
            return report

    @property
    def assistant(self) -> Assistant:
        """The assistant over the current index (built on first use)."""
        current = self._assistant
        if current is None:
            self.ensure_index()
            current = self._assistant
        assert current is not None
        return current

    def documents(self) -> list[Document]:
        """The indexed documents."""
        return self.assistant.documents()

    def add(self, original_name: str, data: bytes, *, progress: bool = False,
            log: Callable[[str], None] = lambda m: None) -> AddResult:
        """Check, convert, store and index one uploaded file; on any failure nothing changes."""
        if len(data) > self.max_upload_bytes:
            raise UploadError(f"文件过大：{len(data) / 1048576:.1f} MB，上限 {self.max_upload_bytes / 1048576:.0f} MB")
        text = extract_text(data, original_name)
        encoded = text.encode("utf-8")
        stored = safe_name(original_name, encoded)
        with self._lock:
            target = self.documents_dir / stored
            digest = hashlib.sha256(encoded).hexdigest()
            if target.exists() or digest in self.assistant.store.manifest.corpus_files.values():
                raise UploadError("文档库中已有内容相同的文件")
            tmp = target.with_name("." + stored + ".part")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
            try:
                report = self.ensure_index(progress=progress, log=log)
            except Exception:
                target.unlink(missing_ok=True)
                raise
            added = tuple(d for d in self.assistant.documents() if d.source_file == stored)
            if not added:
                target.unlink(missing_ok=True)
                self.ensure_index()
                raise UploadError("文件中没有可用的文字")
            return AddResult(stored, added, report)

    def remove(self, source_file: str) -> BuildReport:
        """Delete a stored file (every document it holds) and update the index."""
        name = Path(source_file).name
        with self._lock:
            path = self.documents_dir / name
            if name != source_file or not path.is_file():
                raise UploadError(f"文档库中没有文件“{source_file}”")
            remaining = [p for p in self.documents_dir.iterdir() if p.is_file() and p != path
                         and p.suffix.lower() in SUPPORTED_SUFFIXES]
            if not remaining:
                raise UploadError("不能删除最后一个文档")
            backup = path.with_name("." + name + ".deleted")
            os.replace(path, backup)
            try:
                report = self.ensure_index()
            except Exception:
                os.replace(backup, path)
                raise
            backup.unlink(missing_ok=True)
            return report


__all__ = ["AddResult", "Library", "UploadError", "IndexLoadError", "safe_name"]
