"""A PDF with a text layer in a CJK font, lines broken inside sentences, a running header and page numbers: read
back as sentences with the provisions on their own lines, and parsed into articles that keep their items."""

from __future__ import annotations

from tests.documents import pdf_bytes


def cjk_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages hold these lines in a CJK font (STSong-Light, UCS-2 encoded), each line drawn on its own."""
    objects: list[bytes] = [b"", b""]  # catalog and pages, filled in below
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
                   b"/DescendantFonts [4 0 R] >>")
    objects.append(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                   b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 >>")
    kids = []
    for lines in pages:
        ops = ["BT /F1 12 Tf 40 800 Td 14 TL"]
        for line in lines:
            ops.append("<" + line.encode("utf-16-be").hex().upper() + "> Tj T*")
        ops.append("ET")
        content = "\n".join(ops).encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        contents = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font))
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return pdf_bytes(objects)


HEADER = "测试市人民政府公报"
PAGES = [[HEADER, "测试市河道管理条例", "第一条 为了加强河道管理，保障防洪", "安全，制定本条例。",
          "第二条 有下列情形之一的，由市水务局", "责令改正：", "- 1 -"],
         [HEADER, "（一）倾倒垃圾；", "（二）在河道管理范围内堆放", "杂物。", "- 2 -"],
         [HEADER, "第三条 本条例自2024年1月1日起施行。", "- 3 -"]]


def test_a_cjk_pdf_is_read_as_sentences_without_header_or_page_numbers():
    from assistant.ingest.readers import read_file

    extracted = read_file(cjk_pdf(PAGES), "河道条例.pdf")
    assert extracted.format == "pdf" and extracted.ocr_pages == 0
    assert extracted.text.split("\n") == ["测试市河道管理条例", "第一条 为了加强河道管理，保障防洪安全，制定本条例。",
                                          "第二条 有下列情形之一的，由市水务局责令改正：", "（一）倾倒垃圾；",
                                          "（二）在河道管理范围内堆放杂物。", "第三条 本条例自2024年1月1日起施行。"]


def test_a_cjk_pdf_regulation_keeps_its_title_and_articles_with_their_items(tmp_path):
    from assistant.config import IndexConfig
    from assistant.index.build import _parse_file
    from assistant.ingest.corpus import read_corpus

    (tmp_path / "河道条例.pdf").write_bytes(cjk_pdf(PAGES))
    files, skipped = read_corpus(tmp_path)
    assert not skipped
    parsed = _parse_file(files[0], IndexConfig(), [])
    assert parsed is not None
    documents, chunks = parsed
    assert documents[0].title == "测试市河道管理条例" and documents[0].source_format == "pdf"
    second = next(c for c in chunks if c.section and c.section[-1] == "第二条")
    assert "（一）倾倒垃圾" in second.text and "（二）在河道管理范围内堆放杂物" in second.text
    text = documents[0].display_text
    assert all(text[c.start:c.end] == c.text for c in chunks)  # offsets point into what is shown


def test_a_title_repeated_as_every_pages_header_is_kept_once():
    from assistant.ingest.readers import read_file

    title = "测试市河道管理条例（草案）"
    pages = [[title, "第一条 为了加强河道管理。", "- 1 -"], [title, "第二条 本条例自公布之日起施行。", "- 2 -"],
             [title, "第三条 附则。", "- 3 -"]]
    assert read_file(cjk_pdf(pages), "x.pdf").text.split("\n") == [
        title, "第一条 为了加强河道管理。", "第二条 本条例自公布之日起施行。", "第三条 附则。"]
    # a header that is not a title (a gazette's name) is still dropped, as in the test above
    assert HEADER not in read_file(cjk_pdf(PAGES), "x.pdf").text
