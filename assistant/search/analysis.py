"""Reading a question once: its years, regions, intent, topic terms, asked slot and parts (one frame)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.records import Filters, Intent
from assistant.search.scope import (
    AMENDMENT_SIDE,
    KINDS,
    CatalogEntry,
    DocumentScope,
    resolve_scope,
    title_place,
)
from assistant.text.lexicon import alternatives, expansions
from assistant.text.normalize import normalize, readable
from assistant.text.numbers import FIGURE, YEAR_MENTION, small_number
from assistant.text.regions import PROVINCES, cities_named

INTENT_WHO = re.compile(r"谁|哪个部门|哪些部门|哪个单位|哪些单位|什么单位|什么部门|牵头|负责单位|责任单位|由谁"
                        r"|发布机构|印发机关|发文机关")
INTENT_WHEN = re.compile(r"什么时候|何时|哪天|哪一天|几月|日期|时间|截止|期限|多久|哪年|什么时间")
_INTENT_NUMBER = re.compile(r"多少|几个|几项|几类|几|数量|比例|百分之|规模|金额|多大|目标")
# "多少人", "几项": the unit an answer must carry.
_ASKED_UNIT = re.compile(
    r"多少(万|亿)?(人次|人|个|亩|公里|万元|元|家|户|项|所|次|名|期|批|条|座|度|节|课时|学时|平方米|立方米|厘米|毫米|千米|米|吨"
    r"|只|头|辆|台|棵|套|间|层|张|份|件|册|本(?![市省区县级单位条办规人]))"
    r"|几(个|项|类|家|批|条|次|名|大|所|人|位|种|节|处|只|头|辆|台|棵|套|间|层|张|份|件|册|本(?![市省区县级单位条办规人]))")
# Units a question may use for what the text counts with another word: 多少名 ~ 4000人.
# 个 is the general classifier: 几个代理人 is answered by 两名.
_UNIT_SYNONYMS = {"名": "名|人|位", "人": "人|名|位", "位": "位|名|人", "人次": "人次|人", "度": "度|°|摄氏度",
                  "个": "个|家|所|座|处|项|名|人|位|种|件|类", "节": "节|课时|学时", "课时": "课时|学时|节",
                  "学时": "学时|课时|节",
                  "所": "所|个", "家": "家|个"}
_FIRST_ITEM = re.compile(r"首先|第一(?:个|条|项|是)?(?:是|为)?什么|第一步")
_BOTH_PARTS = re.compile(r"分别|各自|各是|各有|各要|各实现|各多少|各为|各设")
ASKS_LIST = re.compile(r"哪些|哪几|哪[两三四五六七八九十]|包括什么|包含什么|有什么(?:要求|情形|条件|措施|内容|规定|义务|职责)"
                       r"|分几类|分为几|几种|什么情形|什么情况|何种情形|何种情况|什么条件|哪类|列举|(?:怎么|如何|怎样)(?:划)?分|从哪(?:儿|里)?来|来源有")
_ASK_PHRASE = re.compile(r"(?:的)?(?:是|叫|有|为|要|达到)?(?:什么|哪些|哪个|多少|几|谁|何时|怎样|如何)")
ORDINAL_ITEM = re.compile(r"第([一二三四五六七八九十]{1,3}|\d{1,2})(?:项|条|个|点|类|方面|部分|是)")
# A question about what a term means or covers, which a 本条例所称X，是指… sentence answers.
ASKS_DEFINITION = re.compile(r"是指|指的是|指什么|指哪些|什么是|是什么意思|怎么界定|如何界定|界定|定义|含义|所称|算不算|属不属于"
                             r"|是否属于|包括哪些|包括什么|包含哪些|包不包括|包括不包括|包括谁|包括哪些人")
_ASKS_MEANING = re.compile(r"是指|指的是|指什么|什么是|是什么意思|界定|定义|含义|所称")
# 分哪几类 / 有几种: answered by a sentence that names the kinds.
ASKS_KINDS_OF = re.compile(r"分(?:为|成)?(?:哪|几)|哪几类|几类|几种|哪几种|哪些类")
# Words of a question about a document's adoption and versions, which its adoption record may answer.
ASKS_ADOPTION = re.compile(r"通过|批准|修正|修订|修改|公布|颁布|施行|版本|哪一版|哪版|哪次")
_ASKS_DOC_NUMBER = re.compile(r"文号|发文字号|发文号")
_ASKS_DOC_DATE = re.compile(
    r"(?:哪天|哪一天|什么时候|何时|哪年|几号|日期|时间)(?:开始|起)?(?:施行|实施|生效)|(?:施行|生效)(?:日期|时间)"
    r"|(?:哪天|哪一天|什么时候|何时|哪年)(?:修正|修订|修改|通过)|(?:修正|修订|修改|通过)(?:的)?(?:日期|时间)"
    r"|最近一次.{0,6}(?:修正|修订|修改)"
    r"|(?:印发|成文|发布|落款|出台|发文)(?:的)?(?:日期|时间)|(?:哪天|哪一天|什么时候|何时|哪年)(?:印发|发布|出台|成文|发文)"
    r"|(?:印发|发布|出台|成文)(?:于|在)?(?:哪天|哪一天|什么时候|何时)|落款")
_ASKS_DOC_VERSION = re.compile(r"哪一版|哪个版本|哪版|有效的是|现在有效|(?:现行|最新)的?(?:版本?)?是(?:哪|什么)")
_ASKS_DOC_ISSUER = re.compile(r"(?:哪个|哪些|什么|哪家)(?:单位|部门|机关|机构)(?:印发|发布|出台|制定|发文)"
                              r"|(?:谁|哪里)(?:印发|发布|出台|制定)"
                              # 发文单位是谁, but not 要求制定机关做什么 (a text about the bodies that make rules).
                              r"|(?:印发|发文|发布|制定)(?:单位|机关|机构|部门)(?:是|为)?(?:谁|哪|什么|[？?]|$)")
# Words of a question about a document itself, which say nothing of its topic.
METADATA_WORDS = ("文号", "发文字号", "印发", "成文", "发布", "落款", "日期", "出台", "发文", "单位", "部门", "机关",
                  "机构", "通知", "文件", "哪天", "时间", "施行", "实施", "生效", "开始", "哪一天", "什么时候", "修正",
                  "修订", "修改", "最近", "一次", "现在", "有效", "哪一版", "版本", "现行", "最新")


@dataclass(frozen=True)
class QueryFacts:
    """What a question says beyond its words: years, regions, intent."""

    years: tuple[int, ...]
    regions: tuple[str, ...]
    intent: Intent


def find_years(text: str) -> tuple[int, ...]:
    """Years named in the text, as four digits (20年 -> 2020), in order, without repeats; not the year of an
    amendment that names a version (2019年修改前)."""
    years: list[int] = []
    simple = readable(text)
    for match in YEAR_MENTION.finditer(simple):
        if AMENDMENT_SIDE.match(simple, match.end()):
            continue
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


# 好几个, 十几年, 几百米, 几乎: say "several", "almost" and ask for no figure.
_SAYS_SEVERAL = re.compile(r"好几|十几|几十|几百|几千|几万|几乎|几经")


def asking_form(text: str) -> str:
    """The text with the words that say "several" (好几, 十几, 几乎) put as 数, so that 几 there asks nothing."""
    return _SAYS_SEVERAL.sub("数", text)


def intent_of(text: str) -> Intent:
    """who, when, number or what."""
    simple = asking_form(readable(text))
    if INTENT_WHO.search(simple):
        return Intent.WHO
    if INTENT_WHEN.search(simple):
        return Intent.WHEN
    if _INTENT_NUMBER.search(simple):
        return Intent.NUMBER
    return Intent.WHAT


def analyse(text: str, known_regions: Iterable[str] = ()) -> QueryFacts:
    """Years, regions and intent of a question."""
    return QueryFacts(find_years(text), find_regions(text, known_regions), intent_of(text))


def strip_filters(text: str, years: Sequence[int], regions: Sequence[str]) -> str:
    """The question without the years and places that are applied as filters."""
    simple = readable(text)
    if years:
        simple = YEAR_MENTION.sub("", simple)
    for region in regions:
        simple = simple.replace(region + "省", "").replace(region + "市", "").replace(region, "")
    return simple.strip()


def naming_spans(question: str, titles: str) -> list[tuple[int, int]]:
    """Where the question names a document: each kind word (条例, 办法…) with the run of title characters before it
    (温州条例 and 东营养犬条例 of 温州条例说的民间融资…, 东营养犬条例里…); `titles` holds the named documents' titles."""
    # Words that join names (上海和广州的慈善条例, 国务院那个康复条例) belong to the naming too.
    chars = set(titles) | set("的和与及、那这个部份")
    spans = []
    for kind in KINDS:
        for match in re.finditer(kind, question):
            start = match.start()
            while start > 0 and question[start - 1] in chars:
                start -= 1
            spans.append((start, match.end()))
    return spans


def said_outside(term: str, question: str, spans: Sequence[tuple[int, int]]) -> bool:
    """The question says `term` somewhere outside the spans that name its document: then it is a topic word
    (客运出租汽车 in 郑州条例里客运出租汽车怎么定义的), although the title has it too."""
    return any(not any(s <= m.start() and m.end() <= e for s, e in spans)
               for m in re.finditer(re.escape(term), question))


def metadata_kind(question: str) -> str:
    """number, date or issuer when the question asks about a document itself (文号, 印发日期, 发文单位), else ""."""
    simple = normalize(question)
    if _ASKS_DOC_NUMBER.search(simple):
        return "number"
    if _ASKS_DOC_VERSION.search(simple):
        return "version"
    if _ASKS_DOC_DATE.search(simple):
        return "date"
    if _ASKS_DOC_ISSUER.search(simple):
        return "issuer"
    return ""


def question_terms(terms: Sequence[str], years: tuple[int, ...], regions: tuple[str, ...],
                   question: str = "") -> list[str]:
    """Topic terms of a question: filter words (years, places, 修改后 naming a version) and bare numbers left out."""
    drop = {str(y) for y in years} | {str(y)[2:] for y in years} | set(regions) | set(PROVINCES) | {"年"}
    asked = normalize(question)
    for pattern in _NOT_TOPIC:
        drop |= {m.group(1) for m in pattern.finditer(asked)}
    # 能不能 / 要不要 ask yes or no: the 不能 / 不要 cut from them is not a topic word (unless said apart from them).
    for match in _X_NOT_X.finditer(asked):
        said, negated = match.group(0), match.group(0)[1:]
        if asked.count(negated) == asked.count(said):
            drop.update({negated, negated + match.group(2)} if match.group(2) else {negated})
    out: list[str] = []
    called = bool(_CALLED.search(asked))
    for term in terms:
        # A bare number is no topic word, except a number to call (999急救电话, 12345热线).
        if term.isdigit() and not (called and _HOTLINE.fullmatch(term)):
            continue
        if term in drop or term in out or ORDINAL_ITEM.fullmatch(term) or _QUESTION_WORD.fullmatch(term) \
                or _VERSION_WORD.fullmatch(term) or _FILLER.fullmatch(term) or _COMPARES.fullmatch(term):
            continue
        out.append(term)
    return out


_HOTLINE = re.compile(r"(?!(?:19|20)\d{2}$)\d{3,6}")
_CALLED = re.compile(r"电话|热线|号码|拨打|呼叫")
_WHICH_BODY = re.compile(r"(?:哪个|哪些|什么|哪一个|哪家|哪一级|哪级)(机关|单位|机构|组织)")
_JUDGED = re.compile(r"(合规|合法|违法|违规|正常|合理|允许)(?:吗|不|么|没有|呢)")
_HOW_RULED = re.compile(r"(?:怎么|如何|怎样|咋)(限制|规定|要求|管理|安排|处理|约束|规范)")
_X_NOT_X = re.compile(r"([\u4e00-\u9fff])不\1(以)?")
# 修改后 / 修订前: which version is meant, not what is asked about.
_REVISED = re.compile(r"(修改|修订|修正)(?:后|前|以后|以前|之后|之前)")
# Words of a question that say what kind of thing is asked, not what about: a version (修改后), the kind of body
# asked for (哪个机关批准, 什么单位负责; 部门 stays: the answer says it), whether something is allowed (这合规吗,
# 违法吗: the rule says it in its own words), the act every rule does (是怎么限制的, 如何规定).
_NOT_TOPIC = (_REVISED, _WHICH_BODY, _JUDGED, _HOW_RULED)
# Phrases that ask what a term means: blanked before the question is cut into topic words (疫木指的是什么).
ASKS_MEANING_PHRASE = re.compile(r"指的是|是指|具体指|指什么|是什么意思|什么意思|的含义|含义是|怎么界定|如何界定|怎样界定|的定义"
                                 r"|定义是|(?:是)?(?:怎么|如何|怎样)(?:下)?定义的?|指哪些|都?包括谁|包括哪些人")
# Words that ask rather than say what about: never topic words an answer must contain.
_QUESTION_WORD = re.compile(r"多长时间|多久|多少[\u4e00-\u9fff]?|多大|几[\u4e00-\u9fff]?|什么|哪些|哪个|怎么|怎么办|怎样"
                            r"|如何|是否|有没有|要不要"
                            r"|能不能|可不可以|哪里|哪儿|去哪|多少钱|为什么|啥|是不是|那个|这个|那份|这份|那部|是从|从什么")
# Words of everyday speech that carry no topic: 我们, 那种, 有些, 就是, 做过 (通过, 超过, 经过 do), 一下, 行吗,
# 会罚 (the question asks what follows a breach: that is its ask, not its topic), 按规定 (不按规定做的话: the rule
# meant is the one the conversation is about).
_FILLER = re.compile(r"[我你咱俺这那][\u4e00-\u9fff]|有[个些点种位次条项件]|[\u4e00-\u9fff][是着了]"
                     r"|[^通超经越不度错略]过|别的|一回|一趟|一下|一次|行吗|好吗|可以吗|对吗|[会要该能]罚|按(?:照)?规定")
# Words that say which version is meant: scope, not topic.
_VERSION_WORD = re.compile(r"年?版本?|新版|旧版|老版|现行|最新|新旧|两版|原来|以前|(?:修订|修改|修正)[前后]|前后")
_SPECIFICS = re.compile(r"具体|标准|流程|程序|细则|怎么算|如何计算|多少|几[个项天年月次]|费率|金额|额度")
_COMPARES = re.compile(r"不同|不一样|区别|差别|差异|一样|相同|变化|变了|改了|有何变|共同点|比较|对比|相比|高吗|低吗|多吗|少吗")
_NUMERAL = r"[\d.一二三四五六七八九十两百千万零〇]+"
# A length of time, not a calendar date: 2000年 and the 22日 of 9月22日 are not durations.
_SPAN = r"(?<![\d月年])(?:\d{1,3}(?:\.\d+)?|[一二三四五六七八九十两百千万零〇半]+)(?!\d)"
# A sum of money, a share or a multiple: what 多少钱, 罚多少, 补贴多少 ask for.
AMOUNT = re.compile(_NUMERAL + r"\s*(?:万|亿)?元|百分之|%|倍")
# Kinds of answer a question may ask for beyond a count in a unit, and what states one.
# A length of time in any unit (十五日, 三个月, 每年, 当场).
DURATION = re.compile(_SPAN + r"\s*(?:个)?(?:工作日|日|天|月|年|小时|分钟|周)|每(?:半)?(?:年|月|季度|周|半月|日|天)|即时|当场"
                      r"|及时|立即|同步")
_ASKED_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    # 举报电话是多少: a number to dial is digits (12345), not any figure the sentence states.
    (re.compile(r"(?:电话|热线|号码|手机号)[^，。？?]{0,4}?(?:是|为)?(?:多少|什么|啥|几号)"), re.compile(r"\d{3,}")),
    (re.compile(r"多少钱|多少(?![^，。？?]{0,2}免费)[^，。？?]{0,2}费|费用?(?:是|为|要|需要)?多少|罚多少|罚款多少|补贴多少|多少补贴|奖励多少"
                r"|多少资金|多少经费|(?:交|缴|赔|给)多少(?![天日月年个人名次项小时周])"
                r"|罚款的?(?:额度|标准|金额|数额|幅度)"
                # 售价是多少, 注册资本最低要多少: a price or a capital is a sum of money.
                r"|(?:价|价格|价钱|售价|票价|单价|工资|薪酬|注册资本|注册资金)[^，。？?]{0,4}?(?:是|为|要|需要)?多少(?:钱|元)?"
                r"(?![\u4e00-\u9fff])"),
     AMOUNT),
    # A duration asked in a unit is answered in that unit (几小时 by 小时, not by 每年).
    (re.compile(r"几(?:个)?小时|多少(?:个)?小时"), re.compile(_NUMERAL + r"\s*(?:个)?(?:小时|分钟)")),
    (re.compile(r"几个月|多少个月"), re.compile(_SPAN + r"\s*(?:个)?月|半年|" + _SPAN + r"\s*(?:日|天)")),
    (re.compile(r"几年|多少年"), re.compile(_SPAN + r"\s*(?:个)?(?:年|周年)|终身|长期")),
    (re.compile(r"几天|多少天|多少日|几日|几个工作日|多少个工作日"),
     re.compile(_SPAN + r"\s*(?:个)?(?:工作日|日|天|小时)|当日|当天|即时|当场|立即")),
    # 牵引绳不能超过多长: a length, not a time.
    (re.compile(r"(?:长度|绳|链|线|距离|管道|管线|道路|路段|围栏|栏杆)[^，。？?]{0,8}"
                r"(?:多长(?!时间)|最长[^，。？?]{0,6}多少(?![天日月年个小时周分]))"),
     re.compile(_NUMERAL + r"\s*(?:米|公里|千米|厘米|毫米)")),
    (re.compile(r"多长时间|多久|时限|期限|期多长|多长(?!的?(?:距离|路|米|公里))"), DURATION),
    (re.compile(r"(?:多大|多少|什么)比例|比例[^，。？?]{0,6}多少|百分之几|几成|占比"),
     re.compile(r"百分之|%|％|" + _NUMERAL + r"\s*(?:成|倍|分之)")),
    (re.compile(r"多大(?:年龄|岁数)|几岁|多少岁|年满多少"), re.compile(_NUMERAL + r"\s*周?岁")),
    # 保护范围是多大: the extent of a zone is a distance or an area.
    (re.compile(r"多宽|多长的?(?:距离|路)|多高|多深|多远|多大面积|多少平方|范围[^，。？?]{0,4}多大|多大的?范围"),
     re.compile(_NUMERAL + r"\s*(?:米|公里|千米|厘米|毫米|平方米|亩)")),
    # 按什么标准收费: a standard is a figure (or a provision that leaves it to others, said as such).
    (re.compile(r"按(?:什么|何种|哪种|啥)标准"), FIGURE),
    (re.compile(r"哪天|哪一天|几月几[日号]|几月份?(?!内)|什么日期|几号"),
     re.compile(r"\d{4}年|\d{1,2}月|[一二三四五六七八九十〇零]{4}年|[一二三四五六七八九十]{1,2}月|年底|月底|季度|每年|每月|当日|当天")),
)


# 哪些人不计入 / 哪些情形不适用: a list question about what is left out.
ASKED_EXCLUSION = re.compile(r"不(?:计入|属于|包括|适用|纳入|列入|享受|予)")


# 行吗 / 能不能 / 可以吗: whether something is allowed, which the rule says (the penalty for breaking it follows it).
ASKS_PERMISSION = re.compile(r"行吗|行不行|能不能|可以吗|可不可以|能否|允许吗|准不准|让不让|是否可以|能吗")
# An A-not-A ask inside a question (草坪上能不能烧烤): a break between topic words, not one of them (上能, 不能).
MODAL_ASK = re.compile(r"能不能|能否|可不可以|可以不可以|行不行|准不准|让不让|要不要|会不会|是不是|有没有")


# A question about what follows a breach: the penalty, the consequence, the handling.
ASKS_CONSEQUENCE = re.compile(r"罚|处分|法律责任|承担什么责任|后果|(?:怎么|如何|怎样)处理|会怎样|会怎么样|怎么办|吊销|没收")


# 怎么罚 / 如何处罚: answered by a sentence that states a penalty, not by the duty it punishes.
_ASKS_PENALTY = re.compile(r"(?:怎么|怎样|如何|咋|会被|要被|会不会被?|能不能|可以|能)(?:处)?罚|罚不罚|受到什么处罚|什么处罚")
PENALTY = re.compile(r"罚款|罚金|处[^，。；]{0,20}?元|警告|吊销|没收|拘留|处分|责令(?:停业|停产|关闭)")


# 多少 / 几 ask for a figure; 哪几 and 几乎 do not.
_ASKS_FIGURE = re.compile(r"多少|(?<!哪)几(?!乎)")


def _states_time(kind: re.Pattern[str]) -> bool:
    """The kind of value is a length of time in some unit (几小时, 几个月, 几年, 几天)."""
    return kind is DURATION or any(kind.search(f"三{unit}") for unit in ("小时", "个月", "年", "日"))


def required_answer(question: str, any_unit: bool = False) -> re.Pattern[str] | None:
    """What an answer sentence must contain: 多少人 needs a count of people, 几项 a count of items, 多少钱 an
    amount, 多长时间 a duration, 多大年龄 an age, 比例 a ratio. With `any_unit` (临时的呢？ after …最长几年？, a
    follow-up that asks the same of something else) a duration in any unit, and a count of anything."""
    simple = asking_form(normalize(question))
    match = _ASKED_UNIT.search(simple)
    if match and any_unit:
        return FIGURE
    if not match:
        kind = next((states for asks, states in _ASKED_KINDS if asks.search(simple)), None)
        if any_unit and kind is not None and _states_time(kind):
            kind = DURATION
        if kind is None and _ASKS_FIGURE.search(simple):
            return FIGURE
        if kind is None and _ASKS_PENALTY.search(simple):
            return PENALTY
        return kind
    unit = match.group(2) or match.group(3)
    units = _UNIT_SYNONYMS.get(unit, re.escape(unit))
    # 多少人出席 is answered by a share of the members as well: 过半数, 三分之二以上.
    share = r"|过半数|半数以上|[一二三四五六七八九十]分之[一二三四五六七八九十]" if unit in ("人", "名", "位") else ""
    if match.group(3):
        return re.compile(r"[\d.一二三四五六七八九十两百千]+(?:" + units + ")" + share)
    # 十二个学时 answers 多少学时: 个 may stand between a numeral and what it counts.
    return re.compile(_NUMERAL + r"\s*(?:万|亿)?(?:个)?(?:" + units + ")" + share)


def ordinal_target(question: str) -> int | None:
    """The item a question asks for by its place: 第三项内容 -> 3 (not 第几)."""
    match = ORDINAL_ITEM.search(normalize(question))
    return small_number(match.group(1)) if match else None


# 个 counts things of any kind, so the thing must be said; 几种形式 or 几位医生 say the kind in the classifier.
_COUNTED = re.compile(r"(?:多少|(?<!哪)几)个([\u4e00-\u9fff]{2,6})")


def counted_term(question: str, terms: Sequence[str]) -> str:
    """The topic word a figure asked for counts: 每个班最多收多少个孩子 -> 孩子; "" when the question says none."""
    match = _COUNTED.search(normalize(question))
    return next((t for t in terms if match.group(1).startswith(t)), "") if match else ""


_WHO_DOES = re.compile(r"(?:由谁|谁来|谁)(?!来)([\u4e00-\u9fff]{2})")


_CONTAINS = re.compile(r"包括|包含|涵盖|含有")


def focus_term(question: str, terms: Sequence[str]) -> str:
    """The word just before the question phrase: in 专项行动叫什么 the thing asked about is 专项行动; in
    由谁批准 the act asked about, 批准."""
    simple = normalize(question)
    does = _WHO_DOES.search(simple)
    if does and does.group(1) in terms:
        return does.group(1)
    match = _ASK_PHRASE.search(simple)
    if not match:
        return ""
    before = simple[: match.start()]
    # 民间融资包括哪些方式: 包括 asks for the contents of 民间融资, it is not what they are about.
    placed = [(before.rfind(t) + len(t), t) for t in terms if t in before and not _CONTAINS.fullmatch(t)]
    return max(placed)[1] if placed else ""


@dataclass(frozen=True)
class Part:
    """One part of a question answered on its own: a label for the answer ("2019年", "山东") and its filters."""

    label: str
    filters: Filters


@dataclass(frozen=True)
class QuestionFrame:
    """Everything the later stages need to know about a question, worked out once."""

    asked: str  # as the user typed it (trimmed, cut to the limit)
    full: str  # the standalone question, follow-ups resolved
    years: tuple[int, ...]
    regions: tuple[str, ...]
    intent: Intent
    terms: tuple[str, ...]  # topic words the answer must speak to
    search_text: str  # what retrieval searches for (places, which are filters, left out)
    parts: tuple[Part, ...]
    metadata_kind: str  # number / date / issuer for questions about a document itself, else ""
    ordinal: bool  # asks for a place in a list (第几)
    item: int | None  # asks for the n-th item (第三项)
    first_item: bool  # asks what comes first (首先, 第一步)
    focus: str  # the word the question phrase is about
    both_parts: bool  # asks for two things at once (分别, 各, or two figures joined by 和)
    required: re.Pattern[str] | None  # what an answer sentence must state (a count in the asked unit)
    asks_list: bool = False  # asks for the items of a list (哪些情形, 包括哪几项, 分几类)
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)  # words that stand for a topic term
    compares: bool = False  # asks whether parts differ (有什么不同, 一样吗, 变化)
    asks_specifics: bool = False  # asks for specifics (具体, 标准, 流程, 多少) that a provision may leave to others
    asks_definition: bool = False  # asks what a term means or covers (是指, 怎么界定, 包括哪些, 算不算)
    asks_kinds: bool = False  # asks what kinds something is divided into (分哪几类, 有几种)
    asks_adoption: bool = False  # asks about the document's adoption or versions (批准, 修订, 施行)
    asks_consequence: bool = False  # asks what follows a breach (罚多少, 怎么处理): penalty articles name the duty's
    counted: str = ""  # what a figure asked for counts (多少个孩子 -> 孩子), which the answering provision must name
    echo: str = ""  # a follow-up's own words (那农村地区呢 -> 农村地区): the slot it puts in the earlier question
    outside: str = ""  # a city the question names that no document of the library covers (深圳), answered from
    # its province's and national texts
    uncovered: str = ""  # that city whether or not it widened the scope (济宁市…条例, a title the library lacks)
    excluded: str = ""  # what a question asks to be left out (不计入 in 哪些人不计入家庭成员)
    asks_permission: bool = False  # asks whether something is allowed (行吗, 能不能), not what follows a breach
    said: str = ""  # what the conversation's previous answer said (normalized): a follow-up asks something else
    asked_before: str = ""  # the conversation's previous question (normalized), read with `said`
    subject: str = ""  # the thing one part of "A和B分别…" asks about (B), which the other part's answer may not name
    quoted: str = ""  # what the message's earlier part quoted (normalized): a sentence wholly in it is not quoted again
    stays: bool = False  # a later question of a message, naming nothing of its own: not widened to the whole library


def frame_question(asked: str, full: str, topic_words: Sequence[str], known_regions: Iterable[str] = (), *,
                   doc_ids: Sequence[str] = (), years: Sequence[int] = (), regions: Sequence[str] = (),
                   catalog: Sequence[CatalogEntry] = (), echo: str = "",
                   places: Mapping[str, tuple[str, ...]] | None = None) -> QuestionFrame:
    """The frame of a standalone question; `years`, `regions` and `doc_ids` are filters the caller fixed, and
    `catalog` the indexed documents a question may name."""
    facts = analyse(full, known_regions)
    terms = tuple(question_terms(topic_words, facts.years, facts.regions, full))
    outside = uncovered_city(full, catalog) if catalog else None
    uncovered = outside[0] if outside else ""
    scope = resolve_scope(full, catalog, facts.regions) if catalog and not doc_ids else DocumentScope()
    if scope:
        # The words that name the document say nothing of what is asked about it.
        simple = normalize(full)
        chosen = set(scope.doc_ids)
        named = {e.doc_id: e for e in catalog if e.doc_id in chosen}  # one pass over a library's catalog
        issuers = "".join(e.issuer for e in named.values())
        spans = naming_spans(simple, "".join(normalize(e.title) for e in named.values()))
        topic = tuple(t for t in terms if (t not in scope.title_words and t not in issuers
                                           and not any(t in k for k in KINDS))
                      or (said_outside(t, simple, spans) if spans else simple.count(t) > 1))
        named_regions = {e.region for e in named.values()}
        if len(facts.regions) > 1 and not scope.documents and not set(facts.regions) <= named_regions:
            # 上海和广州的慈善条例: the name says the kind of document, the regions say which ones.
            scope = DocumentScope()
        else:
            terms = topic or terms
            doc_ids = scope.doc_ids
        if scope.versions:
            return _framed(asked, full, facts, terms, tuple(
                Part(_version_label(named, ids), Filters(doc_ids=ids, years=tuple(years), regions=tuple(regions)))
                for ids in scope.versions), echo, uncovered=uncovered)
        if scope.documents:
            return _framed(asked, full, facts, terms, tuple(
                Part(_document_label(named, ids), Filters(doc_ids=ids, years=tuple(years), regions=tuple(regions)))
                for ids in scope.documents), echo, uncovered=uncovered)
        if len({e.title for e in named.values()}) == 1:
            # One named document is scope enough: a year in the question names its version, not a filter.
            facts = QueryFacts((), facts.regions, facts.intent)
    base = dict(doc_ids=tuple(doc_ids))
    fixed_years, fixed_regions = tuple(years), tuple(regions)
    # A question about two years or two places is answered part by part.
    if len(facts.years) > 1 and not fixed_years:
        parts = tuple(Part(f"{y}年", Filters(years=(y,), regions=fixed_regions or facts.regions, **base))
                      for y in facts.years)
    elif len(facts.regions) > 1 and not fixed_regions:
        parts = tuple(Part(r, Filters(years=fixed_years or facts.years, regions=(r,), **base)) for r in facts.regions)
    elif places and not fixed_regions and not doc_ids and (joined := joined_places(full, facts.regions, places)):
        # 上海的慈善周和广州的慈善月: a province by its region, a city by the documents titled with its name.
        parts = tuple(Part(p, Filters(years=fixed_years or facts.years, regions=(p,)) if p in facts.regions
                           else Filters(years=fixed_years or facts.years, doc_ids=places[p])) for p in joined)
        terms = tuple(t for t in terms if t not in joined) or terms
    elif places and not fixed_regions and not doc_ids and not facts.regions \
            and (city := named_place(full, places)):
        # 济南对不文明养犬怎么罚: a city that begins some titles is answered from those documents.
        parts = (Part("", Filters(years=fixed_years or facts.years, doc_ids=places[city])),)
    elif outside and not fixed_regions and not doc_ids and not facts.regions:
        # 深圳能办失业登记吗, in a library without a document of 深圳: only what applies there (its province's
        # and national texts) may answer; another city's rules do not.
        city, province = outside
        wide = tuple(e.doc_id for e in catalog if applies_in(e, province))
        terms = tuple(t for t in terms if not t.startswith(city)) or terms
        parts = (Part("", Filters(years=fixed_years or facts.years, doc_ids=wide or (NO_DOCUMENT,))),)
        return _framed(asked, full, facts, terms, parts, echo, outside=city, uncovered=uncovered)
    else:
        parts = (Part("", Filters(years=fixed_years or facts.years, regions=fixed_regions or facts.regions, **base)),)
    return _framed(asked, full, facts, terms, parts, echo, uncovered=uncovered)


# A document id no library holds: the scope of a question that no document applies to.
NO_DOCUMENT = "\x00none"


def uncovered_city(question: str, catalog: Sequence[CatalogEntry]) -> tuple[str, str] | None:
    """The first city (with its province) the question names that no document's title, region or issuer names."""
    simple = normalize(question)
    for city, province in cities_named(simple):
        if not any(city in e.title or city == e.region or city in e.issuer for e in catalog):
            return city, province
    return None


def applies_in(entry: CatalogEntry, province: str) -> bool:
    """The document applies throughout `province`: a text of the province itself, or one of no place (national)."""
    place = title_place(entry.title)
    return (entry.region in ("", province)) and place in ("", province)


def named_place(question: str, places: Mapping[str, tuple[str, ...]]) -> str:
    """The one city of `places` (places that begin document titles) the question names, or "" for none or two."""
    named = places_in(normalize(question), places)
    return named[0] if len(named) == 1 else ""


def places_in(simple: str, places: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The places of `places` the normalized text names, none of them only as part of a longer one it names."""
    return [p for p in places if p in simple and not any(p != q and p in q and q in simple for q in places)]


_PLACES_JOINED = re.compile(r"^(?:省|市|自治区|县|区)?(?:的[^，。？?]{0,10})?(?:和|与|跟|同|、|以及)$")


def joined_places(question: str, regions: Sequence[str], places: Mapping[str, tuple[str, ...]] | None) -> list[str]:
    """Two or more places named side by side (上海和广州, 上海的慈善周和广州的…), in the question's order: regions, and
    cities that begin some document's title; [] unless a city is among them and they are joined by 和/与/、."""
    if not places:
        return []
    simple = normalize(question)
    cities = [p for p in places_in(simple, places) if not any(p in r or r in p for r in regions)]
    if not cities:
        return []
    named = sorted(set(cities) | {r for r in regions if r in simple}, key=simple.index)
    if len(named) < 2:
        return []
    for first, second in zip(named, named[1:]):
        between = simple[simple.index(first) + len(first): simple.index(second)]
        if not _PLACES_JOINED.match(between):
            return []
    return named


def _document_label(named: dict[str, CatalogEntry], ids: tuple[str, ...]) -> str:
    entry = next((named[d] for d in ids if d in named), None)
    return f"《{entry.title}》" if entry else ""


def _version_label(named: dict[str, CatalogEntry], ids: tuple[str, ...]) -> str:
    entry = next((named[d] for d in ids if d in named), None)
    if entry is None or not entry.version:
        return ""
    status = "现行版" if entry.status == "current" else "旧版"
    return status if entry.version.startswith("0000") else f"{entry.version[:4]}年版（{status}）"


# A follow-up asks something of its own (多少, 吗, 怎么): then its words, not the earlier question's, say what is asked.
_ASKS_ITSELF = re.compile(r"多少|几|什么|哪|谁|怎么|怎样|如何|吗|是否|要不要|能不能|可不可以|多久|多长|何时|有没有|是不是|啥")


def slot_text(asked: str, full: str) -> str:
    """The words that say what is asked: a follow-up asked together with the question before it
    (…几岁以上孩子的意愿，那受害的孩子要出庭作证吗) asks what its own words ask; any other question, its whole text."""
    own = readable(asked).strip()
    if own and full != own and _ASKS_ITSELF.search(normalize(own)):
        return own
    return full


def _framed(asked: str, full: str, facts: QueryFacts, terms: tuple[str, ...], parts: tuple[Part, ...],
            echo: str = "", outside: str = "", uncovered: str = "") -> QuestionFrame:
    ask = slot_text(asked, full)
    intent = intent_of(ask) if ask != full else facts.intent
    asks = normalize(ask)
    ordinal = "第几" in ask
    # Places become filters; left in the search text they only pull up title pages. Years stay:
    # a sentence that names the year asked about is often the answer.
    search_text = strip_filters(full, (), facts.regions) or full
    from assistant.index.lexical import Segmenter

    cuts = Segmenter.shared().boundaries(full)
    extra = list(expansions(full, cuts))
    if _ASKS_MEANING.search(asks):
        # The provision that defines a term says so in these words.
        extra = [*extra, "所称", "是指"]
    if extra:
        search_text = f"{search_text} {' '.join(extra)}"
    return QuestionFrame(
        asked=asked, full=full, years=facts.years, regions=facts.regions, intent=intent, terms=terms,
        search_text=search_text, parts=parts, metadata_kind=metadata_kind(ask), ordinal=ordinal,
        item=ordinal_target(ask), first_item=bool(_FIRST_ITEM.search(ask)), focus=focus_term(ask, terms),
        both_parts=bool(_BOTH_PARTS.search(ask)) or (intent in (Intent.NUMBER, Intent.WHEN) and "和" in ask),
        required=required_answer(ask, any_unit=bool(echo) and not _QUESTION_WORD.search(normalize(asked)))
        if intent in (Intent.NUMBER, Intent.WHAT, Intent.WHEN) and not ordinal
        and not ASKS_LIST.search(asks) else None,
        asks_list=bool(ASKS_LIST.search(asks)) and ordinal_target(ask) is None,
        alternatives=alternatives(terms, full, cuts), compares=bool(_COMPARES.search(normalize(full))) and len(parts) > 1,
        asks_specifics=bool(_SPECIFICS.search(asks)),
        asks_definition=bool(ASKS_DEFINITION.search(asks)), asks_kinds=bool(ASKS_KINDS_OF.search(ask)),
        asks_adoption=bool(ASKS_ADOPTION.search(ask)), asks_consequence=bool(ASKS_CONSEQUENCE.search(asks)),
        counted=counted_term(ask, terms),
        echo=normalize(echo), outside=outside, uncovered=uncovered,
        excluded=(excluded.group(0) if (excluded := ASKED_EXCLUSION.search(normalize(full))) else ""),
        asks_permission=bool(ASKS_PERMISSION.search(normalize(asked))) and not ASKS_CONSEQUENCE.search(asks))
