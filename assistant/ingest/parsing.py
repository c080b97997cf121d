"""Parse a cleaned page into logical documents: metadata and the tree of numbered provisions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.ingest.cleaning import clean_blocks
from assistant.records import Document, Provision
from assistant.text.normalize import normalize, normalize_mapped, readable
from assistant.text.numbers import ARTICLE, CN_NUMERALS, DATE_CN, DOC_NUMBER
from assistant.text.regions import MUNICIPALITIES, PROVINCES, dominant_province, region_of_issuer

# Raised whenever parsing changes what documents or chunks come out, so built indexes are parsed again.
PARSER_VERSION = 5

# Heading markers at the start of a (normalized) line, and their depth in the tree.
# Regulations nest 编 > 章 > 节 > 条 > 项 (一); policy documents 一、 > (一) > 1. > (1). An item (一) inside
# an article belongs to it, so articles sit between the two orders.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^第[{CN_NUMERALS}]+编")),
    (1, re.compile(rf"^第[{CN_NUMERALS}]+章")),
    (2, re.compile(rf"^第[{CN_NUMERALS}]+节")),
    (3, re.compile(rf"^[{CN_NUMERALS}]+、")),
    (4, ARTICLE),
    (5, re.compile(rf"^\([{CN_NUMERALS}]*\)")),  # (一), or () when the scraper lost the number
    (6, re.compile(r"^\d{1,2}[.、](?!\d)")),
    (7, re.compile(r"^\(\d{1,2}\)")),
)
# A regulation's header: "2007年2月14日 国务院第169次常务会议通过", "…第一次修正", "2007年5月1日 施行".
_ENACTMENT = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(.*?)(通过|公布|修正|修订|施行|批准|发布)[)）\s]*$")
# Stray spaces inside the date (2013年11月1 日) are common in converted texts.
_IN_FORCE = re.compile(r"(?:本(?:条例|办法|规定|细则|决定))自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起\s*施行")
_FILE_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.年]?(\d{2})[-_.月]?(\d{2})(?!\d)")
_REPEALS = re.compile(r"《([^》]{4,60})》(?:同时)?废止")
_KINDS = ("条例", "办法", "规定", "细则", "意见", "方案", "要点", "通知", "规划", "批复", "决定", "决议", "计划", "纲要",
          "措施", "法")
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


def _enactment_dates(lines: list[str], full_text: str) -> list[tuple[str, str]]:
    """The header's dates of a regulation (通过, 修正, 修订, 公布, 施行), and 施行 from "本条例自…起施行"."""
    dates: list[tuple[str, str]] = []
    for line in lines[:15]:
        match = _ENACTMENT.match(line.strip())
        if match:
            dates.append((match.group(5), _iso(*match.group(1, 2, 3))))
    if not any(kind == "施行" for kind, _ in dates):
        match = _IN_FORCE.search(full_text)
        if match:
            dates.append(("施行", _iso(*match.groups())))
    return dates


def _enacting_body(lines: list[str]) -> str:
    """Who adopted a regulation: the body named in its 通过 (or 公布) line, without session numbers."""
    for kind in ("通过", "公布", "批准"):
        for line in lines[:15]:
            match = _ENACTMENT.match(line.strip())
            if match and match.group(5) == kind:
                body = re.sub(r"《[^》]*》", "", match.group(4))
                body = re.sub(r"第[一二三四五六七八九十百零〇\d]+届", "", body)
                body = re.sub(r"第[一二三四五六七八九十百零〇\d]+次(?:全体|常务)?会议.*$", "", body)
                body = re.sub(r"令第?\d+号.*$", "", body).strip()
                if 2 <= len(body) <= 40:
                    return body
    return ""


def document_kind(title: str) -> str:
    """条例, 办法, 意见, 通知 … from how the title ends ("" when it says no kind)."""
    bare = re.sub(r"[（(][^）)]*[）)]$", "", title.strip())
    return next((kind for kind in _KINDS if bare.endswith(kind)), "")


def repealed_titles(text: str) -> tuple[str, ...]:
    """Titles a document says it repeals (…《X》同时废止)."""
    return tuple(dict.fromkeys(m.group(1) for m in _REPEALS.finditer(text)))


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
    # A regulation is of the year of its latest text: revised, amended, adopted or published.
    enacted = [value for k, value in dates if k in ("修订", "修正", "通过", "公布", "批准", "文件")] or \
        [value for k, value in dates if k == "施行"]
    return int(max(enacted)[:4]) if enacted else None


def _find_region(issuer: str, title: str, text: str) -> str:
    return region_of_issuer(issuer) or dominant_province(title) or dominant_province(text)


def _heading_label(display_line: str, marker_len: int, level: int) -> str:
    """Marker plus the provision's short title: text up to the first full stop, kept short. An article's
    text is no title, so an article is labelled by its number alone."""
    marker, rest = display_line[:marker_len], display_line[marker_len:]
    if level == 4:
        return marker.strip()
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


_CHAPTER_TITLE = re.compile(r"^[\u4e00-\u9fff、与和及]{2,16}$")


def _unnumbered_chapter(lines: Sequence[str], n: int) -> bool:
    """Line `n` is a short title standing alone after an article's last sentence and before the next article."""
    if not _CHAPTER_TITLE.match(lines[n]) or ARTICLE.match(lines[n]):
        return False
    before = next((line for line in reversed(lines[:n]) if line), "")
    after = next((line for line in lines[n + 1:] if line), "")
    return before.endswith(("。", "；", ";", ".")) and bool(ARTICLE.match(after))


def _provisions(display: str) -> tuple[Provision, ...]:
    """The provision tree as a flat, ordered list of spans with heading paths."""
    mapped = normalize_mapped(display)
    norm = mapped.text
    provisions: list[tuple[tuple[str, ...], int]] = []
    stack: list[tuple[int, str]] = []
    pos = 0
    lines = norm.split("\n")
    said = [line.strip() for line in lines]
    for n, line in enumerate(lines):
        start = pos
        pos += len(line) + 1
        stripped = line.strip()
        d_start, d_end = mapped.source_span(start, start + len(line))
        display_line = display[d_start:d_end]
        if _ISSUE_LINE.match(stripped):
            provisions.append((("印发信息",), d_start))
            stack = []
            continue
        if _unnumbered_chapter(said, n) and any(lvl == 4 for lvl, _ in stack):
            # 饲料与饲料添加剂 alone between two articles: a chapter whose number the text lost, not the end of
            # the article before it.
            while stack and stack[-1][0] >= 1:
                stack.pop()
            stack.append((1, display_line.strip()))
            provisions.append((tuple(label for _, label in stack), d_start))
            continue
        for level, pattern in _MARKERS:
            match = pattern.match(stripped)
            if not match:
                continue
            marker_end = mapped.source_span(start, start + match.end())[1] - d_start
            while stack and stack[-1][0] >= level:
                stack.pop()
            # An item of an article is named by its number: 第十二条（三）.
            in_article = level > 4 and any(lvl == 4 for lvl, _ in stack)
            label = _heading_label(display_line, marker_end, 4 if in_article else level)
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
        dates = _find_dates(simple_lines, page_head if index == 0 else "") + tuple(_enactment_dates(simple_lines, full))
        named = _FILE_DATE.search(source_file)
        file_date = _iso(*named.groups()) if named else ""
        stated = [value for k, value in dates if k in ("通过", "公布", "修正", "修订", "印发", "成文")]
        if file_date and (not stated or file_date > max(stated)):
            # Libraries often name a file by its version's date: 条例(2009-02-24).md. A date later than any the
            # text states is that of a version whose record the text leaves out (only 2012年通过 in a file
            # named 条例(2017-09-22).md).
            dates += (("文件", file_date),)
        issuer = issuer or _enacting_body(simple_lines)
        document = Document(
            doc_id=source_file if index == 0 else f"{source_file}#{index + 1}",
            source_file=source_file, title=title, issuer=issuer, number=number, dates=dates,
            region=region, year=_find_year(title, number, dates), display_text=display, kind=document_kind(title),
            repeals=repealed_titles(full))
        parsed.append(ParsedDocument(document, _provisions(display)))
    return parsed
