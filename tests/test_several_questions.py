"""Messages that ask several things, follow-ups that keep their document, and answers that keep their
qualifiers, on invented regulations."""


import pytest

from assistant.answer.compose import item_rooms
from assistant.search.analysis import frame_question, required_answer
from assistant.search.scope import CatalogEntry, resolve_scope
from assistant.search.subquestions import split_pair, split_questions, split_scoped
from assistant.text.numbers import FIGURE
from tests.conftest import assistant_over

LIFT = """# 测试市电梯安全条例

2021年3月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了加强电梯安全管理，制定本条例。

第二条 电梯使用管理单位变更的，新的使用管理单位应当自变更之日起五个工作日内办理变更登记。

第三条 原使用管理单位应当自变更之日起三日内移交全部电梯安全技术档案。

第四条 维护保养单位接到电梯困人报告后，应当安排维护保养人员在三十分钟内赶到现场实施救援。

第五条 电梯维护保养记录保存期限不少于四年。

第六条 使用管理单位应当在收到整改通知之日起十日内完成整改；情况复杂的，经特种设备安全监督管理部门批准，可以延长至三十日。

{seven}

第八条 本条例自2021年6月1日起施行。
""".replace("{seven}", "第七条 电梯检验机构应当按照安全技术规范的要求，对本行政区域内在用电梯开展定期检验，"
            "检验结果应当及时告知使用管理单位，并向社会公布检验机构的名称、地址、联系方式和投诉渠道，接受社会监督。电梯检验机构在城市每年检验不少于二次；"
            "在农村地区每年检验不少于一次。检验中发现严重事故隐患的，应当及时告知使用管理单位，并向特种设备安全监督管理部门报告。")

WATER = """# 样例市城市供水条例

2020年5月1日 样例市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了保障城市供水，制定本条例。

第二条 城市公共供水企业计划停水的，应当提前二十四小时通知相关区域内的用户。

第三条 二次供水设施管理单位应当于清洗、消毒三日前在供水区域内发布公告。

第四条 本条例自2020年8月1日起施行。
"""


@pytest.fixture(scope="module")
def two_regulations(tmp_path_factory):
    return assistant_over(tmp_path_factory.mktemp("regs"), {"测试市电梯安全条例.md": LIFT, "样例市城市供水条例.md": WATER})


class TestSplitting:
    def test_questions_asked_in_a_row_are_split(self):
        assert split_questions("测试条例从哪天开始施行的？原来哪部条例同时废止了？") == [
            "测试条例从哪天开始施行的？", "原来哪部条例同时废止了？"]
        assert split_questions("省里办的医院要达到什么等级？县里办的呢？") == ["省里办的医院要达到什么等级？", "县里办的呢？"]
        assert split_questions("游戏有什么时段限制？多大的孩子不能注册账号？") == [
            "游戏有什么时段限制？", "多大的孩子不能注册账号？"]

    def test_a_piece_that_only_points_back_stays_with_its_question(self):
        assert split_questions("小孩能自己坐电梯吗？条例咋说的") == ["小孩能自己坐电梯吗？条例咋说的"]
        # Places added to the question before, asking nothing of their own.
        assert split_questions("辞职后几天内要办失业登记？浙江和河南分别怎么规定？") == [
            "辞职后几天内要办失业登记？浙江和河南分别怎么规定？"]
        assert split_questions("北京有规定吗？上海多少钱？") == ["北京有规定吗？", "上海多少钱？"]
        assert split_questions("这是什么？真的吗？") == ["这是什么？真的吗？"]
        assert split_questions("补贴标准是多少") == ["补贴标准是多少"]

    def test_two_subjects_asked_together_become_two_questions(self):
        assert split_pair("开山采石的，单位和个人分别最高罚多少？") == [
            "开山采石的，单位最高罚多少？", "开山采石的，个人最高罚多少？"]
        assert split_pair("对实习生人数和实习时长的上限分别是多少？") == [
            "对实习生人数的上限是多少？", "对实习时长的上限是多少？"]

    def test_two_things_of_one_subject_and_a_comma_before_the_shared_ask(self):
        assert split_pair("各县的活动方案和活动总结分别要在什么时候前上报？") == [
            "各县的活动方案要在什么时候前上报？", "各县的活动总结要在什么时候前上报？"]
        assert split_pair("设置许可证和临时设置许可证，分别多少个工作日内核发？") == [
            "设置许可证多少个工作日内核发？", "临时设置许可证多少个工作日内核发？"]
        # The words between the pair and 分别 may be a phrase of their own.
        assert split_pair("测试条例，把成果卖出去和自己办企业，给发明人的奖励比例分别是多少？") == [
            "测试条例，把成果卖出去，给发明人的奖励比例是多少？", "测试条例，自己办企业，给发明人的奖励比例是多少？"]

    def test_each_year_asking_its_own_thing_is_a_question(self):
        assert split_scoped("问题整改，2019年要求多久通报一次，2020年要求什么时候前销号？") == [
            "问题整改，2019年要求多久通报一次？", "问题整改，2020年要求什么时候前销号？"]
        assert split_scoped("2019年和2020年的目标有什么不同？") == ["2019年和2020年的目标有什么不同？"]
        assert split_scoped("2019年要求多久通报，2019年又要什么？") == ["2019年要求多久通报，2019年又要什么？"]

    def test_text_that_is_not_a_pair_is_kept(self):
        assert split_pair("上海的慈善周和广州的慈善月分别是什么时候？") == ["上海的慈善周和广州的慈善月分别是什么时候？"]
        assert split_pair("省和市各负责什么") == ["省和市各负责什么"]
        assert split_pair("单位和个人的义务") == ["单位和个人的义务"]


class TestAskedValues:
    @pytest.mark.parametrize("text", ["年收入两倍的赔偿", "不得低于原工资的百分之八十", "三十分钟内赶到", "一至两名代理人",
                                      "处5万元罚款"])
    def test_a_figure_is_recognised_in_words(self, text):
        assert FIGURE.search(text)

    @pytest.mark.parametrize("text", ["按照国家有关规定执行", "一定比例", "由市人民政府确定"])
    def test_text_without_a_figure(self, text):
        assert not FIGURE.search(text)

    def test_the_general_classifier_is_answered_by_any_count_word(self):
        assert required_answer("最多可以委托几个代理人").search("可以委托一至两名代理人")
        assert required_answer("现场作业至少几个人").search("不得少于二人")
        assert required_answer("最晚多久得赶到").search("在三十分钟内赶到")


def test_items_share_the_room_the_short_ones_leave():
    assert item_rooms([10, 50, 20, 80], 120) == [10, 45, 20, 45]
    assert item_rooms([5, 5], 100) == [5, 5]
    assert item_rooms([100] * 10, 30) == [6] * 10
    rooms = item_rooms([30, 40, 50], 100)
    assert sum(rooms) <= 100 and rooms[0] == 30


def test_documents_named_together_are_parts_whichever_province_they_belong_to():
    catalog = [CatalogEntry("a", "测试市燃气管理条例", "甲省", "current", ""),
               CatalogEntry("b", "样例市城市供水条例", "乙省", "current", "")]
    scope = resolve_scope("测试燃气条例和样例供水条例分别要提前多久通知", catalog, ["甲省"])
    assert scope.documents == (("a",), ("b",))


def test_a_definition_question_looks_for_the_defining_words():
    frame = frame_question("本条例所称学校是指什么", "本条例所称学校是指什么", ["学校"])
    assert frame.asks_definition and "所称" in frame.search_text
    assert frame_question("学校包括哪些", "学校包括哪些", ["学校"]).asks_definition
    assert not frame_question("学校几点开门", "学校几点开门", ["学校"]).asks_definition


class TestAnswers:
    def test_two_questions_in_one_message_get_an_answer_each(self, two_regulations):
        answer = two_regulations.ask("测试市电梯条例里，使用管理单位变更了，新单位几天内办变更登记？原单位几天内交档案？")
        assert not answer.abstained and "五个工作日内" in answer.text and "三日内" in answer.text
        assert [c.n for c in answer.citations] == [1, 2]
        assert all("电梯" in c.title for c in answer.citations)

    def test_one_sentence_answering_both_is_cited_once(self, two_regulations):
        answer = two_regulations.ask("测试市电梯条例里维护保养记录保存期限是多久？保存期限不少于几年？")
        assert not answer.abstained and answer.text.count("不少于四年") == 1 and len(answer.citations) == 1

    def test_a_follow_up_is_looked_for_in_the_document_of_the_conversation(self, two_regulations):
        history = [{"role": "user", "content": "样例市供水条例里，计划停水要提前多久通知？"},
                   {"role": "assistant", "content": "提前二十四小时。"}]
        answer = two_regulations.ask("清洗消毒之前要提前几天发公告？", history)
        assert not answer.abstained and "三日前" in answer.text
        assert answer.citations[0].title == "样例市城市供水条例"

    def test_a_follow_up_about_another_document_is_still_found(self, two_regulations):
        history = [{"role": "user", "content": "样例市供水条例里，计划停水要提前多久通知？"}]
        answer = two_regulations.ask("电梯困人后维护保养人员多久赶到？", history)
        assert not answer.abstained and "三十分钟内" in answer.text

    def test_the_qualifier_of_a_rule_comes_with_it(self, two_regulations):
        answer = two_regulations.ask("测试市电梯条例里，收到整改通知后多少日内完成整改？")
        assert "十日内" in answer.text and "三十日" in answer.text


def test_a_length_is_answered_in_metres():
    assert required_answer("路面至少要修多宽").search("路面宽度一般不低于六米")
    assert not required_answer("路面至少要修多宽").search("路面应当平整")
    assert required_answer("多长时间办完").search("十五日内办结")


def test_a_date_answer_says_the_revision_and_what_it_replaced():
    from assistant.answer.metadata import _what_else

    assert _what_else("2024年9月27日 测试市人大常委会《关于修改…的决定》第二次修正") == "（第二次修正）"
    assert _what_else("本条例自2021年1月1日起施行。《测试市募捐条例》同时废止。") == "；《测试市募捐条例》同时废止"
    assert _what_else("本条例自2021年1月1日起施行。") == ""


def test_a_provision_that_never_names_what_is_asked_about_does_not_answer_for_its_standard():
    from assistant.answer.candidates import Evidence
    from assistant.answer.decide import speaks_of_focus

    class Forms:
        def __call__(self, row):
            class F:
                context = "县级以上人民政府应当合理确定应急避难场所"
            return F()

    asked = "应急避难场所的人均面积有什么标准"
    frame = frame_question(asked, asked, ["应急避难场所", "人均", "面积"])
    assert frame.focus == "面积"
    evidence = Evidence(row=0, start=0, end=5, score=1.0, chunk_coverage=0.5, sentence_coverage=0.5)
    assert not speaks_of_focus(Forms(), evidence, frame)  # type: ignore[arg-type]
    named = frame_question("应急避难场所有什么标准", "应急避难场所有什么标准", ["应急避难场所"])
    assert named.focus == "应急避难场所" and speaks_of_focus(Forms(), evidence, named)  # type: ignore[arg-type]


@pytest.mark.parametrize("question, text, states", [
    ("每年至少服务多少小时", "每年3月5日为志愿者日", False),
    ("每年至少服务多少小时", "每年服务不少于二十小时", True),
    ("期限是几年", "自签订协议之日起三日内报告", False),
    ("期限是几年", "期限为三年", True),
    ("要交多少手续费", "在20个工作日内办理", False),
    ("要交多少手续费", "收取手续费每件五元", True),
    ("单位每年要给多少天护理假", "每年累计不少于二十日的护理假", True),
    ("按什么标准征收", "按照上年度工资总额的1.5%征收", True),
    ("按什么标准征收", "达不到规定比例的应当缴纳", False),
    ("是哪天印发的", "2019年3月1日印发", True),
    ("是哪天印发的", "各地要抓好落实", False),
])
def test_a_value_asked_in_a_unit_is_answered_in_it(question, text, states):
    assert bool(required_answer(question).search(text)) is states


def test_asks_listed_after_one_situation_become_questions_of_their_own():
    from assistant.search.subquestions import split_asks

    assert split_asks("有人往墙上喷小广告，管不管、罚多少？") == ["有人往墙上喷小广告，管不管？", "有人往墙上喷小广告，罚多少？"]
    assert split_asks("有人乱倒垃圾，谁来管、罚多少？") == ["有人乱倒垃圾，谁来管？", "有人乱倒垃圾，罚多少？"]
    assert split_asks("有下列情形的，责令改正、罚款") == ["有下列情形的，责令改正、罚款"]


def test_one_kind_word_with_two_places_names_a_document_of_each():
    from assistant.search.scope import title_place

    catalog = [CatalogEntry("a", "测试市慈善条例", "甲省", "current", ""),
               CatalogEntry("b", "样例市慈善促进条例", "乙省", "current", ""),
               CatalogEntry("c", "示范市养老条例", "丙省", "current", "")]
    assert resolve_scope("测试和样例的慈善条例对答复时限分别怎么规定", catalog, []).documents == (("a",), ("b",))
    assert title_place("样例市慈善促进条例") == "样例" and title_place("残疾人就业条例") == ""


def test_a_ratio_asked_in_other_words_needs_a_ratio():
    assert required_answer("安排残疾人就业的比例要求分别是多少").search("不少于在职职工总数1.7%")
    assert not required_answer("安排残疾人就业的比例要求分别是多少").search("应当履行安排残疾人就业的义务")


def test_a_follow_up_puts_its_own_words_in_the_earlier_question():
    from assistant.answer.candidates import echo_share
    from assistant.search.followup import own_words, rewrite

    history = [{"role": "user", "content": "测试路政条例里，国道两侧的建筑红线要留多宽？"}]
    assert rewrite("乡道呢？", history) == "测试路政条例里，乡道两侧的建筑红线要留多宽？"
    assert own_words("那农村地区呢？") == "农村地区"
    assert echo_share("补检不合格", "补检不合格的，应当除害处理") == 1.0
    assert echo_share("补检不合格", "补检合格的，补发证书") < 0.6


def test_a_follow_up_is_answered_by_the_sentence_that_says_its_own_words(two_regulations):
    history = [{"role": "user", "content": "测试市电梯条例里，检验机构在城市每年检验几次？"},
               {"role": "assistant", "content": "在城市每年检验不少于二次。"}]
    answer = two_regulations.ask("那农村地区呢？", history)
    assert not answer.abstained and "不少于一次" in answer.text and "不少于二次" not in answer.text


def test_a_list_lead_in_that_states_the_value_is_quoted_as_a_sentence():
    from assistant.answer.compose import states_asked

    frame = frame_question("情节严重的罚多少", "情节严重的罚多少", ["情节", "严重"])
    assert states_asked(frame, "有下列行为之一的，责令改正；情节严重的，处五万元以上二十万元以下罚款：")
    assert not states_asked(frame, "有下列行为之一的，责令改正：")


def test_what_a_term_means_is_asked_without_the_asking_words():
    from assistant.search.analysis import ASKS_MEANING_PHRASE, metadata_kind, question_terms

    assert ASKS_MEANING_PHRASE.sub("，", "疫木指的是什么") == "疫木，什么"
    assert ASKS_MEANING_PHRASE.sub("，", "城乡建设档案是什么意思") == "城乡建设档案，"
    assert question_terms(["修改", "车位", "调价"], (2024,), (), "2024年修改后车位怎么调价") == ["车位", "调价"]
    assert question_terms(["修改", "程序"], (), (), "条例修改的程序是什么") == ["修改", "程序"]
    assert metadata_kind("新版从哪天起施行") == "date"


def test_a_list_without_item_markers_is_read_line_by_line():
    from assistant.answer.compose import list_items

    text = "第九条 献血者可以享受以下优待：\n\n免费游览公园。\n\n免交挂号费。\n\n免费乘坐公交。"
    lead, items = list_items(text, 0)
    assert text[lead[0]:lead[1]].endswith("以下优待：")
    assert [text[a:b] for a, b in items] == ["免费游览公园。", "免交挂号费。", "免费乘坐公交。"]
    assert list_items("第一条 为了保障供水，制定本条例。", 0) is None


def test_a_calendar_date_is_not_a_length_of_time():
    assert not required_answer("会议多久至少开一次").search("2000年9月22日 第二十次会议通过")
    assert required_answer("会议多久至少开一次").search("每两个月至少举行一次")
    assert not required_answer("几天内办结").search("于9月22日前报送")


def test_titles_and_adoption_records_answer_only_questions_about_them():
    from assistant.answer.candidates import ADOPTION_LINE, ENUMERATES
    from assistant.search.analysis import ASKS_ADOPTION, ASKS_KINDS_OF

    assert ADOPTION_LINE.match("2000年9月22日 测试省第九届人民代表大会常务委员会第二十次会议通过")
    assert not ADOPTION_LINE.match("2000年9月22日前完成整改")
    assert ASKS_ADOPTION.search("那是谁批准的") and not ASKS_ADOPTION.search("会议多久开一次")
    assert ASKS_KINDS_OF.search("档案分哪几类") and ENUMERATES.search("档案分为规划档案、工程档案和资料档案")
    assert not ASKS_KINDS_OF.search("申请要带哪些材料")
    # Two kinds are named with 和: 保护区分为一级保护区和二级保护区.
    assert ENUMERATES.search("水源保护区分为一级保护区和二级保护区")
    assert not ENUMERATES.search("应当会同有关部门和单位制定方案")


def test_who_questions_focus_on_the_act_asked_about():
    from assistant.answer.compose import inline_assignment
    from assistant.search.analysis import focus_term

    assert focus_term("在省道上增设平交道口由谁批准", ["省道", "增设", "平交道口", "批准"]) == "批准"
    assert focus_term("收费标准是谁来定", ["收费", "标准", "来定"]) != "来定"
    assert inline_assignment("质询案由主任会议决定，由受质询机关的负责人口头答复。", ["质询"]) == ""


@pytest.mark.parametrize("question, text, states", [
    ("质量缺陷责任期多长", "责任期一般为六个月", True),
    ("质量缺陷责任期多长", "应当符合技术标准", False),
    ("两侧要留多长的距离", "不少于五百米", True),
    ("每学年上多少节法治课", "开展不少于四课时的法治教育", True),
    ("一户能有几处宅基地", "一户只能拥有一处宅基地", True),
])
def test_lengths_of_time_lessons_and_places_are_asked_in_their_units(question, text, states):
    assert bool(required_answer(question).search(text)) is states


def test_places_side_by_side_are_parts_and_a_city_is_its_documents():
    from assistant.search.analysis import joined_places

    places = {"样例": ("b",), "示范": ("c",)}
    assert joined_places("测试的慈善周和样例的慈善月分别是什么时候", ("测试",), places) == ["测试", "样例"]
    assert joined_places("样例和示范的供水条例", (), places) == ["样例", "示范"]
    assert joined_places("测试样例的供水条例怎么说", ("测试",), places) == []
    frame = frame_question("测试的慈善周和样例的慈善月分别是什么时候", "测试的慈善周和样例的慈善月分别是什么时候",
                           ["慈善", "样例"], ("测试",), places=places)
    assert [p.label for p in frame.parts] == ["测试", "样例"] and frame.parts[1].filters.doc_ids == ("b",)
    assert "样例" not in frame.terms


def test_two_subjects_joined_before_a_comma_are_two_questions():
    assert split_pair("个人损坏污水处理设施和损坏公共厕所，罚款分别是多少？") == [
        "个人损坏污水处理设施，罚款是多少？", "损坏公共厕所，罚款是多少？"]


def test_a_cut_sentence_keeps_the_clause_that_states_the_asked_value():
    from assistant.answer.compose import snippet
    from assistant.records import Intent

    sentence = ("各类用人单位应当根据国家和本市有关规定履行安排残疾人就业的义务，"
                "按照不少于本单位在职职工总数1.7%的比例安排残疾人就业。")
    cut = snippet(sentence, ["用人单位", "残疾人", "就业"], Intent.NUMBER, 40, required_answer("比例是多少"))
    assert "1.7%" in cut


def test_free_services_are_not_fees_and_a_head_count_may_be_a_share():
    assert required_answer("累计满一千毫升的享受多少免费用血") is FIGURE  # any figure, not an amount of money
    assert required_answer("要交多少手续费").search("收取手续费每件五元")
    assert required_answer("要多少人出席才能举行").search("全体组成人员的过半数出席")
    assert required_answer("多少人联名可以提议").search("五分之一以上组成人员联名")
    assert not required_answer("要多少人出席").search("由主任会议决定")


def test_which_month_is_a_date_and_how_many_months_a_length_of_time():
    assert required_answer("宣传月是几月").search("每年六月为宣传月")
    assert not required_answer("宣传月是几月").search("三个月内完成")
    assert required_answer("要几个月").search("六个月内办结")


def test_a_list_written_one_two_three_is_answered_item_by_item():
    from assistant.answer.compose import compose_list, list_items

    text = "攻坚的内容有三项:一是要攻坚义务教育;二是要攻坚产业扶贫;三是要攻坚易地搬迁。"
    lead, items = list_items(text, 0)
    assert text[lead[0]:lead[1]] == "攻坚的内容有三项:" and len(items) == 3
    answer = compose_list(text, lead, items, 120)
    assert "①要攻坚义务教育" in answer and "③要攻坚易地搬迁" in answer
    assert list_items("一是要攻坚义务教育;三是要攻坚产业扶贫。", 0) is None  # not in order
    # Scraped text without the stop before 二是: once 一是 begins the list, the next numbers start items.
    run_on = "平台功能:一是信息汇集把数据纳入平台二是政策发布向社会提供服务三是供需对接。"
    assert len(list_items(run_on, 0)[1]) == 3
    assert list_items("一是统一是原则,没有别的。", 0) is None


def test_a_follow_up_that_asks_of_its_own_is_framed_by_its_own_asking_words():
    from assistant.records import Intent
    from assistant.search.analysis import slot_text

    full = "测试市条例里，法院审理离婚案件要听取几岁以上子女的意见，那受害的孩子要出庭作证吗？"
    asked = "那受害的孩子要出庭作证吗？"
    assert slot_text(asked, full) == asked
    frame = frame_question(asked, full, ["受害", "孩子", "出庭作证"])
    assert frame.required is None and frame.intent == Intent.WHAT
    # A follow-up that only swaps a slot (那农村地区呢) asks what the earlier question asked.
    assert slot_text("那农村地区呢？", "城市每年检验几次，那农村地区呢？") == "城市每年检验几次，那农村地区呢？"
    assert frame_question("城市每年检验几次", "城市每年检验几次", ["城市", "检验"]).required is not None


def test_counts_and_measures_are_read_through_their_classifier_and_scale():
    from assistant.search.analysis import question_terms

    assert required_answer("课程不少于多少学时").search("内容不少于十二个学时")
    assert required_answer("室温不低于多少度").search("温度不低于十八摄氏度")
    assert not required_answer("室温不低于多少度").search("温度应当符合标准")
    assert question_terms(["室温", "多少度", "几岁"], (), ()) == ["室温"]


def test_a_short_question_opening_with_a_breach_leans_on_the_one_before():
    from assistant.search.followup import asked_with_previous, leans_back, rewrite

    assert leans_back("没按规定保存的话罚多少？") and leans_back("逾期不改的呢？")
    assert not leans_back("测试市电梯维护保养记录要保存多久？")
    # A pronoun stands for what the turn before was about.
    assert leans_back("他们主要负责什么？") and leans_back("上述人员要持证吗？")
    assert rewrite("他们主要负责什么？", [{"role": "user", "content": "测试条例要求哪些电梯配安全管理员？"}]) \
        == "测试条例要求哪些电梯配安全管理员，他们主要负责什么？"
    history = [{"role": "user", "content": "测试条例里，检验报告要保存多久？"}]
    assert rewrite("没按规定保存的话罚多少？", history) == "测试条例里，检验报告要保存多久，没按规定保存的话罚多少？"
    assert asked_with_previous("最少几年？", history) == "测试条例里，检验报告要保存多久，最少几年？"
    assert asked_with_previous("最少几年？", []) == ""
    assert asked_with_previous("测试市电梯维护保养记录保存期限最少是多少年？", history) == ""


def test_a_short_question_that_finds_nothing_alone_is_asked_with_the_one_before(two_regulations):
    history = [{"role": "user", "content": "测试市电梯条例里，维护保养记录要保存多久？"},
               {"role": "assistant", "content": "不少于四年。"}]
    alone = two_regulations.ask("最少几年？")
    answer = two_regulations.ask("最少几年？", history)
    assert alone.abstained
    assert not answer.abstained and "四年" in answer.text
    # Asked together, the short question still asks what it asks: the earlier question's figure does not answer it.
    assert two_regulations.ask("每份记录收费多少钱？", history).abstained


def test_yes_or_no_asking_words_are_not_topic_words_but_a_said_negation_is():
    from assistant.search.analysis import question_terms
    from assistant.text.lexicon import alternatives

    assert question_terms(["不能", "公路"], (), (), "能不能在公路上晒粮食") == ["公路"]
    assert question_terms(["不可以", "注册"], (), (), "可不可以注册") == ["注册"]
    assert question_terms(["不能", "注册"], (), (), "多大的孩子不能注册") == ["不能", "注册"]
    # A lexicon word the segmenter cut (晒粮食 -> 晒 + 粮食) still stands for its documents' word.
    assert "晒粮" in alternatives(("粮食",), "能不能在公路上晒粮食")["粮食"]


def test_a_city_named_with_a_loose_title_picks_that_citys_document():
    catalog = [CatalogEntry("sh", "测试市慈善条例", "上海", "current", ""),
               CatalogEntry("gz", "样例市慈善促进条例", "广东", "current", "")]
    assert resolve_scope("样例慈善条例里，关联交易要多久内公开？", catalog, ()).doc_ids == ("gz",)
    assert resolve_scope("慈善条例里，关联交易要多久内公开？", catalog, ()).doc_ids == ("sh",)


def test_a_follow_ups_pointing_word_is_not_cut_into_its_topic(two_regulations):
    frame = two_regulations._frame("那卖水的呢？", [{"role": "user", "content": "样例市供水条例里，计划停水要提前多久通知？"}],
                                   [], doc_ids=(), years=(), regions=())
    assert "那卖" not in frame.terms


PLAN = """测试县2021年宣传周活动方案

一、活动目标

通过宣传周活动，提高群众对惠民政策的知晓率。

二、基本原则

(一)坚持就近就便。结合各乡镇实际，在村组和社区开展活动，方便群众参加。

(二)坚持节约办事。严格控制活动经费，不搞铺张浪费，不得发放纪念品。

(三)坚持群众参与。发动群众广泛参与，听取群众意见，改进工作方法。

三、活动时间

2021年10月10日至16日。
"""


def test_a_heading_with_only_subsections_under_it_is_answered_with_their_titles(tmp_path):
    answer = assistant_over(tmp_path, {"plan.txt": PLAN}).ask("宣传周活动方案的基本原则有哪几条？")
    assert not answer.abstained
    for title in ("坚持就近就便", "坚持节约办事", "坚持群众参与"):
        assert title in answer.text
    assert answer.text.index("就近就便") < answer.text.index("群众参与")


def test_a_version_named_by_the_year_of_a_revision_it_carries():
    older = CatalogEntry("old", "测试市未成年人保护条例", "", "earlier", "2016-11-25", "", (1988, 2003, 2016))
    newer = CatalogEntry("new", "测试市未成年人保护条例", "", "current", "2023-05-26", "", (1988, 2003, 2016, 2023))
    catalog = [older, newer]
    assert resolve_scope("测试市未成年人保护条例2003年修订的那一版从哪天起施行？", catalog, ()).doc_ids == ("old",)
    assert resolve_scope("测试市未成年人保护条例2023年版从哪天起施行？", catalog, ()).doc_ids == ("new",)
    assert resolve_scope("测试市未成年人保护条例从哪天起施行？", catalog, ()).doc_ids == ("new",)


def test_a_follow_up_naming_another_version_asks_the_same_of_it():
    from assistant.search.followup import rewrite

    history = [{"role": "user", "content": "测试条例旧版对学校门口开游戏厅是怎么限制的？"}]
    assert rewrite("新版又是怎么规定的？", history) == "测试条例新版对学校门口开游戏厅是怎么限制的？"
    assert rewrite("那新版呢？", history) == "测试条例新版对学校门口开游戏厅是怎么限制的？"
    assert rewrite("旧版呢？", history) != "测试条例旧版对学校门口开游戏厅是怎么限制的？旧版呢？"


def test_how_a_rule_limits_is_asked_not_a_word_the_answer_must_say():
    from assistant.search.analysis import question_terms

    assert question_terms(["学校", "限制"], (), (), "学校门口开游戏厅是怎么限制的") == ["学校"]
    assert question_terms(["限制", "时段"], (), (), "有什么时段限制") == ["限制", "时段"]


def test_a_count_of_things_must_count_the_thing_asked_about():
    from assistant.search.analysis import counted_term

    assert counted_term("每个班最多能收多少个孩子", ["班", "孩子"]) == "孩子"
    assert counted_term("资质分几个等级", ["资质", "等级"]) == "等级"
    # The kind said in the classifier (几种形式, 几位医生) or a list asked for (哪几个) names no such thing.
    assert counted_term("改补为几种形式", ["改补", "形式"]) == ""
    assert counted_term("复核要几位医生", ["复核", "医生"]) == ""
    assert counted_term("包括哪几个方面", ["方面"]) == ""


def test_a_class_size_is_not_answered_by_a_count_of_schools(tmp_path):
    assistant = assistant_over(tmp_path, {"测试市幼儿园条例.md": (
        "# 测试市幼儿园条例\n\n## 第一章 总则\n\n第一条 为了规范幼儿园管理，制定本条例。\n\n"
        "第十条 区人民政府应当在每个街道至少设置一所公办幼儿园。\n\n第十一条 幼儿园每个班应当配备两名教师。\n")})
    assert assistant.ask("测试市幼儿园条例规定每个班最多能收多少个孩子？").abstained
    answer = assistant.ask("测试市幼儿园每个班要配几个教师？")
    assert not answer.abstained and "两名" in answer.text


def test_whether_something_is_allowed_is_asked_not_said():
    from assistant.search.analysis import question_terms

    assert question_terms(["物业", "收费", "合规"], (), (), "物业收进门费，这合规吗") == ["物业", "收费"]
    assert question_terms(["违法", "建设"], (), (), "违法建设由谁拆除") == ["违法", "建设"]


def test_a_merged_follow_up_still_asks_what_its_own_words_ask():
    from assistant.search.analysis import question_terms, slot_text

    # The rules merged the follow-up into the earlier question; its own 谁 is what is asked.
    assert slot_text("那是谁批准的？", "测试条例从哪天开始施行是谁批准的") == "那是谁批准的？"
    assert question_terms(["机关", "批准"], (), (), "是哪个机关批准的") == ["批准"]
    assert question_terms(["部门", "负责"], (), (), "由哪个部门负责") == ["部门", "负责"]


OLD_MINORS = """# 测试市未成年人保护条例

2005年3月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了保护未成年人，制定本条例。

第二十五条 博物馆、纪念馆等场所对未成年人集体参观一律免票，对未成年人个人参观实行半票。

第三十条 本条例自2005年6月1日起施行。
"""

NEW_MINORS = """# 测试市未成年人保护条例

2024年12月31日 测试市人民代表大会常务委员会修订

<!-- INFO END -->

第一条 为了保护未成年人，制定本条例。

第三十九条 博物馆、纪念馆等公共文化设施，对未成年人实行免费或者其他优惠。

第五十条 本条例自2025年3月1日起施行。
"""


@pytest.mark.parametrize("near_enough, quoted", [(0.3, True), (0.99, False)])
def test_a_version_without_the_asked_words_is_quoted_at_its_counterpart(tmp_path, near_enough, quoted):
    from assistant.config import AnswerWeights, AskConfig

    config = AskConfig(weights=AnswerWeights(counterpart_similarity=near_enough))
    assistant = assistant_over(tmp_path, {"测试市未成年人保护条例.md": OLD_MINORS,
                                          "测试市未成年人保护条例(2024-12-31).md": NEW_MINORS}, config)
    answer = assistant.ask("测试市未成年人保护条例里博物馆给孩子免票的规定，新旧版有什么区别？")
    assert "集体参观一律免票" in answer.text
    assert ("免费或者其他优惠" in answer.text) == quoted
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_two_things_each_with_its_own_place_are_asked_one_by_one() -> None:
    from assistant.search.subquestions import split_placed_pair

    assert split_placed_pair("甲省维修档案和乙省经营者的购销台账，分别至少要保存几年？", ("甲省", "乙省")) == [
        "甲省维修档案，至少要保存几年？", "乙省经营者的购销台账，至少要保存几年？"]
    # Two things sharing a word share what follows the second one's 的.
    assert split_placed_pair("甲省养老机构和乙省养老机构的床位标准分别是多少", ("甲省", "乙省")) == [
        "甲省养老机构的床位标准，是多少？", "乙省养老机构的床位标准，是多少？"]
    # Two places asked the same thing are the region parts' job, not this split's.
    assert split_placed_pair("甲省和乙省对新建小区的配建标准分别是多少？", ("甲省", "乙省")) == [
        "甲省和乙省对新建小区的配建标准分别是多少？"]
    assert split_placed_pair("甲省维修档案和购销台账分别保存几年？", ("甲省", "乙省")) == ["甲省维修档案和购销台账分别保存几年？"]


def test_a_later_question_naming_nothing_of_its_own_stays_in_the_first_ones_document(tmp_path) -> None:
    site = ("# 甲市石窟保护条例\n\n2020年6月1日 甲市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
            "第一条 为了保护石窟，制定本条例。\n\n第二条 石窟景区内禁止刻划、涂污。\n\n第三条 本条例自2020年9月1日起施行。\n")
    care = ("# 乙市养老服务条例\n\n2020年6月1日 乙市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
            "第一条 为了发展养老服务，制定本条例。\n\n第二条 六十周岁以上老年人乘坐公共交通工具免票。\n\n"
            "第三条 本条例自2020年9月1日起施行。\n")
    assistant = assistant_over(tmp_path, {"甲市石窟保护条例.md": site, "乙市养老服务条例.md": care})
    answer = assistant.ask("甲市石窟保护条例里门票多少钱？六十岁以上老人能免票吗？")
    assert all("乙市" not in c.title for c in answer.citations)
