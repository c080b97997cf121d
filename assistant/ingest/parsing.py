"""Parse a cleaned page into logical documents: metadata and the tree of numbered provisions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.cleaning import clean_blocks
from assistant.records import Document, Provision
from assistant.text.normalize import normalize, normalize_mapped, readable
from assistant.text.numbers import CN_NUMERALS, DATE_CN, DOC_NUMBER
from assistant.text.regions import MUNICIPALITIES, PROVINCES, dominant_province, region_of_issuer

# Heading markers at the start of a (normalized) line, and their depth in the tree.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^第[{CN_NUMERALS}]+[章编]")),
    (1, re.compile(rf"^[{CN_NUMERALS}]+、")),
    (2, re.compile(rf"^第[{CN_NUMERALS}]+条")),
    (2, re.compile(rf"^\([{CN_NUMERALS}]*\)")),  # (一), or () when the scraper lost the number
    (3, re.compile(r"^\d{1,2}[.、](?!\d)")),
    (4, re.compile(r"^\(\d{1,2}\)")),
)
_ISSUE_LINE = re.compile(r"^.{0,40}?\s*\d{4}年\d{1,2}月\d{1,2}日印发$")
_PUBLISHED = re.compile(r"(?:发布日期|公开日期|时间)\s*\]?\s*[:：]?\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_TITLE_SUFFIX = r"(?:方案|意见|办法|要点|规定|决定|计划|细则|条例|规划|通知|纲要|措施)"
_ORG_SUFFIX = r"(?:领导小组办公室|领导小组|人民政府办公厅|人民政府|办公厅|办公室|委员会|党委|政府|局|厅)"
_RESPONSIBLE_HEAD = re.compile(r"^(?:责任单位|牵头单位|负责单位|责任部门)[:：]\s*")


@dataclass(frozen=True)
class ParsedDocument:
    """A logical document with its provision tree."""

    document: Document
    provisions: tuple[Provision, ...]


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _split_stories(blocks: list[list[str]]) -> list[list[str]]:
    """Split blocks further where a paragraph opens with another province than the story so far."""
    stories: list[list[str]] = []
    for block in blocks:
        current: list[str] = []
        for line in block:
            simple = readable(line)
            opener = next((p for p in PROVINCES if simple.startswith(p)), "")
            if opener and current:
                region = dominant_province(readable("\n".join(current)))
                if region and region != opener and len("".join(current)) > 200:
                    stories.append(current)
                    current = []
            current.append(line)
        if current:
            stories.append(current)
    return stories


def _find_title(lines: list[str], region: str) -> str:
    head = "\n".join(lines[:12])
    match = re.search(r"印发\s*《(.+?)》\s*的?\s*\n?通\s*知", head) or re.search(r"印发\s*《(.+?)》", head)
    if match:
        return match.group(1).strip()
    for line in lines[:15]:
        if len(line) <= 60 and "。" not in line and not line.endswith(("?", "？", ":", "：")) and (
                line.startswith("关于") or re.search(_TITLE_SUFFIX + r"$", line)):
            return line
    text = "".join(lines[:3])
    match = re.search(r"为(.{4,40}?)[,，]?\s*结合.{1,10}?实际[,，]?\s*提出如下.{0,8}?意见", text)
    if match:
        purpose = match.group(1).replace("落实好", "落实")
        place = region + ("市" if region in MUNICIPALITIES else "省") if region else ""
        return f"{place}关于{purpose}的意见"
    first = lines[0]
    if len(first) <= 60 and not first.endswith(("?", "？")) and "。" not in first:
        return first
    sentence = re.split(r"[。;；!！?？]", first)[0]
    return sentence[:40]


def _find_issuer(lines: list[str], region: str, full_text: str) -> str:
    head = lines[:15]
    for line in head:
        match = re.match(r"^(.{2,30}?)关于印发《", line)
        if match:
            return match.group(1)
    for i, line in enumerate(head[:-1]):
        if re.fullmatch(rf"[\u4e00-\u9fff]{{2,30}}{_ORG_SUFFIX}", line) and DATE_CN.fullmatch(head[i + 1]):
            return line
    names = "|".join(PROVINCES)
    match = re.search(rf"((?:{names})[\u4e00-\u9fff]{{0,12}}?{_ORG_SUFFIX})(?:近日|日前)?(?:出台|印发|发布)了?《",
                      "\n".join(head))
    if match:
        return match.group(1)
    for line in head[:3]:
        match = re.match(r"^(\S.{1,30}?)\s+时间[:：]\s*\d{4}-\d{1,2}-\d{1,2}", line)
        if match:
            return match.group(1).strip()
    if region and "省委、省政府" in full_text and region not in MUNICIPALITIES:
        return f"中共{region}省委、{region}省人民政府"
    match = re.match(rf"^((?:{names})(?:省委|省政府|市委|市政府|省人民政府|市人民政府))", lines[0])
    return match.group(1) if match else ""


def _find_dates(lines: list[str], page_head: str) -> tuple[tuple[str, str], ...]:
    dates: list[tuple[str, str]] = []
    for i, line in enumerate(lines[:15]):
        match = DATE_CN.fullmatch(line)
        if match and i > 0 and re.fullmatch(rf"[\u4e00-\u9fff]{{2,30}}{_ORG_SUFFIX}", lines[i - 1]):
            dates.append(("成文", _iso(*match.groups())))
            break
    for line in lines[-5:]:
        match = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日印发", line)
        if match:
            dates.append(("印发", _iso(*match.groups())))
            break
    match = _PUBLISHED.search(page_head)
    if match:
        dates.append(("发布", _iso(*match.groups())))
    return tuple(dates)


def _find_number(lines: list[str]) -> str:
    for line in lines[:15]:
        if DOC_NUMBER.fullmatch(line.replace(" ", "")):
            return line.replace(" ", "")
    return ""


def _find_year(title: str, number: str, dates: tuple[tuple[str, str], ...]) -> int | None:
    for source in (title, number):
        match = re.search(r"(19|20)\d{2}", source)
        if match:
            return int(match.group(0))
    for kind in ("成文", "印发", "发布"):
        for k, value in dates:
            if k == kind:
                return int(value[:4])
    return None


def _find_region(issuer: str, title: str, text: str) -> str:
    return region_of_issuer(issuer) or dominant_province(title) or dominant_province(text)


def _heading_label(display_line: str, marker_len: int) -> str:
    """Marker plus the provision's short title: text up to the first full stop, kept short."""
    marker, rest = display_line[:marker_len], display_line[marker_len:]
    cut = re.split(r"[。．;；:：]", rest, maxsplit=1)[0]
    if len(cut) > 24:
        cut = cut[:16] + "…"
    return (marker + cut).strip()


def _responsible_units(text: str) -> str:
    """The units named in the provision's closing parenthesis: (责任单位:…) or (…牵头负责)."""
    body = text.rstrip().rstrip("。.")
    if not body or body[-1] not in ")）〕]":
        return ""
    closer = body[-1]
    opener = {")": "(", "）": "（", "〕": "〔", "]": "["}[closer]
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        c = body[i]
        if c in ")）〕]":
            depth += 1
        elif c in "(（〔[":
            depth -= 1
            if depth == 0:
                if c != opener and not (c in "(（" and opener in "(（"):
                    return ""
                inner = body[i + 1 : -1].strip()
                if _RESPONSIBLE_HEAD.match(inner):
                    return _RESPONSIBLE_HEAD.sub("", inner)
                if re.search(r"(?:负责|牵头)$", inner):
                    return inner
                return ""
    return ""


def _provisions(display: str) -> tuple[Provision, ...]:
    """The provision tree as a flat, ordered list of spans with heading paths."""
    mapped = normalize_mapped(display)
    norm = mapped.text
    provisions: list[tuple[tuple[str, ...], int]] = []
    stack: list[tuple[int, str]] = []
    pos = 0
    for line in norm.split("\n"):
        start = pos
        pos += len(line) + 1
        stripped = line.strip()
        d_start, d_end = mapped.source_span(start, start + len(line))
        display_line = display[d_start:d_end]
        if _ISSUE_LINE.match(stripped):
            provisions.append((("印发信息",), d_start))
            stack = []
            continue
        for level, pattern in _MARKERS:
            match = pattern.match(stripped)
            if not match:
                continue
            marker_end = mapped.source_span(start, start + match.end())[1] - d_start
            label = _heading_label(display_line, marker_end)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, label))
            provisions.append((tuple(label for _, label in stack), d_start))
            break
    spans: list[Provision] = []
    first = provisions[0][1] if provisions else len(display)
    if display[:first].strip():
        spans.append(Provision(("前言",), 0, first))
    for i, (path, start) in enumerate(provisions):
        end = provisions[i + 1][1] if i + 1 < len(provisions) else len(display)
        own = display[start:end]
        spans.append(Provision(path, start, end, readable(_responsible_units(own.strip()))))
    return tuple(spans)


def parse_page(source_file: str, raw: str) -> list[ParsedDocument]:
    """Clean, split and parse one page; a page that holds several stories gives several documents."""
    stories = _split_stories(clean_blocks(raw))
    page_head = normalize(raw[:3000])
    stem = source_file.rsplit(".", 1)[0]
    parsed: list[ParsedDocument] = []
    for index, lines in enumerate(stories):
        display = "\n".join(lines)
        simple_lines = [readable(line) for line in lines]
        full = "\n".join(simple_lines)
        rough_region = dominant_province(full)
        issuer = _find_issuer(simple_lines, rough_region, full)
        title = _find_title(simple_lines, region_of_issuer(issuer) or rough_region)
        region = _find_region(issuer, title, full)
        number = _find_number(simple_lines)
        dates = _find_dates(simple_lines, page_head if index == 0 else "")
        document = Document(
            doc_id=stem if index == 0 else f"{stem}#{index + 1}",
            source_file=source_file, title=title, issuer=issuer, number=number, dates=dates,
            region=region, year=_find_year(title, number, dates), display_text=display)
        parsed.append(ParsedDocument(document, _provisions(display)))
    return parsed
