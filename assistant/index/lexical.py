"""Lexical retrieval: jieba segmentation with a policy-term dictionary, and a BM25 index (bm25s)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import policy_home
from assistant.text.lexicon import synonyms
from assistant.text.normalize import normalize

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"[\w\u3400-\u9fff]")


def _data_file(name: str) -> str:
    return resources.files("assistant").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and question words that carry no topic."""
    return frozenset(line.strip() for line in _data_file("stopwords.txt").splitlines() if line.strip())


def dictionary_hash() -> str:
    """Hash of the user dictionary and stop words, recorded in the index manifest."""
    digest = hashlib.sha256(_data_file("policy_terms.txt").encode("utf-8"))
    digest.update(_data_file("stopwords.txt").encode("utf-8"))
    return digest.hexdigest()[:16]


def _load_cached_dictionary(tokenizer) -> None:
    """Fill a fresh jieba tokenizer from jieba's own dictionary cache, if there is one, in one read."""
    # jieba unmarshals its cache straight from the open file, which reads it a few bytes at a time:
    # over a second for the 9 MB cache, against a quarter of that from memory. Any problem is left to
    # jieba's own initialisation, which rebuilds the cache.
    import marshal
    import tempfile

    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / "jieba.cache"
    try:
        freq, total = marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if isinstance(freq, dict) and isinstance(total, (int, float)) and freq:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True


class Segmenter:
    """Jieba with the policy-term user dictionary, initialised once per process."""

    _lock = threading.Lock()
    _instance: Segmenter | None = None

    def __init__(self) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        cache_dir = policy_home()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(cache_dir)
        except OSError:
            pass  # fall back to jieba's own temporary folder
        _load_cached_dictionary(tokenizer)
        terms = resources.files("assistant").joinpath("data", "policy_terms.txt")
        with resources.as_file(terms) as path:
            tokenizer.load_userdict(str(path))
        self._tokenizer = tokenizer

    @classmethod
    def shared(cls) -> Segmenter:
        """The process-wide segmenter."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def words(self, text: str) -> list[str]:
        """Search-mode jieba words of the normalized text, punctuation dropped."""
        return [w for w in self._tokenizer.cut_for_search(normalize(text)) if w.strip() and _WORD.search(w)]

    def topic_words(self, text: str) -> list[str]:
        """Whole words (jieba's accurate mode) of two or more characters, without stop words; single characters
        that together spell a lexicon word (狗 + 绳) count as that word."""
        stop = stopwords()
        return [w for w in joined_lexicon_words(self._tokenizer.cut(normalize(text)))
                if len(w) >= 2 and _WORD.search(w) and w not in stop]

    def boundaries(self, text: str) -> frozenset[int]:
        """Where jieba's accurate mode cuts the normalized text: the offsets its words start and end at."""
        cuts, at = {0}, 0
        for word in self._tokenizer.cut(normalize(text)):
            at += len(word)
            cuts.add(at)
        return frozenset(cuts)

    def terms(self, text: str) -> list[str]:
        """Index terms: words without stop words."""
        stop = stopwords()
        return [w for w in self.words(text) if w not in stop]


def joined_lexicon_words(words: Iterable[str], longest: int = 4) -> list[str]:
    """The words with each run of single characters that spells a lexicon word (狗绳, cut as 狗 + 绳 because
    everyday words are not in the segmenter's dictionary) joined into it, the longest first."""
    table = synonyms()
    cut = list(words)
    out: list[str] = []
    i = 0
    while i < len(cut):
        n = next((n for n in range(longest, 1, -1) if i + n <= len(cut)
                  and all(len(w) == 1 for w in cut[i:i + n]) and "".join(cut[i:i + n]) in table), 1)
        out.append("".join(cut[i:i + n]))
        i += n
    return out


class BM25Index:
    """BM25 scores over tokenized chunks, persisted with bm25s."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model
        self._vocab = set(model.vocab_dict)

    @classmethod
    def build(cls, corpus_terms: list[list[str]]) -> BM25Index:
        """Index the given token lists (one per chunk)."""
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(term, len(vocab)) for terms in corpus_terms for term in terms]
        offsets = np.zeros(len(corpus_terms) + 1, dtype=np.int64)
        np.cumsum([len(terms) for terms in corpus_terms], out=offsets[1:])
        return cls.from_ids(np.asarray(ids, dtype=np.int32), offsets, list(vocab))

    @classmethod
    def from_ids(cls, ids: np.ndarray, offsets: np.ndarray, vocab: list[str], *, k1: float = 1.5,
                 b: float = 0.75) -> BM25Index:
        """Index chunks given as term ids (chunk i holds ids[offsets[i]:offsets[i + 1]], ids into `vocab`), in
        numpy: the scores bm25s's own indexing computes (Lucene BM25), in its on-disk layout, at a fraction of
        its time (it counts terms chunk by chunk in Python)."""
        import bm25s
        from scipy import sparse

        rows = len(offsets) - 1
        lengths = np.diff(np.asarray(offsets)).astype(np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        names = list(vocab)
        empty = np.flatnonzero(lengths == 0)
        if len(empty):
            # bm25s gives a chunk without terms the one term "" (and a length of one).
            if "" not in names:
                names.append("")
            ids = np.insert(ids, np.asarray(offsets)[:-1][empty], names.index(""))
            lengths = lengths.copy()
            lengths[empty] = 1
        # Only the terms that occur get a column.
        used = np.flatnonzero(np.bincount(ids, minlength=len(names))) if len(ids) else np.zeros(0, np.int64)
        column_of = np.full(len(names), -1, dtype=np.int64)
        column_of[used] = np.arange(len(used))
        indptr_rows = np.zeros(rows + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr_rows[1:])
        # Term counts per chunk, then by term: scipy's compiled duplicate summing and transposition.
        counts = sparse.csr_matrix((np.ones(len(ids), dtype=np.float32), column_of[ids], indptr_rows),
                                   shape=(rows, len(used)))
        counts.sum_duplicates()
        by_term = counts.tocsc()
        by_term.sort_indices()
        tf = by_term.data.astype(np.float32)
        pair_doc = by_term.indices.astype(np.int64)
        df = np.diff(by_term.indptr)
        pair_col = np.repeat(np.arange(len(used)), df)
        idf = np.log(1.0 + (rows - df + 0.5) / (df + 0.5)).astype(np.float32)
        average = float(lengths.sum()) / max(rows, 1)
        norm = (k1 * ((1 - b) + b * lengths / average)).astype(np.float32)
        data = (idf[pair_col] * (tf / (norm[pair_doc] + tf))).astype(np.float32)
        indptr = by_term.indptr.astype(np.int64)
        vocab_dict = {names[int(i)]: c for c, i in enumerate(used)}
        if "" not in vocab_dict:
            vocab_dict[""] = len(vocab_dict)
        model = bm25s.BM25(k1=k1, b=b)
        model.scores = {"data": data, "indices": pair_doc.astype(np.int32), "indptr": indptr.astype(np.int32),
                        "num_docs": rows}
        model.vocab_dict = vocab_dict
        model.unique_token_ids_set = set(vocab_dict.values())
        model.nonoccurrence_array = None  # Lucene BM25 has none
        return cls(model)

    @property
    def doc_freq(self) -> dict[str, int]:
        """Term to the number of chunks holding it."""
        indptr = np.asarray(self._model.scores["indptr"])
        counts = np.diff(indptr)
        return {term: int(counts[i]) for term, i in self._model.vocab_dict.items() if i < len(counts) and term}

    def save(self, folder: Path) -> None:
        """Write the index files into `folder`."""
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """Load an index written by `save`, memory-mapped."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query terms."""
        known = [t for t in query_terms if t in self._vocab]
        if not known:
            return np.zeros(self._num_docs(), dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def _num_docs(self) -> int:
        return int(self._model.scores["num_docs"])


def index_terms(text: str) -> list[str]:
    """The BM25 terms of a text, as the index stores them."""
    return Segmenter.shared().terms(text)
