"""The decision for one part of a question: answer it from the chosen evidence, or leave it unanswered."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer.candidates import Evidence, FormsCache, choose_evidence
from assistant.answer.compose import compose
from assistant.answer.metadata import answer_from_metadata
from assistant.config import AskConfig
from assistant.index.store import IndexStore
from assistant.records import Citation
from assistant.search.analysis import QuestionFrame
from assistant.search.retrieval import Ranked


def covers(evidence: Evidence, terms: Sequence[str], min_coverage: float) -> bool:
    """The evidence speaks to the question: its provision covers enough of the topic, its sentence some."""
    if not terms:
        return evidence.sentence_coverage > 0 or evidence.chunk_coverage > 0
    return evidence.chunk_coverage >= min_coverage and evidence.sentence_coverage > 0


def answer_part(store: IndexStore, forms: FormsCache, frame: QuestionFrame, ranked: Sequence[Ranked],
                years: tuple[int, ...], n: int, limit: int,
                config: AskConfig) -> tuple[str, list[Citation]] | None:
    """The cited answer to one part from its ranked chunks (citations numbered from `n`), or None."""
    if frame.metadata_kind:
        composed = answer_from_metadata(store, frame, ranked, n, years)
        if composed is not None:
            return composed
    evidence = choose_evidence(store, forms, [r.row for r in ranked], frame, years, config.weights,
                               config.evidence_depth)
    if evidence and covers(evidence[0], frame.terms, config.min_coverage):
        return compose(store, evidence, n, frame, limit, config.wording)
    return None
