"""Whether the chosen evidence answers: its provision covers enough of the topic and its sentence some."""

import pytest

from assistant.answer.candidates import Evidence
from assistant.answer.decide import covers


def evidence(chunk_coverage, sentence_coverage):
    return Evidence(row=0, start=0, end=10, score=1.0, chunk_coverage=chunk_coverage,
                    sentence_coverage=sentence_coverage, norm="新建扶贫车间10个")


@pytest.mark.parametrize("chunk_coverage, sentence_coverage, answered", [
    (0.8, 0.5, True),
    (0.6, 0.1, True),  # exactly the minimum is enough
    (0.59, 0.5, False),  # the provision is not about the topic
    (1.0, 0.0, False),  # the provision is, but the sentence says nothing of it
])
def test_covers_needs_the_provision_on_topic_and_the_sentence_to_speak_to_it(chunk_coverage, sentence_coverage,
                                                                             answered):
    assert covers(evidence(chunk_coverage, sentence_coverage), ["扶贫车间", "目标"], 0.6) is answered


def test_without_topic_terms_any_match_is_enough():
    assert covers(evidence(0.0, 0.1), [], 0.6)
    assert covers(evidence(0.1, 0.0), [], 0.6)
    assert not covers(evidence(0.0, 0.0), [], 0.6)


def test_the_minimum_is_the_callers():
    assert covers(evidence(0.3, 0.2), ["扶贫车间"], 0.25)
    assert not covers(evidence(0.3, 0.2), ["扶贫车间"], 0.5)


def test_a_chapter_title_alone_is_a_heading_only_chunk() -> None:
    from assistant.answer.compose import heading_only
    from assistant.records import Chunk

    def chunk(section: tuple[str, ...], text: str) -> Chunk:
        return Chunk(chunk_id="d:0001", doc_id="d", section=section, text=text, start=0, end=len(text), tokens=4)

    assert heading_only(chunk(("法律责任",), "法律责任"))
    assert heading_only(chunk(("第五章 法律责任",), "第五章  法律责任"))
    assert not heading_only(chunk(("法律责任", "第三十条"), "第三十条 违反本条例规定的，处一千元罚款。"))
    assert not heading_only(chunk((), "本条例自公布之日起施行。"))
