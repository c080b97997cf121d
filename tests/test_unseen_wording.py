"""Rules that keep answers right on documents the engine was never tuned on, each on invented text: the current
version answers, a definition of the asked term wins, words said apart from a document's name stay topic words,
and an answer is not cut before the sentence that finishes it."""

import pytest

from assistant.answer.candidates import defines_asked_term
from assistant.search.analysis import focus_term, naming_spans, said_outside
from assistant.text.normalize import normalize
from tests.conftest import assistant_over

DEFINITIONS = (
    "第二条 本条例所称游船，是指在本市江河、湖泊、水库等水域内从事载客游览、观光、餐饮娱乐等经营活动，并在本市码头停靠、按照"
    "核定航线和核定乘客定额运营的各类机动船舶和非机动船舶。本条例所称码头，是指供游船停靠和乘客上下的设施。本条例所称游船经营"
    "者，是指依法取得游船经营许可、从事游船载客游览经营活动的企业、个体工商户和其他经营组织，包括以承包、租赁等方式实际经营游"
    "船的单位。"
)

OLD_BOATS = """# 样例市游船管理条例

2006年5月1日 样例市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了加强游船管理，制定本条例。

第八条 游船停航期间需要移出本市水域的，应当经市航运管理站批准。

第二十条 本条例自2006年7月1日起施行。
"""

NEW_BOATS = f"""# 样例市游船管理条例

2023年9月1日 样例市人民代表大会常务委员会修订

<!-- INFO END -->

第一条 为了加强游船管理，制定本条例。

{DEFINITIONS}

第九条 游船停航期间需要移出本市水域的，应当经市交通运输部门批准。

第十二条 游船经营者不得预先向乘客收取押金。押金预先收取的，应当在航次结束后全额退还乘客。

第二十条 游船经营者有下列行为之一的，由交通运输部门责令改正，处二千元以上一万元以下罚款：

（一）游船超载航行的；

（二）未按规定配备救生设备的。

第二十四条 本条例下列用语的含义：

（一）危险物品，是指易燃、易爆、有毒、有腐蚀性等可能危及游船和乘客安全的物品，包括汽油、烟花爆竹和液化气。

（二）救生设备，是指救生衣、救生圈、救生筏等用于落水人员自救和施救的器材，以及配套的警示标志和照明用具。

（三）航次，是指游船自码头离泊至返回码头靠泊的一次完整航行，包括中途停靠其他码头上下乘客的航行过程。

第二十五条 本条例自2024年1月1日起施行。
"""


@pytest.fixture(scope="module")
def boats(tmp_path_factory):
    from assistant.config import AnswerWeights, AskConfig

    # The fake embedder's cosines mean nothing, so the rules are tested without the similarity feature.
    config = AskConfig(weights=AnswerWeights(similarity_gap_weight=0.0))
    return assistant_over(tmp_path_factory.mktemp("boats"), {"样例市游船管理条例.md": OLD_BOATS,
                                                             "样例市游船管理条例(2023-09-01).md": NEW_BOATS}, config)


@pytest.mark.parametrize("question, said, not_said", [
    # The current version answers when no version is asked for, the earlier one when it is.
    ("游船停航期间要移出本市水域，由谁批准？", "交通运输部门", "航运管理站"),
    ("旧版样例市游船管理条例里，游船停航期间要移出本市水域，由谁批准？", "航运管理站", "交通运输部门"),
    # The definition of the asked term, not of the one before it in the same article.
    ("样例市条例里码头是怎么定义的？", "供游船停靠", "游船，是指"),
])
def test_the_rule_picks_the_provision_asked_about(boats, question, said, not_said):
    answer = boats.ask(question)
    assert not answer.abstained and said in answer.text and not_said not in answer.text


def test_the_sentence_that_finishes_a_rule_is_quoted_with_it(boats):
    answer = boats.ask("样例市游船经营者能不能预先收押金？")
    assert not answer.abstained and "全额退还" in answer.text
    assert "全额退还" in answer.citations[0].text


def test_a_definition_names_the_term_it_defines():
    assert defines_asked_term(normalize("本条例所称码头，是指供游船停靠的设施。"), normalize("码头是怎么定义的"))
    assert defines_asked_term(normalize("（二）危险品，是指易燃易爆物品。"), normalize("危险品指哪些"))
    assert not defines_asked_term(normalize("本条例所称游船，是指载客游览的船舶。"), normalize("码头是怎么定义的"))
    assert not defines_asked_term(normalize("游船应当配备救生衣。"), normalize("救生衣是什么"))


def test_words_said_apart_from_the_documents_name_stay_topic_words():
    title = normalize("样例市游船管理条例")
    question = normalize("样例条例里游船是怎么定义的")
    spans = naming_spans(question, title)
    assert spans == [(0, 4)]  # 样例条例
    assert said_outside("游船", question, spans)
    # Said only inside the name (样例游船条例), the word names the document.
    inside = normalize("样例游船条例里码头是怎么定义的")
    assert not said_outside("游船", inside, naming_spans(inside, title))
    # Joining words belong to the name: 甲市和乙市的游船条例.
    joined = normalize("甲市和乙市的游船条例里押金怎么退")
    assert naming_spans(joined, normalize("甲市游船条例乙市游船条例")) == [(0, 10)]


def test_a_word_asking_for_contents_is_not_what_the_question_is_about():
    assert focus_term("民间融资包括哪些方式", ["民间融资", "包括", "方式"]) == "民间融资"
    assert focus_term("游船的定义包括什么", ["游船", "定义", "包括"]) == "定义"


def test_a_follow_up_asking_the_negative_case_prefers_a_sentence_stating_one():
    from assistant.answer.candidates import asked_shape_bonus
    from assistant.config import AnswerWeights
    from assistant.search.analysis import frame_question

    weights = AnswerWeights()
    frame = frame_question("那没有物业的呢", "小区垃圾分类责任人是谁，那没有物业的呢", ["物业"], echo="没有物业的")
    stated = asked_shape_bonus(frame, "未实行物业管理的,居民委员会为责任人。", 2, 1.0, (), weights)
    plain = asked_shape_bonus(frame, "实行物业管理的,物业服务企业为责任人。", 1, 1.0, (), weights)
    assert stated - plain == pytest.approx(weights.negated_echo_bonus)
    # 不得 forbids; it is not the negative case of a condition.
    assert asked_shape_bonus(frame, "物业服务企业不得拒绝。", 1, 1.0, (), weights) == plain


def test_a_negated_word_does_not_take_the_lexicons_alternatives():
    from assistant.text.lexicon import alternatives, negated

    assert negated("住宅", "非住宅") and not negated("住宅", "住宅楼")
    assert "房屋" not in alternatives(("非住宅",), "那非住宅呢").get("非住宅", ())
    assert "房屋" in alternatives(("住宅",), "住宅能不能拆承重墙").get("住宅", ())


def test_a_list_question_prefers_the_sentence_that_opens_a_list():
    from assistant.answer.candidates import asked_shape_bonus
    from assistant.config import AnswerWeights
    from assistant.search.analysis import frame_question

    weights = AnswerWeights()
    frame = frame_question("哪些借款要备案", "哪些借款要备案", ["借款", "备案"])
    assert frame.asks_list
    lead = asked_shape_bonus(frame, "借款具有下列情形之一的,应当备案:", 0, 1.0, (), weights)
    plain = asked_shape_bonus(frame, "借款人应当及时备案。", 0, 1.0, (), weights)
    assert lead - plain == pytest.approx(weights.list_lead_bonus)
    single = frame_question("借款要备案吗", "借款要备案吗", ["借款", "备案"])
    assert asked_shape_bonus(single, "借款具有下列情形之一的,应当备案:", 0, 1.0, (), weights) == 0


def test_an_item_defining_the_asked_term_is_quoted_rather_than_the_whole_list(boats):
    answer = boats.ask("样例市条例里救生设备指哪些？")
    assert not answer.abstained and "救生圈" in answer.text and "危险物品" not in answer.text
    assert answer.citations[0].section.endswith("第二十四条（二）")


def test_a_quoted_item_comes_with_its_lists_lead_in(boats):
    answer = boats.ask("样例市游船超载航行怎么罚？")
    assert not answer.abstained and "二千元以上一万元以下" in answer.text and "超载航行" in answer.text
    assert "游船经营者有下列行为之一的" in answer.text and answer.citations[0].section.startswith("第二十条")


def test_the_lead_in_of_an_items_list_is_found_above_its_items():
    from assistant.answer.compose import item_lead_in

    display = "第九条 经营者有下列行为之一的，处罚款：\n（一）超载的；\n（二）逃逸的。\n第十条 游客应当遵守秩序。"
    assert item_lead_in(display, display.index("（二）"), 50) == "经营者有下列行为之一的，处罚款："
    assert item_lead_in(display, display.index("（二）"), 10) == ""
    assert item_lead_in("第十条 游客应当遵守秩序。\n（一）不得喧哗。", 14, 50) == ""


def test_a_passage_far_by_meaning_from_the_closest_loses_score(boats):
    from assistant.answer.candidates import score_candidates
    from assistant.config import AnswerWeights

    weights = AnswerWeights()

    def scored(question, closeness_of):
        frame = boats._frame(question, [], [], doc_ids=(), years=(), regions=())
        rows = [r.row for r in boats._retrieve(frame, frame.parts[0].filters, {})]
        near = {row: 0.9 for row in rows}
        closeness = {**near, rows[0]: closeness_of} if closeness_of is not None else near
        return {(e.row, e.start): e.score for e in score_candidates(boats.store, boats.forms, rows, frame, (), weights,
                                                                    closeness=closeness) if e.row == rows[0]}

    # Asked in other words (坐船, 救命的东西: the passage has few of them), the farther passage loses score, up to
    # the cap; a row dense search did not return (no cosine) loses nothing.
    question = "坐船的时候救命的东西游船要备吗？"
    near, far, farthest, unknown = (scored(question, c) for c in (None, 0.88, 0.5, 0.0))
    assert all(far[k] < near[k] for k in near) and all(farthest[k] <= far[k] for k in near)
    assert all(near[k] - farthest[k] <= weights.similarity_gap_cap / 0.01 * weights.similarity_gap_weight + 1e-9
               for k in near)
    assert unknown == near
    # A sentence that has every word of the question loses nothing: the words settle it.
    full = "游船停航期间需要移出本市水域的，应当经市交通运输部门批准"
    assert max(scored(full, 0.5).values()) == pytest.approx(max(scored(full, None).values()))


def _park_rule(province: str, area: str) -> str:
    return (f"# {province}省城市公园管理条例\n\n2020年1月1日 {province}省人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
            f"第一条 为了加强城市公园管理，制定本条例。\n\n"
            f"第十一条 新建城市公园应当按照每万人不低于{area}平方米的标准配套建设公共厕所和休息设施。已建成的城市公园未配套"
            f"建设或者建设不达标的，所在地人民政府应当通过改造、购置、置换、租赁等方式逐步补足，并纳入年度城市建设计划。\n")


def test_each_part_of_a_comparison_keeps_to_its_share_of_the_answer(tmp_path):
    from assistant.config import AnswerWeights, AskConfig

    config = AskConfig(weights=AnswerWeights(similarity_gap_weight=0.0))
    parks = assistant_over(tmp_path, {"山东省城市公园管理条例.md": _park_rule("山东", "二十"),
                                      "河南省城市公园管理条例.md": _park_rule("河南", "三十")}, config)
    answer = parks.ask("山东和河南新建城市公园配套公共厕所的标准分别是多少？")
    assert "二十平方米" in answer.text and "三十平方米" in answer.text
    assert len(answer.text) <= 200


def test_in_what_circumstances_asks_for_a_list() -> None:
    from assistant.search.analysis import frame_question

    assert frame_question("什么情况下可以动用储备粮", "什么情况下可以动用储备粮", ["动用", "储备粮"]).asks_list
    assert frame_question("何种情形下可以延期", "何种情形下可以延期", ["延期"]).asks_list
    assert not frame_question("储备粮由谁动用", "储备粮由谁动用", ["储备粮", "动用"]).asks_list
