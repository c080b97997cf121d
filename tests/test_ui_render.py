

def test_markdown_in_titles_and_questions_is_shown_as_text():
    from ui.render import plain

    shown = plain("![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%")
    assert "![" not in shown and "](" not in shown and "<img" not in shown and "http:" not in shown
    assert shown.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">") == \
        "![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%"


def _answer(text: str, titles: list[str], abstained: bool = False):
    from assistant import Answer, Citation

    citations = tuple(Citation(n, f"d{n}", title, "", "一、总则", "原文", 0, 2) for n, title in enumerate(titles, 1))
    return Answer(question="问", text=text, abstained=abstained, citations=citations, retrieved=())


def test_citation_markers_link_to_their_answer_and_number():
    from ui.render import answer_message

    message = answer_message(_answer("设立1万个专柜[1]，培训500人[2]。[7]不是引用。", ["甲", "乙[3]"]), turn=4)
    assert message.count("class='cite-marker'") == 4  # two in the text, two in the source list
    assert "href='#cite-4-1'" in message and "href='#cite-4-2'" in message
    assert "[7]" in message and "#cite-4-7" not in message  # no such citation: left as text
    assert "#cite-4-3" not in message  # brackets in a title are text
    assert answer_message(_answer("没有找到。", [], abstained=True), turn=0) == "没有找到。"
    assert "cite-marker" not in answer_message(_answer("甲[1]", ["甲"]))  # without a turn: plain text


def test_marker_links_do_not_open_markup_from_the_document():
    from ui.render import answer_message

    message = answer_message(_answer("<img src=x onerror=alert(1)>[1]", ["<b>t</b>"]), turn=0)
    assert "<img" not in message and "<b>" not in message and "&lt;img" in message


def test_a_second_viewer_has_its_own_ids():
    from assistant import Document
    from ui.render import document_html

    document = Document("d", "f.txt", "标题", "", "", (), "", None, "第一句。第二句。")
    html = document_html(document, 4, 8, viewer_id="ledger-doc-viewer", mark_id="ledger-hl")
    assert "id='ledger-hl'" in html and "id='ledger-doc-viewer'" in html and "cite-hl" not in html
    assert html.count(">第二句。</mark>") == 1


def test_the_library_says_a_text_came_from_ocr():
    from assistant.records import Document
    from ui.app import source_note

    base = dict(doc_id="d", source_file="d.txt", title="t", issuer="", number="", dates=(), region="", year=None,
                display_text="x")
    assert source_note(Document(**base)) == ""
    assert source_note(Document(**base, source_format="docx")) == "Word"
    note = source_note(Document(**base, source_format="pdf", ocr_pages=2))
    assert note.startswith("PDF，扫描件") and "OCR" in note
