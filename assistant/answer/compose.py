"""Wording an answer: the direct answer first, each part cited; and the abstention, which says what was looked for."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.candidates import DATE, NUMBER, Evidence, defines_asked_term, longest_shared
from assistant.config import Wording
from assistant.index.store import IndexStore
from assistant.records import Chunk, Citation, Document, Intent
from assistant.search.analysis import QuestionFrame
from assistant.search.retrieval import Ranked
from assistant.text.normalize import normalize, readable
from assistant.text.numbers import ARTICLE, ITEM_LINE, small_number
from assistant.text.sentences import sentence_spans

_CLAUSE_END = re.compile(r"[，,；;：:]")


def compact_section(section: tuple[str, ...]) -> str:
    """三、… › (十)开展消费扶贫专项行动 -> 三(十)开展消费扶贫专项行动."""
    if not section or section == ("前言",):
        return ""
    if ARTICLE.match(section[-1]):
        # Articles are numbered through the whole regulation: 第十二条 says where, without its chapter.
        return readable(section[-1])
    parts = []
    for label in section[:-1]:
        marker = re.match(r"^(第[^章条编]+[章条编]|[一二三四五六七八九十百]+、|\([^)]*\)|（[^）]*）|\d+[.、]|\S{0,6})", label)
        parts.append((marker.group(1) if marker else label).rstrip("、"))
    return readable("".join(parts) + section[-1])


# A sentence that qualifies the one before it: an exception, a longer time limit, what follows a failure.
QUALIFIER = re.compile(r"(?:但|但是|其中|逾期|情况复杂|情节严重|特殊情况|因特殊|确有(?:困难|必要)|路途较远"
                       r"|经[^，。；]{1,16}批准)")


# Words that tie any two sentences of a regulation together, so sharing them says nothing of a shared subject.
_FUNCTION_WORDS = re.compile(r"应当|或者|以及|按照|依照|依法|本条例|本办法|本规定|所称|是指|本市|本省|规定|有关|相关|其他|进行"
                             r"|的|和|及|并|对|由|在|为|等|可以|不得")


def elaborates(sentence: str, following: str, terms: Sequence[str]) -> bool:
    """`following` goes on about what `sentence` is about: both name a topic word of the question, or they share
    a phrase of at least two characters beyond function words (利息预先在本金中扣除的，… after 借款的利息不得预先在本金中扣除)."""
    a, b = normalize(sentence), normalize(following)
    if ITEM_LINE.match(b.strip()):
        return False
    if any(len(t) >= 2 and t in a and t in b for t in terms):
        return True
    return len(_FUNCTION_WORDS.sub("", longest_shared(a, b))) >= 2


def next_in_paragraph(display: str, end: int) -> tuple[int, int] | None:
    """The span of the sentence after `end` in the same paragraph (line) of the display text, or None."""
    line_end = display.find("\n", end)
    spans = sentence_spans(display[end : len(display) if line_end < 0 else line_end], end)
    return spans[0] if spans else None


def snippet(sentence: str, terms: Sequence[str], intent: Intent, limit: int,
            required: re.Pattern[str] | None = None) -> str:
    """The sentence, or its best clauses when it is too long for a short answer (with `required`, the
    clause that states the asked value first of all)."""
    sentence = readable(sentence).strip()
    if len(sentence) <= limit:
        return sentence
    pieces: list[str] = []
    last = 0
    for match in _CLAUSE_END.finditer(sentence):
        pieces.append(sentence[last : match.end()])
        last = match.end()
    if last < len(sentence):
        pieces.append(sentence[last:])

    def score(piece: str) -> float:
        norm = normalize(piece)
        value = sum(1.0 for t in terms if t in norm)
        if intent == Intent.NUMBER and NUMBER.search(norm):
            value += 1.5
        if intent == Intent.WHEN and DATE.search(norm):
            value += 1.5
        if required is not None and required.search(norm):
            # The asked value first of all: a clause full of the question's words does not outweigh it.
            value += 3.0 + len(terms)
        return value

    scores = [score(p) for p in pieces]
    i = max(range(len(pieces)), key=lambda k: (scores[k], -k))
    lo, hi = i, i + 1
    while True:
        options = []
        if lo > 0 and len("".join(pieces[lo - 1 : hi])) <= limit:
            options.append((scores[lo - 1], lo - 1, hi))
        if hi < len(pieces) and len("".join(pieces[lo : hi + 1])) <= limit:
            options.append((scores[hi], lo, hi + 1))
        if not options:
            break
        _, lo, hi = max(options)
    text = "".join(pieces[lo:hi])
    if len(text) > limit:
        text = text[: limit - 1]
    text = text.rstrip("，,；;：:")
    return ("……" if lo > 0 else "") + text + ("……" if hi < len(pieces) else "")


_ASSIGNMENT = re.compile(r"^(?:由)?([^，,；;。:：]{2,30}?)(?:牵头|会同[^，,；;。]{0,40}?)?负责(?!人)(.{2,})$")


def inline_assignment(sentence: str, terms: Sequence[str]) -> str:
    """"地区商务局负责开展电商扶贫活动": the clause of a sentence that gives the asked task to a unit."""
    best, best_hits = "", 0
    for clause in re.split(r"[；;。，,]", readable(sentence)):
        match = _ASSIGNMENT.match(clause.strip())
        if not match:
            continue
        hits = sum(1 for t in terms if t in normalize(match.group(2)))
        if hits > best_hits:
            best, best_hits = clause.strip(), hits
    return best


def who_sentence(chunk: Chunk, max_chars: int = 90) -> str:
    """The responsible units of a provision, said as a sentence."""
    units = chunk.responsible
    if len(units) > max_chars:
        units = units[: max_chars - 2] + "等"
    if re.search(r"(?:负责|牵头)$", units):
        return f"由{units}。"
    return f"责任单位：{units}。"


def citation_for(n: int, document: Document, chunk: Chunk, start: int, end: int) -> Citation:
    """A citation quoting display_text[start:end]."""
    text = document.display_text[start:end]
    return Citation(n=n, doc_id=document.doc_id, title=document.title, number=document.number,
                    section=citation_section(chunk, text, start), text=text, start=start, end=end)


_STRUCTURE_NUMBER = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[编章节])")
_ITEM_START = re.compile(r"^\s*([（(][一二三四五六七八九十]{1,3}[)）])")


def citation_section(chunk: Chunk, quoted: str, start: int) -> str:
    """Where a quote stands, as a regulation is cited: 第三章 第十二条, and 第三章 第十二条（三） for one of its items;
    other documents' heading paths as they are (二、重点任务 › (三))."""
    if not chunk.section or not ARTICLE.match(chunk.section[-1]):
        return chunk.section_label
    parts = [m.group(1) for label in chunk.section[:-1] if (m := _STRUCTURE_NUMBER.match(label))]
    label = " ".join([*parts, chunk.section[-1]])
    item = _ITEM_START.match(quoted)
    if item and start > chunk.start:
        label += "（" + item.group(1).strip("（）()") + "）"
    return label


_LEAD_IN = re.compile(r"[：:]\s*$")


_ORDINAL_ITEM = re.compile(r"(?:^|(?<=[：:，,。；;\s]))([一二三四五六七八九十]{1,2})是")


def _ordinal_items(text: str) -> list[int]:
    """Where the items of a list written 一是…，二是…，三是… start, when two or more follow in order."""
    first = next((m for m in _ORDINAL_ITEM.finditer(text) if small_number(m.group(1)) == 1), None)
    if first is None:
        return []
    # Scraped text may drop the stop before 二是 (…全面反映扶贫供需情况二是政策发布): once 一是 has begun the list,
    # the next numbers in order start items wherever they stand.
    starts = [first.start()]
    for match in _NEXT_ORDINAL.finditer(text, first.start() + 2):
        if small_number(match.group(1)) == len(starts) + 1:
            starts.append(match.start())
    return starts if len(starts) >= 2 else []


_NEXT_ORDINAL = re.compile(r"(?<![一二三四五六七八九十第])([二三四五六七八九十]|十[一二三四五六七八九])是")


def _unmarked_items(text: str) -> list[int]:
    """Where the items of a list without markers start: the lines after a lead-in that ends with a colon
    (享受以下优待：, then one line per item), when there are two or more."""
    lead = re.search(r"[：:][ \t\u3000]*\n", text)
    if not lead:
        return []
    starts = [m.start() for m in re.finditer(r"(?m)^[ \t\u3000]*\S", text[lead.end():])]
    return [lead.end() + s for s in starts] if len(starts) >= 2 else []


def list_items(text: str, offset: int) -> tuple[tuple[int, int], list[tuple[int, int]]] | None:
    """A provision's enumerated items and the lead-in sentence before them ("有下列情形之一的：" then
    （一）…（二）…), as display spans shifted by `offset`; None when it has no list."""
    starts = [m.start() for m in ITEM_LINE.finditer(text)]
    if len(starts) < 2:
        starts = _ordinal_items(text)
    if len(starts) < 2:
        starts = _unmarked_items(text)
    if len(starts) < 2:
        return None
    before = text[: starts[0]].rstrip()
    lead_start = max(before.rfind("。", 0, len(before) - 1), before.rfind("\n")) + 1
    items = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk_end = text.find("\n", start)
        end = min(end, chunk_end if chunk_end > 0 else len(text))
        items.append((offset + start, offset + len(text[:end].rstrip())))
    return (offset + lead_start, offset + len(before)), items


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ITEM_MARK = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、是]|\d{1,2}[.、])\s*")


def _item_text(item: str, room: int) -> str:
    """An item said briefly: as many of its clauses as fit, else its start."""
    item = readable(item).strip().rstrip("；;。，,")
    if len(item) <= room:
        return item
    cut = max((m.start() for m in re.finditer(r"[，,；;、]", item[: room + 1])), default=0)
    return item[:cut] if cut >= room // 2 else item[: max(4, room - 1)] + "…"


def compose_list(display: str, lead: tuple[int, int], items: Sequence[tuple[int, int]], room: int) -> str:
    """The lead-in and all items, in order, each short enough that the whole fits in `room`."""
    head = readable(display[lead[0]:lead[1]]).strip()
    head = ARTICLE.sub("", head, count=1).lstrip()
    if len(head) > room // 5:
        head = snippet(head, (), Intent.WHAT, max(12, room // 5)).rstrip("：:") + "："
    texts = [_ITEM_MARK.sub("", display[s:e]) for s, e in items]
    rooms = item_rooms([len(readable(t).strip().rstrip("；;。，,")) for t in texts], room - len(head) - 2 * len(texts))
    marks = _CIRCLED if len(items) <= len(_CIRCLED) else ""
    return head + "；".join((marks[i] if marks else "") + _item_text(t, r) for i, (t, r) in enumerate(zip(texts, rooms)))


def item_rooms(lengths: Sequence[int], budget: int, least: int = 6) -> list[int]:
    """How many characters each item may take so that all fit in `budget`: short items whole, and what
    they leave shared equally by the longer ones (at least `least` each)."""
    rooms = [0] * len(lengths)
    left, open_items = budget, sorted(range(len(lengths)), key=lambda i: lengths[i])
    while open_items:
        share = left // len(open_items)
        if lengths[open_items[0]] > share:
            for i in open_items:
                rooms[i] = max(least, share)
            break
        first = open_items.pop(0)
        rooms[first] = lengths[first]
        left -= lengths[first]
    return rooms


def child_titles(store: IndexStore, row: int, most: int = 20) -> list[tuple[int, int]]:
    """For a chunk that is only a heading (二、基本原则), the display spans of its subsections' first sentences
    ((一)坚持正确方向。…), in order; [] for any other chunk or fewer than two subsections."""
    chunk = store.chunks[row]
    label = chunk.section[-1] if chunk.section else ""
    if not label or readable(chunk.text).strip() != readable(label).strip():
        return []
    depth = len(chunk.section)
    spans: list[tuple[int, int]] = []
    for next_row in range(row + 1, min(len(store.chunks), row + 1 + 4 * most)):
        child = store.chunks[next_row]
        if child.doc_id != chunk.doc_id or child.section[:depth] != chunk.section:
            break
        # A subsection cut into several chunks counts once, by its first.
        if len(child.section) == depth + 1 and store.chunks[next_row - 1].section != child.section:
            first = next(iter(sentence_spans(child.text, child.start)), None)
            if first is not None:
                spans.append(first)
        if len(spans) >= most:
            break
    return spans if len(spans) >= 2 else []


def provision_text(store: IndexStore, row: int) -> tuple[str, int]:
    """The display text of the chunk's whole provision and where it starts: a long article cut into several chunks
    (its items (七)(八) in the next one) is read whole, so that a list answer has all its items."""
    chunk = store.chunks[row]
    first = last = row
    if _is_article(chunk):
        while first > 0 and _continues(store.chunks[first - 1], chunk):
            first -= 1
        while last + 1 < len(store.chunks) and _continues(store.chunks[last + 1], chunk):
            last += 1
    start, end = store.chunks[first].start, store.chunks[last].end
    return store.documents[chunk.doc_id].display_text[start:end], start


def _continues(other: Chunk, chunk: Chunk) -> bool:
    return other.doc_id == chunk.doc_id and other.section == chunk.section


def _is_article(chunk: Chunk) -> bool:
    return bool(chunk.section) and bool(ARTICLE.match(chunk.section[-1]))


def item_lead_in(display: str, item_start: int, most: int) -> str:
    """The lead-in of the list the item at `item_start` belongs to (…有下列行为之一的，…：), without its article
    number; "" when the nearest line before the items does not open a list, or says more than `most` characters."""
    for line in reversed(display[max(0, item_start - 4000):item_start].splitlines()):
        text = line.strip()
        if not text or ITEM_LINE.match(text):
            continue
        if not _LEAD_IN.search(text):
            return ""
        text = _without_number(text).rsplit("。", 1)[-1]
        return text if len(text) <= most else ""
    return ""


def _without_number(text: str) -> str:
    return readable(ARTICLE.sub("", text.strip(), count=1)).strip().replace("\n", "")


def states_asked(frame: QuestionFrame, sentence: str) -> bool:
    """The sentence itself states the value asked for (a list's lead-in that gives the fine, say)."""
    return frame.required is not None and bool(frame.required.search(normalize(sentence)))


def quoted_sentences(display: str, chunk: Chunk, group: Sequence[Evidence], frame: QuestionFrame, room: int,
                     wording: Wording) -> tuple[str, int, int]:
    """The chosen sentences of one provision as the answer says them, within `room` characters, with the span
    they quote: a rule's exception, the sentence that finishes it, or a list item's lead-in come along."""
    start, end = group[0].start, group[-1].end
    each = max(wording.min_part_chars, room) // len(group)
    body = "；".join(snippet(display[e.start:e.end], frame.terms, frame.intent, each, frame.required).rstrip("。；;")
                    for e in group)
    following = [(s, e) for s, e in sentence_spans(chunk.text, chunk.start) if s >= end]
    qualifier = readable(display[following[0][0]:following[0][1]]).strip() if following else ""
    if len(group) == 1 and QUALIFIER.match(qualifier) and len(body) + len(qualifier) <= room:
        # The rule's exception or extension comes with it: 但…, 逾期…的, 情况复杂的….
        body = body.rstrip("。；;") + "；" + qualifier
        end = following[0][1]
    elif len(group) == 1 and "……" not in body and (nxt := next_in_paragraph(display, end)) is not None \
            and len(body) + (nxt[1] - nxt[0]) <= room \
            and elaborates(body, display[nxt[0]:nxt[1]], frame.terms):
        # The next sentence of the paragraph goes on about the same thing (who does it in the other case,
        # what happens after the deadline, the second half of a rule): the answer is not cut before it.
        body = body.rstrip("。；;") + ("；" if display[end - 1] in "；;" else "。") \
            + readable(display[nxt[0]:nxt[1]]).strip()
        end = nxt[1]
    elif end - start < wording.short_sentence_chars:
        # A very short sentence says little on its own: quote the next one too.
        end = following[0][1] if following else end
    opening = item_lead_in(display, start, wording.item_lead_chars) \
        if len(group) == 1 and _ITEM_START.match(display[start:end]) else ""
    if opening and len(opening) + len(body) <= room:
        # An item says little without its list's lead-in (客运出租汽车驾驶员有下列行为之一的，按下列规定处罚：).
        body = opening + body
    return body, start, end


def compose(store: IndexStore, evidence: Sequence[Evidence], n: int, frame: QuestionFrame, limit: int,
            wording: Wording) -> tuple[str, list[Citation]]:
    """The answer sentence for chosen evidence, with citations numbered from `n`."""
    groups: list[list[Evidence]] = []
    for item in evidence:
        if groups and groups[-1][0].row == item.row:
            groups[-1].append(item)
        else:
            groups.append([item])
    room = max(wording.min_part_chars, limit // len(groups))
    frame_parts = len(frame.parts)
    texts: list[str] = []
    citations: list[Citation] = []
    for index, group in enumerate(groups):
        chunk = store.chunks[group[0].row]
        document = store.documents[chunk.doc_id]
        display = document.display_text
        section = compact_section(chunk.section)
        if len(section) > wording.max_section_chars:
            section = section[: wording.max_section_chars - 2] + "…"
        same_doc = index > 0 and store.chunks[groups[0][0].row].doc_id == chunk.doc_id
        if same_doc or (frame_parts > 1 and section):
            # In an answer of several parts the citation names the document; the part says the provision.
            lead = f"{section}：" if section else ""
        else:
            lead = f"根据《{document.title}》{section}：" if section else f"根据《{document.title}》："
        start, end = group[0].start, group[-1].end
        assigned = inline_assignment(display[start:end], frame.terms) if frame.intent == Intent.WHO else ""
        if assigned:
            body = assigned
        elif frame.intent == Intent.WHO and chunk.responsible:
            # The whole provision is quoted: what it asks for and who answers for it.
            body, start, end = who_sentence(chunk, wording.max_units_chars), chunk.start, chunk.end
        elif len(groups) == 1 and (children := child_titles(store, group[0].row)):
            # A heading with nothing under it but its subsections (二、基本原则 then (一)…(二)…): their titles.
            lead_end = chunk.start + len(chunk.text.rstrip())
            body = compose_list(display, (chunk.start, lead_end), children, wording.max_list_chars - len(lead))
            start, end = chunk.start, children[-1][1]
        elif (listed := list_items(*provision_text(store, group[0].row))) is not None and (
                frame.asks_list or (_LEAD_IN.search(display[start:end]) and not states_asked(frame, display[start:end]))) \
                and len(groups) == 1 and not (_ITEM_START.match(group[0].norm)
                                              and defines_asked_term(group[0].norm, normalize(frame.full))) \
                and group[0].start < listed[1][-1][1]:
            # A list is answered with its items, all of them, in order; but 有害垃圾指哪些 asks for the one item of a
            # list of definitions that defines it (an item, not a lead-in: 就业困难人员是指：… is answered by its list),
            # and a sentence after the list (…不计入共同生活的家庭成员) is a rule of its own, answered by itself.
            (lead_start, lead_end), items = listed
            body = compose_list(display, (lead_start, lead_end), items, wording.max_list_chars - len(lead))
            start, end = min(start, lead_start), items[-1][1]
        elif len(groups) == 1 and _is_article(chunk) and len(_without_number(chunk.text)) <= wording.whole_article_chars \
                and (frame_parts == 1 or len(_without_number(chunk.text)) <= room - len(lead)):
            # A short article is answered whole: its sentences lean on each other (a rule, then its exception);
            # one part of several is quoted whole only within its share of the answer.
            body, start, end = _without_number(chunk.text), chunk.start, chunk.end
        else:
            body, start, end = quoted_sentences(display, chunk, group, frame, room - len(lead), wording)
        marker = n + len(citations)
        label = chunk.section[-1] if chunk.section else ""
        if label and section.endswith(label) and readable(body).startswith(readable(label)):
            # 第三十条：第三十条 本条例自… says the article's number twice.
            body = body[len(label):].lstrip(" \u3000:：")
        texts.append(f"{lead}{body.rstrip('。；;，,：:')}[{marker}]")
        citations.append(citation_for(marker, document, chunk, start, end))
    return "；".join(texts) + "。", citations


def heading_only(chunk: Chunk) -> bool:
    """The chunk is a heading with no text under it (第五章 法律责任, a chapter title alone)."""
    def bare(text: str) -> str:
        return _WHITE_SPACE.sub("", normalize(text))

    return bool(chunk.section) and bare(chunk.text) == bare(chunk.section[-1])


_WHITE_SPACE = re.compile(r"\s+")


def abstention(store: IndexStore, frame: QuestionFrame, nearest: Sequence[Ranked]) -> str:
    """Says the documents do not answer, what was looked for, and the nearest provisions."""
    terms = frame.terms
    scope = "、".join([f"{y}年" for y in frame.years] + list(frame.regions))
    what = asked_about(frame.full, frame.years, frame.regions)
    if not what:
        # Name the longest topic words only: 消费扶贫专柜, not also 消费 and 专柜.
        what = "、".join([t for t in terms if not any(t != o and t in o for o in terms)][:4])
    about = f"关于“{what}”的" if what else "相关"
    text = f"文档中没有找到{scope}{about}规定，无法回答这个问题。"
    named = [store.documents[d].title for d in dict.fromkeys(d for p in frame.parts for d in p.filters.doc_ids)
             if d in store.documents]
    if named:
        text += "（查找范围：" + "、".join(f"《{t}》" for t in named[:3]) + "）"
    if frame.outside:
        text += f"（文档库中没有{frame.outside}本地的文件，只查找了当地所在省份和全国适用的文件。）"
    shown = []
    for chunk in [c for c in (store.chunks[r.row] for r in nearest) if not heading_only(c)][:3]:
        document = store.documents[chunk.doc_id]
        shown.append(f"《{document.title}》{compact_section(chunk.section)}")
    if shown:
        text += "可能相关：" + "；".join(dict.fromkeys(shown)) + "。"
    return text


_ASK_WORDS = re.compile(
    r"(?:是|要)?(?:多少钱|多少|几[个项类天年月次人种条]?|什么时候|何时|哪天|哪些|哪几|哪个|什么|由谁|谁|怎么|怎样|如何|是否"
    r"|有没有|要不要|能不能)|那个|这个|那份|这份|[吗呢啊呀]$|^(?:请问|想问一下|问一下|那么|那)")


def asked_about(question: str, years: Sequence[int], regions: Sequence[str]) -> str:
    """What a question asks about, in its own words: 2019年消费扶贫专柜目标是多少 -> 消费扶贫专柜目标."""
    text = readable(question).strip().rstrip("？?。！!")
    for year in years:
        text = re.sub(rf"{year}年|{str(year)[2:]}年", "", text)
    for region in regions:
        # 在北京能不能在自家楼顶上… -> 能不能在自家楼顶上…: the place goes with the word that puts it there.
        text = re.sub(rf"(?:在|到|去)?{region}(?:省|市|自治区)?(?:这边|那边|这里|那里)?", "", text)
    text = _ASK_WORDS.sub("", text).strip("，,、的 ")
    return text if 2 <= len(text) <= 30 else ""


def comparison(citations: Sequence[Citation]) -> str:
    """Same or different: whether the parts' quoted provisions say the same thing (numbers and words alike)."""
    if len(citations) < 2:
        return ""
    said = {ARTICLE.sub("", normalize(c.text), count=1).strip() for c in citations}
    return "两者规定相同。" if len(said) == 1 else "两者规定不同："


def join_parts(sentences: Sequence[str], missing: Sequence[str], lead: str = "") -> str:
    """The parts' answers as one text, naming the parts the documents do not answer."""
    text = lead + "；".join(s.rstrip("。") for s in sentences) + "。"
    if missing and any(missing):
        text += f"（{'、'.join(m for m in missing if m)}：文档中未找到相关规定。）"
    return text
