"""Follow-up questions: whether one leans on the previous turn, and the standalone question it stands for."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence

from assistant.search.analysis import INTENT_WHEN, INTENT_WHO, find_regions, find_years, intent_of
from assistant.text.normalize import readable
from assistant.text.numbers import YEAR_MENTION

_ELLIPTICAL_START = re.compile(r"^(?:那么?|那个|还有|再问|同样|这个|这项|该项|它|其)")
_SWAP = re.compile(r"^(?:那么?|那个|还有|再看看?)?([\u4e00-\u9fff%\w]{2,12}?)(?:的情况|方面|这块)?呢[?？]?$")
_TRAILING_ASK = re.compile(
    r"(?:的)?(?:目标|任务|要求|内容)?(?:是|有|为)?(?:多少个?|几个|哪些|什么|谁|何时|什么时候|怎么样|如何)"
    r"(?:呢|吗)?[?？。]*$")


# 没按规定保存的话… / 逾期不改的… : a short question that opens with a breach or a condition is about the rule
# the previous turn asked of.
# 他们主要负责什么 / 这些人…: a pronoun stands for what the previous turn was about.
_LEANS_BACK = re.compile(r"^(?:那|这|还|它|其|该|此|另外|如果|要是|若|万一|一旦|没|未|不|拒不|逾期|违反|超过"
                         r"|他们|她们|他|她|上述|前述)")


def _topic_words(text: str, known_regions: Iterable[str]) -> str:
    """What is left of a question without years, regions, question words and punctuation."""
    simple = readable(text)
    simple = YEAR_MENTION.sub("", simple)
    for name in find_regions(simple, known_regions):
        simple = simple.replace(name, "")
    simple = re.sub(r"[那呢吗吧啊呀么？?！!。，,、\s的]|那么|还有|同样|这个|这项|该项|请问", "", simple)
    simple = re.sub(r"由谁负责|谁负责|由谁|谁|什么时候|何时|多少|几个|哪些|哪个|什么|怎么样|如何|是|有|为|负责|牵头"
                    r"|单位|部门|^由", "", simple)
    return simple


def is_elliptical(question: str, known_regions: Iterable[str] = ()) -> bool:
    """True for follow-ups that lean on the previous turn: 那2019年呢？ 山东呢？ 由谁负责？ 水利扶贫呢？"""
    simple = readable(question).strip()
    if not simple:
        return False
    rest = _topic_words(simple, known_regions)
    if len(rest) <= 2 or _topic_swap(simple):
        return True
    return bool(_ELLIPTICAL_START.match(simple)) and len(rest) <= 4


def _topic_swap(simple: str) -> str:
    """The new topic of a short "X呢？" follow-up that asks nothing of its own, else ""."""
    match = _SWAP.match(simple)
    if not match or INTENT_WHO.search(simple) or INTENT_WHEN.search(simple) or re.search(r"多少|几|什么|哪", simple):
        return ""
    return match.group(1)


def _swap_into(base: str, topic: str) -> str:
    """Put `topic` where the previous question had its counterpart: the span sharing a prefix or a
    suffix of two or more characters with it (交通扶贫 -> 水利扶贫, 通过发展生产 -> 通过转移就业)."""
    best: tuple[tuple[int, int], int, int] | None = None
    for length in range(max(2, len(topic) - 3), len(topic) + 4):
        for start in range(0, len(base) - length + 1):
            span = base[start:start + length]
            if span == topic:
                continue
            prefix = len(os.path.commonprefix([span, topic]))
            suffix = len(os.path.commonprefix([span[::-1], topic[::-1]]))
            shared = max(prefix, suffix)
            score = (shared, -abs(length - len(topic)))
            # Two-character words of one kind share their last character: 国道 -> 乡道, 县里 -> 市里.
            alike = shared >= 2 or (len(topic) == 2 and length == 2 and suffix == 1)
            if alike and shared < min(len(span), len(topic)) and (best is None or score > best[0]):
                best = (score, start, length)
    if best is None:
        return ""
    _, start, length = best
    return base[:start] + topic + base[start + length:]


def _replace_or_prefix(base: str, old: Sequence[str], new: Sequence[str], fmt) -> str:
    if not new:
        return base
    if old:
        result = base
        for o in old:
            result = result.replace(fmt(o), "\0", 1)
        first, *others = new
        result = result.replace("\0", fmt(first), 1).replace("\0", "")
        if others:
            result = result.replace(fmt(first), "".join(fmt(n) + "和" for n in others) + fmt(first), 1)
        return result
    return "".join(fmt(n) for n in new) + base


def own_words(question: str, known_regions: Iterable[str] = ()) -> str:
    """What a follow-up says of its own, without years, places and question words: 那农村地区呢？ -> 农村地区."""
    return _topic_words(question, known_regions)


def rewrite(question: str, history: Sequence[dict] = (), known_regions: Iterable[str] = ()) -> str:
    """Turn an elliptical follow-up into a full question using the earlier user turns."""
    known = tuple(known_regions)
    resolved = ""
    for turn in history if isinstance(history, Sequence) and not isinstance(history, str) else ():
        # Only user turns whose content is text count; any other shape (None content included) is skipped.
        if not isinstance(turn, Mapping) or turn.get("role") != "user" or not isinstance(turn.get("content"), str):
            continue
        content = turn["content"].strip()
        if not content:
            continue
        resolved = _resolve(resolved, content, known) if resolved else content
    if not resolved:
        return question
    return _resolve(resolved, question, known)


def asked_with_previous(question: str, history: Sequence[dict] = ()) -> str:
    """The question asked together with the latest earlier user turn (…每次最多多久，一天加起来最多多久？), for a
    short question that the rules did not read as a follow-up but that finds nothing alone; "" without one."""
    users = [t.get("content") for t in history if isinstance(t, Mapping) and t.get("role") == "user"]
    previous = next((u for u in reversed(users) if isinstance(u, str) and u.strip()), "")
    simple = readable(question).strip()
    if not previous or len(simple) > _SHORT_QUESTION:
        return ""
    return f"{readable(previous).strip().rstrip('？?。')}，{simple}"


_SHORT_QUESTION = 16  # characters: longer questions say what they are about


def leans_back(question: str) -> bool:
    """A short question that points at the previous turn: 那…, 这事…, 还…, …的呢？"""
    simple = readable(question).strip()
    return len(simple) <= _SHORT_QUESTION and bool(_LEANS_BACK.match(simple) or simple.rstrip("？?。 ").endswith("呢"))


# Words that name a version of a document; a follow-up naming another one asks the same of that version.
_VERSION = re.compile(r"新版|旧版|老版|现行版?|最新版?|修订前|修订后|修改前|修改后|以前的|原来的")
_VERSION_ASK = re.compile(r"^(?:那么?|那个)?(?:在|按)?(?P<v>" + _VERSION.pattern + r")(?:的|里|中|条例|办法|规定)?"
                          r"(?:又|呢|是|怎么|如何|怎样|规定|说|讲|的|有|什么|不同|变化|吗|？|\?|。)*$")


def _version_swap(previous: str, question: str) -> str:
    """新版又是怎么规定的？ after …旧版对X是怎么限制的？: the previous question asked of the other version, else ""."""
    simple = readable(question).strip()
    asked = _VERSION_ASK.match(simple)
    before = _VERSION.search(readable(previous))
    if not asked or not before or before.group(0) == asked.group("v"):
        return ""
    base = readable(previous).strip()
    return base[: before.start()] + asked.group("v") + base[before.end():]


def _resolve(previous: str, question: str, known: tuple[str, ...]) -> str:
    """The standalone form of `question` after `previous`: a year, place, version or topic swapped in where the
    rules know how; otherwise, for a question that leans on the previous one, both asked together."""
    swapped = _version_swap(previous, question)
    if swapped:
        return swapped
    if not (is_elliptical(question, known) or leans_back(question)):
        return _carry_scope(previous, question, known)
    merged = _merge(previous, question, known) if is_elliptical(question, known) else question
    own = _topic_words(question, known)
    kept = _topic_words(merged, known).replace(own, "")
    if len(own) >= 3 and (own not in readable(merged) or len(kept) < 2):
        # The follow-up's own words, or the previous question's, would be lost: ask both together.
        return f"{readable(previous).strip().rstrip('？?。')}，{readable(question).strip()}"
    return merged


def _carry_scope(previous: str, question: str, known: tuple[str, ...]) -> str:
    """那是第几个…？ refers back: keep the previous turn's years and places when the question names none."""
    simple = readable(question).strip()
    if not _ELLIPTICAL_START.match(simple) or find_years(simple) or find_regions(simple, known):
        return question
    scope = "".join(f"{y}年" for y in find_years(previous)) + "".join(find_regions(previous, known))
    if not scope:
        return question
    return scope + _ELLIPTICAL_START.sub("", simple)


def _merge(base: str, follow: str, known: tuple[str, ...]) -> str:
    base_s, follow_s = readable(base).strip(), readable(follow).strip()
    years, regions = find_years(follow_s), find_regions(follow_s, known)
    topic = _topic_swap(follow_s)
    if topic and not years and not regions:
        swapped = _swap_into(base_s, topic)
        if swapped:
            return swapped
        # No counterpart found: keep the previous scope and question, ask it of the new topic.
        scope = "".join(f"{y}年" for y in find_years(base_s)) + "".join(find_regions(base_s, known))
        asked = re.search(r"(?:的|要|是|有|由|在|达到)?[^的要是有由在]*?(?:多少|几|谁|什么|哪|何时)[^，。？?]*[?？]?$", base_s)
        if not asked:
            # Nothing to ask of the new topic alone: both questions together.
            return f"{base_s.rstrip('？?。')}，{follow_s}"
        return scope + topic + asked.group(0)
    merged = _replace_or_prefix(base_s, [str(y) for y in find_years(base_s)], [str(y) for y in years],
                                lambda y: f"{y}年")
    if regions:
        merged = _replace_or_prefix(merged, list(find_regions(merged, known)), list(regions), lambda r: r)
    asks = intent_of(follow_s)
    if asks in {"who", "when"} or (asks == "number" and intent_of(base_s) != "number"):
        tail = YEAR_MENTION.sub("", follow_s)
        for r in regions:
            tail = tail.replace(r, "")
        tail = re.sub(r"^[那么还有同样，,\s]+|[呢？?。]+$", "", tail)
        merged = _TRAILING_ASK.sub("", merged.rstrip("？?。")) + tail
    return merged
