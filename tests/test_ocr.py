"""Scans: .png/.jpg images and image-only PDF pages read by OCR, the message when OCR is missing, and the label."""

from __future__ import annotations

import io
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from assistant.errors import UploadError
from assistant.ingest import ocr
from assistant.ingest.ocr import lines_from_boxes
from assistant.ingest.readers import read_file
from assistant.records import Document

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LINES = ["第一条 为了加强城市绿化管理，制定本条例。", "第二条 本条例自2020年1月1日起施行。",
         "第三条 市人民政府负责组织实施本条例。"]
needs_ocr = pytest.mark.skipif(not ocr.ocr_available() or not FONT.is_file(),
                               reason="needs rapidocr-onnxruntime (the ocr extra) and the WenQuanYi font")


def page_image():
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 26)
    image = Image.new("RGB", (640, 40 + 46 * len(LINES)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(LINES):
        draw.text((20, 20 + i * 46), line, font=font, fill="black")
    return image


def encoded(image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def accuracy(read: str, expected: str) -> float:
    """Character accuracy, whitespace aside: matched characters over the expected ones."""
    a, b = re.sub(r"\s", "", read), re.sub(r"\s", "", expected)
    matched = sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched / len(b)


def test_boxes_become_lines_in_reading_order():
    box = lambda x, y, h=20: [[x, y], [x + 100, y], [x + 100, y + h], [x, y + h]]  # noqa: E731
    results = [(box(200, 52), "第二行右", 0.9), (box(10, 10), "第一行", 0.95), (box(10, 50), "第二行左", 0.9),
               (box(10, 90), "噪点", 0.2)]
    assert lines_from_boxes(results) == ["第一行", "第二行左 第二行右"]
    assert lines_from_boxes([]) == []


@needs_ocr
@pytest.mark.parametrize("fmt, name", [("PNG", "扫描件.png"), ("JPEG", "扫描件.jpg")])
def test_an_image_is_read_by_ocr(fmt, name):
    extracted = read_file(encoded(page_image(), fmt), name)
    assert extracted.ocr_pages == 1 and extracted.format == name.rsplit(".", 1)[1]
    assert accuracy(extracted.text, "\n".join(LINES)) >= 0.95
    assert len(extracted.text.splitlines()) == 3  # one line per article: provision starts are kept


@needs_ocr
def test_an_image_only_pdf_is_read_by_ocr():
    pdf = encoded(page_image(), "PDF")  # Pillow writes the image as the page, with no text layer
    assert pdf.startswith(b"%PDF-")
    extracted = read_file(pdf, "条例扫描.pdf")
    assert extracted.format == "pdf" and extracted.ocr_pages == 1
    assert accuracy(extracted.text, "\n".join(LINES)) >= 0.95


def test_a_scan_without_ocr_installed_is_refused_naming_the_file(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    blank = Image.new("RGB", (60, 40), "white")
    for data, name in ((encoded(blank, "PNG"), "通知扫描.png"), (encoded(blank, "PDF"), "条例扫描.pdf")):
        with pytest.raises(UploadError) as caught:
            read_file(data, name)
        message = str(caught.value)
        assert name in message and "OCR" in message and "pip install" in message


def test_a_damaged_image_gets_one_message_naming_it():
    with pytest.raises(UploadError) as caught:
        read_file(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "坏图.png")
    assert "坏图.png" in str(caught.value) or "OCR" in str(caught.value)


def test_the_document_says_its_text_came_from_ocr():
    base = dict(doc_id="d", source_file="d.txt", title="t", issuer="", number="", dates=(), region="", year=None,
                display_text="x")
    assert Document(**base).ocr_note == ""
    assert "OCR" in Document(**base, ocr_pages=1).ocr_note
    assert "3 页" in Document(**base, ocr_pages=3).ocr_note


@needs_ocr
def test_a_folder_of_scans_builds_with_ocr_marked(tmp_path, fake_embedder):
    from assistant.index.build import build_index
    from assistant.index.store import IndexStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "绿化条例扫描.png").write_bytes(encoded(page_image(), "PNG"))
    (corpus / "说明.txt").write_text("关于绿化的说明。本市各区应当做好绿化工作，保障公共绿地。", encoding="utf-8")
    report = build_index(corpus, tmp_path / "idx", embedder=fake_embedder)
    assert report.ocr_pages == 1 and "1 OCR pages" in report.summary()
    store = IndexStore.load(tmp_path / "idx")
    scanned = next(store.documents[d] for d in store.documents if store.documents[d].source_file.endswith(".png"))
    assert scanned.ocr_pages == 1 and scanned.source_format == "png"
    assert accuracy(scanned.display_text, "\n".join(LINES)) >= 0.95
