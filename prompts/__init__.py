"""Prompt templates for the optional LLM path, kept as plain text files and loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources

NAMES = ("system", "answer", "rewrite")


@cache
def load(name: str) -> str:
    """The template text called `name` (system, answer or rewrite)."""
    if name not in NAMES:
        raise KeyError(f"no prompt named {name!r}; known: {', '.join(NAMES)}")
    return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **fields: str) -> str:
    """The template with its {placeholders} filled; every placeholder must be given."""
    return load(name).format(**fields)
