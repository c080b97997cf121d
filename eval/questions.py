"""Golden-question files: reading, checking the format, and checking them against a corpus."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant import match_form

REQUIRED = ("id", "question", "type", "answer", "must_contain", "evidence", "source_file")


@dataclass(frozen=True)
class Question:
    """One golden question."""

    id: str
    question: str
    type: str
    answer: str
    must_contain: tuple[str, ...]
    evidence: tuple[str, ...]
    source_files: tuple[str, ...]
    history: tuple[dict, ...] = ()

    @property
    def answerable(self) -> bool:
        """False for questions the documents do not answer."""
        return bool(self.must_contain or self.evidence)


class QuestionFileError(ValueError):
    """The question file does not follow the format."""


def _as_tuple(value, field: str, where: str) -> tuple[str, ...]:
    if value == "" or value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise QuestionFileError(f"{where}: '{field}' must be a string or a list of strings")


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question file; raise QuestionFileError naming the line of any problem."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"cannot read question file {path}: {exc}") from exc
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise QuestionFileError(f"{where}: each line must be a JSON object")
        missing = [f for f in ("id", "question") if f not in row]
        if missing:
            raise QuestionFileError(f"{where}: missing field(s) {', '.join(missing)}")
        qid = str(row["id"])
        if qid in seen:
            raise QuestionFileError(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        history = row.get("history") or []
        if not isinstance(history, list) or any(
                not isinstance(t, dict) or t.get("role") not in {"user", "assistant"} or
                not isinstance(t.get("content"), str) for t in history):
            raise QuestionFileError(f"{where}: 'history' must be a list of {{role, content}} turns")
        must = row.get("must_contain", [])
        if not isinstance(must, list) or not all(isinstance(m, str) for m in must):
            raise QuestionFileError(f"{where}: 'must_contain' must be a list of strings")
        questions.append(Question(
            id=qid, question=str(row["question"]), type=str(row.get("type") or "other"),
            answer=str(row.get("answer", "")), must_contain=tuple(must),
            evidence=_as_tuple(row.get("evidence", ""), "evidence", where),
            source_files=_as_tuple(row.get("source_file", ""), "source_file", where),
            history=tuple(history)))
    return questions


def check_against_corpus(questions: list[Question], corpus_dir: Path) -> list[str]:
    """Problems found: evidence missing from its source file, must_contain missing from the evidence."""
    problems: list[str] = []
    cache: dict[str, str] = {}
    for q in questions:
        if not q.answerable:
            continue
        texts = []
        for name in q.source_files:
            if name not in cache:
                path = Path(corpus_dir) / name
                cache[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
            texts.append(cache[name])
        if not texts:
            problems.append(f"{q.id}: answerable but names no source_file")
        for evidence in q.evidence:
            if not any(evidence in text for text in texts):
                problems.append(f"{q.id}: evidence not found verbatim in {', '.join(q.source_files)}: {evidence}")
        joined = match_form("".join(q.evidence))
        for must in q.must_contain:
            if match_form(must) not in joined:
                problems.append(f"{q.id}: must_contain {must!r} is not in the evidence")
    return problems
