"""A small audit trail (who did what: uploads, deletions, undos, login failures and locks) in SQLite, WAL mode.

Stop-gap until `FeedbackStore.record_event` lands; the table and method names follow that planned API
(`record_event(user, action, detail)`, `events()`) so callers can switch without changes."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class AuditEvent:
    """One recorded action."""

    id: int
    created_at: str
    user: str
    action: str
    detail: str


class AuditLog:
    """Append-only events in one SQLite file (WAL, so readers never block the page)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record_event(self, user: str, action: str, detail: str = "") -> int:
        """Store one event; returns its id."""
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO audit_events (created_at, user, action, detail) VALUES (?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S"), user[:200], action[:100], detail[:2000]))
            row_id = cursor.lastrowid
            assert row_id is not None
            return row_id

    def events(self, *, action: str | None = None) -> list[AuditEvent]:
        """Stored events, oldest first, optionally of one action."""
        query = "SELECT id, created_at, user, action, detail FROM audit_events"
        args: tuple = ()
        if action is not None:
            query += " WHERE action = ?"
            args = (action,)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY id", args).fetchall()
        return [AuditEvent(*row) for row in rows]
