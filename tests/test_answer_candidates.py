"""Scoring candidate sentences: topic coverage (with paraphrase credit), intent bonuses, list items, titles."""

import pytest

from assistant.answer.candidates import CoverageScorer, intent_bonus, is_heading_sentence, is_item
from assistant.config import AnswerWeights
from assistant.records import Chunk, Intent

WEIGHTS = AnswerWeights()


def chunk(section=("一、总体要求", "(三)培训护林员"), text="培训护林员。", start=100, responsible=""):
    return Chunk("d:0001", "d", section, text, start, start + len(text), 10, responsible)


class TestCoverageScorer:
    scorer = CoverageScorer(["扶贫车间", "护林员"], {"扶贫车间": 2.0, "护林员": 1.0})

    def test_share_of_term_weight_found(self):
        assert self.scorer("全年新建扶贫车间10个，培训护林员300人") == 1.0
        assert self.scorer("全年新建扶贫车间10个") == pytest.approx(2 / 3)
        assert self.scorer("培训护林员300人") == pytest.approx(1 / 3)
        assert self.scorer("开展消费帮扶") == 0.0

    def test_a_corpus_word_that_is_missing_earns_nothing_even_with_its_characters(self):
        assert self.scorer("员林护") == 0.0

    def test_an_unseen_word_earns_paraphrase_credit_when_its_characters_occur(self):
        scorer = CoverageScorer(["扶贫车间", "护林员"], {"扶贫车间": 2.0, "护林员": 1.0}, frozenset({"护林员"}))
        assert scorer("聘用林业护理人员") == pytest.approx(0.5 * 1 / 3)  # 护, 林, 员 all occur, not as a word
        assert scorer("护林员") == pytest.approx(1 / 3)  # the word itself: full credit
        assert scorer("护林") == 0.0  # 员 is missing: nothing

    def test_paraphrase_credit_is_configurable(self):
        scorer = CoverageScorer(["护林员"], {"护林员": 1.0}, frozenset({"护林员"}), paraphrase_credit=0.25)
        assert scorer("员护林") == pytest.approx(0.25)

    def test_no_terms_or_no_weight_scores_zero(self):
        assert CoverageScorer([], {})("扶贫车间") == 0.0
        assert CoverageScorer(["扶贫车间"], {"扶贫车间": 0.0})("扶贫车间") == 0.0


class TestIntentBonus:
    def test_number_needs_a_figure_with_a_unit(self):
        assert intent_bonus(Intent.NUMBER, "新建扶贫车间10个", chunk(), WEIGHTS) == WEIGHTS.number_bonus
        assert intent_bonus(Intent.NUMBER, "新建扶贫车间两批", chunk(), WEIGHTS) == WEIGHTS.number_bonus
        assert intent_bonus(Intent.NUMBER, "加快建设扶贫车间", chunk(), WEIGHTS) == 0.0

    def test_when_needs_a_date_or_deadline(self):
        assert intent_bonus(Intent.WHEN, "2021年6月底前完成", chunk(), WEIGHTS) == WEIGHTS.date_bonus
        assert intent_bonus(Intent.WHEN, "每季度报送一次", chunk(), WEIGHTS) == WEIGHTS.date_bonus
        assert intent_bonus(Intent.WHEN, "尽快完成培训", chunk(), WEIGHTS) == 0.0

    def test_who_needs_responsible_units_or_a_lead(self):
        assert intent_bonus(Intent.WHO, "培训护林员", chunk(responsible="市林业局"), WEIGHTS) == WEIGHTS.unit_bonus
        assert intent_bonus(Intent.WHO, "护林员由林场负责培训", chunk(), WEIGHTS) == WEIGHTS.unit_bonus
        assert intent_bonus(Intent.WHO, "培训护林员", chunk(), WEIGHTS) == 0.0

    def test_who_prefers_a_government_body_put_in_charge(self):
        both = WEIGHTS.unit_bonus + WEIGHTS.body_leads_bonus
        assert intent_bonus(Intent.WHO, "市林业局牵头培训护林员", chunk(), WEIGHTS) == both
        assert intent_bonus(Intent.WHO, "市交通行政主管部门负责轨道交通运营管理", chunk(), WEIGHTS) == both
        assert intent_bonus(Intent.WHO, "市民政局是本市殡葬管理的主管机关", chunk(), WEIGHTS) == both
        # A company in charge of a task is a unit, not a government body.
        assert intent_bonus(Intent.WHO, "运营单位负责车站的日常管理", chunk(), WEIGHTS) == WEIGHTS.unit_bonus

    def test_what_has_no_bonus(self):
        assert intent_bonus(Intent.WHAT, "新建扶贫车间10个", chunk(), WEIGHTS) == 0.0

    def test_ordinal_questions_want_a_place_whatever_the_intent(self):
        assert intent_bonus(Intent.NUMBER, "这是第七个扶贫日", chunk(), WEIGHTS, ordinal=True) == WEIGHTS.ordinal_bonus
        assert intent_bonus(Intent.NUMBER, "新建扶贫车间10个", chunk(), WEIGHTS, ordinal=True) == 0.0


class TestIsItem:
    def test_sentence_opening_with_the_numeral_and_shi(self):
        assert is_item(chunk(section=("一、总体要求",)), "三是培训护林员", 3)
        assert not is_item(chunk(section=("一、总体要求",)), "二是培训护林员", 3)

    @pytest.mark.parametrize("label", ["(三)培训护林员", "（三）培训护林员", "三、培训护林员", "3.培训护林员"])
    def test_provision_numbered_as_the_item(self, label):
        assert is_item(chunk(section=("一、总体要求", label)), "培训护林员", 3)

    def test_other_numbers_and_no_section_are_not_the_item(self):
        assert not is_item(chunk(section=("一、总体要求", "(四)培训护林员")), "培训护林员", 3)
        assert not is_item(chunk(section=("一、总体要求", "(十三)培训护林员")), "培训护林员", 3)
        assert not is_item(chunk(section=()), "培训护林员", 3)

    def test_two_digit_items(self):
        assert is_item(chunk(section=("(十二)建设扶贫车间",)), "建设扶贫车间", 12)


class TestIsHeadingSentence:
    def test_short_first_sentence_without_digits_is_a_title(self):
        c = chunk(text="(十)培训护林员。全年培训护林员300人。")
        assert is_heading_sentence(c, c.start, "(十)培训护林员。", 30)

    def test_not_first_with_a_digit_too_long_or_the_preamble(self):
        c = chunk(text="(十)培训护林员。全年培训护林员300人。")
        assert not is_heading_sentence(c, c.start + 9, "全年培训护林员。", 30)
        assert not is_heading_sentence(c, c.start, "全年培训护林员300人。", 30)
        assert not is_heading_sentence(c, c.start, "(十)培训护林员。", 5)
        preamble = chunk(section=("前言",))
        assert not is_heading_sentence(preamble, preamble.start, "为做好护林员培训工作。", 30)


def test_a_sentence_saying_which_body_it_is_names_a_unit():
    weights = AnswerWeights()
    named = "测试市人民政府的企业负担监督机构是测试市经济委员会"
    assert intent_bonus(Intent.WHO, named, chunk(text=named), weights) == weights.unit_bonus
    # 主管部门 is named in most provisions: it does not say who does the task asked about.
    loose = "相关行政主管部门可以将违法行为予以曝光"
    assert intent_bonus(Intent.WHO, loose, chunk(text=loose), weights) == 0.0


def test_a_clause_that_negates_the_one_before_continues_it() -> None:
    from assistant.answer.candidates import CONTINUES

    assert CONTINUES.match("未结清的,买卖双方应当对结算作出约定")
    assert CONTINUES.match("逾期不改正的,处一千元罚款")
    assert CONTINUES.match("不按期缴纳的,加收滞纳金")
    assert CONTINUES.match("经批评教育仍不改正的,处以一百元以上五百元以下罚款")
    assert not CONTINUES.match("经批准的,可以临时占用")
    assert not CONTINUES.match("未成年人的监护人应当履行监护职责")
    assert not CONTINUES.match("业主转让物业时,应当结清物业服务费")
