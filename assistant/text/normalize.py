"""Text normalization for searching and matching, with a map from normalized offsets back to the source."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Content-farm "variant" characters mapped to the standard character they replace. The one place
# this table lives; cleaning, indexing, answering and evaluation all read it through `normalize`.
VARIANT_CHARS: dict[str, str] = {
    "ㄖ": "日", "沝": "水", "渻": "省", "鉯": "以", "㈣": "四", "媔": "面", "苼": "生", "囻": "民", "喰": "食", "蕗": "路",
    "丅": "下", "哋": "地", "仂": "力", "唍": "完", "咑": "打", "箌": "到", "鼡": "用", "夲": "本", "荿": "成", "夶": "大",
    "哃": "同", "萣": "定", "慥": "造", "歭": "持", "甴": "由", "垺": "服", "淛": "制", "嶊": "推", "楿": "相", "鉲": "卡",
    "嘚": "的", "莋": "作", "匼": "合", "姠": "向", "洇": "因", "攵": "文", "僦": "就", "叻": "了", "艹": "草", "铯": "色",
    "镓": "家", "钚": "不", "囷": "和", "囿": "有", "缒": "追", "叺": "入", "笁": "工", "姩": "年", "绌": "出", "茬": "在",
    "矗": "直", "鉮": "神", "㈠": "一", "㈡": "二", "㈢": "三", "㈤": "五", "㈥": "六", "㈦": "七", "㈧": "八", "㈨": "九",
    "㈩": "十",
}
_VARIANTS = str.maketrans(VARIANT_CHARS)

# Spun phrases that content farms substitute for a standard term: (spun, original), simplified script.
SPUN_PHRASES: tuple[tuple[str, str], ...] = (
    ("脱贫攻坚四个转变", "脱贫攻坚"),
)

# A pinyin annotation a scraper appended after a character: 務(wù), 中【zhōng】.
_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
PINYIN_ANNOTATION = re.compile(
    rf"(?<=[\u3400-\u9fff])(?:\([{_PINYIN_LETTERS}]{{1,7}}\)|（[{_PINYIN_LETTERS}]{{1,7}}）|【[{_PINYIN_LETTERS}]{{1,7}}】)")

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―－−~～"})
_QUOTES = "\"'“”‘’「」『』《》〈〉"


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise RuntimeError("the package 'opencc' is required for traditional-to-simplified conversion") from exc
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _simplify_char(char: str) -> str:
    try:
        out = _t2s().convert(char)
    except UnicodeError:
        return char
    return out if len(out) == 1 else char


# What `sanitize` removes: surrogate code points (a lone one cannot be encoded at all), control characters
# other than tab and line ends, bidirectional overrides and isolates (which can make shown text lie about its
# order), the byte-order mark and the two non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def sanitize(text: str) -> str:
    """`text` without the characters no reader needs and some code cannot take (see `_UNSAFE`); a surrogate
    pair (as a JSON decoder may leave one) becomes the character it encodes. Run on outside text (questions,
    history, feedback) before anything else reads it."""
    if not _UNSAFE.search(text):
        return text
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return _UNSAFE.sub("", text)


def to_simplified(text: str) -> str:
    """Traditional to simplified, one character for one character, so offsets survive."""
    if not text:
        return text
    try:
        whole = _t2s().convert(text)
    except UnicodeError:  # a surrogate OpenCC cannot take: convert the rest, keep it (and every offset)
        return "".join(_simplify_char(c) for c in text)
    if len(whole) == len(text):
        return whole
    return "".join(_simplify_char(c) for c in text)


def fix_variants(text: str) -> str:
    """Replace content-farm variant characters with standard ones (length-preserving)."""
    return text.translate(_VARIANTS)


def remove_pinyin(text: str) -> str:
    """Drop scraper pinyin annotations such as 務(wù)."""
    return PINYIN_ANNOTATION.sub("", text)


def readable(text: str) -> str:
    """Simplified script, variants fixed, spun phrases undone: the form answers are written in."""
    text = fix_variants(to_simplified(remove_pinyin(text)))
    for spun, original in SPUN_PHRASES:
        text = text.replace(spun, original)
    return text


@dataclass(frozen=True)
class MappedText:
    """Normalized text plus, for each of its characters, the offset of the source character."""

    text: str
    source_offsets: tuple[int, ...]
    source_length: int

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text onto the source text."""
        if start >= end:
            pos = self.source_offsets[start] if start < len(self.source_offsets) else self.source_length
            return pos, pos
        return self.source_offsets[start], self.source_offsets[end - 1] + 1


class _FoldTable(dict):
    """A str.translate table giving each character's search form (variant fixed, NFKC, lower case),
    filled in as characters are first seen: folding then runs at C speed instead of per character."""

    def __missing__(self, code: int) -> str:
        char = VARIANT_CHARS.get(chr(code), chr(code))
        # NFKC also turns the no-break and ideographic spaces into plain ones.
        folded = char.lower() if char.isascii() else unicodedata.normalize("NFKC", char).lower()
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def normalize_mapped(text: str) -> MappedText:
    """Normalize for search (simplified, variants fixed, NFKC, lower case, spun phrases undone)
    and keep the source offset of every output character."""
    simplified = to_simplified(text)
    joined = simplified.translate(_FOLD)
    if len(joined) == len(simplified):
        offsets: list[int] | range = range(len(simplified))
    else:  # some character folds to several (ﬁ -> fi, ㍻ -> 平成): map each piece to its source
        offsets = [i for i, char in enumerate(simplified) for _ in _FOLD[ord(char)]]
    for spun, original in SPUN_PHRASES:
        if spun not in joined:
            continue
        new_chars: list[str] = []
        new_offsets: list[int] = []
        i = 0
        while i < len(joined):
            if joined.startswith(spun, i):
                new_chars.extend(original)
                new_offsets.extend(offsets[i : i + len(original)])
                i += len(spun)
            else:
                new_chars.append(joined[i])
                new_offsets.append(offsets[i])
                i += 1
        joined, offsets = "".join(new_chars), new_offsets
    return MappedText(joined, tuple(offsets), len(text))


def normalize(text: str) -> str:
    """Normalized search form of `text` (see `normalize_mapped`)."""
    joined = to_simplified(remove_pinyin(text)).translate(_FOLD)
    for spun, original in SPUN_PHRASES:
        joined = joined.replace(spun, original)
    return joined


def match_form(text: str) -> str:
    """The form used to judge matches: normalized, dashes unified, quotes and white space dropped."""
    text = normalize(text).translate(_DASHES)
    return "".join(c for c in text if not c.isspace() and c not in _QUOTES)


def char_bigrams(text: str) -> frozenset[str]:
    """The text's two-character pieces (for how much two texts overlap)."""
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))
