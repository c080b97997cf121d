"""Reading a corpus folder: every supported format through one reader; unusable files reported and skipped.

A folder may hold `.sources.json` (a library's documents folder does): for a stored text file, the original it
was extracted from (its name, format, the pages read by OCR), so that provenance survives a rebuild."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UploadError
from assistant.ingest.readers import SUPPORTED_SUFFIXES, read_file

SOURCES_FILE = ".sources.json"


@dataclass(frozen=True)
class Origin:
    """Where a stored text came from: the original file's name, its format, and pages read by OCR."""

    name: str = ""
    format: str = ""
    ocr_pages: int = 0
    original: str = ""  # the original's file name in the library's originals/ folder, "" when not kept

    def to_json(self) -> dict:
        return {"name": self.name, "format": self.format, "ocr_pages": self.ocr_pages, "original": self.original}

    @classmethod
    def from_json(cls, data: object) -> Origin | None:
        if not isinstance(data, dict):
            return None
        pages = data.get("ocr_pages", 0)
        return cls(str(data.get("name", "")), str(data.get("format", "")),
                   pages if isinstance(pages, int) and not isinstance(pages, bool) and pages >= 0 else 0,
                   str(data.get("original", "")))


@dataclass(frozen=True)
class SourceFile:
    """A corpus file decoded to text."""

    name: str
    text: str
    sha256: str
    format: str = ""  # txt / md / html / docx / pdf / png / jpg: what the text was read from
    ocr_pages: int = 0
    original_name: str = ""  # the name of the file the text was extracted from, when it is not this one


@dataclass(frozen=True)
class CorpusEntry:
    """A corpus file found and hashed but not yet read (reading a scan means OCR: done only when needed)."""

    name: str
    path: Path
    sha256: str
    origin: Origin | None = None

    def read(self) -> SourceFile:
        """Extract the text; UploadError when the file cannot be used."""
        extracted = read_file(self.path.read_bytes(), self.name)
        origin = self.origin
        if origin is None:
            return SourceFile(self.name, extracted.text, self.sha256, extracted.format, extracted.ocr_pages)
        return SourceFile(self.name, extracted.text, self.sha256, origin.format or extracted.format,
                          origin.ocr_pages or extracted.ocr_pages, origin.name)

    @property
    def provenance(self) -> tuple[str, int, str]:
        """(format, OCR pages, original name) as far as known without reading; format "" when unknown."""
        if self.origin is None:
            return "", 0, ""
        return self.origin.format, self.origin.ocr_pages, self.origin.name


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that could not be used, and why."""

    name: str
    reason: str


def read_origins(folder: Path) -> dict[str, Origin]:
    """The folder's `.sources.json`: stored file name to its origin (empty when there is none or it is damaged)."""
    try:
        raw = json.loads((Path(folder) / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    origins = {}
    for name, value in raw.items():
        origin = Origin.from_json(value)
        if isinstance(name, str) and origin is not None:
            origins[name] = origin
    return origins


def scan_corpus(folder: Path) -> tuple[list[CorpusEntry], list[SkippedFile]]:
    """Every supported file in `folder` (sorted by name) with its content hash, without reading its text; and
    the ones skipped with a reason."""
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    entries: list[CorpusEntry] = []
    skipped: list[SkippedFile] = []
    root = folder.resolve()
    origins = read_origins(folder)
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
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            skipped.append(SkippedFile(path.name, f"无法读取：{exc.strerror or exc}"))
            continue
        entries.append(CorpusEntry(path.name, path, digest, origins.get(path.name)))
    return entries, skipped


def read_entries(entries: list[CorpusEntry], skipped: list[SkippedFile]) -> list[SourceFile]:
    """The text of each entry; the unreadable ones are added to `skipped` with their reason."""
    files: list[SourceFile] = []
    for entry in entries:
        try:
            files.append(entry.read())
        except UploadError as exc:
            skipped.append(SkippedFile(entry.name, str(exc)))
        except OSError as exc:
            skipped.append(SkippedFile(entry.name, f"无法读取：{exc.strerror or exc}"))
    return files


def read_corpus(folder: Path) -> tuple[list[SourceFile], list[SkippedFile]]:
    """Every usable file in `folder` (sorted by name) as text, and the ones skipped with a reason."""
    entries, skipped = scan_corpus(folder)
    return read_entries(entries, skipped), skipped
