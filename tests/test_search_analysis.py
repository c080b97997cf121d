"""Reading a question into its frame: years, regions, intent, parts, the asked unit, item and focus.

The topic words are given by hand (as the segmenter would give them), so these tests need no dictionary."""

import pytest

from assistant.records import Filters, Intent
from assistant.search.analysis import (
    focus_term,
    frame_question,
    metadata_kind,
    ordinal_target,
    question_terms,
    required_answer,
)


def frame(question, terms=(), known=(), **fixed):
    return frame_question(question, question, list(terms), known, **fixed)


def test_two_years_are_answered_part_by_part():
    f = frame("2019年和2020年扶贫车间目标分别是多少", ["2019", "年", "2020", "扶贫车间", "目标"])
    assert f.years == (2019, 2020)
    assert f.intent == Intent.NUMBER
    assert f.terms == ("扶贫车间", "目标")
    assert [p.label for p in f.parts] == ["2019年", "2020年"]
    assert [p.filters for p in f.parts] == [Filters(years=(2019,)), Filters(years=(2020,))]
    assert f.both_parts


def test_two_regions_are_answered_part_by_part_and_leave_the_search_text():
    f = frame("山东和河北扶贫车间各有多少个", ["山东", "河北", "扶贫车间", "个"])
    assert f.regions == ("山东", "河北")
    assert [p.label for p in f.parts] == ["山东", "河北"]
    assert f.parts[1].filters == Filters(regions=("河北",))
    assert f.terms == ("扶贫车间", "个")
    assert "山东" not in f.search_text and "河北" not in f.search_text and "扶贫车间" in f.search_text


def test_one_year_and_a_known_region_make_one_part_with_both_filters():
    f = frame("2021年塔城地区培训多少名护林员", ["2021", "塔城", "培训", "护林员"], known=["塔城"])
    assert f.years == (2021,) and f.regions == ("塔城",)
    assert f.parts == (f.parts[0],) and f.parts[0].label == ""
    assert f.parts[0].filters == Filters(years=(2021,), regions=("塔城",))
    assert f.terms == ("培训", "护林员")


def test_filters_fixed_by_the_caller_win_and_stop_the_split():
    f = frame("2019年和2020年扶贫车间目标是多少", ["扶贫车间"], years=[2020], doc_ids=["d1"])
    assert len(f.parts) == 1
    assert f.parts[0].filters == Filters(years=(2020,), doc_ids=("d1",))


@pytest.mark.parametrize("question, intent", [
    ("由哪个部门牵头建设扶贫车间", Intent.WHO),
    ("护林员培训什么时候完成", Intent.WHEN),
    ("新建多少个扶贫车间", Intent.NUMBER),
    ("扶贫车间建设的要求", Intent.WHAT),
])
def test_intent(question, intent):
    assert frame(question).intent == intent


def test_required_answer_is_a_count_in_the_asked_unit_or_its_synonyms():
    people = required_answer("培训多少名护林员")
    assert people is not None
    assert people.search("全年培训护林员300人")
    assert people.search("培训护林员2.5万名")
    assert not people.search("培训护林员三批")
    items = required_answer("需要完成几项重点任务")
    assert items is not None and items.search("完成五项重点任务") and not items.search("完成重点任务")
    assert required_answer("扶贫车间建设的要求是什么") is None


def test_the_frame_requires_a_unit_only_for_figures_not_for_places_in_a_list():
    assert frame("培训多少名护林员", ["护林员"]).required is not None
    assert frame("由谁培训多少名护林员", ["护林员"]).required is None  # who: the units answer
    assert frame("护林员培训是第几项任务", ["护林员"]).required is None  # 第几: a place, not a count


@pytest.mark.parametrize("question, item", [("第三项内容是什么", 3), ("第12条规定了什么", 12), ("第几项是培训", None),
                                            ("培训护林员", None)])
def test_ordinal_target(question, item):
    assert ordinal_target(question) == item


def test_ordinal_and_first_item_flags():
    assert frame("扶贫日是第几个扶贫日").ordinal
    assert not frame("扶贫日是哪天").ordinal
    assert frame("首先要做什么").first_item
    assert frame("第一步是什么").first_item
    assert not frame("最后要做什么").first_item


def test_focus_term_is_the_topic_word_nearest_before_the_question_phrase():
    assert focus_term("扶贫车间的专项行动叫什么", ["扶贫车间", "专项行动"]) == "专项行动"
    assert focus_term("专项行动在扶贫车间有哪些", ["扶贫车间", "专项行动"]) == "扶贫车间"
    assert focus_term("扶贫车间", ["扶贫车间"]) == ""  # no question phrase
    assert focus_term("有哪些专项行动", ["专项行动"]) == ""  # the topic comes after it


@pytest.mark.parametrize("question, kind", [
    ("这份通知的文号是什么", "number"),
    ("该文件的发文字号", "number"),
    ("这个通知什么时候印发", "date"),
    ("方案的印发日期是哪天", "date"),
    ("哪个部门印发的通知", "issuer"),
    ("方案由谁发布", "issuer"),
    ("扶贫车间建设多少个", ""),
    ("这个文件的发文单位是谁", "issuer"),
    # A text about the bodies that make rules: 制定机关 is its topic, not the question's ask.
    ("审查中可以要求制定机关做什么", ""),
    ("对制定机关瞒报、迟报的怎么处理", ""),
])
def test_metadata_kind(question, kind):
    assert metadata_kind(question) == kind


def test_question_terms_drop_filters_numbers_ordinals_and_repeats():
    terms = ["2020", "20", "年", "山东", "塔城", "扶贫车间", "300", "第三项", "扶贫车间", "培训"]
    assert question_terms(terms, (2020,), ("塔城",)) == ["扶贫车间", "培训"]
    # A place is dropped even when it is not a filter of this question (any province is a filter word).
    assert question_terms(["河南", "护林员"], (), ()) == ["护林员"]


def test_a_count_asked_in_a_measure_word_is_answered_in_it():
    asked = required_answer("每户最多能养几只狗？")
    assert asked.search("每户限养一只") and not asked.search("每户限养犬只")
    assert required_answer("一个停车场最多停多少辆？").search("不超过三十辆")
    from assistant.text.numbers import FIGURE

    assert FIGURE.search("每户限养一只") and FIGURE.search("配备两台")


def test_how_long_a_thing_is_asks_for_a_length_not_a_time():
    asked = required_answer("小型犬的牵引绳不能超过多长？")
    assert asked.search("长度不超过两米的犬绳") and not asked.search("即时清除犬粪")
    assert required_answer("多长时间内办结？").search("十五日内办结")
    asked = required_answer("遛狗的狗绳最长不能超过多少？")
    assert asked.search("犬链全长不得超过1.5米") and not asked.search("七个工作日内予以办理")
    assert required_answer("狗绳最长拴多少天").search("三十日")


def test_a_phone_number_asked_for_is_digits():
    asked = required_answer("投诉举报电话是多少？")
    assert asked.search("举报电话为12345") and not asked.search("设立三条举报热线")
    assert required_answer("服务热线号码是什么").search("拨打96110")


def test_a_hotline_number_is_a_topic_word_and_a_year_or_small_number_is_not() -> None:
    from assistant.search.analysis import question_terms

    assert question_terms(["999", "急救", "电话"], (), (), "999急救电话是哪个机构的") == ["999", "急救", "电话"]
    assert question_terms(["2020", "120", "急救", "电话"], (), (), "2020年120急救电话") == ["120", "急救", "电话"]
    # A number that is not one to call is a value, not a topic word.
    assert question_terms(["扶贫车间", "300"], (), (), "扶贫车间300个") == ["扶贫车间"]
