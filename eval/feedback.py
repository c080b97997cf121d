"""Turn 👎 feedback into golden-format question candidates for a person to review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant import FeedbackStore


def feedback_candidates(store: FeedbackStore) -> list[dict]:
    """One candidate per 👎 item: the question as asked, with its history; answer fields left for review."""
    rows = []
    for item in store.items(rating=-1):
        row: dict[str, Any] = {"id": f"fb{item.id:04d}", "question": item.question, "type": "feedback"}
        if item.history:
            row["history"] = list(item.history)
        row.update({"answer": "", "must_contain": [], "evidence": "", "source_file": "",
                    "assistant_answer": item.answer, "comment": item.comment, "created_at": item.created_at})
        rows.append(row)
    return rows


def write_candidates(rows: list[dict], path: Path) -> None:
    """Write candidates as JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
