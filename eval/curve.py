"""Accuracy against abstention as the answer threshold moves: one row per value of the coverage threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import AskConfig, Assistant
from eval.metrics import judge, summarize
from eval.questions import Question
from eval.runner import run_questions

if TYPE_CHECKING:
    from embeddings.models import Embedder

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def threshold_curve(questions: Sequence[Question], index_dir: Path, thresholds: Sequence[float] = THRESHOLDS, *,
                    embedder: Embedder | None = None) -> list[dict[str, Any]]:
    """For each `min_coverage`: accuracy, how often the assistant abstains, and both kinds of abstention error."""
    loaded = Assistant.load(index_dir, embedder=embedder)
    rows: list[dict[str, Any]] = []
    for threshold in thresholds:
        assistant = Assistant(loaded.store, loaded.retriever.embedder, AskConfig(min_coverage=threshold))
        results = run_questions(list(questions), assistant=assistant)
        summary = summarize([judge(q, r) for q, r in zip(questions, results, strict=True)])
        rows.append({"min_coverage": threshold, "accuracy": summary["accuracy"],
                     "abstained": round(sum(1 for r in results if r["abstained"]) / max(1, len(results)), 4),
                     "abstention_accuracy": summary["abstention_accuracy"],
                     "false_abstentions": summary["false_abstentions"]})
    return rows


def curve_table(rows: Sequence[dict[str, Any]]) -> str:
    """The curve as a Markdown table (the default threshold marked)."""
    default = AskConfig().min_coverage
    lines = ["| min_coverage | accuracy | abstained | abstention accuracy (unanswerable) | false abstentions |",
             "|---|---|---|---|---|"]
    for row in rows:
        mark = " (default)" if abs(row["min_coverage"] - default) < 1e-9 else ""
        lines.append(f"| {row['min_coverage']}{mark} | {row['accuracy']} | {row['abstained']} | "
                     f"{row['abstention_accuracy']} | {row['false_abstentions']} |")
    return "\n".join(lines)
