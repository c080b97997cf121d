"""Candidate answer sentences of the retrieved chunks, scored by named features of how well they answer."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from assistant.answer.references import REFERENCE, ArticleLinks
from assistant.config import AnswerWeights
from assistant.index.store import IndexStore
from assistant.records import Chunk, Intent
from assistant.search.analysis import AMOUNT, ASKS_MEANING_PHRASE, QuestionFrame
from assistant.text.normalize import char_bigrams, normalize
from assistant.text.numbers import ARTICLE, FIGURE, ITEM_LINE, cn_numeral, stated_values
from assistant.text.sentences import sentence_spans

DATE = re.compile(
    r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}年(?:底|前|内|起|以前)"
    r"|年底|年内|上半年|下半年|第[一二三四]季度|每(?:月|季度|半年|半月|年)|月底|\d{1,2}月(?:底|前|中旬|上旬|下旬)")
NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:个|项|%|％|人|户|元|亩|家|所|名|次|期|公里|千米|批|条|座|类|年|倍|处|村|县|乡|°)"
    r"|第[一二三四五六七八九十百\d]+|[一二三四五六七八九十两]+(?:个|项|类|批|条|是|大)|\d+(?:\.\d+)?万")
# A sentence that names the kinds of something in one breath: 档案分为勘测规划档案、建设工程档案和…, 分为一级和二级.
ENUMERATES = re.compile(r"(?:分为|分成|包括|包含|分别是)[^。；：:]{1,30}、|(?:分为|分成)[^。；：:，,]{1,20}(?:和|与|及)")
# A line of a regulation's adoption record (2000年9月22日 …会议通过): an answer only to questions about it.
ADOPTION_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日[^。]{0,80}(?:会议|常务委员会|人民政府)[^。]{0,80}"
                           r"(?:通过|修正|修订|批准|公布|决定)")
# A sentence that says what a term means or covers: 本条例所称学校，是指… / …包括….
# "X，指…" defines too; 指导, 指挥, 指定 and the like are verbs of their own.
_COMMA_MEANS = r"[，,]指(?!导|挥|定|示|出|明|引|派|令|南|标|望|责|点|纹|控|数)"
DEFINES = re.compile(r"所称|是指|指的是|包括[^，。；]{0,4}(?:和|、)|系指|" + _COMMA_MEANS)
# A condition said in the negative (未实行…的, 没有…的, 非…): 不得, a prohibition, is not one.
NEGATED_CONDITION = re.compile(r"(?:未|没有|没|无|非|不是)(?!得)")
# The term a definition defines: 本条例所称X，是指… / （三）X，是指….
DEFINED_TERMS = (re.compile(r"所(?:称|说的?)([^，,。；;:：]{2,24}?)[，,]?(?:是指|系指|指)"),
                 # 湿垃圾，即易腐垃圾，是指…: another name may stand between the term and what it means.
                 re.compile(r"^(?:[(（][一二三四五六七八九十]{1,3}[)）])?([^，,。；;:：]{2,24}?)"
                            r"(?:[，,](?:即|也称|又称|简称)[^，,。；;]{1,16})?(?:[，,]?(?:是指|系指)|" + _COMMA_MEANS + ")"))


# A clause that punishes a breach: 违反本条例规定…的，处…罚款.
BREACH = re.compile(r"违反[^，。；]{0,30}规定[^。；]{0,60}(?:处|罚款|责令)")


def only_fines(sentence: str, figures: re.Pattern[str] = AMOUNT) -> bool:
    """Every sum of money (or other figure of `figures`) the sentence states is a fine (处五万元以上十万元以下罚款,
    罚款二百元)."""
    amounts = list(figures.finditer(sentence))
    # The fine may follow the sum in its clause (处五百元以上一千元以下的罚款) or come before it (罚款二百元).
    return bool(amounts) and all("罚" in _CLAUSE_END.split(sentence[m.end(): m.end() + 30], 1)[0]
                                 or "罚" in sentence[max(0, m.start() - 6): m.start()] for m in amounts)


_CLAUSE_END = re.compile(r"[，,。；;：:]")


def repeats(sentence: str, said: frozenset[str], share: float) -> bool:
    """At least `share` of the sentence's character pairs are in `said` (what was answered before)."""
    pairs = char_bigrams(sentence)
    return bool(pairs) and len(pairs & said) >= share * len(pairs)


def states_only_said_values(sentence: str, required: re.Pattern[str], said: frozenset[tuple[float, str]]) -> bool:
    """The sentence states the asked kind of value, but no number the previous answer did not already give
    (那复查要多久 is not answered by the 15日内 to apply that was just said)."""
    values = stated_values(sentence)
    return bool(values) and bool(required.search(sentence)) and values <= said


def defines_asked_term(sentence: str, question: str) -> bool:
    """The sentence defines a term the question names (所称受药人，是指… for 受药人是怎么定义的)."""
    for pattern in DEFINED_TERMS:
        if match := pattern.search(sentence):
            return match.group(1).strip("“”\"'") in question
    return False


# A sentence that introduces the items after it.
LEADS_LIST = re.compile(r"(?:下列|以下)(?:[^，。；]{0,6})(?:情形|行为|情况|条件|事项|规定|材料|职责|措施|内容|之一)")
# A clause that goes on from the one before it: what follows when that is not done or done badly.
# …结清物业服务费；未结清的，…: a case that negates the clause before (未…的, 不…的) continues it too.
CONTINUES = re.compile(r"(?:逾期|拒不|情节严重|情节较重|情节特别严重|造成|屡次|再次|多次|期满|仍不|经责令|不改正"
                       r"|[未不][\u4e00-\u9fff]{1,8}的(?=[,，])|经[\u4e00-\u9fff]{1,8}?(?:仍不|仍未|后仍))")
_ORDINAL_MARK = re.compile(r"第[一二三四五六七八九十百\d]+")
# A sentence that names who does or heads a task: 负责, 牵头, or 监督机构是重庆市经济委员会.
_LEADS = re.compile(r"负责|牵头|是[^，。；,;]{0,16}(?:委员会|部门|局|厅|办公室|人民政府|机关|中心)")
# A government body put in charge in so many words: 市交通行政主管部门负责…, 公安机关负责….
_BODY_LEADS = re.compile(r"(?:部门|机关|人民政府|委员会|局|厅)(?:[^，。；,;]{0,4})(?:负责|主管|牵头|统一管理|监督管理|实施监督)"
                         r"|(?:部门|机关|人民政府|委员会|局|厅)是[^，。；,;]{0,16}(?:主管|管理)(?:机关|部门)")


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence inside a chunk, with how well it matches the question."""

    row: int
    start: int  # offsets in the document's display text
    end: int
    score: float
    chunk_coverage: float
    sentence_coverage: float
    norm: str = ""


class CoverageScorer:
    """Weighted share of a question's terms that occur in a (normalized) text, for many texts in turn.

    A word the corpus never uses is probably the asker's paraphrase, so it earns partial credit when
    its characters occur; a corpus word that is missing earns nothing."""

    __slots__ = ("_items", "_total", "_credit")

    def __init__(self, terms: Sequence[str], weights: dict[str, float], unseen: frozenset[str] = frozenset(),
                 paraphrase_credit: float = 0.5, alternatives: dict[str, tuple[str, ...]] | None = None) -> None:
        self._total = sum(weights[t] for t in terms)
        alts = alternatives or {}
        self._items = [(t, weights[t], t in unseen, alts.get(t, ())) for t in terms]
        self._credit = paraphrase_credit

    def __call__(self, text: str) -> float:
        if self._total <= 0:
            return 0.0
        got = 0.0
        for term, weight, paraphrase, alts in self._items:
            if term in text or any(a in text for a in alts):
                got += weight
            elif paraphrase and all(c in text for c in term):
                got += self._credit * weight
        return got / self._total


def intent_bonus(intent: Intent, sentence: str, chunk: Chunk, weights: AnswerWeights, ordinal: bool = False) -> float:
    """Extra score for a sentence that states the kind of fact asked for (a figure, a date, a unit)."""
    if ordinal:
        return weights.ordinal_bonus if _ORDINAL_MARK.search(sentence) else 0.0
    if intent == Intent.NUMBER:
        return weights.number_bonus if NUMBER.search(sentence) else 0.0
    if intent == Intent.WHEN:
        return weights.date_bonus if DATE.search(sentence) else 0.0
    if intent == Intent.WHO:
        bonus = weights.unit_bonus if chunk.responsible or _LEADS.search(sentence) else 0.0
        # 归哪个部门管: a government body that the sentence itself puts in charge answers it, more than a
        # provision whose heading speaks of the task.
        return bonus + (weights.body_leads_bonus if _BODY_LEADS.search(sentence) else 0.0)
    return 0.0


def is_item(chunk: Chunk, norm: str, item: int) -> bool:
    """The sentence is the item-th of a list: 三是…, or the provision numbered (三), 三、 or 3."""
    cn = cn_numeral(item)
    label = normalize(chunk.section[-1]) if chunk.section else ""
    return (norm.startswith(f"{cn}是") or label.startswith(f"({cn})") or label.startswith(f"{cn}、")
            or label.startswith(f"{item}."))


def is_heading_sentence(chunk: Chunk, start: int, norm: str, max_chars: int) -> bool:
    """A provision's title sentence, such as (十)签订目标责任书。: it names a topic but answers nothing."""
    # A regulation's article starts with its number and then says its rule: 第六条 …十日内完成整改。
    return (start == chunk.start and chunk.section != ("前言",) and len(norm) <= max_chars
            and not re.search(r"\d", norm) and not ARTICLE.match(norm))


@dataclass(frozen=True)
class RowForms:
    """A chunk's normalized forms for scoring: its sentences, its heading, and heading + provision text
    with the document's title and issuer in front."""

    sentences: list[tuple[int, int, str]]
    heading: str
    context: str
    chunk: Chunk
    title: str = ""  # the document's title, normalized


class FormsCache:
    """Chunks' normalized forms, kept after first use (questions revisit chunks); one per loaded index."""

    def __init__(self, store: IndexStore, capacity: int) -> None:
        self._store = store
        self._capacity = capacity
        self._forms: dict[int, RowForms] = {}
        self.links = ArticleLinks(store, capacity)

    def clear(self) -> None:
        """Forget every kept form."""
        self._forms.clear()
        self.links = ArticleLinks(self._store, self._capacity)

    def __call__(self, row: int) -> RowForms:
        cached = self._forms.get(row)
        if cached is None:
            chunk = self._store.chunks[row]
            document = self._store.documents[chunk.doc_id]
            heading = normalize(" ".join(chunk.section))
            cached = RowForms([(s, e, normalize(chunk.text[s - chunk.start:e - chunk.start]))
                               for s, e in sentence_spans(chunk.text, chunk.start)], heading,
                              normalize(f"{document.title} {document.issuer}") + heading + normalize(chunk.text), chunk,
                              normalize(document.title))
            if len(self._forms) >= self._capacity:
                self._forms.clear()
            self._forms[row] = cached
        return cached


def longest_shared(a: str, b: str) -> str:
    """The longest piece of text that `a` and `b` both contain."""
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a : match.a + match.size]


def echo_share(words: str, text: str) -> float:
    """The share of `words` found in `text` as one unbroken piece (the longest common substring)."""
    return len(longest_shared(words, text)) / len(words) if words else 0.0


def candidate_sentences(forms: FormsCache, rows: Sequence[int], frame: QuestionFrame,
                        weights: AnswerWeights) -> list[tuple[int, int, Chunk, int, int, int, str]]:
    """The sentences of the rows that may answer, as (rank, row, chunk, index, start, end, normalized text):
    not too short, not a provision's title, not the document's title or adoption record (unless asked)."""
    about_adoption = bool(frame.metadata_kind) or frame.asks_adoption
    sentences = []
    for rank, row in enumerate(rows):
        row_forms = forms(row)
        chunk, spans = row_forms.chunk, row_forms.sentences
        for index, (s_start, s_end, norm) in enumerate(spans):
            if len(norm.strip()) < weights.min_sentence_chars:
                continue
            if len(spans) > 1 and is_heading_sentence(chunk, s_start, norm, weights.heading_sentence_chars) and not (
                    frame.item is not None and is_item(chunk, norm, frame.item)):
                continue
            if norm.strip() == row_forms.title or (not about_adoption and ADOPTION_LINE.match(norm.strip())):
                continue
            sentences.append((rank, row, chunk, index, s_start, s_end, norm))
    return sentences


def asked_shape_bonus(frame: QuestionFrame, norm: str, index: int, own: float, years: tuple[int, ...],
                      weights: AnswerWeights, meaning_of: str = "") -> float:
    """What a sentence earns for having the shape of the answer asked for: the year asked about, a follow-up's
    own words, a definition (of the term `meaning_of`, the question, names, most of all), a provision's start, a
    list's lead-in for a list question, the negative case for a follow-up asking it."""
    bonus = 0.0
    if years and any(str(y) in norm for y in years):
        bonus += weights.year_bonus
    if len(frame.echo) >= 2:
        # A follow-up puts its own words in the earlier question's slot: the sentence that says them.
        shared = echo_share(frame.echo, norm)
        if shared >= weights.echo_min_share:
            bonus += weights.echo_bonus * shared
    if own > 0 and ((frame.asks_definition and DEFINES.search(norm)) or (frame.asks_kinds and ENUMERATES.search(norm))):
        bonus += weights.definition_bonus
        if meaning_of and defines_asked_term(norm, meaning_of):
            # The definition of the very term asked about, not of a neighbouring one.
            bonus += weights.defined_term_bonus
    if frame.asks_permission and BREACH.search(norm):
        # 外墙能刷成别的颜色吗 is answered by the rule, not by the fine for breaking it.
        bonus -= weights.breach_penalty
    if frame.first_item and index <= 1:
        bonus += weights.first_item_bonus
    if frame.asks_list and own > 0 and frame.excluded:
        # 哪些人不计入家庭成员: the sentence that states the exclusion, not the list of those included.
        if frame.excluded in norm:
            bonus += weights.list_lead_bonus
    elif frame.asks_list and own > 0 and (LEADS_LIST.search(norm) or norm.rstrip().endswith(":")):
        # 哪些情形/有哪些职责: the sentence that opens a list (…具有下列情形之一的…：) is answered with its items.
        bonus += weights.list_lead_bonus
    if frame.echo and NEGATED_CONDITION.search(frame.echo) and NEGATED_CONDITION.search(norm):
        # 那没有物业的呢 after 有物业的…: the case the rule states in the negative (未实行物业管理的…).
        bonus += weights.negated_echo_bonus
    return bonus


def score_candidates(store: IndexStore, forms: FormsCache, rows: Sequence[int], frame: QuestionFrame,
                     years: tuple[int, ...], weights: AnswerWeights, *, required: re.Pattern[str] | None = None,
                     depth: int | None = None, closeness: Mapping[int, float] | None = None) -> list[Evidence]:
    """Every sentence of the first `depth` rows that may answer, with its score; with `required`, only
    sentences that state it and are about the question's topic."""
    terms = list(frame.terms)
    unseen = frozenset(t for t in terms if t not in store.doc_freq)
    idf = {t: (1.0 if t in unseen else store.idf(t)) for t in terms}
    sentences = candidate_sentences(forms, rows[: len(rows) if depth is None else depth], frame, weights)
    # Inside the retrieved context a word found in every sentence tells them apart less than a rare one.
    local = {t: 1.0 + math.log((len(sentences) + 1) / (1 + sum(1 for *_, n in sentences if t in n)))
             for t in terms}
    local_weights = {t: idf[t] * local[t] * (weights.focus_multiplier if t == frame.focus else 1.0) for t in terms}
    local_coverage = CoverageScorer(terms, local_weights, unseen, weights.paraphrase_credit, frame.alternatives)
    plain_coverage = CoverageScorer(terms, idf, unseen, weights.paraphrase_credit, frame.alternatives)
    mix = weights.who_mix if frame.intent == Intent.WHO else weights.topic_mix
    out: list[Evidence] = []
    cache: dict[int, tuple[float, float, str]] = {}
    asked_for = {d for part in frame.parts for d in part.filters.doc_ids}
    # How far each row's passage is, by meaning, from the closest retrieved (rows dense search did not return
    # have no cosine, and lose nothing).
    closest = max(closeness.values(), default=0.0) if closeness else 0.0
    distance = {row: min(closest - c, weights.similarity_gap_cap) for row, c in (closeness or {}).items() if c > 0}
    asked_text = normalize(frame.full)
    # 是指什么 / 怎么定义的 ask what a term means (包括哪些 may ask for a list instead).
    asks_meaning = bool(ASKS_MEANING_PHRASE.search(frame.full))
    said = char_bigrams(frame.said) if frame.said else frozenset()
    # What the conversation has already covered: its previous question and answer together.
    covered = said | char_bigrams(frame.asked_before) if said else frozenset()
    said_values = stated_values(frame.said) if said else frozenset()
    quoted = char_bigrams(frame.quoted) if frame.quoted else frozenset()
    for rank, row, chunk, index, s_start, s_end, norm in sentences:
        if required is not None and not required.search(norm):
            continue
        # Repetition is judged on the sentence without its article number.
        bare = ARTICLE.sub("", norm, count=1).strip() if said or quoted else norm
        if said and (repeats(bare, said, weights.repeated_share) or repeats(bare, covered, weights.covered_share)):
            continue
        if quoted and repeats(bare, quoted, 1.0):
            continue
        if said and required is not None and states_only_said_values(norm, required, said_values) \
                and repeats(bare, covered, weights.restated_share):
            # The same statement over again, with the same figures (a new rule may repeat a figure: 延长三十日).
            continue
        if (required is AMOUNT or required is FIGURE) and not frame.asks_consequence and only_fines(norm, required):
            # 收费多少钱 is not answered by the fine for charging without a licence, nor 按什么标准 or 多少 by
            # the fine for breaking the standard.
            continue
        if index > 0 and CONTINUES.match(norm):
            # 逾期不改正的，处一万元罚款: a clause after a semicolon is judged, and quoted, with the clause it
            # continues (…擅自推迟供热的，责令限期改正；), which names what it is about.
            p_start, _, p_norm = forms(row).sentences[index - 1]
            if p_norm.endswith(";"):
                s_start, norm = p_start, p_norm + norm
        own = local_coverage(norm)
        if row not in cache:
            row_forms = forms(row)
            # A penalty article's topic is in the article it names (违反本条例第九条第一项规定的…).
            linked = forms.links.linked_text(row) if frame.asks_consequence else ""
            cache[row] = (plain_coverage(row_forms.context + linked),
                          plain_coverage(row_forms.heading), row_forms.heading)
        chunk_cov, heading_cov, heading = cache[row]
        in_article = bool(chunk.section) and bool(ARTICLE.match(chunk.section[-1]))
        if required is not None and max(plain_coverage(norm), weights.provision_topic_share * chunk_cov * in_article) \
                < weights.required_topic_coverage:
            # A figure only answers when the sentence that states it, or its provision, is about what was asked.
            continue
        with_heading = plain_coverage(heading + norm)
        if required is not None and LEADS_LIST.search(norm) and ITEM_LINE.search(chunk.text):
            # 有下列行为之一的，处…罚款：a lead-in that states the value asked for speaks of what its items list.
            with_heading = max(with_heading, chunk_cov)
        if frame.asks_consequence and REFERENCE.search(norm):
            # 违反本条例第九条规定的，处…: the sentence speaks of what the article it names speaks of.
            with_heading = plain_coverage(heading + norm + forms.links.linked_text(row))
        # The sentence's own words count most; its heading and provision add context. Who answers
        # for a task is a property of the provision, so there the provision's match leads.
        score = mix[0] * own + mix[1] * with_heading + mix[2] * chunk_cov + mix[3] * heading_cov
        score += intent_bonus(frame.intent, norm, chunk, weights, frame.ordinal) + weights.rank_bonus / (1 + rank)
        # Closeness by meaning counts where the words leave the answer open: not for a sentence that has them all.
        score -= weights.similarity_gap_weight * distance.get(row, 0.0) / 0.01 * (1.0 - min(own, 1.0))
        if chunk.doc_id not in asked_for and store.documents[chunk.doc_id].status != "current":
            score -= weights.earlier_version_penalty
        score += asked_shape_bonus(frame, norm, index, own, years, weights, asked_text if asks_meaning else "")
        if frame.item is not None and is_item(chunk, norm, frame.item):
            # The list item asked for by its place; its topic words are usually in the list's lead-in.
            score += weights.item_bonus + weights.item_context * chunk_cov
            with_heading = max(with_heading, chunk_cov)
        out.append(Evidence(row, s_start, s_end, score, chunk_cov, with_heading, norm))
    return out


def rerank(store: IndexStore, forms: FormsCache, rows: Sequence[int], frame: QuestionFrame,
           years: tuple[int, ...], weights: AnswerWeights, closeness: Mapping[int, float] | None = None) -> list[int]:
    """Order retrieved chunks by how well their best sentence answers the question (ties keep fusion order)."""
    best: dict[int, float] = {}
    for c in score_candidates(store, forms, rows, frame, years, weights, closeness=closeness):
        best[c.row] = max(best.get(c.row, 0.0), c.score)
    position = {row: i for i, row in enumerate(rows)}
    return sorted(rows, key=lambda row: (-best.get(row, 0.0), position[row]))


def choose_evidence(store: IndexStore, forms: FormsCache, rows: Sequence[int], frame: QuestionFrame,
                    years: tuple[int, ...], weights: AnswerWeights, depth: int,
                    closeness: Mapping[int, float] | None = None) -> list[Evidence]:
    """The best sentence among the first `depth` retrieved chunks; when the question asks for two things
    at once (分别, 各), also the sentence of the same provision that covers what the first leaves out."""
    candidates = score_candidates(store, forms, rows, frame, years, weights, required=frame.required, depth=depth,
                                  closeness=closeness)
    if not candidates:
        return []
    best = max(candidates, key=lambda c: c.score)
    chosen = [best]
    if frame.both_parts:
        missing = [t for t in frame.terms if t not in best.norm]
        others = [c for c in candidates if c.start != best.start and any(t in c.norm for t in missing)
                  and (frame.intent not in (Intent.NUMBER, Intent.WHEN)
                       or intent_bonus(frame.intent, c.norm, store.chunks[c.row], weights) > 0)]
        if others:
            # The other part is looked for in the same provision first, then anywhere retrieved.
            chosen.append(max(others, key=lambda c: (c.row == best.row, sum(1 for t in missing if t in c.norm),
                                                     c.score)))
    order = list(rows)
    return sorted(chosen, key=lambda c: (order.index(c.row) if c.row != best.row else -1, c.start))
