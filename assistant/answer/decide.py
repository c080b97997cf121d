"""The decision for one part of a question: answer it from the chosen evidence, or leave it unanswered."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.candidates import Evidence, FormsCache, choose_evidence
from assistant.answer.compose import compose, heading_only
from assistant.answer.metadata import answer_from_metadata
from assistant.config import AnswerWeights, AskConfig
from assistant.index.store import IndexStore
from assistant.records import Citation, Intent
from assistant.search.analysis import QuestionFrame
from assistant.search.retrieval import Ranked
from assistant.text.normalize import char_bigrams, normalize
from assistant.text.numbers import FIGURE


def covers(evidence: Evidence, terms: Sequence[str], min_coverage: float) -> bool:
    """The evidence speaks to the question: its provision covers enough of the topic, its sentence some."""
    if not terms:
        return evidence.sentence_coverage > 0 or evidence.chunk_coverage > 0
    return evidence.chunk_coverage >= min_coverage and evidence.sentence_coverage > 0


# A provision that speaks to the topic but leaves the value to someone else, or to other rules; 按照有关规定办理登记
# says how an act is done, not who sets a value.
DELEGATION = re.compile(
    r"具体(?:办法|标准|范围|程序|数额|比例|规定|实施办法|细则|措施)?(?:由|按照|另行)|由[^，。；]{2,40}(?:制定|规定|确定|拟定)"
    r"|按照(?:国家|本市|本省|省|市|有关)[^，。；]{0,24}规定(?!(?:进行|开展|办理|实行|履行|组织|接受)[\u4e00-\u9fff]{2})|一定(?:学时|范围|比例|数额|数量|标准|期限|额度)|另行(?:制定|规定)")


UNSTATED = "文档没有写明具体内容，只作了如下规定："


@dataclass(frozen=True)
class PartAnswer:
    """The cited answer to one part; `stated` is False when the documents address the topic but do not
    give what was asked (the value is left to others), which the answer says instead of guessing."""

    text: str
    citations: list[Citation]
    stated: bool = True


def answer_part(store: IndexStore, forms: FormsCache, frame: QuestionFrame, ranked: Sequence[Ranked],
                years: tuple[int, ...], n: int, limit: int, config: AskConfig) -> PartAnswer | None:
    """The cited answer to one part from its ranked chunks (citations numbered from `n`), or None."""
    if frame.metadata_kind:
        composed = answer_from_metadata(store, frame, ranked, n, years)
        if composed is not None:
            return PartAnswer(*composed)
    rows = [r.row for r in ranked]
    closeness = {r.row: r.similarity for r in ranked}
    # A chapter title alone (法律责任) is near many questions by meaning and answers none: the provisions
    # compared by meaning are those with a text.
    ranked = [r for r in ranked if not heading_only(store.chunks[r.row])]
    evidence = choose_evidence(store, forms, rows, frame, years, config.weights, config.evidence_depth, closeness)
    if evidence and frame.asks_specifics and frame.required is None and not speaks_of_focus(forms, evidence[0], frame):
        evidence = []
    if evidence and frame.counted and not names(forms, evidence[0], frame, frame.counted):
        # 每个班最多收多少个孩子 is not answered by 设置一所幼儿园: the figure must count what was asked.
        evidence = []
    if evidence and on_topic(evidence[0], frame, ranked, config):
        text, citations = compose(store, evidence, n, frame, limit, config.wording)
        if frame.asks_specifics and frame.intent != Intent.WHO and DELEGATION.search(evidence[0].norm) \
                and not FIGURE.search(evidence[0].norm):
            # Asked for the specifics, the provision only says who sets them: that is not an answer.
            return PartAnswer(UNSTATED + text, citations, stated=False)
        return PartAnswer(text, citations)
    if frame.required is None:
        return None
    # Nothing states the value asked for: a provision on the topic that leaves it to others is what to say.
    loose = dataclasses.replace(frame, required=None, both_parts=False)
    evidence = choose_evidence(store, forms, rows, loose, years, config.weights, config.evidence_depth, closeness)
    if evidence and DELEGATION.search(evidence[0].norm) and on_topic(evidence[0], frame, ranked, config):
        text, citations = compose(store, evidence[:1], n, loose, limit, config.wording)
        return PartAnswer(UNSTATED + text, citations, stated=False)
    return None


def on_topic(evidence: Evidence, frame: QuestionFrame, ranked: Sequence[Ranked], config: AskConfig) -> bool:
    """The evidence speaks to the question: in its words (`covers`) or, failing that, in other words
    (`paraphrased`)."""
    return covers(evidence, frame.terms, config.min_coverage) or paraphrased(evidence, ranked, config.weights)


def speaks_of_focus(forms: FormsCache, evidence: Evidence, frame: QuestionFrame) -> bool:
    """The provision names the thing the question asks about (面积 in 人均有效面积有什么标准), in the
    question's words or their lexicon alternatives; a question without such a word passes."""
    return not frame.focus or names(forms, evidence, frame, frame.focus)


def names(forms: FormsCache, evidence: Evidence, frame: QuestionFrame, word: str) -> bool:
    """The evidence's provision says `word` or one of its lexicon alternatives."""
    context = forms(evidence.row).context
    return word in context or any(a in context for a in frame.alternatives.get(word, ()))


def paraphrased(evidence: Evidence, ranked: Sequence[Ranked], weights: AnswerWeights) -> bool:
    """The question says in other words what the evidence's provision says: the provision is the closest
    by meaning of all retrieved (or within a hair of it), close enough, and shares at least some of the question's words."""
    if weights.paraphrase_similarity <= 0 or not ranked:
        return False
    by_row = {r.row: r.similarity for r in ranked}
    closest = max(by_row.values())
    similarity = by_row.get(evidence.row, 0.0)
    return (similarity >= weights.paraphrase_similarity and similarity >= closest - weights.paraphrase_margin
            and evidence.chunk_coverage >= weights.paraphrase_min_coverage and evidence.sentence_coverage > 0)


def counterpart(store: IndexStore, forms: FormsCache, frame: QuestionFrame, ranked: Sequence[Ranked], answered: str,
                n: int, limit: int, config: AskConfig) -> PartAnswer | None:
    """In another version of a document, the provision nearest by meaning to `answered` (a quote of one
    version: `ranked` is that version's search for it), quoted at its sentence sharing most of the quote's and
    the question's words; None when the nearest is not near enough."""
    if not ranked or ranked[0].similarity < config.weights.counterpart_similarity:
        return None
    row = ranked[0].row
    wanted = char_bigrams(normalize(answered)) | {t for t in frame.terms}
    sentences = [(s, e, norm) for s, e, norm in forms(row).sentences if len(norm) >= config.weights.min_sentence_chars]
    if not sentences:
        return None
    start, end, norm = max(sentences, key=lambda x: len(char_bigrams(x[2]) & wanted) + sum(t in x[2] for t in frame.terms))
    evidence = Evidence(row, start, end, ranked[0].similarity, 1.0, 1.0, norm)
    text, citations = compose(store, [evidence], n, frame, limit, config.wording)
    return PartAnswer(text, citations)
