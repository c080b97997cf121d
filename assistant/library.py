"""A document library: a folder of documents and its index, which files can be added to and removed from
while the assistant keeps answering.

Every page of the web UI shares one `Library`; `version` changes with every upload, deletion or undo, so a page
can tell that its lists are out of date. Deleted files go to `trash/` and the last deletion can be undone.

A file whose indexing failed, or was interrupted (the process killed while it was being indexed), is moved to
`quarantine/` with its reason: it is never retried on its own, and `retry_quarantined` or `delete_quarantined`
decides what becomes of it. Before each build that adds files, their names and hashes are written to
`indexing.json`; a journal found there by a later process that can take the index's writer lock belongs to a
build that died, and the files it names that the index does not hold are quarantined."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from assistant.api import Assistant, index_embedder
from assistant.config import AskConfig, IndexConfig
from assistant.errors import IndexBusyError, IndexLoadError, UploadError
from assistant.index.build import BuildReport, build_index, corpus_fingerprint
from assistant.index.files import WriterLock, write_text_atomically
from assistant.index.store import IndexStore
from assistant.ingest.corpus import SOURCES_FILE, Origin, read_origins
from assistant.ingest.readers import SUPPORTED_SUFFIXES, Extracted, read_file
from assistant.records import Document
from embeddings.deferred import DeferredEmbedder

if TYPE_CHECKING:
    from assistant.generate.generation import Generator
    from embeddings.models import Embedder

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
JOURNAL = "indexing.json"
REASON_SUFFIX = ".reason.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuarantinedFile:
    """A file set aside because its indexing failed or was interrupted, with the reason, in Chinese."""

    name: str
    reason: str
    quarantined_at: float  # seconds since the epoch
    size: int  # bytes


@dataclass(frozen=True)
class AddResult:
    """What adding a file did."""

    stored_as: str
    documents: tuple[Document, ...]
    report: BuildReport


@dataclass(frozen=True)
class Removal:
    """One deleted file: where it waits in the recycle folder (with its original, when one was kept) and the
    documents it held."""

    source_file: str
    trashed_as: str  # the file's name in trash/
    titles: tuple[str, ...]
    removed_at: float  # seconds since the epoch
    origin: dict | None = None  # its entry of the documents folder's .sources.json
    trashed_original: str = ""  # the kept original's name in trash/, "" when none was kept

    def to_json(self) -> dict:
        return {"source_file": self.source_file, "trashed_as": self.trashed_as, "titles": list(self.titles),
                "removed_at": self.removed_at, "origin": self.origin, "trashed_original": self.trashed_original}

    @classmethod
    def from_json(cls, data: dict) -> Removal:
        origin = data.get("origin")
        return cls(str(data["source_file"]), str(data["trashed_as"]), tuple(str(t) for t in data.get("titles", ())),
                   float(data.get("removed_at", 0.0)), origin if isinstance(origin, dict) else None,
                   str(data.get("trashed_original", "")))


def safe_name(original: str, content: bytes) -> str:
    """A file name that is safe on any system: the readable part of the name plus a content hash."""
    stem = Path(original.replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\u3400-\u9fff-]+", "_", stem).strip("._-")[:60] or "document"
    return f"{stem}_{hashlib.sha256(content).hexdigest()[:10]}.txt"


class Library:
    """Documents under `root/documents`, their index under `root/index`, deleted files under `root/trash`."""

    def __init__(self, root: str | Path, *, seed: str | Path | None = None,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, index_config: IndexConfig = IndexConfig(),
                 ask_config: AskConfig = AskConfig(), embedder: Embedder | None = None,
                 generator: Generator | None = None) -> None:
        if max_upload_bytes < 1:
            raise ValueError("max_upload_bytes must be positive")
        self.root = Path(root)
        self.documents_dir = self.root / "documents"
        self.index_dir = self.root / "index"
        self.trash_dir = self.root / "trash"
        self.quarantine_dir = self.root / "quarantine"
        self.originals_dir = self.root / "originals"  # uploaded files as they came, for download
        self.max_upload_bytes = max_upload_bytes
        self._index_config = index_config
        self._ask_config = ask_config
        self._embedder = embedder
        self._generator = generator
        self._lock = threading.RLock()
        self._assistant: Assistant | None = None
        self._version = 0
        self._updated_at = 0.0
        if not self.documents_dir.exists():
            self.documents_dir.mkdir(parents=True)
            if seed is not None:
                # A new library starts with copies of the seed documents; the seed itself is never changed.
                for path in sorted(Path(seed).iterdir()):
                    if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES \
                            and not path.name.upper().startswith("README"):
                        shutil.copyfile(path, self.documents_dir / path.name)

    def ensure_index(self, *, progress: bool = False, log: Callable[[str], None] = lambda m: None) -> BuildReport:
        """Build the index if it is missing or out of date, and (re)load the assistant. Files the build adds are
        journalled first; if the build fails they are quarantined (a busy index aside), and so are added files
        the build skipped (over the per-file budget, unreadable), with the build's reason."""
        return self._build(progress=progress, log=log)

    def _build(self, *, progress: bool = False, log: Callable[[str], None] = lambda m: None,
               refuse: str | None = None) -> BuildReport:
        """`ensure_index`; a skipped file named `refuse` stays where it is, for the caller to refuse."""
        with self._lock:
            self.recover_interrupted()
            pending = self._pending_files()
            if pending:
                self._write_journal(pending)
            try:
                report = build_index(self.documents_dir, self.index_dir, self._index_config, embedder=self._embedder,
                                     progress=progress, log=log)
            except IndexBusyError:
                self._clear_journal()
                raise
            except Exception as exc:
                reason = f"建立索引失败（{type(exc).__name__}: {_short(str(exc))}）"
                for name in pending:
                    self._quarantine(name, reason)
                self._clear_journal()
                raise
            skipped = {item.name: item.reason for item in report.skipped}
            for name in pending:
                if name in skipped and name != refuse:
                    self._quarantine(name, f"未能建立索引：{skipped[name]}")
            self._clear_journal()
            if self._assistant is None or not report.unchanged:
                self._assistant = Assistant.load(self.index_dir, embedder=self._embedder, config=self._ask_config,
                                                 generator=self._generator)
                self._version += 1
                self._updated_at = time.time() if not report.unchanged else self._index_time()
                if not report.unchanged:
                    # The build released its passage encoder; what the replaced index held goes back too.
                    from embeddings.models import trim_memory

                    trim_memory()
            return report

    # ---- quarantine ------------------------------------------------------------------------------------------

    def _indexed_files(self) -> dict[str, str] | None:
        """File name to content hash of what the index on disk was built from; None when there is no index."""
        try:
            manifest = json.loads((self.index_dir / "manifest.json").read_text(encoding="utf-8"))
            files = manifest["corpus_files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else None

    def _pending_files(self) -> dict[str, str]:
        """The files of documents/ the index does not hold as they are (new or changed); none for a first build,
        which indexes the library itself rather than additions to it."""
        indexed = self._indexed_files()
        if indexed is None or not self.documents_dir.is_dir():
            return {}
        return {name: digest for name, digest in corpus_fingerprint(self.documents_dir).items()
                if indexed.get(name) != digest}

    def _write_journal(self, files: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.root / JOURNAL, json.dumps(
            {"pid": os.getpid(), "started_at": time.time(), "files": files}, ensure_ascii=False))

    def _clear_journal(self) -> None:
        (self.root / JOURNAL).unlink(missing_ok=True)

    def recover_interrupted(self) -> list[QuarantinedFile]:
        """Quarantine the files an interrupted build was adding (called before serving, and before each build):
        a journal left by a process that no longer holds the writer's lock is a build that died. A file the
        index already holds with the same content finished before the process died and stays."""
        path = self.root / JOURNAL
        if not path.is_file():
            return []
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            files = {str(k): str(v) for k, v in journal["files"].items()}
            started = float(journal.get("started_at", 0.0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("unreadable indexing journal %s removed", path)
            path.unlink(missing_ok=True)
            return []
        try:
            with WriterLock(self.index_dir):
                indexed = self._indexed_files() or {}
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else "未知时间"
                moved = []
                for name, digest in files.items():
                    if indexed.get(name) == digest:
                        continue
                    item = self._quarantine(name, f"建立索引时被中断（{when} 开始的索引未完成，例如服务器被停止）")
                    if item is not None:
                        moved.append(item)
                path.unlink(missing_ok=True)
        except IndexBusyError:
            return []  # a build is running: the journal is its own
        for item in moved:
            log.warning("quarantined %s: %s", item.name, item.reason)
        return moved

    def _quarantine(self, name: str, reason: str) -> QuarantinedFile | None:
        """Move documents/NAME to quarantine/ with its reason; None when the file is no longer there."""
        source = self.documents_dir / name
        if Path(name).name != name or not source.is_file():
            return None
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        now = time.time()
        size = source.stat().st_size
        write_text_atomically(self.quarantine_dir / (name + REASON_SUFFIX), json.dumps(
            {"name": name, "reason": reason, "quarantined_at": now}, ensure_ascii=False))
        os.replace(source, self.quarantine_dir / name)
        return QuarantinedFile(name, reason, now, size)

    def quarantined(self) -> list[QuarantinedFile]:
        """The files in quarantine/, newest first, each with its reason."""
        if not self.quarantine_dir.is_dir():
            return []
        items = []
        for path in self.quarantine_dir.iterdir():
            if not path.is_file() or path.name.endswith(REASON_SUFFIX) or path.name.startswith("."):
                continue
            try:
                meta = json.loads((self.quarantine_dir / (path.name + REASON_SUFFIX)).read_text(encoding="utf-8"))
                reason, at = str(meta["reason"]), float(meta["quarantined_at"])
            except (OSError, ValueError, KeyError, TypeError):
                reason, at = "原因未记录", path.stat().st_mtime
            items.append(QuarantinedFile(path.name, reason, at, path.stat().st_size))
        return sorted(items, key=lambda q: (-q.quarantined_at, q.name))

    def _quarantined_path(self, name: str) -> Path:
        path = self.quarantine_dir / name
        if Path(name).name != name or name.endswith(REASON_SUFFIX) or not path.is_file():
            raise UploadError(f"隔离区中没有文件“{name}”")
        return path

    def retry_quarantined(self, name: str, *, log: Callable[[str], None] = lambda m: None) -> AddResult:
        """Put a quarantined file back into the library and index it; if that fails again it returns to
        quarantine with the new reason and UploadError says why."""
        with self._lock:
            path = self._quarantined_path(name)
            target = self.documents_dir / name
            if target.exists():
                raise UploadError(f"文档库中已有同名文件“{name}”，无法重试")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            indexed = self._indexed_files() or {}
            same = next((n for n, d in indexed.items() if d == digest and (self.documents_dir / n).is_file()), None)
            if same is not None:
                raise UploadError(f"文档库中已有内容相同的文件“{same}”")
            os.replace(path, target)
            (self.quarantine_dir / (name + REASON_SUFFIX)).unlink(missing_ok=True)
            try:
                report = self.ensure_index(log=log)
            except IndexBusyError:
                self._quarantine(name, "重试时索引正忙，请稍后再试")
                raise
            except Exception as exc:
                raise UploadError(f"重试失败，文件已放回隔离区：{_short(str(exc))}") from exc
            if not target.is_file():  # the build skipped it and put it back
                item = next((q for q in self.quarantined() if q.name == name), None)
                raise UploadError("重试失败，文件已放回隔离区" + (f"：{item.reason}" if item else ""))
            added = tuple(d for d in self.assistant.documents() if d.source_file == name)
            return AddResult(name, added, report)

    def delete_quarantined(self, name: str) -> None:
        """Delete a quarantined file, its reason and (for an upload) its original for good."""
        with self._lock:
            self._quarantined_path(name).unlink()
            (self.quarantine_dir / (name + REASON_SUFFIX)).unlink(missing_ok=True)
            origin = read_origins(self.documents_dir).get(name)
            if origin is not None and origin.original:
                self._forget_original(name, Path(origin.original).name)

    def open_existing(self, *, defer_model: bool = False) -> bool:
        """Load the assistant from the index already on disk, without building; False when there is none (or it
        is damaged), so a server can listen at once and bring the index up to date afterwards. Files an
        interrupted build was adding are quarantined first, so they are not indexed again on their own.

        With `defer_model`, the embedding model is not loaded here: the first question (or `load_model`)
        loads it, so a server can listen before it has."""
        with self._lock:
            if self._assistant is not None:
                return True
            self.recover_interrupted()
            try:
                if defer_model and self._embedder is None:
                    store = IndexStore.load(self.index_dir)
                    # The library's one embedder from now on: later builds and reloads wait for the same load.
                    deferred = DeferredEmbedder(partial(index_embedder, store), dimension=store.manifest.dimension)
                    # It answers everything an Embedder does (its identity properties wait for the load).
                    self._embedder = cast("Embedder", deferred)
                    self._assistant = Assistant(store, self._embedder, self._ask_config, self._generator)
                else:
                    self._assistant = Assistant.load(self.index_dir, embedder=self._embedder, config=self._ask_config,
                                                     generator=self._generator)
            except (IndexLoadError, ValueError):
                return False
            self._updated_at = self._index_time()
            return True

    def load_model(self) -> None:
        """Finish loading a model `open_existing(defer_model=True)` left for later; raises what its load raised
        (a ValueError when its vectors do not fit the index)."""
        if isinstance(self._embedder, DeferredEmbedder):
            self._embedder.wait()

    def refresh_in_background(self, log: Callable[[str], None] = lambda m: None) -> threading.Thread:
        """Bring the index up to date in a thread (files added while the server was down, an upload a crash
        interrupted); questions are answered from the loaded index meanwhile, and a failure is logged."""
        def run() -> None:
            try:
                self.ensure_index(log=log)
            except Exception as exc:  # the page keeps answering from the index it has
                log(f"后台更新索引失败：{type(exc).__name__}: {exc}")

        thread = threading.Thread(target=run, name="library-refresh", daemon=True)
        thread.start()
        return thread

    def _index_time(self) -> float:
        stamps = [p.stat().st_mtime for p in self.index_dir.iterdir() if p.is_file()] if self.index_dir.is_dir() else []
        return max(stamps, default=time.time())

    @property
    def version(self) -> int:
        """Changes whenever the set of documents changes (upload, deletion, undo); pages compare it."""
        return self._version

    @property
    def updated_at(self) -> float:
        """When the documents last changed (the index build time after a restart), seconds since the epoch."""
        return self._updated_at

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

    def file_documents(self, source_file: str) -> list[Document]:
        """The documents a stored file holds (a page can hold several)."""
        return [d for d in self.documents() if d.source_file == source_file]

    def add(self, original_name: str, data: bytes, *, progress: bool = False,
            log: Callable[[str], None] = lambda m: None) -> AddResult:
        """Check, convert, store and index one uploaded file; on any failure nothing changes."""
        if len(data) > self.max_upload_bytes:
            raise UploadError(f"文件过大：{len(data) / 1048576:.1f} MB，上限 {self.max_upload_bytes / 1048576:.0f} MB")
        extracted = read_file(data, original_name)
        text = extracted.text
        encoded = text.encode("utf-8")
        stored = safe_name(original_name, encoded)
        with self._lock:
            target = self.documents_dir / stored
            digest = hashlib.sha256(encoded).hexdigest()
            corpus_files = self.assistant.store.manifest.corpus_files
            if target.exists() or digest in corpus_files.values():
                same = next((name for name, value in corpus_files.items() if value == digest), stored)
                titles = "、".join(f"《{d.title}》" for d in self.file_documents(same))
                raise UploadError("文档库中已有内容相同的文件" + (f"：{titles}" if titles else ""))
            tmp = target.with_name("." + stored + ".part")
            tmp.write_text(text, encoding="utf-8")
            kept = self._keep_original(stored, original_name, data, extracted)
            os.replace(tmp, target)
            try:
                # An upload over the per-file budget is refused (nothing changes), not quarantined.
                report = self._build(progress=progress, log=log, refuse=stored)
            except IndexBusyError:
                target.unlink(missing_ok=True)
                self._forget_original(stored, kept)
                raise
            except Exception as exc:
                if (self.quarantine_dir / stored).is_file():
                    raise UploadError("建立索引时出错，文件已移入隔离区（可在文档库页重试或删除）") from exc
                target.unlink(missing_ok=True)
                self._forget_original(stored, kept)
                raise
            added = tuple(d for d in self.assistant.documents() if d.source_file == stored)
            if not added:
                target.unlink(missing_ok=True)
                self._forget_original(stored, kept)
                self.ensure_index()
                reason = next((item.reason for item in report.skipped if item.name == stored), "")
                raise UploadError(reason or "文件中没有可用的文字")
            return AddResult(stored, added, report)

    def original(self, source_file: str) -> tuple[Path, str] | None:
        """The uploaded file a stored document came from, as it came, and its original name; None when the
        file was not uploaded (a seed document) or its original was not kept."""
        origin = read_origins(self.documents_dir).get(Path(source_file).name)
        if origin is None or not origin.original:
            return None
        path = self.originals_dir / Path(origin.original).name
        return (path, origin.name or path.name) if path.is_file() else None

    def stored_file(self, source_file: str) -> Path | None:
        """The library's own file of a document (its text as stored, or a seed document as it came); None when
        it is not a plain file directly inside documents/ (a name with a folder in it, a link, a missing file)."""
        name = Path(source_file.replace("\\", "/")).name
        if not name or name != source_file or name.startswith(".") or name == SOURCES_FILE:
            return None
        path = self.documents_dir / name
        if path.is_symlink() or not path.is_file():
            return None
        return path

    def _keep_original(self, stored: str, original_name: str, data: bytes, extracted: Extracted) -> str:
        """Save the upload as it came under originals/ and record where the stored text came from in the
        documents folder's .sources.json; returns the kept file's name."""
        suffix = Path(original_name.replace("\\", "/")).suffix.lower()
        kept = Path(stored).stem + (suffix if re.fullmatch(r"\.[a-z0-9]{1,6}", suffix) else "")
        self.originals_dir.mkdir(parents=True, exist_ok=True)
        part = self.originals_dir / f".{kept}.part"
        part.write_bytes(data)
        os.replace(part, self.originals_dir / kept)
        origins = read_origins(self.documents_dir)
        origins[stored] = Origin(Path(original_name.replace("\\", "/")).name, extracted.format,
                                 extracted.ocr_pages, kept)
        self._write_origins(origins)
        return kept

    def _forget_original(self, stored: str, kept: str) -> None:
        (self.originals_dir / kept).unlink(missing_ok=True)
        origins = read_origins(self.documents_dir)
        if origins.pop(stored, None) is not None:
            self._write_origins(origins)

    def _write_origins(self, origins: dict[str, Origin]) -> None:
        path = self.documents_dir / SOURCES_FILE
        part = path.with_name(SOURCES_FILE + ".part")
        part.write_text(json.dumps({name: o.to_json() for name, o in sorted(origins.items())}, ensure_ascii=False,
                                   indent=1), encoding="utf-8")
        os.replace(part, path)

    def remove(self, source_file: str) -> Removal:
        """Move a stored file (every document it holds) to trash/ and update the index; see `undo_remove`."""
        name = Path(source_file).name
        with self._lock:
            path = self.documents_dir / name
            if name != source_file or not path.is_file():
                raise UploadError(f"文档库中没有文件“{source_file}”")
            remaining = [p for p in self.documents_dir.iterdir() if p.is_file() and p != path
                         and p.suffix.lower() in SUPPORTED_SUFFIXES]
            if not remaining:
                raise UploadError("不能删除最后一个文档")
            titles = tuple(d.title for d in self.file_documents(name))
            self.trash_dir.mkdir(parents=True, exist_ok=True)
            removed_at = time.time()
            trashed = f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(removed_at))}_{int(removed_at * 1e6) % 10**6:06d}__{name}"
            os.replace(path, self.trash_dir / trashed)
            origins = read_origins(self.documents_dir)
            origin = origins.pop(name, None)
            kept = self.originals_dir / origin.original if origin is not None and origin.original else None
            trashed_original = f"{trashed}.original{kept.suffix}" if kept is not None and kept.is_file() else ""
            if kept is not None and trashed_original:
                os.replace(kept, self.trash_dir / trashed_original)
            if origin is not None:
                self._write_origins(origins)
            try:
                self.ensure_index()
            except Exception:
                os.replace(self.trash_dir / trashed, path)
                if kept is not None and trashed_original:
                    os.replace(self.trash_dir / trashed_original, kept)
                if origin is not None:
                    self._write_origins({**origins, name: origin})
                raise
            removal = Removal(name, trashed, titles, removed_at, origin.to_json() if origin is not None else None,
                              trashed_original)
            self._write_removals(self._removals() + [removal])
            return removal

    def last_removal(self) -> Removal | None:
        """The most recent deletion that can still be undone."""
        removals = self._removals()
        return removals[-1] if removals else None

    def undo_remove(self) -> Removal:
        """Put the most recently deleted file back and index it again."""
        with self._lock:
            removals = self._removals()
            if not removals:
                raise UploadError("没有可以撤销的删除")
            last = removals[-1]
            source = self.trash_dir / last.trashed_as
            target = self.documents_dir / last.source_file
            if not source.is_file():
                self._write_removals(removals[:-1])
                raise UploadError("回收站中已没有该文件，无法撤销")
            if target.exists():
                raise UploadError(f"文档库中已有同名文件“{last.source_file}”，无法撤销")
            digest = hashlib.sha256(source.read_bytes()).hexdigest()
            if digest in self.assistant.store.manifest.corpus_files.values():
                raise UploadError("文档库中已有内容相同的文件，无法撤销")
            os.replace(source, target)
            origin = Origin.from_json(last.origin) if last.origin is not None else None
            original = self.trash_dir / last.trashed_original if last.trashed_original else None
            if origin is not None:
                if original is not None and original.is_file() and origin.original:
                    self.originals_dir.mkdir(parents=True, exist_ok=True)
                    os.replace(original, self.originals_dir / Path(origin.original).name)
                self._write_origins({**read_origins(self.documents_dir), last.source_file: origin})
            try:
                self.ensure_index()
            except Exception:
                os.replace(target, source)
                raise
            self._write_removals(removals[:-1])
            return last

    def _removals(self) -> list[Removal]:
        path = self.trash_dir / "deletions.json"
        try:
            return [Removal.from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def _write_removals(self, removals: list[Removal]) -> None:
        self.trash_dir.mkdir(parents=True, exist_ok=True)
        path = self.trash_dir / "deletions.json"
        tmp = path.with_name(".deletions.json.part")
        tmp.write_text(json.dumps([r.to_json() for r in removals], ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["AddResult", "Library", "QuarantinedFile", "Removal", "UploadError", "IndexLoadError", "safe_name"]
