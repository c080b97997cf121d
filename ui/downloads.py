"""The file behind the document shown in the viewer, for download: the upload as it came (its original name
and format) when the library kept it, otherwise the library's own file of the document."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from assistant import Library
from ui.render import plain

log = logging.getLogger("policy_qa.ui")

MAX_NAME_CHARS = 120  # longer original names are cut (before the suffix): some systems refuse longer ones
FORMAT_NAMES = {"txt": "文本", "md": "Markdown", "html": "网页", "docx": "Word", "pdf": "PDF", "png": "图片",
                "jpg": "图片"}
NO_DOCUMENT = "请先点击引用来源，在上方查看一篇文档，再下载它的原文件。"
GONE = "该文档已不在文档库中。"
FAILED = "出错了，请稍后再试。"


def download_name(name: str, fallback: str) -> str:
    """A name the browser can save the file under: no folders, control characters or leading dots."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "_", name).strip().lstrip(".")
    if not name:
        return fallback
    stem, dot, suffix = name.rpartition(".")
    if len(name) > MAX_NAME_CHARS:
        name = (stem[: MAX_NAME_CHARS - len(suffix) - 1] + "." + suffix) if dot and len(suffix) <= 10 \
            else name[:MAX_NAME_CHARS]
    return name


def prepare_original(library: Library, doc_id: str | None, folder: Path) -> tuple[str, str | None]:
    """A message and a copy, under a new folder inside `folder`, of the file `doc_id` came from (None when there
    is nothing to download)."""
    if not isinstance(doc_id, str) or not doc_id:
        return NO_DOCUMENT, None
    try:
        document = library.assistant.document(doc_id)
    except KeyError:
        return GONE, None
    kept = library.original(document.source_file)
    if kept is not None:
        source, name = kept
        note = "，".join(p for p in (FORMAT_NAMES.get(document.source_format, document.source_format),
                                     document.ocr_note) if p)
        name = download_name(name, source.name)
        message = f"原文件“{plain(name)}”（{plain(note)}）已准备好，点击下方文件下载。"
    else:
        stored = library.stored_file(document.source_file)
        if stored is None:
            return f"《{plain(document.title)}》的文件已不在文档库中，无法下载。", None
        source, name = stored, stored.name
        if stored.suffix.lower() == ".txt" and document.source_format not in ("", "txt"):
            # an upload whose original was not kept: only the text read from it is left
            message = (f"上传时的原文件没有保留，下方是文档库中保存的文本“{plain(name)}”"
                       "（从原文件读出的文字）。")
        else:
            message = f"该文档是文档库中的文件“{plain(name)}”，点击下方文件下载。"
    try:
        target = Path(tempfile.mkdtemp(dir=folder)) / name
        shutil.copyfile(source, target)
    except OSError:
        log.exception("preparing the download of %s failed", source)
        return FAILED, None
    return message, str(target)
