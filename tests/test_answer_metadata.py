"""Questions about a document itself answered from its metadata, quoting the line that shows the fact."""

from assistant.answer.metadata import answer_metadata
from assistant.records import Document

# An invented notice in traditional script (the display text keeps the document's own script).
TEXT = ("測試市護林員培訓方案\n"
        "測試府辦發〔2021〕7號\n"
        "各縣人民政府：\n"
        "現將方案印發給你們，請認真貫徹執行。\n"
        "測試市人民政府辦公室\n"
        "2021年3月5日\n"
        "（2021年3月8日發布）\n")


def document(**changes):
    fields = dict(doc_id="d1", source_file="plan.txt", title="测试市护林员培训方案", issuer="测试市人民政府办公室",
                  number="测试府办发〔2021〕7号", dates=(("成文", "2021-03-05"), ("发布", "2021-03-08")),
                  region="测试", year=2021, display_text=TEXT)
    fields.update(changes)
    return Document(**fields)


def quoted(answer):
    return TEXT[answer.start:answer.end]


def test_number_quotes_its_line_in_the_documents_own_script():
    answer = answer_metadata(document(), "number", "这个方案的文号是什么")
    assert answer is not None
    assert answer.sentence == "《测试市护林员培训方案》的文号是测试府办发〔2021〕7号。"
    assert quoted(answer) == "測試府辦發〔2021〕7號"


def test_issuer():
    answer = answer_metadata(document(), "issuer", "哪个部门印发的")
    assert answer is not None
    assert answer.sentence == "《测试市护林员培训方案》由测试市人民政府办公室印发。"
    assert quoted(answer) == "測試市人民政府辦公室"


def test_date_of_signing_is_the_default_without_an_issue_date():
    answer = answer_metadata(document(), "date", "什么时候印发的")
    assert answer is not None
    assert answer.sentence == "《测试市护林员培训方案》的成文（落款）日期是2021年3月5日。"
    assert quoted(answer) == "2021年3月5日"


def test_publication_date_when_asked_for():
    answer = answer_metadata(document(), "date", "什么时候发布的")
    assert answer is not None
    assert answer.sentence == "《测试市护林员培训方案》的发布日期是2021年3月8日。"
    assert quoted(answer) == "（2021年3月8日發布）"


def test_issue_date_is_preferred_when_the_document_has_one():
    text = TEXT.replace("2021年3月5日\n", "2021年3月6日印发\n")
    doc = document(dates=(("成文", "2021-03-05"), ("印发", "2021-03-06")), display_text=text)
    answer = answer_metadata(doc, "date", "什么时候印发的")
    assert answer is not None
    assert answer.sentence == "《测试市护林员培训方案》的印发日期是2021年3月6日。"
    assert text[answer.start:answer.end] == "2021年3月6日印发"


def test_nothing_when_the_fact_is_missing_or_not_shown():
    assert answer_metadata(document(number=""), "number", "文号") is None
    assert answer_metadata(document(number="测试府办发〔2020〕1号"), "number", "文号") is None  # not in the text
    assert answer_metadata(document(dates=()), "date", "什么时候印发") is None
    assert answer_metadata(document(), "", "护林员培训多少人") is None
