"""A plain baseline for retrieval: BM25 over whole articles (第X条 to the next), jieba terms, nothing else."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant import index_terms, match_form
from eval.metrics import evidence_rank
from eval.questions import Question

_ARTICLE_START = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+条", re.M)
_SUFFIXES = (".md", ".txt", ".text")


def articles(folder: Path) -> list[str]:
    """Every article of every text file of a folder (a file without articles gives its paragraphs)."""
    out: list[str] = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        starts = [m.start() for m in _ARTICLE_START.finditer(text)]
        if not starts:
            out.extend(p.strip() for p in text.split("\n\n") if p.strip())
            continue
        out.extend(text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)], strict=True))
    return out


def bm25_article_hits(questions: Sequence[Question], folder: Path, k: int = 10) -> dict[str, Any]:
    """hit@1/5/10 of plain BM25 over whole articles on the answerable questions."""
    import bm25s

    texts = articles(folder)
    retriever = bm25s.BM25()
    retriever.index([index_terms(t) for t in texts], show_progress=False)
    forms = [match_form(t) for t in texts]
    hits = {1: 0, 5: 0, 10: 0}
    answerable = [q for q in questions if q.answerable and q.evidence]
    for question in answerable:
        terms = index_terms(question.question) or [question.question]
        scores = retriever.get_scores(terms)
        top = np.argsort(-scores)[:k]
        rank = evidence_rank(question.evidence, [forms[int(i)] for i in top])
        for cut in hits:
            hits[cut] += rank is not None and rank <= cut
    n = max(1, len(answerable))
    return {"articles": len(texts), "questions": len(answerable),
            **{f"hit@{cut}": round(count / n, 4) for cut, count in hits.items()}}
