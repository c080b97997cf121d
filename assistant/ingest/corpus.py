"""Reading a corpus folder: every supported format through one reader; unusable files reported and skipped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UploadError
from assistant.ingest.readers import SUPPORTED_SUFFIXES, extract_text


@dataclass(frozen=True)
class SourceFile:
    """A corpus file decoded to text."""

    name: str
    text: str
    sha256: str


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that could not be used, and why."""

    name: str
    reason: str


def read_corpus(folder: Path) -> tuple[list[SourceFile], list[SkippedFile]]:
    """Every usable text file in `folder` (sorted by name), and the ones skipped with a reason."""
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    root = folder.resolve()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.upper().startswith("README"):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            skipped.append(SkippedFile(path.name, "指向文档文件夹之外的链接，未读取"))
            continue
        if not path.is_file():
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(SkippedFile(path.name, f"不支持的文件类型“{path.suffix or '无扩展名'}”"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(SkippedFile(path.name, f"无法读取：{exc.strerror or exc}"))
            continue
        try:
            text = extract_text(data, path.name)
        except UploadError as exc:
            skipped.append(SkippedFile(path.name, str(exc)))
            continue
        files.append(SourceFile(path.name, text, hashlib.sha256(data).hexdigest()))
    return files, skipped
