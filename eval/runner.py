"""Answer a question file through the public API and write the results file."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from assistant import AskConfig, Assistant, Generator, QuestionError, RetrieverMode, build_index, default_index_dir, policy_home
from eval.questions import Question


def index_for_corpus(corpus_dir: Path, index_dir: Path | None = None,
                     log: Callable[[str], None] = lambda message: None) -> Path:
    """Build (or reuse) the index of a corpus folder; returns the index folder."""
    corpus_dir = Path(corpus_dir).resolve()
    if index_dir is None:
        key = hashlib.sha256(str(corpus_dir).encode("utf-8")).hexdigest()[:12]
        index_dir = policy_home() / "indexes" / f"{corpus_dir.name}-{key}"
    report = build_index(corpus_dir, Path(index_dir), log=log)
    log(f"index {'reused' if report.unchanged else 'built'}: {report.documents} documents, {report.chunks} chunks")
    return Path(index_dir)


def run_questions(questions: list[Question], *, index_dir: Path | None = None,
                  retriever: RetrieverMode | str = RetrieverMode.HYBRID, rerank: bool = True,
                  generator: Generator | None = None, assistant: Assistant | None = None) -> list[dict]:
    """One results row per question, in order; the index is loaded once."""
    if assistant is None:
        config = AskConfig(retriever=RetrieverMode(retriever), rerank=rerank)
        assistant = Assistant.load(index_dir or default_index_dir(), config=config, generator=generator)
    rows: list[dict] = []
    for question in questions:
        started = time.perf_counter()
        try:
            answer = assistant.ask(question.question, list(question.history))
            row = answer.to_result(question.id)
        except QuestionError as exc:
            row = {"id": question.id, "question": question.question, "answer": str(exc), "abstained": True,
                   "citations": [], "retrieved": []}
        row["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        rows.append(row)
    return rows


def write_results(rows: list[dict], path: Path) -> None:
    """Write results as JSONL, one object per question."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_results(path: Path) -> list[dict]:
    """Read a results JSONL file."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
