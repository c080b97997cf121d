"""Feedback and audit events are never lost: many threads and processes writing at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

from assistant.feedback import FeedbackStore


def _hammer(count: int, barrier: threading.Barrier, errors: list, write) -> list[threading.Thread]:
    def run(i: int) -> None:
        try:
            barrier.wait()
            write(i)
        except BaseException as exc:  # noqa: BLE001 - every failure is counted
            errors.append(exc)

    return [threading.Thread(target=run, args=(i,)) for i in range(count)]


def _run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_thousand_concurrent_feedback_writes_are_all_stored(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    errors: list = []
    barrier = threading.Barrier(1000)

    def write(i: int) -> None:
        store.record(question=f"问题{i}", history=[{"role": "user", "content": "上一问"}], answer="答",
                     citations=[], rating=1 if i % 2 else -1)

    _run_all(_hammer(1000, barrier, errors, write))
    assert errors == []
    items = store.items()
    assert len(items) == 1000
    assert {item.question for item in items} == {f"问题{i}" for i in range(1000)}
    assert len(store.items(rating=-1)) == 500


def test_wal_mode_is_on(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_thousand_concurrent_audit_events_are_all_stored(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    errors: list = []
    barrier = threading.Barrier(1000)
    _run_all(_hammer(1000, barrier, errors, lambda i: store.record_event(f"user{i % 7}", "upload", f"f{i}")))
    assert errors == []
    events = store.events(limit=None)
    assert len(events) == 1000 and {e.detail for e in events} == {f"f{i}" for i in range(1000)}
    latest = store.events(limit=5)
    assert [e.id for e in latest] == sorted((e.id for e in events), reverse=True)[:5]
    assert store.events(limit=0) == []


def test_events_and_feedback_share_the_database(tmp_path):
    path = tmp_path / "feedback.db"
    first = FeedbackStore(path)
    first.record_event("alice", "login")
    first.record(question="q", history=[], answer="a", citations=[], rating=1)
    again = FeedbackStore(path)  # a second store (another process, a restart) sees both tables
    assert [e.action for e in again.events()] == ["login"] and len(again.items()) == 1
    assert again.events()[0].user == "alice" and again.events()[0].detail == ""


def test_odd_text_is_stored_not_refused(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.db")
    store.record(question="问题\ud800\x00", history=[{"role": "user", "content": "\udc80历史", "x": object()}],
                 answer="答\x07", citations=[{"n": 1}], rating=-1, comment="评论\u202e")
    store.record_event("用户\ud800", "删除", "文件\x00名")
    item = store.items()[0]
    assert item.question == "问题" and item.answer == "答" and item.comment == "评论"
    assert item.history[0]["content"] == "历史"
    assert store.events()[0].user == "用户" and store.events()[0].detail == "文件名"


def _process_writer(path: str, count: int) -> None:
    store = FeedbackStore(path)
    for i in range(count):
        store.record(question=f"p{i}", history=[], answer="a", citations=[], rating=1)
        store.record_event("proc", "ask", str(i))


def test_several_processes_writing_lose_nothing(tmp_path):
    path = str(tmp_path / "feedback.db")
    FeedbackStore(path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_writer, args=(path, 50)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    store = FeedbackStore(path)
    assert len(store.items()) == 200 and len(store.events(limit=None)) == 200
