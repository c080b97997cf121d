"""Logins for the web UI: hashed passwords, and a growing delay and a temporary lock after repeated failures
(per account and per client address)."""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("policy_qa.ui.auth")

PBKDF2_PREFIX = "pbkdf2_sha256"
PBKDF2_ITERATIONS = 600_000

# The address of the request being handled, set by `ClientAddressMiddleware` (Gradio's auth callback gets
# only the user name and password).
client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="unknown")


def hash_password(password: str, *, iterations: int = PBKDF2_ITERATIONS, salt: str | None = None) -> str:
    """`pbkdf2_sha256$iterations$salt$hash` (salt and hash in URL-safe base64, without padding)."""
    if not password:
        raise ValueError("password must not be empty")
    salt = salt or base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"{PBKDF2_PREFIX}${iterations}${salt}${base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def is_hashed(stored: str) -> bool:
    return stored.startswith(PBKDF2_PREFIX + "$")


def verify_password(password: str, stored: str) -> bool:
    """Compare in constant time with a stored password, hashed (`pbkdf2_sha256$…`) or plain."""
    if not is_hashed(stored):
        return hmac.compare_digest(password.encode("utf-8"), stored.encode("utf-8"))
    try:
        _, iterations, salt, expected = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if not 1 <= rounds <= 10_000_000:
        return False
    return hmac.compare_digest(hash_password(password, iterations=rounds, salt=salt), stored)


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class LoginGuard:
    """Checks logins; after each failure the next attempt for that account or address waits longer
    (`base_delay` doubled per failure, at most `max_delay`), and after `lock_after` failures both are locked
    for `lock_seconds`. Failures are forgotten after `forget_after` quiet seconds or on success."""

    users: dict[str, str]
    base_delay: float = 0.5
    max_delay: float = 8.0
    lock_after: int = 5
    lock_seconds: float = 300.0
    forget_after: float = 900.0
    clock: Callable[[], float] = time.monotonic
    on_event: Callable[[str, str, str], object] | None = None  # (user, action, detail), e.g. an audit log
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _entry(self, key: str, now: float) -> _Failures:
        entry = self._failures.setdefault(key, _Failures())
        if entry.count and now - entry.last > self.forget_after and now >= entry.locked_until:
            entry.count, entry.locked_until = 0, 0.0
        return entry

    def delay_for(self, user: str, address: str) -> float:
        """How long the next attempt waits (0 when there were no recent failures)."""
        now = self.clock()
        with self._lock:
            count = max(self._entry("user:" + user, now).count, self._entry("addr:" + address, now).count)
        return 0.0 if count == 0 else min(self.max_delay, self.base_delay * 2 ** (count - 1))

    def locked(self, user: str, address: str) -> bool:
        now = self.clock()
        with self._lock:
            return any(self._entry(key, now).locked_until > now for key in ("user:" + user, "addr:" + address))

    def attempt(self, user: str, password: str, address: str = "unknown") -> bool:
        """Check one login (without the delay; `check` waits first)."""
        if self.locked(user, address):
            log.warning("login refused, locked: user=%r address=%s", user, address)
            self._event(user, "login_locked", f"address={address}")
            return False
        stored = self.users.get(user)
        if stored is None:
            hash_password(password or "-", salt="unknown-user")  # an unknown user costs as much as a wrong password
            ok = False
        else:
            ok = verify_password(password, stored)
        now = self.clock()
        with self._lock:
            keys = ("user:" + user, "addr:" + address)
            if ok:
                for key in keys:
                    self._failures.pop(key, None)
                return True
            newly_locked = False
            for key in keys:
                entry = self._entry(key, now)
                entry.count += 1
                entry.last = now
                if entry.count >= self.lock_after and entry.locked_until <= now:
                    entry.locked_until = now + self.lock_seconds
                    newly_locked = True
            count = max(self._failures[k].count for k in keys)
        log.warning("login failed: user=%r address=%s failures=%d", user, address, count)
        self._event(user, "login_failed", f"address={address} failures={count}")
        if newly_locked:
            log.warning("login locked for %.0f s: user=%r address=%s", self.lock_seconds, user, address)
            self._event(user, "login_lock", f"address={address} seconds={self.lock_seconds:.0f}")
        return False

    def _event(self, user: str, action: str, detail: str) -> None:
        if self.on_event is not None:
            try:
                self.on_event(user, action, detail)
            except Exception:
                log.exception("recording a login event failed")

    async def check(self, username: str, password: str) -> bool:
        """Gradio's auth callback (a coroutine function, so the delay never blocks the server)."""
        address = client_address.get()
        delay = self.delay_for(username, address)
        if delay:
            await asyncio.sleep(delay)
        return await asyncio.to_thread(self.attempt, username, password, address)


class ClientAddressMiddleware:
    """ASGI middleware that makes the client address of each /login request known to `LoginGuard.check`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http" and scope.get("client"):
            token = client_address.set(str(scope["client"][0]))
            try:
                await self.app(scope, receive, send)
            finally:
                client_address.reset(token)
        else:
            await self.app(scope, receive, send)
