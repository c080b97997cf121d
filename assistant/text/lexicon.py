"""The policy-term lexicon: everyday words and short names that stand for the documents' terms."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from importlib import resources

from assistant.config import policy_home
from assistant.text.normalize import normalize

# A group whose words start with this mark is one of word endings: *公司 *企业 lets 物业公司 stand for 物业企业.
SUFFIX_MARK = "*"


def _groups(text: str) -> list[list[str]]:
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        words = [normalize(w) for w in line.split() if w]
        if len(words) >= 2:
            groups.append(words)
    return groups


def _lexicon_texts() -> list[str]:
    texts = [resources.files("assistant").joinpath("data/synonyms.txt").read_text(encoding="utf-8")]
    user = policy_home() / "synonyms.txt"
    if user.is_file():
        texts.append(user.read_text(encoding="utf-8"))
    return texts


def _table(groups: list[list[str]]) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for group in groups:
        for word in group:
            table.setdefault(word, []).extend(w for w in group if w != word and w not in table[word])
    return {word: tuple(others) for word, others in table.items()}


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Each word of the lexicon with the other words of its groups (the bundled file, then the user's)."""
    return _table([g for text in _lexicon_texts() for g in _groups(text) if not g[0].startswith(SUFFIX_MARK)])


@lru_cache(maxsize=1)
def suffixes() -> dict[str, tuple[str, ...]]:
    """Each word ending of the lexicon's ending groups (*公司 *企业) with the endings that may replace it."""
    groups = [[w.lstrip(SUFFIX_MARK) for w in g] for text in _lexicon_texts() for g in _groups(text)
              if all(w.startswith(SUFFIX_MARK) and len(w) > 1 for w in g)]
    return _table(groups)


def suffix_alternatives(term: str) -> tuple[str, ...]:
    """The term with its ending replaced by the endings of its group: 物业公司 -> 物业企业, 物业单位 (the longest
    ending that leaves a stem of two characters or more)."""
    for ending in sorted(suffixes(), key=len, reverse=True):
        stem = term[: -len(ending)]
        if term.endswith(ending) and len(stem) >= 2:
            return tuple(stem + other for other in suffixes()[ending])
    return ()


def negated(word: str, term: str) -> bool:
    """`term` says `word` negated (非住宅, 无障碍): then the word's alternatives do not stand for the term."""
    at = term.find(word)
    return at > 0 and term[at - 1] in "非不无未没"


def said_as_words(word: str, simple: str, boundaries: Collection[int] | None) -> bool:
    """`word` is said in the normalized question, not only inside another word: some occurrence starts or ends
    where the segmenter cut (困人 is not said in 贫困人口; 领回 is in 领回去); without boundaries, anywhere."""
    if boundaries is None:
        return word in simple
    at = simple.find(word)
    while at >= 0:
        if at in boundaries or at + len(word) in boundaries:
            return True
        at = simple.find(word, at + 1)
    return False


def alternatives(terms: tuple[str, ...], question: str,
                 boundaries: Collection[int] | None = None) -> dict[str, tuple[str, ...]]:
    """For each topic term, the words that stand for it; lexicon words found in the question inside a term
    count too (腿脚不方便的老人 -> 老人 -> 老年人), when said as words (`boundaries`: where the segmenter cut)."""
    table = synonyms()
    simple = normalize(question)
    out: dict[str, tuple[str, ...]] = {}
    for term in terms:
        alts = list(table.get(term, ()))
        alts.extend(a for a in suffix_alternatives(term) if a not in alts)
        for word, others in table.items():
            # 腿脚不方便的老人: 老人 inside the term; 晒粮食 cut into 晒 + 粮食: the term inside the word.
            if len(word) >= 2 and word != term and (word in term or term in word) and word in simple \
                    and not negated(word, term) and (term in word or said_as_words(word, simple, boundaries)):
                alts.extend(o for o in others if o not in alts)
        if alts:
            out[term] = tuple(alts)
    return out


def expansions(question: str, boundaries: Collection[int] | None = None) -> tuple[str, ...]:
    """The documents' words for the everyday words of a question (said as words, see `said_as_words`), to
    search by as well."""
    simple = normalize(question)
    found: list[str] = []
    for word, others in synonyms().items():
        if len(word) >= 2 and word in simple and said_as_words(word, simple, boundaries):
            found.extend(o for o in others if o not in found and o not in simple)
    return tuple(found)
