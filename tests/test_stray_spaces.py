"""Converted texts with stray spaces inside a date (2021年3月1 日): the date is still read and shown."""

from __future__ import annotations

from assistant.ingest.parsing import parse_page
from tests.conftest import assistant_over

LAW = """# 测试市河道管理条例

2020年12月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了加强河道管理，制定本条例。

第二条 本条例自2021年3月1 日起施行。
"""


def test_the_date_in_force_is_read_through_a_stray_space() -> None:
    document = parse_page("测试市河道管理条例.md", LAW)[0].document
    assert ("施行", "2021-03-01") in [tuple(d) for d in document.dates]


def test_the_date_in_force_is_answered_and_cited(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试市河道管理条例.md": LAW})
    answer = assistant.ask("测试市河道管理条例什么时候开始施行？")
    assert not answer.abstained and "2021年3月1日" in answer.text
    assert "2021年3月1 日" in answer.citations[0].text


def test_an_abstention_names_what_was_asked_without_the_place_and_its_preposition() -> None:
    from assistant.answer.compose import asked_about

    assert asked_about("在北京能不能在自家楼顶上放炮？", (), ("北京",)) == "在自家楼顶上放炮"
    assert asked_about("上海这边，员工能拿这个理由不让他回岗吗", (), ("上海",)) == "员工能拿理由不让他回岗"
