"""Files of the index folder: the writer's lock, atomic writes, the swap of a new folder into place, the
per-file checksums the manifest records, and removing what a killed build left behind."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import TextIO

from assistant.errors import IndexBusyError
from embeddings.files import write_atomically

__all__ = ["WriterLock", "swap_in", "write_atomically", "write_text_atomically", "file_checksums", "sha256_of",
           "leftovers", "remove_leftovers", "tidy_leftovers"]

log = logging.getLogger(__name__)
MANIFEST_NAME = "manifest.json"


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text so that a reader sees the old file or the new one, never half of one."""
    write_atomically(Path(path), text.encode("utf-8"))


class WriterLock:
    """An exclusive lock beside the index folder, so two builds never write at once."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = Path(index_dir)
        self._path = index_dir.parent / f".{index_dir.name}.lock"
        self._handle: TextIO | None = None

    def __enter__(self) -> WriterLock:
        import fcntl

        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = handle = self._path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            log.info("index %s: lock %s is held by another writer", self._index_dir, self._path)
            raise IndexBusyError(f"索引（{self._index_dir}）正在被另一个进程更新，请等它完成后再试。") from None
        # Holding the lock, no build is running: whatever an earlier, killed one left is garbage now.
        remove_leftovers(self._index_dir)
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self._handle:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()


def swap_in(new: Path, target: Path) -> None:
    """Replace `target` with `new` so that a crash leaves either the old or the new index."""
    if not target.exists():
        os.rename(new, target)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, read in pieces (index files can be gigabytes)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(folder: Path) -> tuple[dict[str, str], dict[str, int]]:
    """For every file of an index folder but the manifest (by path relative to it, with /), its SHA-256 and
    its size in bytes: what the manifest records at write time and `--verify` checks."""
    folder = Path(folder)
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST_NAME:
            hashes[name] = sha256_of(path)
            sizes[name] = path.stat().st_size
    return hashes, sizes


def leftovers(index_dir: Path) -> list[Path]:
    """Folders a build leaves beside the index while it runs (`.NAME.build-*`, `.NAME.old-*`)."""
    parent, name = Path(index_dir).parent, Path(index_dir).name
    if not parent.is_dir():
        return []
    return sorted([*parent.glob(f".{name}.build-*"), *parent.glob(f".{name}.old-*")])


def remove_leftovers(index_dir: Path) -> None:
    """Remove a killed build's folders; call only while holding the writer's lock. A build killed in the middle
    of its swap leaves no index but the previous one as `.NAME.old-*`: that one is put back first."""
    index_dir = Path(index_dir)
    found = leftovers(index_dir)
    if not found:
        return
    if not index_dir.exists():
        olds = [p for p in found if ".old-" in p.name and (p / MANIFEST_NAME).is_file()]
        if olds:
            newest = max(olds, key=lambda p: p.stat().st_mtime)
            os.rename(newest, index_dir)
            log.warning("index %s was missing after an interrupted swap; restored it from %s", index_dir, newest.name)
            found.remove(newest)
    for path in found:
        log.warning("removing %s, left by an interrupted index build", path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def tidy_leftovers(index_dir: Path) -> None:
    """Remove a killed build's folders when no writer holds the lock (a reader's courtesy: never raises)."""
    if not leftovers(index_dir):
        return
    try:
        with WriterLock(Path(index_dir)):
            pass  # taking the lock removes them
    except IndexBusyError:
        pass  # a build is running: its folders are not leftovers
    except OSError as exc:  # a read-only place, say: leave them
        log.info("could not tidy leftovers of %s: %s", index_dir, exc)
