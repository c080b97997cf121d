"""The responsibility and deadline ledger (督办台账): every provision's tasks with the units that carry them out
(责任单位, 牵头单位, 配合单位) and their deadlines or time frames, each row quoting its provision.

Units come from a provision's closing parenthesis ("(责任单位:市民政局、市财政局)", "(市农业农村委牵头负责)"),
from the chunk's `responsible` field when the parenthesis is in another part of the provision, and from the
sentence itself ("由市民政局负责…", "市扶贫办牵头，市财政局配合…", "地区扶贫办会同地区发改委举办…").
Deadlines and time frames are read from the sentence: "2020年6月底前", "年底前", "十五日内", "每季度",
"7月-10月", "开展时间:2020年8月" (a labelled time anywhere in a provision holds for all its tasks)."""

from __future__ import annotations

import csv
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.records import Chunk, Document
from assistant.text.normalize import fix_variants, readable, to_simplified
from assistant.text.sentences import sentence_spans

if TYPE_CHECKING:
    from assistant.api import Assistant

RESPONSIBLE, LEADING, COOPERATING = "responsible", "leading", "cooperating"
COLUMNS = ("序号", "文件", "文号", "条款", "任务（原文）", "责任单位", "牵头单位", "配合单位", "时限")


@dataclass(frozen=True)
class LedgerEntry:
    """One task of one provision: who carries it out and by when, with the quoted sentence(s) it comes from."""

    doc_id: str
    title: str
    number: str  # 文号
    section: str  # the provision's heading path, as shown
    text: str  # the quoted task, as in the document
    start: int  # offsets of `text` in the document's display text
    end: int
    responsible: tuple[str, ...] = ()
    leading: tuple[str, ...] = ()
    cooperating: tuple[str, ...] = ()
    deadlines: tuple[str, ...] = ()

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit the task names, leading units first."""
        return tuple(dict.fromkeys((*self.leading, *self.responsible, *self.cooperating)))

    def names_unit(self, unit: str) -> bool:
        """True when one of the task's units contains `unit` ("扶贫办" matches "市扶贫办" and "地区扶贫办")."""
        wanted = readable(unit).strip()
        return bool(wanted) and any(wanted in u for u in self.units)

    def row(self, n: int) -> list[str]:
        """The entry as a table row under COLUMNS."""
        return [str(n), f"《{self.title}》", self.number, self.section, self.text, "、".join(self.responsible),
                "、".join(self.leading), "、".join(self.cooperating), "；".join(self.deadlines)]


# ---- units ----------------------------------------------------------------------------------------------------

_SUFFIXES = ("委员会", "办公室", "领导小组", "小组", "指挥部", "人民政府", "政府", "党委", "党组", "机关", "监委",
             "局", "委", "办", "厅", "部", "署", "院", "中心", "公司", "集团", "队", "所", "站", "处", "科", "社",
             "联", "协会", "商会", "工会", "学会", "理事会", "基金会", "研究会", "促进会", "行", "馆", "团", "单位",
             "部门", "企业", "运营商", "学校", "医院", "街道", "乡镇",
             "区县", "县(市)", "县（市）", "各县", "各区")
_UNIT_NAME = re.compile(r"^[\u4e00-\u9fff()（）“”\"]{1,30}?(?:" + "|".join(re.escape(s) for s in _SUFFIXES) +
                        r")(?:[(（][\u4e00-\u9fff]{1,10}[)）])?$")
# Words that make a phrase a clause rather than a unit's name.
_NOT_A_NAME = re.compile(r"[要应将把的是了须]|开展|加强|推进|明确|负责|配合|主要")
_LABEL = re.compile(r"(责任单位|责任部门|负责单位|主责单位|牵头单位|牵头部门|配合单位|配合部门|协办单位|参与单位)[:：]\s*")
_LABEL_ROLE = {"责任单位": RESPONSIBLE, "责任部门": RESPONSIBLE, "负责单位": RESPONSIBLE, "主责单位": RESPONSIBLE,
               "牵头单位": LEADING, "牵头部门": LEADING, "配合单位": COOPERATING, "配合部门": COOPERATING,
               "协办单位": COOPERATING, "参与单位": COOPERATING}
_ROLE_WORD = re.compile(r"牵头负责|牵头|会同|联合|按职责分工负责|分工负责|共同负责|配合|协助|参与|负责(?!同志|人)|为主")
# What follows a list of cooperating units: the task's verb.
_VERB = re.compile(r"举办|开展|组织|制定|做好|推进|实施|落实|建立|完善|加强|研究|出台|召开|印发|编制|抓好|做实|搞好|"
                   r"指导|督促|统筹|审核|上报|报送|发布|[于在对向按]")
_LEAD_IN = re.compile(r"^(?:并|且|同时|主要|分别|具体|统一|均|由|请|要求)+")
_HEADING = re.compile(r"^(?:[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．]|[一二三四五六七八九十]+、)")
_GENERIC = {"有关部门", "相关部门", "有关单位", "相关单位", "部门", "单位"}


def unit_names(phrase: str) -> list[str]:
    """The units a phrase lists ("市民政局、市财政局等有关部门" → 市民政局, 市财政局); nothing that is not a
    unit's name."""
    names = []
    for part in re.split(r"[、,，;；]|以及|及其|及|(?<![高平中初同])等(?=[\u4e00-\u9fff])", phrase):
        part = _LEAD_IN.sub("", _HEADING.sub("", part.strip(" \t:：。.")))
        part = re.sub(r"等$", "", part)
        if not part or part in _GENERIC or _NOT_A_NAME.search(re.sub(r"[(（][^)）]*[)）]", "", part)):
            continue
        if _UNIT_NAME.match(part):
            names.append(part)
    return names


def parse_units(segment: str, default: str | None = RESPONSIBLE) -> dict[str, list[str]]:
    """The units `segment` names, by role: labelled ("牵头单位:A;配合单位:B"), or by the words around them
    ("A牵头，B配合", "由A会同B负责", "A负责"); names without a role word get `default` (None: dropped)."""
    roles: dict[str, list[str]] = {RESPONSIBLE: [], LEADING: [], COOPERATING: []}
    labelled = list(_LABEL.finditer(segment))
    if labelled:
        head = segment[: labelled[0].start()]
        for i, label in enumerate(labelled):
            end = labelled[i + 1].start() if i + 1 < len(labelled) else len(segment)
            roles[_LABEL_ROLE[label.group(1)]] += unit_names(segment[label.end(): end])
        segment = head
    for part in re.split(r"[;；。]", segment):
        _roles_of_part(part, roles, default)
    return {role: list(dict.fromkeys(names)) for role, names in roles.items()}


def _roles_of_part(part: str, roles: dict[str, list[str]], default: str | None) -> None:
    pending: str | None = None  # the role of the names after 会同 / 联合
    joint: list[str] = []  # the names before that word
    led = False
    cursor = 0
    for word in _ROLE_WORD.finditer(part):
        before = part[cursor: word.start()]
        cursor = word.end()
        # The units of a role word are the end of its clause: "…,市民政局负责…" names 市民政局 only.
        clause = re.split(r"[,，:：]", before)[-1] if pending is None else before
        names = unit_names(clause)
        w = word.group(0)
        if w in ("牵头", "牵头负责", "为主"):
            roles[LEADING] += names
            led = led or bool(names)
        elif w in ("会同", "联合"):
            roles[LEADING] += names
            led = led or bool(names)
            pending, joint = COOPERATING, names
            continue
        elif w in ("配合", "协助", "参与"):
            roles[COOPERATING] += names
        elif w in ("按职责分工负责", "分工负责", "共同负责"):
            roles[COOPERATING if led else RESPONSIBLE] += names
        elif pending is not None:  # 由A会同B负责: B cooperates
            roles[pending] += names
        else:
            roles[RESPONSIBLE] += names
        pending = None
    rest = part[cursor:]
    if pending is not None:
        verb = _VERB.search(rest)
        partners = unit_names(rest[: verb.start()] if verb else rest)
        roles[pending] += partners
        if not partners:  # "A、B联合制作": A and B together, none of them leading
            roles[LEADING] = [n for n in roles[LEADING] if n not in joint]
            roles[RESPONSIBLE] += joint
    elif default is not None and cursor == 0:
        roles[default] += unit_names(rest)


# ---- deadlines ------------------------------------------------------------------------------------------------

_N = r"(?:[0-9０-９]+|[〇零一二三四五六七八九十两]+)"
_DAY = rf"(?:{_N}日|[上中下]旬|底|末)"
_POINT = (rf"(?:{_N}年(?:{_N}月{_DAY}?|[上下]半年|底|末|年底)?|{_N}月{_DAY}?|年底|年末|月底|季度末|季末|"
          rf"上半年|下半年)")
_LABELLED = re.compile(r"(?:开展时间|完成时限|完成时间|时间安排|截止时间|实施时间|活动时间|办理时限|时限)[:：]\s*"
                       r"[^。；;)）\n]{1,40}")
_DEADLINES = re.compile("|".join((
    rf"{_N}年?{_N}月(?:{_N}日)?\s*[-—–~～至到－]+\s*(?:{_N}年)?{_N}月(?:{_N}日|底)?",  # 2020年9月15日-10月17日
    rf"{_POINT}(?:前|以前|之前|为止)",  # 2020年6月底前, 10月18日前, 年底前
    rf"(?:到|至|截至){_N}年(?:{_N}月)?(?:底|末)?",  # 到2020年
    rf"{_N}个?(?:工作日|日|天|周|星期|个月|月|年|小时)(?:内|以内|之内)",  # 十五日内, 30个工作日内
    r"每(?:年度|季度|半年|年|季|月|旬|周|日|天)",  # 每季度
    r"年内|定期",
)))


def deadlines_in(text: str) -> list[str]:
    """The deadlines and time frames a text states, in order, each once (a labelled one with its label)."""
    form = to_simplified(fix_variants(text))  # one character for one: the matches are cut from `text`
    spans: list[tuple[int, int]] = [m.span() for m in _LABELLED.finditer(form)]
    for match in _DEADLINES.finditer(form):
        if not any(s <= match.start() and match.end() <= e for s, e in spans):
            spans.append(match.span())
    found = [re.sub(r"\s+", "", text[s:e]).replace(":", "：") for s, e in sorted(spans)]
    return list(dict.fromkeys(found))


# ---- the ledger -----------------------------------------------------------------------------------------------

def _closing_units(text: str) -> tuple[int, str] | None:
    """Where a provision's closing parenthesis of units starts, and what it says; None without one."""
    body = text.rstrip().rstrip("。.")
    if not body or body[-1] not in ")）":
        return None
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        if body[i] in ")）":
            depth += 1
        elif body[i] in "(（":
            depth -= 1
            if depth == 0:
                inner = readable(body[i + 1: -1])
                if _LABEL.search(inner) or re.search(r"负责|牵头|配合", inner):
                    return i, inner
                return None
    return None


def _merge(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(readable(n) for g in groups for n in g))


def provision_entries(document: Document, chunk: Chunk) -> list[LedgerEntry]:
    """The tasks of one chunk of a provision: one entry per sentence that names units or a time frame; when
    no sentence does but the provision names units (or a labelled time), one entry quoting the provision."""
    text = chunk.text
    closing = _closing_units(text)
    body_end = closing[0] if closing else len(text.rstrip())
    if closing:
        own = parse_units(closing[1])
    else:
        own = parse_units(chunk.responsible) if chunk.responsible else {RESPONSIBLE: [], LEADING: [], COOPERATING: []}
    labelled = [d for d in deadlines_in(text) if _LABELLED.match(to_simplified(d.replace("：", ":")))]
    section = chunk.section_label
    spans = [(s, e) for s, e in sentence_spans(text[:body_end]) if text[s:e].strip(" \t\n。.()（）")]
    entries: list[LedgerEntry] = []
    carried: dict[str, list[str]] | None = None  # the units of a clause ending in "；", for the next one
    for s, e in spans:
        sentence = text[s:e]
        units = parse_units(readable(sentence), default=None)
        times = [d for d in deadlines_in(sentence) if d not in labelled]
        if times and not any(units.values()):
            # "各县(市)、各成员单位7月11日前上报…": the units right before the deadline
            subject = re.split(r"[,，:：。；;]", sentence[: sentence.find(times[0])])[-1] if times[0] in sentence else ""
            units[RESPONSIBLE] = unit_names(readable(subject))
            if not units[RESPONSIBLE] and carried:
                units = carried
        if not times and not any(units.values()):
            carried = None
            continue
        carried = units if sentence.rstrip().endswith(("；", ";")) and any(units.values()) else None
        named = bool(units[LEADING] or units[RESPONSIBLE])
        entries.append(_entry(document, chunk, s, e, section,
                              units[RESPONSIBLE] if named else [*units[RESPONSIBLE], *own[RESPONSIBLE]],
                              units[LEADING] if named else [*units[LEADING], *own[LEADING]],
                              [*units[COOPERATING], *([] if named else own[COOPERATING])],
                              times or labelled))
    if not entries and (any(own.values()) or labelled) and spans:
        entries.append(_entry(document, chunk, spans[0][0], spans[-1][1], section, own[RESPONSIBLE], own[LEADING],
                              own[COOPERATING], labelled))
    return entries


def _entry(document: Document, chunk: Chunk, s: int, e: int, section: str, responsible: Sequence[str],
           leading: Sequence[str], cooperating: Sequence[str], deadlines: Sequence[str]) -> LedgerEntry:
    text = chunk.text
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    lead = _merge(leading)
    resp = tuple(n for n in _merge(responsible) if n not in lead)
    coop = tuple(n for n in _merge(cooperating) if n not in lead and n not in resp)
    return LedgerEntry(document.doc_id, document.title, document.number, section, text[s:e], chunk.start + s,
                       chunk.start + e, resp, lead, coop, tuple(deadlines))


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def task_ledger(assistant: Assistant, doc_ids: Sequence[str] = (), unit: str = "") -> list[LedgerEntry]:
    """The ledger of the given documents (all of the library when none), in document and provision order;
    with `unit`, only the tasks that name a unit containing it. An unknown document id is ignored."""
    store = assistant.store
    per_document: dict[str, list[LedgerEntry]] = _cache.setdefault(store, {})
    wanted = [d for d in (doc_ids or store.document_order) if d in store.documents]
    entries: list[LedgerEntry] = []
    for doc_id in wanted:
        if doc_id not in per_document:
            document = store.documents[doc_id]
            found: list[LedgerEntry] = []
            for row in store.chunks.rows_of(store.document_order.index(doc_id)):
                chunk = store.chunks[int(row)]
                if chunk.section[:1] != ("印发信息",):
                    found += provision_entries(document, chunk)
            per_document[doc_id] = found
        entries += per_document[doc_id]
    return [e for e in entries if e.names_unit(unit)] if unit.strip() else entries


def ledger_units(entries: Iterable[LedgerEntry]) -> list[str]:
    """The units the entries name, those named most often first."""
    counts = Counter(u for e in entries for u in e.units)
    return [u for u, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def write_ledger(entries: Sequence[LedgerEntry], fmt: str, folder: str | Path, stem: str = "督办台账") -> Path:
    """Write the ledger as .xlsx or .csv (UTF-8 with a byte-order mark, so spreadsheet programs read the
    Chinese) into `folder`; returns the file's path."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError("fmt must be 'xlsx' or 'csv'")
    path = Path(folder) / f"{stem}.{fmt}"
    rows = [e.row(n) for n, e in enumerate(entries, start=1)]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows([[_cell(v) for v in r] for r in rows])
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "督办台账"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([int(r[0]), *(_cell(v) for v in r[1:])])
    for column, width in zip("ABCDEFGHI", (6, 30, 20, 30, 60, 24, 18, 24, 18)):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _cell(value: str) -> str:
    """A cell's text, never read as a formula by a spreadsheet program (a quote starting with = + - @)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
