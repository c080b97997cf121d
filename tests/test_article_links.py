"""Penalty articles that name the duty they punish (违反本条例第八条第一项规定的…), on an invented regulation."""


import pytest

from assistant.answer.references import Reference, item_text, paragraph_text, references
from assistant.search.analysis import PENALTY, frame_question, required_answer
from tests.conftest import assistant_over

PARK = """# 测试市公园管理条例

2022年3月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了加强公园管理，制定本条例。

第八条 游客在公园内不得有下列行为：

（一）攀折花木、采摘果实；

（二）在非指定水域游泳、垂钓；

（三）放飞无人机。

第十条 公园管理机构应当公示开放时间。

公园管理机构应当在主要出入口设置游客须知牌，并保持完好。

## 第五章 法律责任

第二十条 违反本条例第八条第一项规定的，由公园管理机构责令改正，处五十元罚款。

第二十一条 违反本条例第八条第二项、第三项规定的，由公园管理机构责令改正，处二百元罚款。

第二十二条 违反本条例第十条第二款规定，未设置游客须知牌的，由园林部门责令限期改正；逾期不改正的，处一千元以上五千元以下罚款。
"""


def test_an_article_names_articles_items_and_paragraphs_of_its_own_document():
    assert references("违反本条例第八条第二项、第三项规定的，处二百元罚款") == [Reference("第八条", (2, 3))]
    assert references("违反本条例第十条第二款规定") == [Reference("第十条", (), (2,))]
    assert references("违反本条例第九条、第十一条规定的") == [Reference("第九条"), Reference("第十一条")]
    # Another law's articles, and an article's own number, are not references to this document.
    assert references("依照《测试法》第十二条处理") == []
    assert references("第二十条 游客应当文明游园") == []
    # Once a text has said which rules it means, 违反第九条 names its own article as well.
    assert references("违反第九条规定的，责令改正，处一百元罚款") == [Reference("第九条")]
    assert references("依照《测试法》第十二条，违反《测试法》第十三条的") == []


def test_a_named_item_or_paragraph_is_read_with_its_lead_in():
    article = "第八条 游客不得有下列行为：\n\n（一）攀折花木；\n\n（二）游泳。"
    assert item_text(article, 2).replace("\n", "") == "第八条 游客不得有下列行为：（二）游泳。"
    assert item_text(article, 5) == article
    assert paragraph_text("第十条 公示开放时间。\n\n设置游客须知牌。", 2) == "设置游客须知牌。"
    assert paragraph_text("第十条 公示开放时间。", 3) == "第十条 公示开放时间。"


def test_how_is_it_punished_needs_a_penalty():
    assert required_answer("攀折花木怎么罚") is PENALTY
    assert PENALTY.search("处五十元罚款") and PENALTY.search("给予警告")
    assert not PENALTY.search("游客不得攀折花木")
    assert frame_question("攀折花木会被罚吗", "攀折花木会被罚吗", ["攀折", "花木"]).asks_consequence
    assert not frame_question("公园几点开门", "公园几点开门", ["公园", "开门"]).asks_consequence


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    return assistant_over(tmp_path_factory.mktemp("park"), {"测试市公园管理条例.md": PARK})


def test_a_penalty_is_found_through_the_duty_it_names(park):
    answer = park.ask("在测试市公园里放飞无人机罚多少钱？")
    assert not answer.abstained and "二百元" in answer.text and "第二十一条" in answer.citations[0].section
    answer = park.ask("在公园里攀折花木怎么罚？")
    assert not answer.abstained and "五十元" in answer.text


def test_a_clause_after_a_semicolon_is_quoted_with_the_clause_it_continues(park):
    answer = park.ask("测试市公园管理机构不设游客须知牌，罚多少？")
    assert not answer.abstained and "一千元以上五千元以下" in answer.text
    assert "未设置游客须知牌" in answer.citations[0].text


def test_a_quote_is_cited_as_a_regulation_is_cited():
    from assistant.answer.compose import citation_section
    from assistant.records import Chunk

    text = "第八条 游客在公园内不得有下列行为：\n\n（一）攀折花木；\n\n（三）放飞无人机。"
    chunk = Chunk("d:1", "d", ("第一编 总则", "第一章 一般规定", "第八条"), text, 100, 100 + len(text), 20)
    assert citation_section(chunk, text, 100) == "第一编 第一章 第八条"
    item = text.index("（三）")
    assert citation_section(chunk, "（三）放飞无人机。", 100 + item) == "第一编 第一章 第八条（三）"
    plan = Chunk("p:1", "p", ("二、重点任务", "(三)"), "(三)设立消费扶贫专柜。", 0, 12, 8)
    assert citation_section(plan, "(三)设立消费扶贫专柜。", 0) == "二、重点任务 › (三)"


def test_a_short_article_quoted_whole_is_cited_by_chapter_and_article(park):
    answer = park.ask("测试市公园管理条例里，游客在公园内能不能在非指定水域游泳？")
    assert not answer.abstained and [c.section for c in answer.citations] == ["第一章 第八条"]
