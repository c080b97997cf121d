import io

import pytest

from assistant.errors import UploadError
from assistant.ingest.readers import extract_text, html_to_text, sniff
from tests.documents import pdf_bytes


def _pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, built with a correct cross-reference table."""
    content = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 144] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_bytes(objects)


MINIMAL_PDF = _pdf("Policy target 2021: build 100 stations.")


def test_type_is_read_from_the_content():
    assert sniff(MINIMAL_PDF) == "pdf"
    assert sniff(b"<html><body><p>x</p></body></html>") == "html"
    assert sniff("纯文本".encode()) == "text"


def test_html_keeps_visible_text_only():
    text = html_to_text("<html><head><style>p{}</style><script>alert(1)</script></head>"
                        "<body><p>一、总体要求</p><div>(一)设立1万个专柜。</div></body></html>")
    assert text == "一、总体要求\n(一)设立1万个专柜。"


def test_docx_and_pdf_are_read():
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("关于印发《测试方案》的通知")
    document.add_paragraph("(一)新建100个站点。")
    buffer = io.BytesIO()
    document.save(buffer)
    assert "新建100个站点" in extract_text(buffer.getvalue(), "方案.docx")
    assert "build 100 stations" in extract_text(MINIMAL_PDF, "plan.pdf")


@pytest.mark.parametrize("data, name, message", [
    (b"plain text pretending", "fake.pdf", "不符"),
    (MINIMAL_PDF, "real.txt", "不符"),
    (b"   ", "empty.txt", "空"),
    (b"data", "image.gif", "不支持"),
    (b"data", "image.png", "不符"),
    (b"PK\x03\x04broken zip", "broken.docx", "不符"),
])
def test_bad_uploads_are_refused_with_a_reason(data, name, message):
    with pytest.raises(UploadError, match=message):
        extract_text(data, name)
