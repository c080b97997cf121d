"""The same token ids from a smaller copy of a large Unigram tokenizer, for texts of Chinese and common symbols.

A multilingual vocabulary of 250,000 pieces takes about a second to load, most of it spent building the
trie of pieces. A text can only ever match pieces made of its own characters, so for a text whose normalized
characters all lie in the common set below (Chinese, ASCII, Latin-1, punctuation and symbol blocks), a copy
that keeps just the pieces made of those characters builds the same lattice and picks the same tokens; the
copy keeps the original ids beside it. Any other text goes to the full tokenizer, loaded when first needed.
"""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.files import write_atomically

if TYPE_CHECKING:
    from tokenizers import Tokenizer

COMMON_FILE = "tokenizer-common.json"
COMMON_IDS_FILE = "tokenizer-common-ids.npy"
# Bump when the pruning below changes, so a stale copy is rewritten rather than used.
COMMON_VERSION = "1"

_COMMON_RANGES = (
    "\u0020-\u007e\u00a0-\u00ff"  # ASCII and Latin-1 (· × ÷ ° ±)
    "\u2000-\u206f"  # general punctuation (— … ‰)
    "\u2100-\u22ff"  # letterlike symbols, number forms, arrows, mathematical operators
    "\u2460-\u26ff"  # enclosed numbers (①), box drawing, blocks (▁), shapes (■ ○), symbols (★)
    "\u2e80-\u2fdf\u3000-\u33ff"  # radicals, CJK punctuation (《》、。), kana, enclosed and compatibility forms
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs
    "\ufe30-\ufe4f\uff00-\uffef"  # compatibility forms, full-width forms
    "\U00020000-\U0002ffff"  # rare ideographs
)
_OUTSIDE_COMMON = re.compile(f"[^{_COMMON_RANGES}]")
_write_lock = threading.Lock()


def is_common_text(text: str) -> bool:
    """Whether every character of `text` lies in the common set."""
    return _OUTSIDE_COMMON.search(text) is None


def _remap_processor(processor: dict | None, new_id: dict[int, int]) -> bool:
    """Point a post-processor's special token ids at the copy's ids; False if its kind is not known."""
    if processor is None:
        return True
    kind = processor.get("type")
    try:
        if kind == "TemplateProcessing":
            for token in processor.get("special_tokens", {}).values():
                token["ids"] = [new_id[i] for i in token["ids"]]
            return True
        if kind in ("RobertaProcessing", "BertProcessing"):
            for key in ("sep", "cls"):
                processor[key] = [processor[key][0], new_id[processor[key][1]]]
            return True
        if kind == "Sequence":
            return all(_remap_processor(p, new_id) for p in processor.get("processors", []))
    except KeyError:
        return False
    return kind == "ByteLevel"


def common_tokenizer_spec(spec: dict) -> tuple[dict, np.ndarray] | None:
    """The pruned copy of a tokenizer.json's content and the original id of each of its pieces, or None when
    the tokenizer is not a Unigram one (or holds something the copy could not keep exact)."""
    model = spec.get("model", {})
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return None
    vocab = model["vocab"]
    added = spec.get("added_tokens") or []
    if any(token["id"] >= len(vocab) for token in added):
        return None
    keep = {token["id"] for token in added}
    if model.get("unk_id") is not None:
        keep.add(model["unk_id"])
    # An unknown character costs the lowest score in the vocabulary minus a constant: keep that piece so the
    # copy prices unknown characters exactly as the full tokenizer does.
    keep.add(min(range(len(vocab)), key=lambda i: vocab[i][1]))
    keep.update(i for i, (piece, _) in enumerate(vocab) if is_common_text(piece))
    kept = sorted(keep)
    new_id = {old: new for new, old in enumerate(kept)}
    copy = json.loads(json.dumps(spec))
    copy["model"]["vocab"] = [vocab[i] for i in kept]
    if model.get("unk_id") is not None:
        copy["model"]["unk_id"] = new_id[model["unk_id"]]
    for token in copy.get("added_tokens") or []:
        token["id"] = new_id[token["id"]]
    if not _remap_processor(copy.get("post_processor"), new_id):
        return None
    return copy, np.asarray(kept, dtype=np.int64)


def ensure_common_tokenizer(folder: Path) -> tuple[Path, Path] | None:
    """The folder's pruned tokenizer and id map, written once (atomically) beside tokenizer.json; None when
    pruning does not apply to this tokenizer."""
    json_path, ids_path, source = folder / COMMON_FILE, folder / COMMON_IDS_FILE, folder / "tokenizer.json"
    stamp = folder / (COMMON_FILE + ".version")
    # The copy belongs to this version of the pruning and to this tokenizer.json (its size and time).
    source_stat = source.stat()
    key = [COMMON_VERSION, str(source_stat.st_size), str(source_stat.st_mtime_ns)]
    with _write_lock:
        written = stamp.read_text().split() if stamp.is_file() else []
        if written[:3] == key:
            if written[3:] == ["none"]:
                return None
            if json_path.is_file() and ids_path.is_file():
                return json_path, ids_path
        pruned = common_tokenizer_spec(json.loads(source.read_text(encoding="utf-8")))
        if pruned is not None:
            spec, ids = pruned
            write_atomically(json_path, json.dumps(spec, ensure_ascii=False).encode("utf-8"))
            buffer = io.BytesIO()
            np.save(buffer, ids)
            write_atomically(ids_path, buffer.getvalue())
        write_atomically(stamp, " ".join(key + ["pruned" if pruned else "none"]).encode())
    return (json_path, ids_path) if pruned else None


class CommonTextTokenizer:
    """A folder's tokenizer.json ids, read from its pruned copy whenever a text allows (the same ids)."""

    def __init__(self, folder: Path, *, max_length: int) -> None:
        from tokenizers import Tokenizer

        if max_length < 1:
            raise ValueError("max_length must be at least 1")
        self._folder, self._max_length = folder, max_length
        self._full: Tokenizer | None = None
        self._full_lock = threading.Lock()
        self.pruned_texts = 0  # how many texts the copy has tokenized (for tests and the curious)
        try:
            paths = ensure_common_tokenizer(folder)
        except OSError:
            paths = None  # a model folder this user cannot write to: the full tokenizer, slower to load, is exact
        self._common: Tokenizer | None
        self._original_ids: np.ndarray | None
        self._specials: tuple[str, ...]
        if paths is None:
            self._common, self._original_ids, self._specials = None, None, ()
            self._normalizer = None
            self._full_tokenizer()
            return
        self._common = Tokenizer.from_file(str(paths[0]))
        self._common.enable_truncation(max_length=max_length)
        self._original_ids = np.load(paths[1])
        self._normalizer = self._common.normalizer
        self._specials = tuple(token.content for token in self._common.get_added_tokens_decoder().values())

    def _full_tokenizer(self) -> Tokenizer:
        with self._full_lock:
            if self._full is None:
                from tokenizers import Tokenizer

                full = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
                full.enable_truncation(max_length=self._max_length)
                self._full = full
        return self._full

    def fits_copy(self, text: str) -> bool:
        """Whether the pruned copy gives `text` the full tokenizer's ids."""
        if self._common is None or any(special in text for special in self._specials):
            return False  # special tokens are cut out before normalizing: keep those texts simple
        normalized = self._normalizer.normalize_str(text) if self._normalizer is not None else text
        return is_common_text(text) and is_common_text(normalized)

    def encode_batch(self, texts: list[str]) -> list[np.ndarray]:
        """The ids of each text, with the special tokens the tokenizer adds, truncated to max_length."""
        if self._common is not None and all(self.fits_copy(text) for text in texts):
            assert self._original_ids is not None  # loaded together with the copy
            self.pruned_texts += len(texts)
            return [self._original_ids[np.asarray(e.ids, dtype=np.int64)] for e in self._common.encode_batch(texts)]
        return [np.asarray(e.ids, dtype=np.int64) for e in self._full_tokenizer().encode_batch(texts)]
