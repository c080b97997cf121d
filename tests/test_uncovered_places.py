"""A question about a city the library has no document of (invented documents, real place names)."""

from __future__ import annotations

from assistant.search.analysis import NO_DOCUMENT, frame_question
from assistant.search.scope import CatalogEntry, resolve_scope
from assistant.text.regions import cities_named
from tests.conftest import assistant_over

CITY = CatalogEntry("city", "威海市节约用水条例", "山东", "current", "")
PROVINCE = CatalogEntry("province", "山东省节约用水条例", "山东", "current", "")
NATIONAL = CatalogEntry("national", "城市节约用水条例", "", "current", "")


def _frame(question: str, catalog: list[CatalogEntry]):
    return frame_question(question, question, ["超计划", "用水", "加价"], catalog=catalog, places={"威海": ("city",)})


def test_cities_are_found_where_they_are_said_as_places() -> None:
    assert cities_named("我在深圳打工被裁了") == [("深圳", "广东")]
    assert cities_named("郑州市超计划用水") == [("郑州", "河南")]
    # Names that are also everyday words count only with 市.
    assert cities_named("中山公园几点开门") == []
    assert cities_named("中山市的规定") == [("中山", "广东")]
    assert cities_named("长治久安") == []


def test_a_city_without_documents_is_answered_from_its_province_and_national_texts() -> None:
    frame = _frame("济宁超计划用水怎么加价", [CITY, PROVINCE, NATIONAL])
    assert frame.parts[0].filters.doc_ids == ("province", "national")
    assert frame.outside == "济宁"
    # Another province's city: only the national text applies there.
    assert _frame("郑州超计划用水怎么加价", [CITY, PROVINCE, NATIONAL]).parts[0].filters.doc_ids == ("national",)
    # Nothing applies: no document may answer.
    assert _frame("郑州超计划用水怎么加价", [CITY]).parts[0].filters.doc_ids == (NO_DOCUMENT,)


def test_a_city_with_documents_or_a_question_naming_no_city_is_left_alone() -> None:
    assert _frame("威海超计划用水怎么加价", [CITY, PROVINCE]).parts[0].filters.doc_ids == ("city",)
    assert _frame("超计划用水怎么加价", [CITY, PROVINCE]).parts[0].filters.doc_ids == ()


def test_a_named_text_of_another_city_is_not_the_one_asked_for() -> None:
    assert "city" not in resolve_scope("郑州市节约用水条例对超计划用水怎么加价", [CITY, NATIONAL], []).doc_ids
    assert resolve_scope("威海市节约用水条例对超计划用水怎么加价", [CITY, NATIONAL], []).doc_ids == ("city",)


WEIHAI = """# 威海市节约用水条例

2020年1月1日 威海市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了节约用水，制定本条例。

第二条 非居民用水户超计划用水的，超过计划百分之十以内的部分按照水价的一倍加价收费。
"""


def test_the_answer_says_the_library_has_no_document_of_that_city(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"威海市节约用水条例.md": WEIHAI})
    answer = assistant.ask("郑州超计划用水怎么加价？")
    assert answer.abstained and "没有郑州本地的文件" in answer.text
    assert not assistant.ask("威海超计划用水怎么加价？").abstained


SHANDONG = """# 山东省节约用水条例

2018年3月1日 山东省人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了节约用水，制定本条例。

第二条 非居民用水户超计划用水的，按照水价的一倍加价收费。

第三条 本条例自2018年5月1日起施行。
"""


def test_a_date_of_a_city_text_the_library_lacks_is_not_taken_from_the_province_text(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"山东省节约用水条例.md": SHANDONG})
    answer = assistant.ask("济宁市节约用水条例什么时候施行？")
    assert "2018年5月1日" not in answer.text and "济宁" in answer.text
    assert "2018年5月1日" in assistant.ask("山东省节约用水条例什么时候施行？").text


LUOYANG = """# 洛阳市旅游条例

2016年10月1日 洛阳市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了促进旅游业发展，制定本条例。

第二条 本条例自2017年1月1日起施行。
"""


def test_a_city_with_a_text_of_its_own_is_another_part_of_the_question(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"山东省节约用水条例.md": SHANDONG, "洛阳市旅游条例.md": LUOYANG})
    answer = assistant.ask("洛阳旅游条例和山东节约用水条例分别从哪天开始施行？")
    assert "2017年1月1日" in answer.text and "2018年5月1日" in answer.text, answer.text
