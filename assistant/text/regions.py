"""Place names: provincial-level regions and how to find a region in a name or a question."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

PROVINCES: tuple[str, ...] = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南",
    "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
# Direct-administered municipalities call their government 市, the rest 省 or 自治区.
MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})

# A local government or its office: 塔城地区扶贫开发领导小组办公室 -> 塔城.
_LOCAL_ISSUER = re.compile(
    r"^(?:中共)?([\u4e00-\u9fff]{2,4}?)(?:省|市|地区|自治州|自治区|盟|州|县)"
    r"(?=[\u4e00-\u9fff]*(?:领导小组|政府|委员会|办公室|办公厅|党委|局|厅|委))")


def provinces_in(text: str) -> list[str]:
    """Provincial-level names in order of first appearance."""
    found = [(text.find(name), name) for name in PROVINCES if name in text]
    return [name for _, name in sorted(found)]


def region_of_issuer(issuer: str) -> str:
    """The place an issuing body belongs to, or ""."""
    for name in PROVINCES:
        if issuer.startswith(name) or issuer.startswith("中共" + name):
            return name
    match = _LOCAL_ISSUER.match(issuer)
    if match and match.group(1) not in {"扶贫", "有关", "各级"}:
        return match.group(1)
    return ""


def dominant_province(text: str) -> str:
    """The provincial-level name mentioned most often in `text`, or ""."""
    counts = {name: text.count(name) for name in PROVINCES}
    best = max(counts, key=lambda name: counts[name])
    return best if counts[best] else ""


# A name marked so in cities.txt is also an everyday word: it counts only when said with 市 (中山市).
_NEEDS_SUFFIX = "*"


@lru_cache(maxsize=1)
def cities() -> dict[str, tuple[str, bool]]:
    """Each prefecture-level place of the bundled list with its province and whether it must be said with 市."""
    text = resources.files("assistant").joinpath("data/cities.txt").read_text(encoding="utf-8")
    table: dict[str, tuple[str, bool]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        province, names = line.split(":", 1)
        for name in names.split():
            table[name.rstrip(_NEEDS_SUFFIX)] = (province.strip(), name.endswith(_NEEDS_SUFFIX))
    return table


# How a place is said as a place: 在深圳, 去郑州, 郑州的, 郑州那边, 郑州户口, at the start of the question.
_AS_PLACE = r"(?:(?<=^)|(?<=[在到去从来，,、]))({name})|({name})(?=市|的|那|这|里|有|对|本地|户口|地区|规定|条例|办法|人)"


def cities_named(text: str) -> list[tuple[str, str]]:
    """Prefecture-level places the text names as places, with their provinces, in order of appearance."""
    return list(_cities_in(text))


@lru_cache(maxsize=4096)
def _cities_in(text: str) -> tuple[tuple[str, str], ...]:
    # Cached: scope resolution and question framing both ask it of the same question.
    found: list[tuple[int, str, str]] = []
    for name, (province, needs_suffix) in cities().items():
        if name not in text:
            continue
        pattern = f"{re.escape(name)}(?=市)" if needs_suffix else _AS_PLACE.format(name=re.escape(name))
        match = re.search(pattern, text)
        if match:
            found.append((match.start(), name, province))
    return tuple((name, province) for _, name, province in sorted(found))
