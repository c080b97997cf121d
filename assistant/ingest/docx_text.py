"""The text of a Word document in reading order: paragraphs with the numbers Word draws for them (第一条, （一）,
1.), which are not in the paragraph's text, and tables as one line per row where they stand."""

from __future__ import annotations

from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_NO_SPACE_AFTER = ("）", ")", "、", ".", "．", ":", "：", "]", "】")


@dataclass(frozen=True)
class Level:
    """One level of a Word list: its first number, number format and text pattern ("第%1条", "（%1）")."""

    start: int
    fmt: str
    text: str
    suffix: str  # what Word puts after the number: "tab", "space" or "nothing"


def chinese_number(n: int) -> str:
    """一, 十, 十一, 二十, 一百零五 … for 0 < n < 10,000 (the numbers of articles and items)."""
    if not 0 < n < 10_000:
        return str(n)
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero:
                out += "零"
            out += ("" if unit == "十" and digit == 1 and not out else _DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def _letters(n: int) -> str:
    # Word repeats the letter past z: a … z, aa … zz
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, digits in _ROMAN:
        while n >= value:
            out += digits
            n -= value
    return out


def format_number(n: int, fmt: str) -> str:
    """`n` in a Word number format (decimal, chineseCounting, upperLetter, …); "" for bullets and none."""
    if fmt in ("bullet", "none"):
        return ""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital",
               "japaneseCounting", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return chinese_number(n)
    if fmt == "ideographTraditional" and 0 < n <= len(_HEAVENLY):
        return _HEAVENLY[n - 1]
    if fmt == "decimalEnclosedCircle" and 0 < n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        return _letters(n) if fmt == "lowerLetter" else _letters(n).upper()
    if fmt in ("lowerRoman", "upperRoman") and 0 < n < 4000:
        return _roman(n) if fmt == "lowerRoman" else _roman(n).upper()
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _val(element, tag: str, default: str) -> str:
    found = element.find(W + tag) if element is not None else None
    value = found.get(W + "val") if found is not None else None
    return default if value is None else value


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def list_levels(document) -> dict[str, tuple[str, dict[int, Level]]]:
    """Each list (numId) of the document: the counter it shares (its abstract list, or its own when it restarts
    the numbering) and its levels."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):  # a document without lists
        return {}
    abstract: dict[str, dict[int, Level]] = {}
    for definition in numbering.findall(W + "abstractNum"):
        levels = {}
        for lvl in definition.findall(W + "lvl"):
            levels[_int(lvl.get(W + "ilvl", "0"), 0)] = Level(_int(_val(lvl, "start", "1"), 1),
                                                               _val(lvl, "numFmt", "decimal"), _val(lvl, "lvlText", ""),
                                                               _val(lvl, "suff", "tab"))
        abstract[definition.get(W + "abstractNumId", "")] = levels
    lists: dict[str, tuple[str, dict[int, Level]]] = {}
    for num in numbering.findall(W + "num"):
        num_id = num.get(W + "numId", "")
        base = _val(num, "abstractNumId", "")
        levels = dict(abstract.get(base, {}))
        counter = base
        for override in num.findall(W + "lvlOverride"):
            ilvl = _int(override.get(W + "ilvl", "0"), 0)
            start = override.find(W + "startOverride")
            if start is not None and ilvl in levels:
                level = levels[ilvl]
                levels[ilvl] = Level(_int(start.get(W + "val", "1"), 1), level.fmt, level.text, level.suffix)
                counter = "num:" + num_id  # a restarted list counts on its own
        lists[num_id] = (counter, levels)
    return lists


def _numbering_of(paragraph) -> tuple[str, int] | None:
    """The list (numId) and level of a paragraph, set on it or on its style (or a style it is based on)."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    style = paragraph.style if num_pr is None else None
    seen = 0
    while num_pr is None and style is not None and seen < 20:
        style_pr = style.element.pPr
        num_pr = style_pr.numPr if style_pr is not None else None
        style = style.base_style
        seen += 1
    if num_pr is None or num_pr.numId is None:
        return None
    num_id = str(num_pr.numId.val)
    if num_id == "0":  # numbering switched off
        return None
    return num_id, int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0


class _Counters:
    """Word's list counters: one per level of each counted list; a level resets those below it."""

    def __init__(self, lists: dict[str, tuple[str, dict[int, Level]]]) -> None:
        self.lists = lists
        self.values: dict[str, dict[int, int]] = {}

    def label(self, num_id: str, ilvl: int) -> tuple[str, str]:
        """The drawn number of the next paragraph at this level, and what follows it."""
        if num_id not in self.lists:
            return "", ""
        counter, levels = self.lists[num_id]
        level = levels.get(ilvl)
        if level is None:
            return "", ""
        values = self.values.setdefault(counter, {})
        values[ilvl] = values[ilvl] + 1 if ilvl in values else level.start
        for deeper in [k for k in values if k > ilvl]:
            del values[deeper]
        text = level.text
        for k in range(9):
            if f"%{k + 1}" in text:
                shown = levels.get(k)
                number = values.get(k, shown.start if shown else 1)
                text = text.replace(f"%{k + 1}", format_number(number, shown.fmt if shown else "decimal"))
        if level.fmt == "bullet" or not text.strip():
            return "", ""
        after = "" if level.suffix == "nothing" or text.endswith(_NO_SPACE_AFTER) else " "
        return text, after


def docx_lines(document) -> list[str]:
    """The document's lines in reading order (python-docx `Document`): numbered paragraphs with their numbers,
    each table row as its cells' text separated by spaces (a merged cell once)."""
    from docx.table import Table

    counters = _Counters(list_levels(document))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                last = None
                for cell in row.cells:
                    if cell._tc is last:  # a cell merged across columns is listed once per column it spans
                        continue
                    last = cell._tc
                    if cell.text.strip():
                        cells.append(cell.text.strip())
                lines.append(" ".join(cells))
            continue
        text = block.text
        numbering = _numbering_of(block)
        if numbering is not None and text.strip():
            label, after = counters.label(*numbering)
            text = label + after + text.lstrip() if label else text
        lines.append(text)
    return lines
