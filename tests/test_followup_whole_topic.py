"""A follow-up answered in other words than its own: read with the whole conversation's topic, never with
what the previous answer already said."""

from __future__ import annotations

from assistant.answer.candidates import repeats
from assistant.text.normalize import char_bigrams
from tests.conftest import assistant_over, turns

LAW = ("# 测试省测绘服务管理条例\n\n2019年6月1日 测试省人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
       "第一条 为了规范测绘服务活动，制定本条例。\n\n"
       "第二条 申请设立测绘服务机构，应当报省人民政府自然资源主管部门审批。省人民政府自然资源主管部门受理申请后，"
       "应当在二十日内决定是否批准，并书面通知申请人。\n\n"
       "第三条 测绘服务机构应当于每年3月30日前向其主管部门提交上一年度服务情况报告。"
       "主管部门应当在4月30日前将审核后的年度报告报送至省统计部门。\n\n"
       "第四条 测绘服务机构应当建立质量管理制度，对测绘成果质量负责。\n\n"
       "第五条 本条例自2019年9月1日起施行。\n")


def test_follow_up_in_other_words_is_answered_from_the_conversation_topic(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试省测绘服务管理条例.md": LAW})
    history = turns("测试省设立测绘服务机构找哪个部门审批？", "应当报省人民政府自然资源主管部门审批。")
    answer = assistant.ask("那多久给答复？", history)
    assert not answer.abstained
    assert "二十日" in answer.text


def test_follow_up_is_not_answered_with_the_previous_answer(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试省测绘服务管理条例.md": LAW})
    history = turns("测试省测绘服务机构每年什么时候要交年度报告？",
                     "测绘服务机构应当于每年3月30日前向其主管部门提交上一年度服务情况报告。")
    answer = assistant.ask("那主管部门往上报的截止时间呢？", history)
    assert not answer.abstained
    assert "4月30日" in answer.text


def test_follow_up_the_document_does_not_answer_is_refused(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试省测绘服务管理条例.md": LAW})
    history = turns("测试省设立测绘服务机构找哪个部门审批？", "应当报省人民政府自然资源主管部门审批。")
    assert assistant.ask("那审批要交多少钱？", history).abstained


def test_a_sentence_mostly_said_before_repeats_it() -> None:
    said = char_bigrams("机构应当于每年3月30日前向其主管部门提交上一年度服务情况报告")
    assert repeats("机构应当于每年3月30日前向其主管部门提交上一年度服务情况报告", said, 0.8)
    assert not repeats("主管部门应当在4月30日前将审核后的年度报告报送至省统计部门", said, 0.8)
    assert not repeats("", said, 0.8)
