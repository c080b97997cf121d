"""Everyday wording of questions: filler words, "several", word endings, a city named alone (invented texts)."""

from __future__ import annotations

import pytest

from assistant.answer.candidates import DEFINES, defines_asked_term
from assistant.answer.decide import DELEGATION
from assistant.api import Assistant
from assistant.records import Intent
from assistant.search.analysis import asking_form, frame_question, intent_of, named_place, question_terms, required_answer
from assistant.text.lexicon import alternatives, suffix_alternatives
from assistant.text.normalize import normalize
from tests.conftest import assistant_over


def test_words_that_say_several_ask_for_no_figure() -> None:
    assert asking_form("好几个部门都管") == "数个部门都管"
    assert intent_of("我们小区好几栋楼没装电梯怎么办") == Intent.WHAT
    assert intent_of("几乎每天都有人遛狗不牵绳") == Intent.WHAT
    assert intent_of("一年要检查几次") == Intent.NUMBER
    assert required_answer("十几年的老房子能翻修吗") is None
    assert required_answer("要交几次材料") is not None


def test_filler_words_are_no_topic_words() -> None:
    terms = question_terms(["我们", "那种", "有些", "就是", "做过", "一下", "行吗", "摊位", "占道"], (), ())
    assert terms == ["摊位", "占道"]
    # 通过, 超过, 经过 are words of the rules themselves.
    assert question_terms(["通过", "超过", "经过", "不过"], (), ()) == ["通过", "超过", "经过", "不过"]


def test_a_fine_asked_by_its_amount_needs_an_amount() -> None:
    pattern = required_answer("乱贴广告的罚款额度是多大")
    assert pattern is not None
    assert pattern.search("处二百元以上一千元以下罚款")
    assert not pattern.search("由城管部门责令改正")


def test_word_endings_stand_for_each_other() -> None:
    assert "物业企业" in suffix_alternatives("物业公司")
    assert "餐馆经营者" in suffix_alternatives("餐馆老板")
    # Too short a stem says nothing of its own.
    assert suffix_alternatives("公司") == ()
    assert "保洁企业" in alternatives(("保洁公司",), "保洁公司要登记吗")["保洁公司"]


def test_a_definition_said_with_a_comma_and_zhi() -> None:
    sentence = normalize("（一）临街摊点，指在道路两侧设置的经营点。")
    assert DEFINES.search(sentence)
    assert defines_asked_term(sentence, normalize("临街摊点是什么"))
    # 指导 and 指定 are verbs, not "means".
    assert not DEFINES.search(normalize("街道办事处，指导社区开展工作。"))
    assert not DEFINES.search(normalize("由区政府，指定专人负责。"))


def test_doing_something_as_rules_say_is_no_delegation() -> None:
    assert not DELEGATION.search("按照有关规定办理登记手续")
    assert not DELEGATION.search("按照国家规定进行年度检验")
    assert DELEGATION.search("按照本市有关规定享受补贴")


def test_one_city_named_alone_scopes_its_documents() -> None:
    places = {"青川": ("d1",), "白河": ("d2", "d3")}
    assert named_place("白河对乱停车怎么罚", places) == "白河"
    assert named_place("青川和白河都管吗", places) == ""
    assert named_place("乱停车怎么罚", places) == ""
    frame = frame_question("白河对乱停车怎么罚", "白河对乱停车怎么罚", ["白河", "乱停车", "罚"], places=places)
    assert frame.parts[0].filters.doc_ids == ("d2", "d3")
    # The year stays a filter within those documents.
    dated = frame_question("白河2021年修了几条路", "白河2021年修了几条路", ["修", "路"], places=places)
    assert dated.parts[0].filters.years == (2021,) and dated.parts[0].filters.doc_ids == ("d2", "d3")


def test_a_region_or_a_fixed_scope_wins_over_a_city() -> None:
    places = {"白河": ("d2",)}
    fixed = frame_question("白河对乱停车怎么罚", "白河对乱停车怎么罚", ["乱停车"], places=places, doc_ids=("d9",))
    assert fixed.parts[0].filters.doc_ids == ("d9",)
    regional = frame_question("山东白河对乱停车怎么罚", "山东白河对乱停车怎么罚", ["乱停车"], places=places)
    assert regional.parts[0].filters.doc_ids == ()


def test_a_fee_is_not_answered_by_a_fine() -> None:
    from assistant.answer.candidates import only_fines

    assert only_fines("无资质从事检测的，处五万元以上十万元以下罚款")
    assert only_fines("由执法部门罚款二百元")
    # A range in digits puts the fine further from its first sum.
    assert only_fines("没收违法所得，并处以500元以上1000元以下的罚款")
    assert not only_fines("火化费每具500元，困难家庭减免，违者处以1000元以下罚款")
    assert not only_fines("检测费每次一百元，由委托人承担")
    assert not only_fines("逾期不改正的，责令停业")


NORTH = """# 北川市城市供水条例

2020年5月1日 北川市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了保障城市供水，制定本条例。

第二条 计划停水的，应当提前二十四小时通知用户。

第三条 本条例自2020年8月1日起施行。
"""

SOUTH = """# 南岭市城市供水条例

2021年5月1日 南岭市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了保障城市供水，制定本条例。

第二条 供水企业因工程施工需要计划停止供水的，应当提前四十八小时通知相关用户。

第三条 本条例自2021年8月1日起施行。
"""


@pytest.fixture(scope="module")
def two_cities(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return assistant_over(tmp_path_factory.mktemp("cities"), {"北川市城市供水条例.md": NORTH,
                                                              "南岭市城市供水条例.md": SOUTH})


def test_a_city_named_alone_is_answered_from_its_own_documents(two_cities: Assistant) -> None:
    answer = two_cities.ask("南岭计划停水要提前多久通知？")
    assert not answer.abstained and "四十八小时" in answer.text
    assert all(c.title == "南岭市城市供水条例" for c in answer.citations)


def test_the_next_question_of_a_message_keeps_the_city_the_first_named(two_cities: Assistant) -> None:
    answer = two_cities.ask("南岭的水费怎么交？计划停水要提前多久通知？")
    assert "四十八小时" in answer.text and "二十四小时" not in answer.text


def test_a_question_whether_something_is_allowed_prefers_the_rule_to_its_penalty() -> None:
    from assistant.answer.candidates import BREACH

    allowed = frame_question("老房子外墙刷成别的颜色行吗", "老房子外墙刷成别的颜色行吗", ["老房子", "外墙", "颜色"])
    fined = frame_question("擅自改外墙颜色罚多少", "擅自改外墙颜色罚多少", ["外墙", "颜色"])
    assert allowed.asks_permission and not fined.asks_permission
    assert BREACH.search("违反本条例规定，擅自改变建筑色彩的，由主管部门责令恢复原状")
    assert not BREACH.search("改变建筑色彩的，应当依法履行审批程序")


def test_an_a_not_a_ask_is_no_part_of_the_topic(two_cities: Assistant) -> None:
    frame = two_cities._frame("南岭公园草坪上能不能烧烤、晒被子？", [], [], doc_ids=(), years=(), regions=())
    assert not any("能" in term for term in frame.terms)
    assert {"草坪", "烧烤"} <= set(frame.terms)


def test_the_extent_of_a_zone_is_answered_by_a_distance() -> None:
    pattern = required_answer("测试水库的保护范围是多大？")
    assert pattern is not None
    assert pattern.search("保护范围为大坝两侧各三百米以内的区域")
    assert not pattern.search("保护范围由市人民政府划定")
    assert required_answer("这个机构的权力有多大") is None


def test_everyday_words_for_striking_and_dismissal_and_modal_fines() -> None:
    found = alternatives(("动手", "员工"), "有人动手打保安会怎么处理")
    assert "殴打" in found["动手"]
    assert "解除劳动合同" in alternatives(("开除",), "老板能随便开除员工吗")["开除"]
    assert question_terms(["健身房", "会罚", "要罚", "能罚"], (), ()) == ["健身房"]
    assert required_answer("楼下半夜装修，能罚他吗？").search("处以一百元以上五百元以下罚款")
    assert not required_answer("楼下半夜装修，能罚他吗？").search("不得在午间和夜间从事装饰装修")
    assert "夜间" in alternatives(("大半夜",), "大半夜还在装修")["大半夜"]
    # 不按规定做的话: the rule meant is the one asked about before, not a rule about 规定.
    assert question_terms(["按规定", "按照规定", "能源审计"], (), ()) == ["能源审计"]


def test_who_a_term_covers_asks_its_definition(two_cities: Assistant) -> None:
    frame = two_cities._frame("南岭供水条例说的供水企业都包括谁？", [], [], doc_ids=(), years=(), regions=())
    assert frame.asks_definition and "包括" not in frame.terms
    assert "财政性资金" in alternatives(("财政资金",), "财政资金建的场馆")["财政资金"]


def test_everyday_words_for_renting_cars_withholding_and_open_fires() -> None:
    assert "汽车租赁" in alternatives(("租车",), "租车公司能扣着我的身份证吗")["租车"]
    assert "扣押" in alternatives(("扣着",), "租车公司能扣着我的身份证吗")["扣着"]
    assert "野外用火" in alternatives(("生火",), "在山上生火做饭行吗")["生火"]
    assert "家政服务人员" in alternatives(("阿姨",), "请的阿姨要体检吗")["阿姨"]
    assert "转让" in alternatives(("买卖",), "这种证能买卖吗")["买卖"]


HOUSEKEEPING = """# 测试市家政服务条例

2021年3月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了规范家政服务，保障家政服务人员和用户的合法权益，制定本条例。

第八条 家政服务机构收取中介服务费的标准，由市发展改革部门会同市商务部门制定并公布。

第九条 家政服务人员上岗前应当进行健康体检。

第二十条 违反本条例第八条规定，超过标准收取中介服务费的，由市场监督管理部门责令退还，处二千元以上一万元以下罚款。
"""


def test_a_standard_asked_for_is_not_answered_by_a_fine(tmp_path) -> None:
    assistant = assistant_over(tmp_path, {"测试市家政服务条例.md": HOUSEKEEPING})
    for question in ("家政服务机构收取中介服务费按什么标准？", "家政服务机构收取中介服务费的标准是多少？"):
        answer = assistant.ask(question)
        assert "第八条" in answer.text and "罚款" not in answer.text, answer.text
    assert "第二十条" in assistant.ask("超过标准收取中介服务费怎么罚？").text


def test_a_share_of_people_is_a_figure_that_no_fine_beside_it_hides() -> None:
    from assistant.answer.candidates import only_fines
    from assistant.text.numbers import FIGURE

    assert FIGURE.search("须经全体业主过半数同意") and FIGURE.search("半数以上成员出席")
    assert not only_fines("经业主大会过半数同意，方可改变用途；擅自改变的，处一万元罚款", FIGURE)
    assert only_fines("擅自改变用途的，处一万元罚款", FIGURE)


def test_everyday_words_for_car_repair_puppies_and_bites() -> None:
    assert "机动车维修" in alternatives(("修车",), "修车行业归哪个部门管")["修车"]
    assert "幼犬" in alternatives(("小狗",), "狗生了小狗怎么办")["小狗"]
    assert "复核" in alternatives(("复查",), "分数想复查")["复查"]
    assert "承重结构" in alternatives(("承重墙",), "装修砸了承重墙")["承重墙"]


def test_single_characters_that_spell_a_lexicon_word_are_one_topic_word() -> None:
    from assistant.index.lexical import joined_lexicon_words

    assert joined_lexicon_words(["遛狗", "的", "狗", "绳", "最长"]) == ["遛狗", "的", "狗绳", "最长"]
    # Only runs of single characters are joined, and only into a word of the lexicon.
    assert joined_lexicon_words(["狗", "把", "人"]) == ["狗", "把", "人"]
    assert joined_lexicon_words(["小狗", "绳"]) == ["小狗", "绳"]


def test_everyday_words_for_civil_servants_moving_house_and_claiming_a_dog() -> None:
    assert "国家机关工作人员" in alternatives(("公务员",), "作弊的人是公务员呢")["公务员"]
    assert "变更居住地" in alternatives(("搬家",), "持证人搬家了")["搬家"]
    assert "认领" in alternatives(("领回",), "主人多少天内能领回")["领回"]


def test_a_lexicon_word_only_inside_another_word_is_not_said() -> None:
    from assistant.index.lexical import Segmenter
    from assistant.text.lexicon import expansions, said_as_words

    cuts = frozenset({0, 4, 6, 8})  # 贫困人口 | 脱贫 | 多少
    assert not said_as_words("困人", "贫困人口脱贫多少", cuts)
    assert said_as_words("脱贫", "贫困人口脱贫多少", cuts)
    assert said_as_words("领回", "领回去", frozenset({0, 3}))  # starts where a word starts
    assert said_as_words("困人", "贫困人口", None)
    question = "2020年要求多少贫困人口脱贫"
    assert "被困" not in expansions(question, Segmenter.shared().boundaries(question))
    assert "被困" in expansions("电梯困人了怎么办", Segmenter.shared().boundaries("电梯困人了怎么办"))


def test_reporting_up_is_reporting_and_a_grade_is_a_figure() -> None:
    from assistant.text.numbers import FIGURE

    assert "报告" in alternatives(("上报",), "出了事故多长时间内要上报")["上报"]
    # 几级 is answered by 二级以上: a grade is a figure.
    assert FIGURE.search("技术等级达到二级以上")


def test_a_price_or_a_capital_asked_for_is_a_sum_of_money() -> None:
    from assistant.search.analysis import AMOUNT, required_answer

    assert required_answer("一张蚕种的售价是多少？") is AMOUNT
    assert required_answer("注册资本最低要多少？") is AMOUNT
    # 多少 followed by what it counts asks that count, whatever price the question speaks of.
    assert required_answer("调整收费价格要多少业主同意？") is not AMOUNT


def test_books_and_sheets_asked_for_are_counted_in_their_own_unit() -> None:
    from assistant.search.analysis import required_answer

    books = required_answer("一次最多能借几本书？")
    assert books is not None and books.search("每次可借5本") and not books.search("每周开放70小时")
    sheets = required_answer("每期最多试养多少张？")
    assert sheets is not None and sheets.search("不得超过一千张")
    # 本市 is no count of books.
    from assistant.text.numbers import FIGURE

    assert required_answer("多少本市户籍人员？") is FIGURE


def test_meeting_conditions_is_said_as_conforming_to_them() -> None:
    assert {"符合", "具备"} <= set(alternatives(("满足",), "申请许可证需要满足什么条件")["满足"])


def test_a_karaoke_bar_is_an_entertainment_venue() -> None:
    assert "歌舞娱乐场所" in alternatives(("ktv",), "学校门口能开ktv吗")["ktv"]


def test_a_lease_term_is_said_in_full() -> None:
    assert "租赁期限" in alternatives(("租期",), "租期最长能签多少年")["租期"]


def test_everyday_words_for_pigeon_lofts_live_poultry_medicine_and_overhauls() -> None:
    assert "鸽舍" in alternatives(("鸽子棚",), "阳台外面搭了个鸽子棚")["鸽子棚"]
    assert "活畜禽" in alternatives(("活鸡",), "菜市场能卖活鸡吗")["活鸡"]
    assert "用药" in alternatives(("喂药",), "老师能给孩子喂药吗")["喂药"]
    assert "修理" in alternatives(("大修",), "电梯大修的钱谁出")["大修"]


def test_a_term_defined_after_another_name_for_it_is_the_term_defined() -> None:
    assert defines_asked_term("(四)湿垃圾,即易腐垃圾,是指食材废料、剩菜剩饭", normalize("湿垃圾指的是什么"))
    assert not defines_asked_term("(二)有害垃圾,是指废电池、废灯管", normalize("湿垃圾指的是什么"))


def test_everyday_words_reach_the_words_of_the_rules() -> None:
    found = alternatives(("山林", "电打鱼", "随手扔", "泄露", "白送", "租出去"), "山林归谁")
    assert "林地" in found["山林"]
    assert "电鱼" in found["电打鱼"]
    assert "随意抛弃" in found["随手扔"]
    assert "保密" in found["泄露"]
    assert "赠品" in found["白送"]
    assert "出租" in found["租出去"]
