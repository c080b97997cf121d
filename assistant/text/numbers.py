"""Numbers as Chinese documents write them: numerals, years, dates and document numbers (文号)."""

from __future__ import annotations

import re

# The characters of a Chinese numeral as headings and items use them (第十二条, （三）, 二十、).
CN_NUMERALS = "一二三四五六七八九十百零〇"
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_DIGITS = "零一二三四五六七八九十"

# A document number such as 国办发〔2019〕12号 (brackets as scraped pages write them).
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[(]\d{4}[〕\])]\d{1,4}号")
# A year named in a question: 2020年, or 20年 for short, but not the year of a full date's month.
YEAR_MENTION = re.compile(r"(?<!\d)((?:19|20)\d{2}|\d{2})\s*年(?!\d{1,2}月\d)")
# Four-digit years anywhere in a text.
YEAR_DIGITS = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
DATE_CN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# An article's number at the start of a regulation's provision: 第十二条, 第三条之一.
ARTICLE = re.compile(rf"^第[{CN_NUMERALS}\d]+条(?:之[{CN_NUMERALS}]+)?")
# The start of an enumerated item on its own line: （三）, 三、 or 3.
ITEM_LINE = re.compile(
    r"^[ \t\u3000]*(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、](?!\d))", re.M)
# A value stated as a figure: any digit, or a Chinese numeral with what it counts or measures
# (两倍, 百分之八十, 三十分钟, 一至两名, 五个工作日, 过半数, 二级以上).
FIGURE = re.compile(r"\d|百分之|过半数|半数以上"
                    r"|[一二三四五六七八九十两百千万]+(?:分之|倍|成|个|项|类|次|人|名|户|元|米|日|天|年|月|岁|周岁"
                    r"|学时|课时|节|平方米|公里|亩|小时|分钟|周|种|处|所|家|件|张|份|吨|立方米|毫升|升|克|千克|公斤|级"
                    r"|只|头|辆|台|棵|套|间|层)")


def chinese_number(text: str) -> float | None:
    """三十五 -> 35, 两千三百 -> 2300, 1.5 stays None (only Chinese numerals are read here)."""
    if "点" in text:
        whole, _, frac = text.partition("点")
        value = chinese_number(whole) if whole else 0.0
        digits = "".join(str(_CN_DIGIT.get(c, "")) for c in frac)
        return None if value is None or not digits else float(f"{int(value)}.{digits}")
    total, section, number = 0.0, 0.0, 0.0
    seen = False
    for char in text:
        if char in _CN_DIGIT:
            number = _CN_DIGIT[char]
            seen = True
        elif char in _CN_UNIT:
            section += (number or 1) * _CN_UNIT[char]
            number = 0
            seen = True
        elif char in ("万", "亿"):
            scale = 1e4 if char == "万" else 1e8
            total = (total + section + number) * scale
            section = number = 0
            seen = True
    return total + section + number if seen else None


def small_number(text: str) -> int | None:
    """A whole number written in digits or Chinese numerals (十二 -> 12, 7 -> 7), else None."""
    if text.isdigit():
        return int(text)
    value = chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def cn_numeral(value: int) -> str:
    """12 -> 十二, 20 -> 二十, for 0..99 as headings and items write them."""
    if value <= 10:
        return _CN_DIGITS[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# A number as a text states it, with what it counts (15日, 十五日, 2.5万元); ordinals (第十五条) count nothing.
_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿"
_STATED_NUMBER = re.compile(rf"(?<![第.\d{_NUMERAL_CHARS}])(\d+(?:\.\d+)?(?:万|亿)?|[{_NUMERAL_CHARS}]+)([^\d{_NUMERAL_CHARS}]?)")


def stated_values(text: str) -> frozenset[tuple[float, str]]:
    """The numbers a text states, each with the character after it, by value whether written in digits or
    numerals (十五日 and 15日 alike; 一次 and 一小时 apart)."""
    values = set()
    for match in _STATED_NUMBER.finditer(text):
        token, unit = match.groups()
        if token[0].isdigit():
            scale = 1e4 if token.endswith("万") else 1e8 if token.endswith("亿") else 1.0
            values.add((float(token.rstrip("万亿")) * scale, unit))
        elif (value := chinese_number(token)) is not None:
            values.add((value, unit))
    return frozenset(values)
