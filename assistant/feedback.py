"""Feedback on answers (👍/👎 with an optional comment) and an audit log of user actions, kept in SQLite.

Nothing written here may be lost: the database runs in WAL mode (readers never block the writer), every
connection waits for a busy database (`busy_timeout`), writes from one process take turns on a lock and the
ones that queue up meanwhile are committed together, and a write that still finds the database locked
(another process holding it longer than the timeout) is retried with a growing pause. Text is made storable
first (lone surrogates and control characters removed), so no odd character can make an insert fail."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from assistant.text.normalize import sanitize

log = logging.getLogger(__name__)

_SCHEMA = (
    """
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
""",
    """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)
""",
)

BUSY_TIMEOUT_S = 30.0  # how long one statement waits for another writer
RETRY_DEADLINE_S = 120.0  # how long a write keeps retrying a locked database before giving up
_T = TypeVar("_T")


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


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the audit log: who did what (login, upload, delete, …), with free-text detail."""

    id: int
    created_at: str
    user: str
    action: str
    detail: str


def _text(value: object, limit: int) -> str:
    """A storable string: any value as text, odd characters removed, cut to `limit` characters."""
    return sanitize(value if isinstance(value, str) else ("" if value is None else str(value)))[:limit]


def _json(value: object) -> str:
    """JSON text of a JSON-like value; anything else is stored as its string form."""
    return sanitize(json.dumps(value, ensure_ascii=False, default=str))


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


class FeedbackStore:
    """Append-only feedback and audit events in one SQLite file; safe to use from many threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Writes of this process take turns here, so its threads never fight over SQLite's lock.
        self._write_lock = threading.Lock()
        self._pending_lock = threading.Lock()
        self._pending: list[tuple[Callable[[sqlite3.Connection], Any], Future]] = []

        # WAL is a property of the file: set once (outside any transaction), it stays for every connection.
        self._read("PRAGMA journal_mode=WAL")

        def create(connection: sqlite3.Connection) -> None:
            for statement in _SCHEMA:
                connection.execute(statement)

        self._write(create)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            yield connection
        finally:
            connection.close()

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in a transaction and return its result. Writes that arrive together are committed
        together (one disk flush for many), each inside its own savepoint, so one failing write never takes
        the others with it; a database another process keeps locked is retried with a growing pause."""
        job: Future = Future()
        with self._pending_lock:
            self._pending.append((work, job))
        with self._write_lock:
            if not job.done():
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._commit(batch)
        return job.result()

    def _commit(self, batch: list[tuple[Callable[[sqlite3.Connection], Any], Future]]) -> None:
        deadline = time.monotonic() + RETRY_DEADLINE_S
        pause = 0.05
        attempt = 0
        while True:
            attempt += 1
            results: list[tuple[Future, bool, Any]] = []
            try:
                with self._connection() as connection:
                    connection.isolation_level = None  # transactions are managed here, explicitly
                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        for work, job in batch:
                            connection.execute("SAVEPOINT job")
                            try:
                                results.append((job, True, work(connection)))
                            except sqlite3.OperationalError as exc:
                                if _is_busy(exc):
                                    raise
                                connection.execute("ROLLBACK TO job")
                                results.append((job, False, exc))
                            except Exception as exc:  # this write fails alone
                                connection.execute("ROLLBACK TO job")
                                results.append((job, False, exc))
                            connection.execute("RELEASE job")
                        connection.execute("COMMIT")
                    except BaseException:
                        connection.execute("ROLLBACK")
                        raise
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    for _, job in batch:
                        job.set_exception(exc)
                    return
                log.warning("feedback database %s busy (attempt %d): %s; retrying", self.path, attempt, exc)
                time.sleep(pause * (0.5 + random.random()))
                pause = min(pause * 2, 2.0)
                continue
            except BaseException as exc:
                for _, job in batch:
                    job.set_exception(exc)
                raise
            for job, ok, value in results:
                if ok:
                    job.set_result(value)
                else:
                    job.set_exception(value)
            return

    def _read(self, query: str, args: tuple[Any, ...] = ()) -> list[tuple]:
        deadline = time.monotonic() + RETRY_DEADLINE_S
        while True:
            try:
                with self._connection() as connection:
                    return connection.execute(query, args).fetchall()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05 + random.random() * 0.1)

    def record(self, *, question: str, history: list[dict], answer: str, citations: list[dict], rating: int,
               comment: str = "") -> int:
        """Store one rating; returns its id."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        row = (time.strftime("%Y-%m-%dT%H:%M:%S"), _text(question, 4000), _json(list(history or ())),
               _text(answer, 8000), _json(list(citations or ())), rating, _text(comment, 2000))

        def insert(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, question, history, answer, citations, rating, comment) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            assert cursor.lastrowid is not None  # set by every INSERT
            return cursor.lastrowid

        return self._write(insert)

    def items(self, *, rating: int | None = None) -> list[FeedbackItem]:
        """Stored feedback, oldest first, optionally only 👍 (1) or 👎 (-1)."""
        query = "SELECT id, created_at, question, history, answer, citations, rating, comment FROM feedback"
        args: tuple = ()
        if rating is not None:
            query += " WHERE rating = ?"
            args = (rating,)
        rows = self._read(query + " ORDER BY id", args)
        return [FeedbackItem(r[0], r[1], r[2], tuple(_loads_list(r[3])), r[4], tuple(_loads_list(r[5])), r[6], r[7])
                for r in rows]

    def record_event(self, user: str, action: str, detail: str = "") -> int:
        """Append one audit event (e.g. user 'alice', action 'upload', detail the file name); returns its id."""
        row = (time.strftime("%Y-%m-%dT%H:%M:%S"), _text(user, 200), _text(action, 200), _text(detail, 4000))

        def insert(connection: sqlite3.Connection) -> int:
            cursor = connection.execute("INSERT INTO events (created_at, user, action, detail) VALUES (?, ?, ?, ?)",
                                        row)
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return self._write(insert)

    def events(self, limit: int | None = 100) -> list[AuditEvent]:
        """The latest `limit` audit events (all with None), newest first."""
        query = "SELECT id, created_at, user, action, detail FROM events ORDER BY id DESC"
        args: tuple = ()
        if limit is not None:
            query += " LIMIT ?"
            args = (max(0, int(limit)),)
        return [AuditEvent(*r) for r in self._read(query, args)]


def _loads_list(text: str) -> list:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []
