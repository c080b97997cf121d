"""A follow-up, or the second part of "A和B分别…", asks something the answer before it did not say: the sentence
that said it is not given again."""

from __future__ import annotations

from assistant.answer.candidates import states_only_said_values
from assistant.search.analysis import DURATION, required_answer
from assistant.search.subquestions import pair_subjects, split_pair
from assistant.text.numbers import FIGURE, stated_values
from tests.conftest import assistant_over, turns

LAW = ("# 测试市援助服务条例\n\n2020年6月1日 测试市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
       "第一条 为了规范援助服务，制定本条例。\n\n"
       "第二条 援助机构应当自受理申请之日起7日内作出是否提供援助的决定。\n\n"
       "第三条 申请人对援助机构不提供援助的决定有异议的，可以自收到决定之日起15日内向主管部门申请复查。\n\n"
       "第四条 主管部门应当自收到复查申请之日起5个工作日内完成复查。\n\n"
       "第五条 新建住宅区应当按照每百户不少于二十平方米的标准配套建设服务用房。\n\n"
       "第六条 已建成住宅区应当按照每百户不少于十五平方米的标准配置服务用房。\n\n"
       "第七条 本条例自2020年9月1日起施行。\n")


def test_numbers_are_read_by_value_with_what_they_count() -> None:
    assert stated_values("可以自收到决定之日起15日内") == stated_values("十五日内") == {(15.0, "日")}
    # An article's or item's number counts nothing.
    assert stated_values("第二十四条 十五日内") == {(15.0, "日")}
    assert stated_values("处2.5万元以上十万元以下") == {(25000.0, "元"), (100000.0, "元")}
    # The same number counting another thing is another value.
    assert stated_values("每天一小时") != stated_values("每学年一次")


def test_a_sentence_with_only_the_figures_already_said_restates_them() -> None:
    said = stated_values("可以自收到决定之日起15日内申请复查")
    assert states_only_said_values("可以自收到决定之日起十五日内向主管部门申请复查", DURATION, said)
    assert not states_only_said_values("主管部门应当自收到复查申请之日起5个工作日内完成复查", DURATION, said)
    assert not states_only_said_values("主管部门应当及时复查", FIGURE, said)


def test_a_follow_up_is_not_answered_with_the_figure_just_given(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试市援助服务条例.md": LAW})
    history = turns("测试市援助机构决定不给我援助，我不服怎么办？",
                     "可以自收到决定之日起15日内向主管部门申请复查。")
    answer = assistant.ask("那主管部门收到申请人的复查申请后多久复查完？", history)
    assert not answer.abstained
    assert "5个工作日" in answer.text and "15日" not in answer.text


def test_the_second_of_two_things_is_not_answered_with_the_first_ones_sentence(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试市援助服务条例.md": LAW})
    answer = assistant.ask("测试市新建小区和老小区配服务用房的标准分别是多少？")
    assert not answer.abstained
    assert "二十平方米" in answer.text and "十五平方米" in answer.text


def test_one_sentence_may_answer_both_things_it_names(tmp_path) -> None:
    law = LAW.replace("第七条 本条例", "第七条 违反本条例规定的，对单位处一万元罚款，对个人处一千元罚款。\n\n第八条 本条例")
    assistant = assistant_over(tmp_path, {"测试市援助服务条例.md": law})
    answer = assistant.ask("测试市违反援助服务条例的，单位和个人分别罚多少？")
    assert "一万元" in answer.text and "一千元" in answer.text


def test_two_things_ending_in_one_word_share_what_follows_the_second() -> None:
    assert split_pair("新建小区和老小区配建用房的标准分别是多少？") == [
        "新建小区配建用房的标准是多少？", "老小区配建用房的标准是多少？"]
    assert split_pair("国道和乡道养护资金分别由谁承担？") == ["国道养护资金由谁承担？", "乡道养护资金由谁承担？"]
    assert pair_subjects("新建小区和老小区配建用房的标准分别是多少？") == ("新建小区", "老小区")
    # Things that do not end alike keep what follows them as it is.
    assert split_pair("城市和农村居民的补贴分别是多少？") == ["城市的补贴是多少？", "农村居民的补贴是多少？"]
    assert pair_subjects("单位的义务") is None


def test_a_follow_up_asking_the_same_of_another_thing_takes_a_duration_in_any_unit() -> None:
    assert required_answer("户外广告许可期限最长几年？") is not DURATION
    assert required_answer("户外广告许可期限最长几年？", any_unit=True) is DURATION
    assert required_answer("多少人出席？", any_unit=True) is FIGURE
    assert required_answer("罚多少钱？", any_unit=True) is required_answer("罚多少钱？")


def test_a_follow_up_about_another_thing_is_answered_in_the_unit_its_text_uses(tmp_path) -> None:
    law = ("# 测试市广告管理条例\n\n2020年6月1日 测试市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
           "第一条 为了规范广告设置，制定本条例。\n\n"
           "第二条 公共载体使用权的出让期限由合同约定，每次最长不得超过五年。\n\n"
           "第三条 户外广告许可期限不得超过五年；临时户外广告许可期限最长不得超过二十日。\n\n"
           "第四条 本条例自2020年9月1日起施行。\n")
    assistant = assistant_over(tmp_path, {"测试市广告管理条例.md": law})
    history = turns("测试市户外广告许可期限最长几年？", "户外广告许可期限不得超过五年。")
    answer = assistant.ask("临时的呢？", history)
    assert "二十日" in answer.text
