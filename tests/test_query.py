from assistant.search.analysis import analyse, find_years
from assistant.search.followup import is_elliptical, rewrite

FIRST = [{"role": "user", "content": "2020年消费扶贫专柜目标是多少"}, {"role": "assistant", "content": "1万个"}]


def test_years_in_four_and_two_digits():
    assert find_years("2020年和20年、2019年") == (2020, 2019)
    assert find_years("7月11日前") == ()


def test_year_follow_up_replaces_the_year():
    assert rewrite("那2019年呢？", FIRST) == "2019年消费扶贫专柜目标是多少"


def test_who_follow_up_keeps_the_topic():
    assert rewrite("由谁负责？", FIRST) == "2020年消费扶贫专柜由谁负责"


def test_region_follow_up():
    history = [{"role": "user", "content": "河北消费扶贫行动目标是什么"}]
    assert rewrite("山东呢？", history) == "山东消费扶贫行动目标是什么"


def test_chained_follow_ups_fold_through_history():
    history = FIRST + [{"role": "user", "content": "那2019年呢？"}, {"role": "assistant", "content": "没有"}]
    assert rewrite("由谁负责？", history) == "2019年消费扶贫专柜由谁负责"


def test_full_questions_are_left_alone():
    assert rewrite("2019年易地扶贫搬迁多少人", FIRST) == "2019年易地扶贫搬迁多少人"
    assert not is_elliptical("塔城地区扶贫日研讨会由谁负责")
    assert rewrite("那2019年呢？", []) == "那2019年呢？"


def test_intent_and_regions():
    facts = analyse("塔城扶贫日什么时候举办", ["塔城"])
    assert facts.intent == "when" and facts.regions == ("塔城",)
    assert analyse("由哪个部门牵头").intent == "who"
    assert analyse("剩余多少贫困人口").intent == "number"


def test_a_follow_up_that_leans_back_is_asked_with_the_question_before_it():
    history = [{"role": "user", "content": "测试市用人单位不缴纳保障金怎么处理？"},
               {"role": "assistant", "content": "责令限期缴纳"}]
    assert rewrite("逾期仍不缴纳的呢？", history) == "测试市用人单位不缴纳保障金怎么处理，逾期仍不缴纳的呢？"
    assert rewrite("这项由哪些单位负责？", FIRST) != "2020年消费扶贫专柜目标是多少，这项由哪些单位负责？"
    assert rewrite("2019年易地扶贫搬迁多少人", FIRST) == "2019年易地扶贫搬迁多少人"
