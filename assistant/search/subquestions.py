"""A message that asks several questions in a row (…多久？…找谁？): split into questions answered in turn."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.normalize import char_bigrams, readable
from assistant.text.numbers import YEAR_MENTION
from assistant.text.regions import cities_named, provinces_in

MAX_SUBQUESTIONS = 3
# What makes a piece of text a question of its own.
_ASKS = re.compile(r"什么|多少|几|谁|哪|吗|呢|怎么|如何|多久|多长|多大|多远|多高|多宽|多深|是否|有没有|能不能|要不要"
                   r"|可不可以|咋|啥|怎样")
# Words that ask or point back without saying what about: 条例咋说的 adds no question of its own.
_EMPTY = re.compile(r"什么|多少|几|谁|哪[里儿个些]?|吗|呢|怎么|如何|多久|多长|是否|有没有|能不能|要不要|可不可以|咋|啥|怎样"
                    r"|条例|办法|规定|文件|这个|那个|这|那|说|讲|的|是|了|要|又|还|呀|啊|吧|上面|其中|具体")
_MIN_OWN_CHARS = 2
_BREAK = re.compile(r"(?<=[？?])")


def split_questions(text: str) -> list[str]:
    """The questions a message asks one after another, each ending in its question mark; a message that
    asks one question (or whose later pieces only point back, 条例咋说的) comes back as one piece."""
    simple = readable(text).strip()
    pieces = [p.strip() for p in _BREAK.split(simple) if p.strip()]
    questions: list[str] = []
    for piece in pieces:
        if questions and (not _ASKS.search(piece) or len(own_chars(piece)) < _MIN_OWN_CHARS
                          or _names_only_places(piece)):
            # Not a question of its own: it belongs to the one before.
            questions[-1] += piece
            continue
        questions.append(piece)
    if len(questions) < 2 or len(questions) > MAX_SUBQUESTIONS or len(own_chars(questions[0])) < _MIN_OWN_CHARS:
        return [simple]
    return questions


def own_chars(piece: str) -> str:
    """The piece's characters that say what it is about (question and pointing words left out)."""
    return _EMPTY.sub("", re.sub(r"[\W_]", "", piece))


def _names_only_places(piece: str) -> bool:
    """广东和重庆分别怎么规定？: the piece adds places to the question before it and asks nothing of its own."""
    rest = re.sub(r"[\W_]", "", piece)
    places = list(provinces_in(rest)) + [name for name, _ in cities_named(rest)]
    if not places:
        return False
    for place in sorted(places, key=len, reverse=True):
        rest = rest.replace(place, "")
    return not _EMPTY.sub("", re.sub(r"[省市和与及、]|分别|各自|两地", "", rest))


# "单位和个人分别罚多少": two subjects joined before 分别/各, the rest of the question shared by both.
_PAIR = re.compile(r"(?:^|(?<=[，,：:；;。？?对在就的]))(?P<a>[^，,：:；;。？?对在就的]{2,16})(?:和|与|跟|及|以及)"
                   r"(?P<b>[^，,：:；;。？?的和与]{2,16}?)(?P<tail>(?:的[^，,：:；;。？?分各]{1,12})?)"
                   r"(?:[，,](?P<mid>[^，,：:；;。？?分各]{0,12}))?(?:分别|各自|各)(?P<rest>[^，,；;。]*)$")


def split_pair(text: str) -> list[str]:
    """"A和B分别…" as two questions, "A…" and "B…", each with the words around them; any other text as is."""
    pair = _pair(text)
    if pair is None:
        return [readable(text).strip()]
    before, a, b, tail = pair
    return [f"{before}{side}{tail}？" for side in (a, b)]


def pair_subjects(text: str) -> tuple[str, str] | None:
    """The two things "A和B分别…" asks about (A, B), or None for any other text."""
    pair = _pair(text)
    return (pair[1], pair[2]) if pair else None


def _pair(text: str) -> tuple[str, str, str, str] | None:
    """"A和B分别…" read as (what comes before A, A, B, what follows B), or None."""
    simple = readable(text).strip()
    body = simple.rstrip("？?。")
    match = _PAIR.search(body)
    if not match or not _ASKS.search(match.group("rest")):
        return None
    before, tail, rest = body[: match.start()], match.group("tail"), match.group("rest")
    if before.endswith("的") and tail:
        # 上海的慈善周和广州的慈善月: two things of two places, not two things of one (活动方案和活动总结).
        return None
    a, b = match.group("a"), match.group("b")
    # 新建小区和老小区配养老用房的标准, 国道和乡道养护资金: the two things end in the same word (小区), or, two
    # characters long, in the same character (道); what follows it in the second is said of both.
    end = b.rfind(a[-2:], 0, len(b) - 2) + 2 if len(a) >= 2 else 1
    if end < 3 and len(a) == 2 and len(b) > 2 and b[1] == a[1]:
        end = 2
    if end >= 2:
        b, tail = b[:end], b[end:] + tail
    mid = f"，{match.group('mid')}" if match.group("mid") else ""
    return before, a, b, f"{tail}{mid}{rest}"


# "广东A和浙江B，分别…": each thing named with its own place, the ask after 分别/各 shared.
_PLACED_PAIR = re.compile(r"^(?P<a>.+?)[，,]?(?:和|与|跟|以及|及)(?P<b>.+?)[，,]?(?:分别|各自|各)(?P<rest>[^，,；;。]+)$")


def split_placed_pair(text: str, places: Sequence[str]) -> list[str]:
    """"广东的维修档案和浙江农药经营者的购销台账，分别保存几年？" as one question per place, each with its own thing
    and the shared ask; the words after the second thing's 的 are said of both when the two things share a word
    (北京养老机构和上海养老机构的床位标准). Any other text, or two places that name nothing of their own, as is."""
    simple = readable(text).strip()
    match = _PLACED_PAIR.match(simple.rstrip("？?。"))
    if len(places) != 2 or not match or not _ASKS.search(match.group("rest")):
        return [simple]
    a, b, rest = match.group("a").rstrip("，,"), match.group("b"), match.group("rest")
    named = [next((p for p in places if p in side), "") for side in (a, b)]
    if not all(named) or named[0] == named[1] or any(p in a for p in places if p != named[0]):
        return [simple]
    own = [re.sub(r"[\W_]|的|在|对", "", side.replace(place, "")) for side, place in zip((a, b), named, strict=True)]
    if any(len(o) < 2 for o in own):
        return [simple]
    head, of, tail = b.partition("的")
    if of and tail and char_bigrams(own[0]) & char_bigrams(head.replace(named[1], "")):
        a = f"{a}的{tail}"
    return [f"{a}，{rest}？", f"{b}，{rest}？"]


# One ask of a list such as 谁来管、罚多少: a question word, or an A-not-A question (管不管).
_ASK_PIECE = re.compile(r"谁|哪[个些里儿]|什么|多少|几|怎么|如何|是否|能否|多久|(.)不\1")
_MAX_ASK_CHARS = 10


def split_asks(text: str) -> list[str]:
    """"有人乱倒垃圾，谁来管、罚多少？" as "…，谁来管？" and "…，罚多少？"; any other text as is."""
    simple = readable(text).strip()
    head, comma, last = simple.rstrip("？?。").rpartition("，")
    pieces = [p for p in last.split("、") if p]
    if not comma or len(pieces) < 2 or len(pieces) > MAX_SUBQUESTIONS or not all(
            _ASK_PIECE.search(p) and len(p) <= _MAX_ASK_CHARS for p in pieces):
        return [simple]
    return [f"{head}，{piece}？" for piece in pieces]


def split_scoped(text: str) -> list[str]:
    """"整改，2019年要求多久通报一次，2020年要求什么时候前销号？" as one question per year, each with the words
    before the years ("整改，2019年要求多久通报一次？" …); any other text as is."""
    simple = readable(text).strip()
    pieces = [p for p in re.split(r"[，,；;]", simple.rstrip("？?。")) if p]
    scoped = [i for i, p in enumerate(pieces) if YEAR_MENTION.search(p) and _ASKS.search(p)]
    years = [m.group(1) for i in scoped if (m := YEAR_MENTION.search(pieces[i]))]
    if not 2 <= len(scoped) <= MAX_SUBQUESTIONS or len(set(years)) < len(years) \
            or scoped != list(range(scoped[0], len(pieces))):
        return [simple]
    head = "，".join(pieces[: scoped[0]])
    return [f"{head}，{pieces[i]}？" if head else f"{pieces[i]}？" for i in scoped]
