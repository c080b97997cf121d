"""Turn a scraped page into display text: site chrome, trailers and pinyin annotations removed."""

from __future__ import annotations

import re

from assistant.text.normalize import readable, remove_pinyin

# Lines that are site chrome wherever they appear. Patterns run on the simplified form of a line.
_CHROME_LINE = re.compile(
    r"^(?:"
    r".*(?:\|.*){2,}"                                  # portal navigation: a | b | c
    r"|您当前的位置.*|当前位置[:：].*"                   # breadcrumbs
    r"|\[\s*[\u4e00-\u9fff ]{2,8}\s*\].*"             # [ 索引号 ] metadata block rows
    r"|索\s*引\s*号.*"                                  # metadata rows without brackets
    r"|(?:.*(?:发文日期|公开日期|发布日期|成文日期|发布机构|有效性|主题分类|体裁分类|发文字号)){2,}.*"
    r"|扫一扫.*|微信|微博|qq空间|分享到.*|打印(?:本页)?|返回顶部|回到顶部|【?关闭窗口】?|[x×]|用户登录|登录|注册"
    r"|.*版权(?:所有|声明|及免责声明).*|.*copyright.*|.*©.*"
    r"|我要回帖|更多关于.*的文章|随机推荐|上一篇.*|下一篇.*|相关推荐"
    r"|时间[:：]\s*\d{4}-\d{1,2}-\d{1,2}\s*点击[:：]?\s*\d*"   # "时间:… 点击:" counters
    r"|联系人[:：].*|联系电话[:：].*|(?:报送)?邮箱[:：].*|电子邮箱[:：].*"  # personal contact details
    r")$",
    re.IGNORECASE,
)
# A heading after which a site lists unrelated stories until the page ends.
_TRAILER_START = re.compile(r"^(?:延伸阅读|相关阅读|相关新闻|相关文章|热点推荐|猜你喜欢)[:：]?$")


def is_chrome_line(line: str) -> bool:
    """True when a stripped line is site chrome rather than document text."""
    simple = readable(line).strip()
    if not simple:
        return True
    return bool(_CHROME_LINE.match(simple))


_SEPARATOR_LINE = re.compile(r".*(?:版权(?:所有|声明|及免责声明)|copyright|©).*", re.IGNORECASE)


def clean_blocks(raw: str) -> list[list[str]]:
    """The page's kept lines, in blocks: a copyright notice inside a page separates two stories."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        stripped = remove_pinyin(line).replace("\xa0", " ").replace("\u3000", " ").strip()
        if not stripped:
            continue
        simple = readable(stripped)
        if _TRAILER_START.match(simple):
            break
        if is_chrome_line(stripped):
            if blocks[-1] and _SEPARATOR_LINE.match(simple):
                blocks.append([])
            continue
        blocks[-1].append(re.sub(r"[ \t]{2,}", " ", stripped))
    return [block for block in blocks if block]


def clean_lines(raw: str) -> list[str]:
    """The document's lines with chrome and trailers removed, pinyin stripped, white space trimmed."""
    return [line for block in clean_blocks(raw) for line in block]


def clean(raw: str) -> str:
    """Display text: one kept line per line, in the document's own script."""
    return "\n".join(clean_lines(raw))
