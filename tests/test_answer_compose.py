"""Wording the answer: compact section labels, snippets cut at clause ends, assigned tasks, joined parts."""

import pytest

from assistant.answer.compose import compact_section, inline_assignment, join_parts, snippet
from assistant.records import Intent

LONG = "为巩固脱贫成果，各地要加强组织领导，全年新建扶贫车间120个，培训护林员3000人，确保按期完成各项任务。"


@pytest.mark.parametrize("section, compact", [
    (("三、重点任务", "(十)开展消费扶贫专项行动"), "三(十)开展消费扶贫专项行动"),
    (("一、总体要求", "(一)指导思想", "1.坚持原则"), "一(一)1.坚持原则"),
    (("第二章 保障措施", "第十条 资金保障"), "第十条 资金保障"),  # articles are numbered through the whole text
    (("1.总体目标",), "1.总体目标"),
    (("工作要点说明书很长的标题", "(一)指导思想"), "工作要点说明(一)指导思想"),  # an unnumbered heading: six characters
    (("前言",), ""),
    ((), ""),
])
def test_compact_section(section, compact):
    assert compact_section(section) == compact


def test_compact_section_is_shown_in_simplified_script():
    assert compact_section(("三、重點任務", "(十)開展專項行動")) == "三(十)开展专项行动"


class TestSnippet:
    def test_a_short_sentence_is_kept_whole(self):
        assert snippet(LONG, ["扶贫车间"], Intent.NUMBER, 200) == LONG

    def test_the_best_clause_is_kept_and_the_cuts_are_marked(self):
        assert snippet(LONG, ["扶贫车间"], Intent.NUMBER, 20) == "……全年新建扶贫车间120个……"
        assert snippet(LONG, ["护林员"], Intent.WHAT, 20) == "……培训护林员3000人……"

    def test_neighbouring_clauses_are_added_while_they_fit(self):
        assert snippet(LONG, ["扶贫车间"], Intent.NUMBER, 30) == "……全年新建扶贫车间120个，培训护林员3000人……"

    def test_a_clause_longer_than_the_limit_is_cut(self):
        assert snippet(LONG, ["扶贫车间"], Intent.NUMBER, 12) == "……全年新建扶贫车间120……"

    def test_a_date_leads_for_when_questions(self):
        sentence = "2021年6月底前，各县完成护林员培训，并上报名单，由市林业局汇总。"
        assert snippet(sentence, ["培训"], Intent.WHEN, 15) == "2021年6月底前……"
        assert snippet(sentence, ["培训"], Intent.WHAT, 15) == "……各县完成护林员培训……"

    def test_the_asked_value_is_kept_over_a_clause_full_of_question_words(self):
        from assistant.search.analysis import AMOUNT

        sentence = ("违反本条例规定，重点排污单位未按照规定报送年度排污状况报告或者报告内容不实的，由生态环境部门责令限期改正；"
                    "逾期不改正的，处二万元以上八万元以下罚款。")
        terms = ["重点", "排污", "单位", "年度", "状况", "报告"]
        assert "二万元以上八万元以下" in snippet(sentence, terms, Intent.NUMBER, 60, AMOUNT)

    def test_no_cut_inside_a_clause_when_it_fits(self):
        for limit in (20, 30, 40):
            body = snippet(LONG, ["扶贫车间"], Intent.NUMBER, limit).strip("…")
            assert LONG.startswith(body) or f"，{body}，" in LONG or LONG.endswith(body)


class TestInlineAssignment:
    def test_the_clause_giving_the_asked_task_to_a_unit(self):
        sentence = "市林业局负责护林员培训；市人社局负责扶贫车间建设。"
        assert inline_assignment(sentence, ["扶贫车间"]) == "市人社局负责扶贫车间建设"
        assert inline_assignment(sentence, ["护林员"]) == "市林业局负责护林员培训"

    @pytest.mark.parametrize("sentence, clause", [
        ("由市林业局牵头负责护林员培训，各县配合。", "由市林业局牵头负责护林员培训"),
        ("市林业局会同市财政局负责护林员培训。", "市林业局会同市财政局负责护林员培训"),
    ])
    def test_lead_and_joint_assignments(self, sentence, clause):
        assert inline_assignment(sentence, ["护林员"]) == clause

    def test_nothing_when_no_unit_is_given_the_task(self):
        assert inline_assignment("全年培训护林员3000人。", ["护林员"]) == ""
        assert inline_assignment("市林业局负责护林员培训。", ["扶贫车间"]) == ""


class TestJoinParts:
    def test_parts_are_joined_into_one_sentence(self):
        assert join_parts(["2019年：新建10个[1]。", "2020年：新建12个[2]。"], []) == \
            "2019年：新建10个[1]；2020年：新建12个[2]。"

    def test_unanswered_parts_are_named(self):
        assert join_parts(["2019年：新建10个[1]。"], ["2020年", "2021年"]) == \
            "2019年：新建10个[1]。（2020年、2021年：文档中未找到相关规定。）"

    def test_an_unlabelled_missing_part_adds_nothing(self):
        assert join_parts(["新建10个[1]。"], [""]) == "新建10个[1]。"


class TestElaboration:
    """The next sentence of a paragraph is quoted with the answer when it goes on about the same thing."""

    def test_a_sentence_that_repeats_the_subject_elaborates(self):
        from assistant.answer.compose import elaborates

        assert elaborates("押金不得预先在租金中扣除。", "押金预先在租金中扣除的，应当全额退还。", [])
        assert elaborates("由街道办事处为责任人；", "未设街道办事处的，由乡镇人民政府为责任人。", [])
        assert elaborates("游船应当配备救生衣。", "救生衣每年检查一次。", ["救生衣"])

    def test_sentences_that_share_only_function_words_do_not(self):
        from assistant.answer.compose import elaborates

        assert not elaborates("游船应当配备救生衣。", "码头应当设置候船区。", [])
        assert not elaborates("按照本条例的规定办理。", "依照本条例规定进行处理。", [])
        assert not elaborates("本条例所称游船，是指载客的船舶。", "本条例所称码头，是指停靠设施。", [])
        # An item of a list is not a continuation: lists are answered whole, elsewhere.
        assert not elaborates("有下列情形之一的，责令改正：", "（一）救生衣未配备的；", [])

    def test_the_next_sentence_is_looked_for_in_the_same_paragraph_only(self):
        from assistant.answer.compose import next_in_paragraph

        display = "第五条 游船应当配备救生衣。救生衣每年检查一次。\n第六条 码头应当设置候船区。"
        end = display.index("。") + 1
        start, stop = next_in_paragraph(display, end)
        assert display[start:stop] == "救生衣每年检查一次。"
        assert next_in_paragraph(display, stop) is None
