"""Checking a generated answer against the passages it cites: markers, numbers, dates, percentages, 文号."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.normalize import normalize
from assistant.text.numbers import DOC_NUMBER as _DOC_NUMBER
from assistant.text.numbers import chinese_number

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_DATE = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?|(\d{4})-(\d{1,2})-(\d{1,2})")
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)?\s*(%|％)?")
_CN_PERCENT = re.compile(r"百分之([零一二两三四五六七八九十百点]+)")
_CN_NUMBER = re.compile(r"[零一二两三四五六七八九十百千万亿]+")
NO_ANSWER = "文档中没有找到相关规定"


@dataclass(frozen=True)
class Facts:
    """What a piece of text states that can be checked: numeric values, dates, document numbers."""

    numbers: frozenset[tuple[float, bool]]  # (value, is percentage)
    dates: frozenset[tuple[int, int, int]]
    doc_numbers: frozenset[str]


def extract_facts(text: str) -> Facts:
    """Numbers (1万 = 10000, 百分之三十五 = 35%), dates and 文号 in the normalized text."""
    norm = _MARKER.sub("", normalize(text))
    doc_numbers = frozenset(m.group(0) for m in _DOC_NUMBER.finditer(norm))
    norm = _DOC_NUMBER.sub(" ", norm)
    dates = set()
    for m in _DATE.finditer(norm):
        if m.group(1):
            dates.add((int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)))
        else:
            dates.add((int(m.group(4)), int(m.group(5)), int(m.group(6))))
    numbers: set[tuple[float, bool]] = set()
    for m in _ARABIC.finditer(norm):
        amount = float(m.group(1)) * {"万": 1e4, "亿": 1e8}.get(m.group(2) or "", 1)
        numbers.add((round(amount, 6), bool(m.group(3))))
    for m in _CN_PERCENT.finditer(norm):
        value = chinese_number(m.group(1))
        if value is not None:
            numbers.add((round(value, 6), True))
    for m in _CN_NUMBER.finditer(_CN_PERCENT.sub(" ", norm)):
        value = chinese_number(m.group(0))
        if value is not None and m.group(0) not in {"万", "亿"}:
            numbers.add((round(value, 6), False))
    return Facts(frozenset(numbers), frozenset(dates), doc_numbers)


def _date_supported(date: tuple[int, int, int], known: frozenset[tuple[int, int, int]]) -> bool:
    year, month, day = date
    return any(k[0] == year and (not month or k[1] == month) and (not day or k[2] == day) for k in known)


def unsupported(claim: Facts, source: Facts) -> list[str]:
    """The claims of `claim` that `source` does not state."""
    missing: list[str] = []
    for value, percent in sorted(claim.numbers):
        # A year or a day inside a stated date is supported by that date.
        if (value, percent) in source.numbers:
            continue
        if not percent and any(value in (d[0], d[1], d[2]) for d in claim.dates):
            continue
        missing.append(f"{value:g}{'%' if percent else ''}")
    missing += [f"{d[0]}-{d[1]}-{d[2]}" for d in sorted(claim.dates) if not _date_supported(d, source.dates)]
    missing += sorted(n for n in claim.doc_numbers if n not in source.doc_numbers)
    return missing


@dataclass(frozen=True)
class SentenceCheck:
    """One answer sentence: its markers and why it failed, if it did."""

    text: str
    markers: tuple[int, ...]
    problem: str  # "" when the sentence passed


def split_sentences(answer: str) -> list[str]:
    """Sentences with their markers; a marker written after the full stop stays with its sentence."""
    pieces = [p.strip() for p in _SENTENCE.findall(answer) if p.strip()]
    sentences: list[str] = []
    for piece in pieces:
        if sentences and re.fullmatch(r"(?:\[\d{1,3}\]\s*)+[。]?", piece):
            sentences[-1] += piece
        else:
            sentences.append(piece)
    return sentences


def check_answer(answer: str, passages: list[str]) -> list[SentenceCheck]:
    """Check each sentence of a generated answer against the numbered passages (1-based) it cites."""
    facts = [extract_facts(p) for p in passages]
    checks: list[SentenceCheck] = []
    for sentence in split_sentences(answer):
        markers = tuple(dict.fromkeys(int(m) for m in _MARKER.findall(sentence)))
        if NO_ANSWER in sentence:
            checks.append(SentenceCheck(sentence, markers, "no-answer"))
            continue
        if not markers:
            checks.append(SentenceCheck(sentence, markers, "没有标注出处"))
            continue
        if any(not 1 <= m <= len(passages) for m in markers):
            checks.append(SentenceCheck(sentence, markers, "引用了不存在的段落"))
            continue
        cited = Facts(frozenset().union(*(facts[m - 1].numbers for m in markers)),
                      frozenset().union(*(facts[m - 1].dates for m in markers)),
                      frozenset().union(*(facts[m - 1].doc_numbers for m in markers)))
        missing = unsupported(extract_facts(sentence), cited)
        checks.append(SentenceCheck(sentence, markers, f"所引段落中没有：{'、'.join(missing)}" if missing else ""))
    return checks
