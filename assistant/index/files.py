"""Files of the index folder: the writer's lock, atomic writes and the swap of a new folder into place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TextIO

from assistant.errors import IndexBusyError
from embeddings.files import write_atomically

__all__ = ["WriterLock", "swap_in", "write_atomically", "write_text_atomically"]


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text so that a reader sees the old file or the new one, never half of one."""
    write_atomically(Path(path), text.encode("utf-8"))


class WriterLock:
    """An exclusive lock beside the index folder, so two builds never write at once."""

    def __init__(self, index_dir: Path) -> None:
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
            raise IndexBusyError(
                f"another process is writing the index {self._path.parent}; try again when it ends") from None
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
