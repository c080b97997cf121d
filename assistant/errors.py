"""The errors the public API raises, each with a message a user can act on."""

from __future__ import annotations


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, for example)."""


class IndexLoadError(RuntimeError):
    """The index folder is missing, foreign or damaged."""


class IndexBusyError(RuntimeError):
    """Another process is writing the same index."""


class UploadError(ValueError):
    """The file cannot be added; the message says why, in words for the person who uploaded it."""


class LLMError(RuntimeError):
    """The model could not be reached or answered with something unusable."""
