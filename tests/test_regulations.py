"""Regulations on invented text: structure, header metadata, versions, named documents, list answers, answer kinds."""

from assistant.answer.compose import compose_list, list_items
from assistant.ingest.chunking import chunk_document
from assistant.ingest.parsing import document_kind, parse_page
from assistant.ingest.readers import join_pdf_lines, markdown_to_text
from assistant.ingest.versions import assign_versions
from assistant.search.analysis import find_years, required_answer
from assistant.search.scope import CatalogEntry, resolve_scope

REGULATION = markdown_to_text("""# 测试市河道保洁条例

2010年3月1日 测试市第九届人民代表大会常务委员会第五次会议通过

2020年6月2日 测试市第十届人民代表大会常务委员会第八次会议修订

<!-- INFO END -->

## 第一章 总则

第一条 为了保持河道清洁，制定本条例。

第二条 有下列情形之一的，责令改正：

（一）向河道倾倒垃圾；

（二）在堤岸堆放杂物；

（三）擅自设置排污口。

## 第二章 附则

第三条 本条例自2020年9月1日起施行。
""")


def test_articles_keep_their_items_and_header_dates_are_read():
    parsed = parse_page("hd.md", REGULATION)[0]
    document = parsed.document
    assert document.title == "测试市河道保洁条例" and document.kind == "条例" and document.year == 2020
    assert dict(document.dates) == {"通过": "2010-03-01", "修订": "2020-06-02", "施行": "2020-09-01"}
    assert document.issuer == "测试市人民代表大会常务委员会"
    chunks = chunk_document(parsed, max_tokens=400, count_tokens=len)
    article = next(c for c in chunks if c.section[-1] == "第二条")
    assert article.section == ("第一章 总则", "第二条")
    assert "责令改正" in article.text and "（三）擅自设置排污口" in article.text


def test_list_answers_give_every_item_in_order():
    text = "第二条 有下列情形之一的，责令改正：\n（一）向河道倾倒垃圾；\n（二）在堤岸堆放杂物；\n（三）擅自设置排污口。"
    lead, items = list_items(text, 100)
    assert lead == (100, 100 + text.index("\n")) and len(items) == 3
    answer = compose_list(text, (lead[0] - 100, lead[1] - 100), [(s - 100, e - 100) for s, e in items], 80)
    assert answer.startswith("有下列情形之一的") and answer.index("倾倒垃圾") < answer.index("堆放杂物") < answer.index("排污口")
    assert "第二条" not in answer
    assert list_items("第五条 只有一句话。", 0) is None


def test_versions_of_one_title_and_repeals():
    old = parse_page("old.md", REGULATION.replace("2020年6月2日", "2015年6月2日"))[0].document
    new = parse_page("new.md", REGULATION)[0].document
    repealer = parse_page("x.md", markdown_to_text(
        "# 测试市水务条例\n\n2021年1月1日 测试市人大常委会通过\n\n第一条 本条例自2021年3月1日起施行，"
                                                   "《测试市排水条例》同时废止。"))[0].document
    drain_text = "# 测试市排水条例\n\n2001年1月1日 测试市人大常委会通过\n\n第一条 内容。"
    drain = parse_page("d.md", markdown_to_text(drain_text))[0].document
    marked = {d.doc_id: d for d in assign_versions([old, new, repealer, drain])}
    assert marked["new.md"].status == "current" and marked["old.md"].status == "earlier"
    assert marked["old.md"].version == "2015-06-02" and "旧版" in marked["old.md"].label
    assert marked["d.md"].status == "repealed" and marked["x.md"].status == "current" and not marked["x.md"].version
    assert document_kind("测试省实施《某法》办法") == "办法" and document_kind("关于测试的通知") == "通知"


def test_questions_that_name_a_document_are_scoped_to_it():
    catalog = [CatalogEntry("a", "测试市未成年人保护条例", "测试", "earlier", "2013-01-01"),
               CatalogEntry("b", "测试市未成年人保护条例", "测试", "current", "2024-01-01"),
               CatalogEntry("c", "测试市居家养老服务条例", "测试", "current", ""),
               CatalogEntry("d", "残疾预防和残疾人康复条例", "", "current", "")]
    assert resolve_scope("新版未保条例对网吧怎么规定", catalog, []).doc_ids == ("b",)
    assert resolve_scope("旧版未保条例怎么规定", catalog, []).doc_ids == ("a",)
    assert resolve_scope("未保条例新旧两版有什么变化", catalog, []).versions == (("a",), ("b",))
    assert resolve_scope("那个居家养老条例里谁负责", catalog, []).doc_ids == ("c",)
    assert resolve_scope("国务院那个康复条例", catalog, []).doc_ids == ("d",)
    assert not resolve_scope("养老服务补贴是多少", catalog, [])


UNNUMBERED_CHAPTERS = markdown_to_text("""# 测试省养殖条例

## 第一章 总则

第一条 为了规范养殖，制定本条例。

第二条 本条例适用于本省。

种畜种禽

第三条 从事种畜禽生产经营的，应当取得许可证。

第四条 禁止销售下列种畜禽：

（一）假种畜禽；

（二）劣种畜禽。

饲料与饲料添加剂

第五条 饲料生产企业实行许可证制度。
""")


def test_a_chapter_title_that_lost_its_number_is_a_heading_not_the_end_of_an_article():
    parsed = parse_page("yz.md", UNNUMBERED_CHAPTERS)[0]
    text = parsed.document.display_text
    by_path = {p.path: text[p.start:p.end] for p in parsed.provisions}
    assert "种畜种禽" not in by_path[("第一章 总则", "第二条")]
    assert "饲料" not in by_path[("种畜种禽", "第四条", "（二）")]
    assert ("种畜种禽", "第三条") in by_path and ("饲料与饲料添加剂", "第五条") in by_path
    # An item or a sentence is never taken for a title; a short line inside an article's text stays in it.
    assert ("第一章 总则", "第一条") in by_path


def test_a_year_of_an_amendment_names_the_version_on_that_side_of_it():
    catalog = [CatalogEntry("a", "测试市学生伤害事故处理条例", "测试", "earlier", "2009-03-01"),
               CatalogEntry("b", "测试市学生伤害事故处理条例", "测试", "earlier", "2015-06-01"),
               CatalogEntry("c", "测试市学生伤害事故处理条例", "测试", "current", "2021-09-01")]
    assert resolve_scope("学生伤害事故处理条例2016年修改前怎么规定赔偿", catalog, []).doc_ids == ("b",)
    assert resolve_scope("学生伤害事故处理条例2016年修改后怎么规定赔偿", catalog, []).doc_ids == ("c",)
    assert resolve_scope("学生伤害事故处理条例2015年修订后的规定", catalog, []).doc_ids == ("b",)
    assert resolve_scope("学生伤害事故处理条例修正前怎么规定", catalog, []).doc_ids == ("a", "b")
    # The year of the amendment names a version, not a year the topic is about.
    assert find_years("2016年修改前的条例怎么规定") == ()
    assert find_years("2016年的补助标准和2018年修订后的条例") == (2016,)


def test_the_asked_kind_of_answer_is_required():
    assert required_answer("罚款多少钱").search("处一万元以上三万元以下罚款")
    assert not required_answer("罚款多少钱").search("依法给予处罚")
    assert required_answer("多长时间内通知家长").search("应当在二十四小时内通知")
    assert required_answer("多久召开一次").search("每半年召开一次")
    assert required_answer("多大年龄算老年人").search("六十周岁以上的公民")
    assert required_answer("比例是多少").search("不低于1.5%")
    assert required_answer("这个比例达不到怎么办") is None


def test_pdf_lines_are_joined_into_sentences_and_provisions_kept():
    pages = ["测试条例\n第一条 为了保持河道清洁，\n制定本条例。\n第二条 有下列情形\n之一的：\n- 1 -",
             "测试条例\n（一）倾倒垃圾；\n（二）堆放杂物。\n2", "测试条例\n第三条 附则。\n3"]
    text = join_pdf_lines(pages)
    # the title heading every page is kept once, as the title; the page numbers go
    assert text.split("\n") == ["测试条例", "第一条 为了保持河道清洁，制定本条例。", "第二条 有下列情形之一的：",
                                "（一）倾倒垃圾；", "（二）堆放杂物。", "第三条 附则。"]


def test_a_figure_is_required_when_one_is_asked_for():
    assert required_answer("每月补贴多少").search("每人每月二百元")
    assert not required_answer("护理补贴每月多少").search("完善重度残疾人护理补贴制度")


def test_a_value_left_to_others_is_recognised():
    from assistant.answer.decide import DELEGATION

    assert DELEGATION.search("具体标准由省级人民政府规定")
    assert DELEGATION.search("每年为从业人员提供一定学时的免费培训")
    assert DELEGATION.search("按照国家和本市有关规定享受岗位补贴")
    assert not DELEGATION.search("每人每月发放二百元补贴")


def test_paraphrase_acceptance_needs_the_closest_passage_by_meaning():
    from assistant.answer.candidates import Evidence
    from assistant.answer.decide import paraphrased
    from assistant.config import AnswerWeights
    from assistant.search.retrieval import Ranked

    weights = AnswerWeights(paraphrase_similarity=0.85, paraphrase_min_coverage=0.3)
    evidence = Evidence(row=1, start=0, end=10, score=1.0, chunk_coverage=0.4, sentence_coverage=0.2)
    close = [Ranked(1, 0.1, ("dense",), 0.9), Ranked(2, 0.1, ("dense",), 0.8)]
    assert paraphrased(evidence, close, weights)
    assert not paraphrased(evidence, [Ranked(1, 0.1, ("dense",), 0.9), Ranked(2, 0.1, ("dense",), 0.95)], weights)
    assert not paraphrased(evidence, [Ranked(1, 0.1, ("dense",), 0.8)], weights)
    weak = Evidence(row=1, start=0, end=10, score=1.0, chunk_coverage=0.1, sentence_coverage=0.2)
    assert not paraphrased(weak, close, weights)
    # Within a hair of the closest is as close: cosines of one library's passages lie near together.
    hair = [Ranked(1, 0.1, ("dense",), 0.9), Ranked(2, 0.1, ("dense",), 0.9 + weights.paraphrase_margin / 2)]
    assert paraphrased(evidence, hair, weights)
    assert not paraphrased(evidence, hair, AnswerWeights(paraphrase_similarity=0.85, paraphrase_min_coverage=0.3,
                                                         paraphrase_margin=0.0))


def test_everyday_words_stand_for_the_documents_terms():
    from assistant.answer.candidates import CoverageScorer
    from assistant.text.lexicon import alternatives, expansions

    alts = alternatives(("残联", "老人"), "老人去残联办什么")
    assert "残疾人联合会" in alts["残联"] and "老年人" in alts["老人"]
    assert "公共汽车" in expansions("坐公交车要钱吗")
    score = CoverageScorer(["残联", "证件"], {"残联": 1.0, "证件": 1.0}, alternatives=alts)
    assert score("向残疾人联合会提交证件") == 1.0 and score("提交证件") == 0.5


def test_several_named_documents_become_parts_in_the_order_named():
    catalog = [CatalogEntry("a", "测试市慈善条例", "测试", "current", ""),
               CatalogEntry("b", "样例市慈善促进条例", "样例", "current", ""),
               CatalogEntry("c", "残疾人就业条例", "", "current", ""),
               CatalogEntry("d", "残疾预防和残疾人康复条例", "", "current", "")]
    assert resolve_scope("测试慈善条例和样例慈善促进条例各自哪天施行", catalog, []).documents == (("a",), ("b",))
    assert resolve_scope("康复条例和残疾人就业条例分别怎么说", catalog, []).documents == (("d",), ("c",))
    # A title's core used as a topic, without its kind word, names no document.
    assert not resolve_scope("欠缴残疾人就业保障金怎么办", catalog, [])
    # 促进条例 alone is too generic to name 样例市慈善促进条例.
    assert resolve_scope("残疾人就业条例和促进条例", catalog, []).doc_ids == ("c",)


def test_a_file_named_by_its_date_gives_the_version_date():
    text = markdown_to_text("# 测试市河道保洁条例\n\n<!-- INFO END -->\n\n第一条 内容。\n\n第九条 本条例自2009年6月1日起施行。")
    document = parse_page("测试市河道保洁条例(2009-02-24).md", text)[0].document
    assert document.version_date() == "2009-02-24" and document.year == 2009
    undated = parse_page("测试市河道保洁条例.md", text)[0].document
    assert undated.version_date() == "2009-06-01"


def test_a_file_named_by_a_later_date_than_its_text_states_is_that_version():
    def text(*record: str) -> str:
        return markdown_to_text("# 测试市审查条例\n\n" + "\n\n".join(record)
                                + "\n\n<!-- INFO END -->\n\n第一条 内容。\n\n第九条 本条例自2012年10月1日起施行。")

    adopted = "2012年7月27日 测试市人民代表大会常务委员会第三十四次会议通过"
    amended = "2021年11月24日 测试市人民代表大会常务委员会第六次会议《关于修改〈测试市审查条例〉的决定》修正"
    # The record lists only the adoption; the file's name says it is the 2017 text.
    older = parse_page("测试市审查条例(2017-09-22).md", text(adopted))[0].document
    newer = parse_page("测试市审查条例(2021-11-24).md", text(adopted, amended))[0].document
    assert older.version_date() == "2017-09-22" and older.year == 2017
    assert newer.version_date() == "2021-11-24"
    # A file named by an earlier date than its text states keeps the text's own.
    misnamed = parse_page("测试市审查条例(2010-01-01).md", text(adopted, amended))[0].document
    assert misnamed.version_date() == "2021-11-24" and misnamed.year == 2021
    versions = {d.source_file: d for d in assign_versions([older, newer])}
    assert versions["测试市审查条例(2017-09-22).md"].version == "2017-09-22"
    assert versions["测试市审查条例(2017-09-22).md"].status == "earlier"


def test_which_version_is_in_force_and_when_it_last_changed():
    from assistant.answer.metadata import answer_metadata
    from assistant.search.analysis import metadata_kind

    document = parse_page("hd.md", REGULATION)[0].document
    assert metadata_kind("这个条例现在有效的是哪一版") == "version"
    assert metadata_kind("最近一次是哪年修订的") == "date"
    found = answer_metadata(assign_versions([document])[0], "date", "最近一次是哪年修订的")
    assert found is not None and "2020年6月2日" in found.sentence
    assert document.display_text[found.start:found.end].startswith("2020年6月2日")
    version = answer_metadata(document, "version", "现在有效的是哪一版")
    assert version is not None and "现行有效" in version.sentence


def test_comparisons_say_same_or_different():
    from assistant.answer.compose import comparison
    from assistant.records import Citation

    def cite(text):
        return Citation(1, "d", "t", "", "s", text, 0, len(text))

    assert comparison([cite("第五条 每年培训一次。"), cite("第七条 每年培训一次。")]) == "两者规定相同。"
    assert comparison([cite("第五条 每年培训一次。"), cite("第五条 每年培训两次。")]).startswith("两者规定不同")
    assert comparison([cite("只有一处。")]) == ""


def test_specifics_left_to_others_are_not_an_answer():
    from assistant.search.analysis import frame_question

    frame = frame_question("具体办事流程是什么", "具体办事流程是什么", ["办事", "流程"])
    assert frame.asks_specifics
    assert not frame_question("谁负责", "谁负责", []).asks_specifics


def test_abstentions_say_in_plain_words_what_was_asked():
    from assistant.answer.compose import asked_about

    assert asked_about("2019年消费扶贫专柜目标是多少", (2019,), ()) == "消费扶贫专柜目标"
    assert asked_about("测试市那个养老条例里谁负责培训？", (), ()) == "测试市养老条例里负责培训"
    assert asked_about("那2019年呢？", (2019,), ()) == ""


def test_a_short_article_is_answered_whole():
    from assistant.answer.compose import _without_number

    text = "第七条 本市每年评选一次。但是，遇有特殊情况的除外。"
    assert _without_number(text) == "本市每年评选一次。但是，遇有特殊情况的除外。"


def test_a_name_inside_a_better_name_names_nothing_else():
    catalog = [CatalogEntry("c", "残疾人就业条例", "", "current", ""),
               CatalogEntry("d", "残疾预防和残疾人康复条例", "", "current", ""),
               CatalogEntry("g", "样例省就业促进条例", "样例", "current", "")]
    assert resolve_scope("残疾人就业条例和康复条例分别是哪天施行的", catalog, []).documents == (("c",), ("d",))


def test_parts_chapters_and_sections_nest_and_articles_keep_their_paragraphs():
    text = markdown_to_text("# 测试市综合管理条例\n\n第一编 总则\n\n第一章 一般规定\n\n第一节 适用范围\n\n"
                            "第一条 本条例适用于本市。\n\n本市各区参照执行。\n\n第二节 职责\n\n第二条 市政府负责下列工作：\n\n"
                            "（一）规划；\n\n（二）监督。\n\n第二编 附则\n\n第三条 本条例自2024年1月1日起施行。\n")
    chunks = chunk_document(parse_page("zh.md", text)[0], max_tokens=400, count_tokens=len)
    by_article = {c.section[-1]: c for c in chunks if c.section[-1].endswith("条")}
    assert by_article["第一条"].section == ("第一编 总则", "第一章 一般规定", "第一节 适用范围", "第一条")
    assert by_article["第一条"].text == "第一条 本条例适用于本市。\n本市各区参照执行。"  # its second paragraph (款) stays
    assert by_article["第二条"].section == ("第一编 总则", "第一章 一般规定", "第二节 职责", "第二条")
    assert "（二）监督" in by_article["第二条"].text
    assert by_article["第三条"].section == ("第二编 附则", "第三条")


def test_a_special_economic_zone_is_the_place_its_title_begins_with() -> None:
    from assistant.search.scope import CatalogEntry, resolve_scope, title_core, title_place

    assert title_place("深圳经济特区测试条例") == "深圳"
    assert title_core("深圳经济特区测试条例") == ("测试", "条例")
    catalog = [CatalogEntry("sz", "深圳经济特区测试条例", "广东", "current", ""),
               CatalogEntry("zz", "郑州市市容条例", "河南", "current", "")]
    # Another city's text of the same name is not the one a question names.
    assert not resolve_scope("郑州市测试条例对床位有什么要求", catalog, ()).doc_ids
    assert resolve_scope("深圳测试条例对床位有什么要求", catalog, ()).doc_ids == ("sz",)
