"""Stress check through the public API: many random questions and histories, some of them hostile (odd
characters, huge or empty text, values that are not text, histories of any shape), against one index.

Only a QuestionError may come out of `Assistant.ask`, and only for a question that is not text or is empty;
anything else counts as an unexpected exception. Latency is measured for every call."""

from __future__ import annotations

import json
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant import Assistant, QuestionError

GOLDEN = Path(__file__).resolve().parent / "golden.jsonl"

FOLLOW_UPS = ("那2019年呢？", "由谁负责？", "山东呢？", "那么2021年的目标是多少", "还有呢", "它什么时候施行？", "那个呢?")
# Characters that break naive code: surrogates, controls, bidi marks, BOM, non-characters, combining marks,
# full-width forms, emoji (also as a surrogate pair), and the characters Chinese questions are made of.
NASTY = ["\ud800", "\udfff", "\ud83d\ude00", "\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff", "\ufffe",
         "\uffff", "\u0301", "\u200b", "\u3000", "\n", "\t", "\r", "𠀀", "😀", "ｱ", "１", "年", "呢", "？", "的", "扶贫",
         "〔2020〕", "《", "》", "%", "\\", "'", '"', "<script>", "{", "}", "[1]"]


@dataclass
class StressReport:
    """What a stress run found."""

    iterations: int
    seconds: float
    unexpected: int
    question_errors: int
    expected_question_errors: int  # of those, for a question that was not text or was empty
    refused_real_questions: int  # QuestionError for a question with text in it: a bug too
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    kind_latencies_ms: dict[str, list[float]] = field(default_factory=dict, repr=False)
    kinds: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)

    def percentile(self, share: float, kind: str | None = None) -> float:
        """The latency (ms) below which `share` of the calls (of one question kind) finished."""
        ordered = sorted(self.latencies_ms if kind is None else self.kind_latencies_ms.get(kind, []))
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

    def figures(self) -> dict:
        """The figures as a JSON-ready dict."""
        return {"iterations": self.iterations, "seconds": round(self.seconds, 2), "unexpected_exceptions": self.unexpected,
                "question_errors": self.question_errors, "expected_question_errors": self.expected_question_errors,
                "refused_real_questions": self.refused_real_questions,
                "latency_ms": {"p50": round(self.percentile(0.5), 2), "p99": round(self.percentile(0.99), 2),
                               "max": round(max(self.latencies_ms, default=0.0), 2)},
                "question_kinds": dict(sorted(self.kinds.items())),
                "latency_ms_by_kind": {k: {"p50": round(self.percentile(0.5, k), 2), "p99": round(self.percentile(0.99, k), 2),
                                           "max": round(max(v), 2)} for k, v in sorted(self.kind_latencies_ms.items())},
                "failures": self.failures[:20]}


def _golden_questions(path: Path = GOLDEN) -> tuple[list[str], list[list[dict]]]:
    questions: list[str] = []
    histories: list[list[dict]] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                questions.append(row["question"])
                if row.get("history"):
                    histories.append(list(row["history"]))
    return questions or ["2020年消费扶贫专柜目标是多少"], histories


class Generator:
    """Random questions and histories, reproducible from a seed."""

    def __init__(self, seed: int = 0, golden: Path = GOLDEN) -> None:
        self.rng = random.Random(seed)
        self.questions, self.histories = _golden_questions(golden)

    def _char(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return rng.choice(NASTY)
        if roll < 0.6:
            return chr(rng.randint(0x4E00, 0x9FFF))
        if roll < 0.8:
            return chr(rng.randint(0x20, 0x7E))
        return chr(rng.randint(0, 0x10FFFF))  # anything, surrogates included

    def _noise(self, length: int) -> str:
        return "".join(self._char() for _ in range(length))

    def _mutate(self, text: str) -> str:
        rng = self.rng
        chars = list(text)
        for _ in range(rng.randint(1, 6)):
            position = rng.randint(0, len(chars))
            action = rng.random()
            if action < 0.5:
                chars.insert(position, self._char())
            elif chars and action < 0.8:
                del chars[min(position, len(chars) - 1)]
            elif chars:
                chars[min(position, len(chars) - 1)] = self._char()
        return "".join(chars)

    def json_like(self, depth: int = 0) -> object:
        """Any JSON-like value (what a web client may send), nested a little."""
        rng = self.rng
        roll = rng.random()
        if depth > 2 or roll < 0.5:
            return rng.choice([None, True, False, 0, -1, 2**63, 3.14, float("nan"), float("inf"), "",
                               self._noise(rng.randint(1, 30)), "user", "assistant", "content", "role"])
        if roll < 0.75:
            return [self.json_like(depth + 1) for _ in range(rng.randint(0, 4))]
        keys = ["role", "content", self._noise(3), "name"]
        return {rng.choice(keys): self.json_like(depth + 1) for _ in range(rng.randint(0, 4))}

    def question(self) -> tuple[str, object]:
        """A (kind, question) pair."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            return "golden", rng.choice(self.questions)
        if roll < 0.50:
            return "mutated", self._mutate(rng.choice(self.questions))
        if roll < 0.60:
            return "follow-up", rng.choice(FOLLOW_UPS)
        if roll < 0.75:
            return "noise", self._noise(rng.randint(1, 80))
        if roll < 0.80:
            return "huge", (rng.choice(self.questions) + self._noise(20)) * rng.randint(50, 2000)
        if roll < 0.85:
            return "blank", rng.choice(["", " ", "\n\t", "\u3000", "\x00\x01", "\ud800", "\u202e\ufeff"])
        if roll < 0.90:
            return "not-text", rng.choice([None, 0, 2020, 3.5, b"bytes", ["问题"], {"question": "问"}, ("q",), True])
        return "json", self.json_like()

    def history(self) -> tuple[str, object]:
        """A (kind, history) pair."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            return "none", rng.choice([(), [], None])
        if roll < 0.45 and self.histories:
            return "golden", rng.choice(self.histories)
        if roll < 0.60:
            turns = []
            for _ in range(rng.randint(1, 6)):
                turns.append({"role": "user", "content": rng.choice(self.questions)})
                turns.append({"role": "assistant", "content": self._noise(rng.randint(0, 60))})
            return "valid", turns
        if roll < 0.75:
            return "mixed", [rng.choice([{"role": rng.choice(["user", "assistant", "system"]), "content": self._noise(20)},
                                         {"role": "user", "content": None}, self.json_like(), None, "文字"])
                             for _ in range(rng.randint(1, 12))]
        if roll < 0.85:
            return "long", [{"role": "user", "content": self._noise(rng.randint(0, 3000))} for _ in range(rng.randint(20, 200))]
        return "json", self.json_like()


def _has_text(question: object) -> bool:
    """Whether a question has something to ask: a character that is not a control, format, surrogate,
    non-character or space (those are what the API removes or strips)."""
    if not isinstance(question, str):
        return False
    return any(not c.isspace() and c not in "\ufffe\uffff" and unicodedata.category(c) not in ("Cc", "Cf", "Cs")
               for c in question[:8000])


def run_stress(assistant: Assistant, iterations: int = 10_000, *, seed: int = 0,
               log: Callable[[str], None] = lambda message: None) -> StressReport:
    """Ask `iterations` random questions with random histories; count what goes wrong and time every call."""
    generator = Generator(seed)
    report = StressReport(iterations, 0.0, 0, 0, 0, 0)
    started = time.perf_counter()
    for i in range(iterations):
        kind, question = generator.question()
        history_kind, history = generator.history()
        report.kinds[kind] += 1
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(question, history)  # type: ignore[arg-type]  # hostile input on purpose
            if not isinstance(answer.text, str) or not answer.text:
                raise AssertionError("an answer without text")
            answer.to_result(str(i))
        except QuestionError:
            report.question_errors += 1
            if _has_text(question):
                report.refused_real_questions += 1
                report.failures.append({"iteration": i, "kind": kind, "error": "QuestionError for a real question",
                                        "question": repr(question)[:200]})
            else:
                report.expected_question_errors += 1
        except Exception as exc:  # everything else is what this check looks for
            report.unexpected += 1
            report.failures.append({"iteration": i, "kind": kind, "history": history_kind,
                                    "error": f"{type(exc).__name__}: {exc}"[:300], "question": repr(question)[:200],
                                    "history_value": repr(history)[:200]})
        elapsed = (time.perf_counter() - t0) * 1000
        report.latencies_ms.append(elapsed)
        report.kind_latencies_ms.setdefault(kind, []).append(elapsed)
        if (i + 1) % 1000 == 0:
            log(f"{i + 1}/{iterations}: {report.unexpected} unexpected, p50 {report.percentile(0.5):.1f} ms")
    report.seconds = time.perf_counter() - started
    return report


def table(report: StressReport) -> str:
    """The figures as a few lines of text."""
    figures = report.figures()
    lines = [f"{figures['iterations']} random questions in {figures['seconds']} s",
             f"unexpected exceptions: {figures['unexpected_exceptions']}",
             f"QuestionError: {figures['question_errors']} (expected {figures['expected_question_errors']}, "
             f"for real questions {figures['refused_real_questions']})",
             f"latency p50 {figures['latency_ms']['p50']} ms, p99 {figures['latency_ms']['p99']} ms, "
             f"max {figures['latency_ms']['max']} ms",
             "by question kind (count, p50 / p99 / max ms): " + "; ".join(
                 f"{k} {figures['question_kinds'][k]}, {v['p50']} / {v['p99']} / {v['max']}"
                 for k, v in figures["latency_ms_by_kind"].items())]
    for failure in figures["failures"][:5]:
        lines.append(f"  failure: {failure}")
    return "\n".join(lines)
