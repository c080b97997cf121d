"""A list question on an article too long for one chunk is answered with all of the article's items."""

from __future__ import annotations

from assistant.answer.compose import provision_text
from tests.conftest import assistant_over

ITEMS = [
    "建立健全通风、防尘和防灭火的安全管理制度，并定期组织全员开展应急演练活动",
    "加强井下劳动组织管理和现场管理，定期检查作业现场，及时发现并排除各类事故隐患",
    "建立企业负责人和生产经营管理人员轮流下井带班作业制度，并如实记录带班情况",
    "使用的设备、器材、火工产品和安全仪器必须符合国家标准或者行业标准的要求",
    "加强对高风险矿井的管理，建立健全危险源辨识和风险分级管控的技术体系",
    "定期为职工提供保障安全生产所需的劳动保护用品，对井下作业人员采取特殊保护措施",
    "严格遵守国家关于井下作业人员工作时间的规定，不得安排职工超时加班作业",
    "按照国家规定足额提取和规范使用安全生产专项费用，专款专用并接受监督检查",
    "定期组织从业人员参加安全生产教育培训，未经培训合格的人员一律不得上岗作业",
]
CN = "一二三四五六七八九"
LAW = ("# 测试省矿山安全条例\n\n2020年1月1日 测试省人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
       "第一条 为了加强矿山安全，制定本条例。\n\n第二条 矿山企业应当按照下列规定，加强安全生产管理：\n\n"
       + "\n\n".join(f"（{CN[i]}）{text}；" for i, text in enumerate(ITEMS))
       + "\n\n第三条 本条例自2020年3月1日起施行。\n")


def test_all_items_of_a_long_article_are_listed(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试省矿山安全条例.md": LAW})
    rows = [i for i in range(len(assistant.store.chunks)) if assistant.store.chunks[i].section[-1:] == ("第二条",)]
    assert len(rows) > 1, "the fixture's article must be cut into several chunks"
    text, start = provision_text(assistant.store, rows[-1])
    assert ITEMS[0][:6] in text and ITEMS[-1][:6] in text
    answer = assistant.ask("测试省矿山安全条例对矿山企业加强安全生产管理有哪些要求？")
    assert not answer.abstained
    assert "通风" in answer.text and "劳动保护用品" in answer.text and "教育培训" in answer.text


ALLOWANCE = """# 测试市最低生活保障条例

2020年1月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了保障困难居民的基本生活，制定本条例。

第十一条 本条例所指的共同生活的家庭成员，按照户口簿、居民身份证核定，包括：

（一）配偶；

（二）未成年子女；

（三）已成年但不能独立生活的子女。

未婚现役军人，脱离家庭独立生活一年以上的宗教教职人员，在监狱内服刑的人员，不计入共同生活的家庭成员。
"""


def test_a_sentence_after_a_list_answers_by_itself(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试市最低生活保障条例.md": ALLOWANCE})
    answer = assistant.ask("算低保家庭人口时，哪些人不计入共同生活的家庭成员？")
    assert "未婚现役军人" in answer.text and "不计入" in answer.text, answer.text
    listed = assistant.ask("共同生活的家庭成员包括哪些人？")
    assert "配偶" in listed.text and "未成年子女" in listed.text, listed.text
