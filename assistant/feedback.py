"""Feedback on answers (👍/👎 with an optional comment), kept in SQLite."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class FeedbackItem:
    """One stored piece of feedback."""

    id: int
    created_at: str
    question: str
    history: tuple[dict, ...]
    answer: str
    citations: tuple[dict, ...]
    rating: int  # 1 for 👍, -1 for 👎
    comment: str


class FeedbackStore:
    """Append-only feedback in one SQLite file; safe to use from several threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, *, question: str, history: list[dict], answer: str, citations: list[dict], rating: int,
               comment: str = "") -> int:
        """Store one rating; returns its id."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, question, history, answer, citations, rating, comment) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S"), question[:4000], json.dumps(history, ensure_ascii=False),
                 answer[:8000], json.dumps(citations, ensure_ascii=False), rating, comment[:2000]))
            row_id = cursor.lastrowid
            assert row_id is not None  # set by every INSERT
            return row_id

    def items(self, *, rating: int | None = None) -> list[FeedbackItem]:
        """Stored feedback, oldest first, optionally only 👍 (1) or 👎 (-1)."""
        query = "SELECT id, created_at, question, history, answer, citations, rating, comment FROM feedback"
        args: tuple = ()
        if rating is not None:
            query += " WHERE rating = ?"
            args = (rating,)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY id", args).fetchall()
        return [FeedbackItem(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], tuple(json.loads(r[5])), r[6], r[7])
                for r in rows]
