"""Logins: hashed passwords, growing delays and temporary locks per account and per address."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from ui.auth import LoginGuard, hash_password, verify_password
from ui.cli import read_auth


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hashed_password_round_trip():
    stored = hash_password("s3cret 口令", iterations=1000)
    scheme, iterations, salt, digest = stored.split("$")
    assert scheme == "pbkdf2_sha256" and iterations == "1000" and salt and digest
    assert verify_password("s3cret 口令", stored) and not verify_password("s3cret", stored)
    assert hash_password("x", iterations=1000) != hash_password("x", iterations=1000)  # salted
    assert verify_password("plain", "plain") and not verify_password("plain", "other")
    assert not verify_password("x", "pbkdf2_sha256$notanumber$salt$hash")


def test_auth_file_may_hold_hashed_passwords(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICY_QA_AUTH", raising=False)
    stored = hash_password("pw", iterations=1000)
    path = tmp_path / "auth.txt"
    path.write_text(f"alice:{stored}\n", encoding="utf-8")
    assert read_auth(path) == [("alice", stored)]
    guard = LoginGuard(dict(read_auth(path) or []))
    assert guard.attempt("alice", "pw") and not guard.attempt("alice", "wrong")


def test_failures_grow_the_delay_then_lock_the_account_and_are_logged(caplog):
    clock = Clock()
    events: list[tuple[str, str, str]] = []
    guard = LoginGuard({"alice": "right"}, base_delay=0.5, max_delay=4, lock_after=4, lock_seconds=60, clock=clock,
                       on_event=lambda *e: events.append(e))
    delays = []
    with caplog.at_level(logging.WARNING, logger="policy_qa.ui.auth"):
        for _ in range(4):
            delays.append(guard.delay_for("alice", "10.0.0.1"))
            assert not guard.attempt("alice", "wrong", "10.0.0.1")
    assert delays == [0.0, 0.5, 1.0, 2.0]
    assert "login failed" in caplog.text and "locked" in caplog.text
    # locked: even the right password is refused, from any address
    assert not guard.attempt("alice", "right", "10.0.0.2")
    assert [e[1] for e in events][-2:] == ["login_lock", "login_locked"]
    clock.now += 61
    assert guard.attempt("alice", "right", "10.0.0.2")  # the lock expires; success clears the count
    assert guard.delay_for("alice", "10.0.0.2") == 0.0


def test_one_address_guessing_many_accounts_is_locked():
    clock = Clock()
    guard = LoginGuard({"alice": "a", "bob": "b"}, lock_after=3, lock_seconds=60, clock=clock)
    for user in ("u1", "u2", "u3"):
        assert not guard.attempt(user, "guess", "10.0.0.9")
    assert guard.locked("bob", "10.0.0.9") and not guard.attempt("bob", "b", "10.0.0.9")
    assert guard.attempt("bob", "b", "10.0.0.7")  # another address is not affected


def test_check_waits_without_blocking():
    guard = LoginGuard({"alice": "right"}, base_delay=0.05)
    assert not asyncio.run(guard.check("alice", "wrong"))
    assert asyncio.run(guard.check("alice", "right"))


def test_login_endpoint_is_throttled_per_address():
    gr = pytest.importorskip("gradio")
    import httpx
    from starlette.middleware import Middleware

    from ui.app import launch_options
    from ui.auth import ClientAddressMiddleware

    seen: list[str] = []
    guard = LoginGuard({"alice": "right"}, base_delay=0.01, lock_after=3, lock_seconds=60,
                       on_event=lambda user, action, detail: seen.append(f"{action} {detail}"))
    with gr.Blocks() as demo:
        gr.Markdown("x")
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, auth=guard.check,
                **launch_options(Middleware(ClientAddressMiddleware)))
    try:
        url = f"http://127.0.0.1:{port}/login"
        for _ in range(3):
            assert httpx.post(url, data={"username": "alice", "password": "no"}).status_code == 400
        assert httpx.post(url, data={"username": "alice", "password": "right"}).status_code == 400  # locked
        assert any("address=127.0.0.1" in s for s in seen) and any(s.startswith("login_lock") for s in seen)
    finally:
        demo.close()


def test_hash_password_command():
    run = subprocess.run([sys.executable, "-m", "ui", "hash-password", "--stdin"], input="口令123\n",
                         capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 0, run.stderr
    stored = run.stdout.strip()
    assert stored.startswith("pbkdf2_sha256$") and verify_password("口令123", stored)


@pytest.mark.integration
@pytest.mark.browser
def test_login_page_is_chinese_and_locks_after_failures(tmp_path):
    import shutil
    from pathlib import Path

    gr = pytest.importorskip("gradio")
    from starlette.middleware import Middleware

    from assistant import FeedbackStore
    from ui.app import launch_options
    from ui.auth import ClientAddressMiddleware

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    audit = FeedbackStore(tmp_path / "feedback.db")
    guard = LoginGuard({"alice": hash_password("right", iterations=1000)}, base_delay=0.01, lock_after=2,
                       on_event=audit.record_event)
    with gr.Blocks() as demo:
        gr.Markdown("已登录", elem_id="inside")
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, auth=guard.check,
                **launch_options(Middleware(ClientAddressMiddleware)))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"])
            page = browser.new_context(locale="en-US").new_page()

            def login(password: str) -> None:
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("input[type=password]", timeout=30000)
                page.fill("input[type=text]", "alice")
                page.fill("input[type=password]", password)
                page.keyboard.press("Enter")

            login("wrong")
            page.wait_for_function("() => document.body.innerText.includes('凭据不正确')", timeout=30000)
            body = page.inner_text("body")
            assert "用户名" in body and "密码" in body and "Login" not in body and "username" not in body.lower()
            login("wrong")
            page.wait_for_function("() => document.body.innerText.includes('凭据不正确')", timeout=30000)
            login("right")  # locked now: even the right password is refused
            page.wait_for_function("() => document.body.innerText.includes('凭据不正确')", timeout=30000)
            browser.close()
        assert [e.action for e in reversed(audit.events())] == ["login_failed", "login_failed", "login_lock", "login_locked"]
    finally:
        demo.close()
