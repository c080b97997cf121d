"""A client for chat models behind an OpenAI-compatible chat-completions endpoint (vLLM, Ollama, gateways)."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import LLMError

log = logging.getLogger("policy_qa.llm")


@dataclass(frozen=True)
class LLMConfig:
    """Where the model is and how to talk to it. The API key never appears in repr or logs."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout_s: float = 60.0
    retries: int = 2
    temperature: float = 0.1
    max_context_tokens: int = 3000
    max_answer_tokens: int = 512
    rewrite_follow_ups: bool = False

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if not self.model:
            raise ValueError("model must be named")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if not 0 <= self.retries <= 10:
            raise ValueError("retries must be between 0 and 10")
        if self.max_context_tokens < 256:
            raise ValueError("max_context_tokens must be at least 256")
        if not 16 <= self.max_answer_tokens <= self.max_context_tokens:
            raise ValueError("max_answer_tokens must be between 16 and max_context_tokens")

    @classmethod
    def from_env(cls, path: str | Path | None = None) -> LLMConfig | None:
        """From POLICY_QA_LLM_* variables, or a JSON file (path, or POLICY_QA_LLM_CONFIG); None when unset."""
        values: dict = {}
        path = path or os.environ.get("POLICY_QA_LLM_CONFIG")
        if path:
            try:
                values.update(json.loads(Path(path).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise ValueError(f"cannot read LLM config {path}: {exc}") from exc
        for key in ("base_url", "model", "api_key", "timeout_s", "retries", "max_context_tokens"):
            env = os.environ.get(f"POLICY_QA_LLM_{key.upper()}")
            if env:
                values[key] = env
        if not values.get("base_url"):
            return None
        for key, kind in (("timeout_s", float), ("retries", int), ("max_context_tokens", int),
                          ("max_answer_tokens", int), ("temperature", float)):
            if key in values:
                values[key] = kind(values[key])
        if "rewrite_follow_ups" in values:
            values["rewrite_follow_ups"] = str(values["rewrite_follow_ups"]).lower() in {"1", "true", "yes"}
        known = {f.name for f in cls.__dataclass_fields__.values()}
        return cls(**{k: v for k, v in values.items() if k in known})


class ChatClient:
    """Chat completions, with retries on server errors and time-outs; streaming or not."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config

    def _request(self, messages: list[dict], stream: bool) -> dict:
        body = {"model": self.config.model, "messages": messages, "temperature": self.config.temperature,
                "max_tokens": self.config.max_answer_tokens, "stream": stream}
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return {"url": self.config.base_url.rstrip("/") + "/chat/completions", "json": body, "headers": headers}

    def complete(self, messages: list[dict]) -> str:
        """The model's whole reply."""
        return "".join(self.stream(messages, stream=False))

    def stream(self, messages: list[dict], *, stream: bool = True) -> Iterator[str]:
        """The reply in pieces as they arrive (one piece when stream is False)."""
        import httpx

        request = self._request(messages, stream)
        attempts = self.config.retries + 1
        last: Exception | None = None
        for attempt in range(attempts):
            produced = False
            try:
                timeout = httpx.Timeout(self.config.timeout_s)
                with httpx.Client(timeout=timeout) as client:
                    if not stream:
                        response = client.post(**request)
                        self._check_status(response)
                        yield self._content(response.text)
                        return
                    with client.stream("POST", **request) as response:
                        self._check_status(response)
                        for piece in self._sse(response.iter_lines()):
                            produced = True
                            yield piece
                        if not produced:
                            raise LLMError("the model's reply was empty or not a chat-completions stream")
                        return
            except _Retryable as exc:
                last = exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = LLMError(f"the model did not answer in time or could not be reached ({type(exc).__name__})")
            if produced:
                # Part of an answer was already passed on; starting again would repeat it.
                raise LLMError(f"the model's reply broke off: {last}")
            if attempt + 1 < attempts:
                time.sleep(min(2.0, 0.2 * 2 ** attempt))
                log.warning("model request failed (%s); retrying", last)
        raise LLMError(str(last) if last else "the model did not answer")

    @staticmethod
    def _check_status(response) -> None:
        if response.status_code >= 500:
            raise _Retryable(f"the model's server failed (HTTP {response.status_code})")
        if response.status_code >= 400:
            if hasattr(response, "read"):
                response.read()
            raise LLMError(f"the model refused the request (HTTP {response.status_code})")

    @staticmethod
    def _content(text: str) -> str:
        try:
            payload = json.loads(text)
            return str(payload["choices"][0]["message"]["content"] or "")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("the model's reply was not valid chat-completions JSON") from exc

    @staticmethod
    def _sse(lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            line = line.strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                payload = json.loads(data)
                piece = payload["choices"][0].get("delta", {}).get("content") or ""
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                raise LLMError("the model's stream held malformed JSON") from exc
            if piece:
                yield piece


class _Retryable(LLMError):
    """A failure worth trying again (the server erred)."""
