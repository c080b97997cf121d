"""Reading a question: years, regions, intent, and rewriting elliptical follow-ups from the history."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.regions import PROVINCES
from assistant.textnorm import readable

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2}|\d{2})\s*年(?!\d{1,2}月\d)")
_INTENT_WHO = re.compile(r"谁|哪个部门|哪些部门|哪个单位|哪些单位|什么单位|什么部门|牵头|负责单位|责任单位|由谁|发布机构|印发机关|发文机关")
_INTENT_WHEN = re.compile(r"什么时候|何时|哪天|哪一天|几月|日期|时间|截止|期限|多久|哪年|什么时间")
_INTENT_NUMBER = re.compile(r"多少|几个|几项|几类|几|数量|比例|百分之|规模|金额|多大|目标")
_ELLIPTICAL_START = re.compile(r"^(?:那么?|那个|还有|再问|同样|这个|这项|该项|它|其)")
_SWAP = re.compile(r"^(?:那么?|那个|还有|再看看?)?([\u4e00-\u9fff%\w]{2,12}?)(?:的情况|方面|这块)?呢[?？]?$")
_TRAILING_ASK = re.compile(
    r"(?:的)?(?:目标|任务|要求|内容)?(?:是|有|为)?(?:多少个?|几个|哪些|什么|谁|何时|什么时候|怎么样|如何)"
    r"(?:呢|吗)?[?？。]*$")


@dataclass(frozen=True)
class QueryFacts:
    """What a question says beyond its words: years, regions, intent."""

    years: tuple[int, ...]
    regions: tuple[str, ...]
    intent: str  # who / when / number / what


def find_years(text: str) -> tuple[int, ...]:
    """Years named in the text, as four digits (20年 -> 2020), in order, without repeats."""
    years: list[int] = []
    for match in _YEAR.finditer(readable(text)):
        value = match.group(1)
        year = int(value) if len(value) == 4 else 2000 + int(value)
        if year not in years:
            years.append(year)
    return tuple(years)


def find_regions(text: str, known: Iterable[str] = ()) -> tuple[str, ...]:
    """Region names in the text: provincial-level names and the corpus's own regions."""
    simple = readable(text)
    names = sorted(set(PROVINCES) | {k for k in known if k}, key=len, reverse=True)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name in names:
        for match in re.finditer(re.escape(name), simple):
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append((span[0], name))
    ordered: list[str] = []
    for _, name in sorted(found):
        if name not in ordered:
            ordered.append(name)
    return tuple(ordered)


def intent_of(text: str) -> str:
    """who, when, number or what."""
    simple = readable(text)
    if _INTENT_WHO.search(simple):
        return "who"
    if _INTENT_WHEN.search(simple):
        return "when"
    if _INTENT_NUMBER.search(simple):
        return "number"
    return "what"


def analyse(text: str, known_regions: Iterable[str] = ()) -> QueryFacts:
    """Years, regions and intent of a question."""
    return QueryFacts(find_years(text), find_regions(text, known_regions), intent_of(text))


def _topic_words(text: str, known_regions: Iterable[str]) -> str:
    """What is left of a question without years, regions, question words and punctuation."""
    simple = readable(text)
    simple = _YEAR.sub("", simple)
    for name in find_regions(simple, known_regions):
        simple = simple.replace(name, "")
    simple = re.sub(r"[那呢吗吧啊呀么？?！!。，,、\s的]|那么|还有|同样|这个|这项|该项|请问", "", simple)
    simple = re.sub(r"由谁负责|谁负责|由谁|谁|什么时候|何时|多少|几个|哪些|什么|怎么样|如何|是|有|为|负责|牵头", "", simple)
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
    if not match or _INTENT_WHO.search(simple) or _INTENT_WHEN.search(simple) or re.search(r"多少|几|什么|哪", simple):
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
            if shared >= 2 and shared < min(len(span), len(topic)) and (best is None or score > best[0]):
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


def rewrite(question: str, history: Sequence[dict] = (), known_regions: Iterable[str] = ()) -> str:
    """Turn an elliptical follow-up into a full question using the earlier user turns."""
    known = tuple(known_regions)
    resolved = ""
    for turn in history:
        if turn.get("role") != "user" or not str(turn.get("content", "")).strip():
            continue
        content = str(turn["content"]).strip()
        resolved = _merge(resolved, content, known) if resolved and is_elliptical(content, known) else content
    if not resolved:
        return question
    if is_elliptical(question, known):
        return _merge(resolved, question, known)
    return _carry_scope(resolved, question, known)


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
        tail = re.search(r"(?:的|要|是|有|由|在|达到)?[^的要是有由在]*?(?:多少|几|谁|什么|哪|何时)[^，。？?]*[?？]?$", base_s)
        return scope + topic + (tail.group(0) if tail else "")
    merged = _replace_or_prefix(base_s, [str(y) for y in find_years(base_s)], [str(y) for y in years],
                                lambda y: f"{y}年")
    if regions:
        merged = _replace_or_prefix(merged, list(find_regions(merged, known)), list(regions), lambda r: r)
    asks = intent_of(follow_s)
    if asks in {"who", "when"} or (asks == "number" and intent_of(base_s) != "number"):
        tail = _YEAR.sub("", follow_s)
        for r in regions:
            tail = tail.replace(r, "")
        tail = re.sub(r"^[那么还有同样，,\s]+|[呢？?。]+$", "", tail)
        merged = _TRAILING_ASK.sub("", merged.rstrip("？?。")) + tail
    return merged


def strip_filters(text: str, years: Sequence[int], regions: Sequence[str]) -> str:
    """The question without the years and places that are applied as filters."""
    simple = readable(text)
    if years:
        simple = _YEAR.sub("", simple)
    for region in regions:
        simple = simple.replace(region + "省", "").replace(region + "市", "").replace(region, "")
    return simple.strip()
