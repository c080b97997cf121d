"""Scoring a results file against its questions, as the eval format defines it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant import match_form
from eval.questions import Question

MARKER = re.compile(r"\[\d+\]")
CONCISE_CHARS = 200
HIT_KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Judgement:
    """How one answer fared."""

    id: str
    type: str
    answerable: bool
    correct: bool
    concise: bool
    citations_right: bool
    abstained: bool
    hit_rank: int | None  # 1-based rank by which all evidence is retrieved, None if never
    latency_ms: float


def evidence_rank(evidence: tuple[str, ...], passages: list[str]) -> int | None:
    """The 1-based rank by which every evidence string is inside a passage (passages in match form), or None."""
    ranks = []
    for item in evidence:
        target = match_form(item)
        rank = next((i + 1 for i, text in enumerate(passages) if target in text), None)
        if rank is None:
            return None
        ranks.append(rank)
    return max(ranks) if ranks else None


def judge(question: Question, result: dict) -> Judgement:
    """Judge one result row against its question."""
    answer = str(result.get("answer", ""))
    abstained = bool(result.get("abstained", False))
    plain = MARKER.sub("", answer)
    normalized = match_form(plain)
    cited = [match_form(str(c.get("text", ""))) for c in result.get("citations", []) or []]
    passages = [match_form(str(p.get("text", ""))) for p in result.get("retrieved", []) or []]
    if question.answerable:
        correct = not abstained and all(match_form(m) in normalized for m in question.must_contain)
        citations_right = bool(question.evidence) and all(
            any(match_form(e) in c for c in cited) for e in question.evidence)
        rank = evidence_rank(question.evidence, passages)
    else:
        correct, citations_right, rank = abstained, False, None
    return Judgement(question.id, question.type, question.answerable, correct,
                     correct and len(plain.strip()) <= CONCISE_CHARS, citations_right, abstained, rank,
                     float(result.get("latency_ms", 0.0)))


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: list[float], pct: float, digits: int = 2) -> float | None:
    """Nearest-rank percentile: the smallest value with at least pct% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return round(ordered[index], digits)


def summarize(judgements: list[Judgement]) -> dict:
    """The figures of a run: accuracy overall and by type, citations, abstention, retrieval, latency."""
    answerable = [j for j in judgements if j.answerable]
    unanswerable = [j for j in judgements if not j.answerable]
    by_type: dict[str, dict] = {}
    for kind in sorted({j.type for j in judgements}):
        group = [j for j in judgements if j.type == kind]
        by_type[kind] = {"n": len(group), "accuracy": _share([j.correct for j in group])}
    hits = {f"hit@{k}": _share([j.hit_rank is not None and j.hit_rank <= k for j in answerable]) for k in HIT_KS}
    mrr = round(sum(1.0 / j.hit_rank for j in answerable if j.hit_rank) / len(answerable), 4) if answerable else None
    latencies = [j.latency_ms for j in judgements]
    return {
        "n": len(judgements),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "accuracy": _share([j.correct for j in judgements]),
        "concise_accuracy": _share([j.concise if j.answerable else j.correct for j in judgements]),
        "answerable_accuracy": _share([j.correct for j in answerable]),
        "citation_correctness": _share([j.citations_right for j in answerable]),
        "abstention_accuracy": _share([j.correct for j in unanswerable]),
        "false_abstentions": _share([j.abstained for j in answerable]),
        **hits,
        "mrr": mrr,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "by_type": by_type,
    }
