"""Reading corpus files: encodings detected, binary and empty files reported and skipped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".text")
_ENCODINGS = ("utf-8-sig", "gb18030", "big5")


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


def _oddness(text: str) -> int:
    """How many characters look like a wrong guess of encoding (private-use, replacement, rare symbols)."""
    return sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd" or "\u3400" <= c <= "\u4dbf")


def decode(data: bytes) -> str:
    """Decode UTF-8, GB18030 or Big5 bytes; raise ValueError for binary data."""
    if b"\x00" in data[:4096]:
        raise ValueError("binary file (contains NUL bytes)")
    candidates: list[str] = []
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            candidates = [text]
            break
        candidates.append(text)
    if not candidates:
        raise ValueError("not text in UTF-8, GB18030 or Big5")
    # Big5 bytes often also decode as GB18030, into nonsense: keep the reading that looks most like text.
    text = min(candidates, key=_oddness)
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(8, len(text[:4096]) // 50):
        raise ValueError("binary file (control characters)")
    return text


def read_corpus(folder: Path) -> tuple[list[SourceFile], list[SkippedFile]]:
    """Every usable text file in `folder` (sorted by name), and the ones skipped with a reason."""
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.upper().startswith("README"):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(SkippedFile(path.name, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(SkippedFile(path.name, f"unreadable: {exc.strerror or exc}"))
            continue
        if not data.strip():
            skipped.append(SkippedFile(path.name, "empty file"))
            continue
        try:
            text = decode(data)
        except ValueError as exc:
            skipped.append(SkippedFile(path.name, str(exc)))
            continue
        files.append(SourceFile(path.name, text, hashlib.sha256(data).hexdigest()))
    return files, skipped
