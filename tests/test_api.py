import pytest

from assistant.config import AskConfig
from assistant.errors import QuestionError
from assistant.text.normalize import match_form


def test_consumption_counter_target_is_answered_and_cited(fake_assistant):
    answer = fake_assistant.ask("2020年消费扶贫专柜目标是多少")
    assert not answer.abstained
    assert "1万个" in answer.text and "[1]" in answer.text
    assert "2020年全市脱贫攻坚工作要点" in answer.text
    citation = answer.citations[0]
    assert citation.number == "渝扶组发〔2020〕1号"
    assert "(十)开展消费扶贫专项行动" in citation.section
    document = fake_assistant.store.documents[citation.doc_id]
    assert document.display_text[citation.start:citation.end] == citation.text
    assert "设立1万个消费扶贫专柜" in citation.text


def test_other_year_is_not_answered_with_a_neighbouring_figure(fake_assistant):
    answer = fake_assistant.ask("2022年重庆要设立多少个消费扶贫专柜？")
    assert answer.abstained and not answer.citations
    assert "1万" not in answer.text.split("可能相关")[0]
    assert answer.retrieved


def test_follow_up_uses_history(fake_assistant):
    history = [{"role": "user", "content": "2020年消费扶贫专柜目标是多少"},
               {"role": "assistant", "content": "设立1万个消费扶贫专柜。"}]
    answer = fake_assistant.ask("那2019年呢？", history)
    assert answer.rewritten_question.startswith("2019年")
    assert answer.abstained  # the 2019 plan sets no counter target
    who = fake_assistant.ask("由谁负责？", history)
    assert not who.abstained and "市商务委" in who.text


def test_who_question_names_the_responsible_units(fake_assistant):
    answer = fake_assistant.ask("塔城地区扶贫日理论研讨会由哪个部门负责？")
    assert not answer.abstained and "地委宣传部" in answer.text


def test_traditional_question_works(fake_assistant):
    answer = fake_assistant.ask("重慶定點攻堅的對象分為哪兩類")
    assert not answer.abstained and "两类" in answer.text


def test_two_year_question_answers_both_parts(fake_assistant):
    answer = fake_assistant.ask("2019年和2020年分别要求多少贫困人口脱贫？")
    assert len(answer.citations) == 2
    assert "10万" in answer.text and "2.44万" in answer.text


def test_other_province_abstains(fake_assistant):
    assert fake_assistant.ask("广东省2020年消费扶贫专柜设立多少个").abstained


def test_answers_are_short_and_fields_complete(fake_assistant):
    answer = fake_assistant.ask("2019年易地扶贫搬迁多少人")
    assert "2.6万人" in answer.text
    plain = answer.text.replace("[1]", "")
    assert len(plain) <= 200
    result = answer.to_result("q1")
    assert set(result) == {"id", "question", "answer", "abstained", "citations", "retrieved", "latency_ms"}
    assert len(result["retrieved"]) == 10
    assert set(result["citations"][0]) == {"n", "doc_id", "title", "section", "text", "start", "end"}
    assert {"normalize_ms", "bm25_ms", "encode_ms", "vector_ms", "fusion_ms", "answer_ms", "total_ms"} <= set(answer.timings)


def test_empty_question_is_a_clear_error(fake_assistant):
    with pytest.raises(QuestionError, match="问题为空"):
        fake_assistant.ask("   ")


def test_huge_question_is_cut_with_a_notice(fake_assistant):
    answer = fake_assistant.ask("消费扶贫专柜" * 1000)
    assert answer.notices and "2000" in answer.notices[0]


def test_document_filter_narrows_retrieval(fake_assistant):
    tacheng = next(d.doc_id for d in fake_assistant.documents() if d.region == "塔城")
    answer = fake_assistant.ask("消费扶贫", doc_ids=[tacheng])
    assert all(p.doc_id == tacheng for p in answer.retrieved)


def test_single_retriever_modes(fake_index):
    from assistant.api import Assistant
    from tests.conftest import FakeEmbedder
    for mode in ("bm25", "dense"):
        assistant = Assistant.load(fake_index, embedder=FakeEmbedder(), config=AskConfig(retriever=mode))
        assert assistant.ask("2020年消费扶贫专柜目标是多少").retrieved


def test_config_is_checked():
    with pytest.raises(ValueError):
        AskConfig(retriever="magic")
    with pytest.raises(ValueError):
        AskConfig(top_k=0)
    assert match_form("設立1萬個")


def test_the_nearest_provisions_of_an_abstention_respect_the_callers_filters(fake_assistant):
    answer = fake_assistant.ask("2030年火星基地建设目标是多少", regions=["重庆"])
    assert answer.abstained
    regions = {fake_assistant.document(p.doc_id).region for p in answer.retrieved}
    assert regions <= {"重庆"}
