"""A Word file's list numbers (第一条, （一）, 1.), which Word draws and python-docx does not give, are read back,
and its tables come as rows where they stand; a regulation written that way keeps its articles and items."""

from __future__ import annotations

import io

import pytest

from assistant.ingest.docx_text import chinese_number, format_number
from assistant.ingest.readers import docx_to_text

docx = pytest.importorskip("docx")
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402


def _set(element, tag: str, value: str):
    child = OxmlElement(tag)
    child.set(qn("w:val"), value)
    element.append(child)
    return child


def _add_list(document, levels: list[tuple[str, str]], *, restart_of: int | None = None) -> int:
    """A list definition with levels (numFmt, lvlText); returns its numId."""
    numbering = document.part.numbering_part.element
    abstract_id = str(900 + len(numbering.findall(qn("w:abstractNum"))))
    if restart_of is None:
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), abstract_id)
        for ilvl, (fmt, text) in enumerate(levels):
            lvl = OxmlElement("w:lvl")
            lvl.set(qn("w:ilvl"), str(ilvl))
            _set(lvl, "w:start", "1")
            _set(lvl, "w:numFmt", fmt)
            _set(lvl, "w:lvlText", text)
            abstract.append(lvl)
        numbering.insert(0, abstract)
    num_id = str(900 + len(numbering.findall(qn("w:num"))))
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), num_id)
    base = abstract_id if restart_of is None else next(
        n.find(qn("w:abstractNumId")).get(qn("w:val")) for n in numbering.findall(qn("w:num"))
        if n.get(qn("w:numId")) == str(restart_of))
    _set(num, "w:abstractNumId", base)
    if restart_of is not None:
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        _set(override, "w:startOverride", "1")
        num.append(override)
    numbering.append(num)
    return int(num_id)


def _numbered(document, text: str, num_id: int, ilvl: int = 0):
    paragraph = document.add_paragraph(text)
    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    _set(num_pr, "w:ilvl", str(ilvl))
    _set(num_pr, "w:numId", str(num_id))
    p_pr.append(num_pr)
    return paragraph


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_chinese_and_other_number_formats():
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 100, 105, 110, 1001)] == [
        "一", "十", "十一", "二十", "二十一", "一百", "一百零五", "一百一十", "一千零一"]
    assert format_number(3, "decimal") == "3" and format_number(2, "upperLetter") == "B"
    assert format_number(4, "lowerRoman") == "iv" and format_number(2, "decimalEnclosedCircle") == "②"
    assert format_number(1, "bullet") == "" and format_number(3, "ideographTraditional") == "丙"


def test_numbered_articles_items_and_a_table_are_read_in_order():
    document = docx.Document()
    articles = _add_list(document, [("chineseCounting", "第%1条"), ("chineseCounting", "（%2）")])
    document.add_paragraph("测试市河道管理条例")
    _numbered(document, "为了加强河道管理，制定本条例。", articles)
    _numbered(document, "有下列情形之一的，责令改正：", articles)
    _numbered(document, "倾倒垃圾；", articles, 1)
    _numbered(document, "堆放杂物。", articles, 1)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("项目", "责任单位", "时限")):
        cell.text = text
    merged = table.rows[1].cells[1].merge(table.rows[1].cells[2])
    table.rows[1].cells[0].text = "清淤"
    merged.text = "市水务局"
    _numbered(document, "本条例自2024年1月1日起施行。", articles)
    steps = _add_list(document, [("decimal", "%1.")])
    _numbered(document, "报送材料", steps)
    _numbered(document, "审核", steps)
    again = _add_list(document, [], restart_of=steps)
    _numbered(document, "公示", again)  # the same list restarted: 1. again
    document.add_paragraph("", style="List Bullet")
    bullet = document.add_paragraph("附注：以上为示例。", style="List Bullet")
    assert bullet.text
    assert docx_to_text(_bytes(document)).split("\n") == [
        "测试市河道管理条例",
        "第一条 为了加强河道管理，制定本条例。",
        "第二条 有下列情形之一的，责令改正：",
        "（一）倾倒垃圾；",
        "（二）堆放杂物。",
        "项目 责任单位 时限",
        "清淤 市水务局",
        "第三条 本条例自2024年1月1日起施行。",
        "1.报送材料",
        "2.审核",
        "1.公示",
        "附注：以上为示例。",
    ]


def test_a_numbered_regulation_keeps_its_articles_and_items(tmp_path):
    from assistant.ingest.corpus import read_corpus

    document = docx.Document()
    articles = _add_list(document, [("chineseCounting", "第%1条"), ("chineseCounting", "（%2）")])
    document.add_paragraph("测试市河道管理条例")
    _numbered(document, "为了加强河道管理，制定本条例。", articles)
    _numbered(document, "有下列情形之一的，由市水务局责令改正：", articles)
    for item in ("倾倒垃圾；", "堆放杂物；", "擅自取土。"):
        _numbered(document, item, articles, 1)
    (tmp_path / "条例.docx").write_bytes(_bytes(document))
    files, skipped = read_corpus(tmp_path)
    assert not skipped
    from assistant.config import IndexConfig
    from assistant.index.build import _parse_file

    parsed = _parse_file(files[0], IndexConfig(), [])
    assert parsed is not None
    chunks = parsed[1]
    second = next(c for c in chunks if "第二条" in " ".join(c.section))
    assert "（一）倾倒垃圾" in second.text and "（三）擅自取土" in second.text  # the items stay with their article
