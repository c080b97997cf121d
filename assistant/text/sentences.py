"""Sentences of a text: where they start and end."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[。；;！!？?]+[”’」』）)]*|\n")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Spans of the sentences in `text` (ends kept with their sentence), shifted by `offset`."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.end()].strip():
            spans.append((offset + start, offset + match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((offset + start, offset + len(text)))
    return spans
