

def test_markdown_in_titles_and_questions_is_shown_as_text():
    from ui.render import plain

    shown = plain("![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%")
    assert "![" not in shown and "](" not in shown and "<img" not in shown and "http:" not in shown
    assert shown.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">") == \
        "![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%"


def test_the_library_says_a_text_came_from_ocr():
    from assistant.records import Document
    from ui.app import source_note

    base = dict(doc_id="d", source_file="d.txt", title="t", issuer="", number="", dates=(), region="", year=None,
                display_text="x")
    assert source_note(Document(**base)) == ""
    assert source_note(Document(**base, source_format="docx")) == "Word"
    note = source_note(Document(**base, source_format="pdf", ocr_pages=2))
    assert note.startswith("PDF，扫描件") and "OCR" in note
