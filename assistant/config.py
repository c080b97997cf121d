"""Configuration, checked when it is made."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def policy_home() -> Path:
    """Where the product keeps its caches and library: $POLICY_QA_HOME, or ~/.cache/policy-qa."""
    home = os.environ.get("POLICY_QA_HOME")
    return Path(home) if home else Path.home() / ".cache" / "policy-qa"


def default_corpus_dir() -> Path:
    """The bundled documents."""
    return PROJECT_ROOT / "data" / "corpus"


def default_index_dir() -> Path:
    """$POLICY_QA_INDEX, or data/index beside the bundled corpus."""
    env = os.environ.get("POLICY_QA_INDEX")
    return Path(env) if env else PROJECT_ROOT / "data" / "index"


class RetrieverMode(StrEnum):
    """Which retrievers answer: both fused, or one alone (to compare the parts)."""

    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"


@dataclass(frozen=True)
class IndexConfig:
    """How documents become an index."""

    model: str = "default"
    max_chunk_tokens: int = 400
    max_file_chars: int = 3_000_000  # a file's text above this is skipped (the longest regulations are ~300,000)
    max_chunks_per_file: int = 5_000  # a file cut into more provisions than this is junk (marker-only text)

    def __post_init__(self) -> None:
        if not self.model:
            raise ValueError("model must name the bundled model ('default'), a model name or a folder")
        if not 32 <= self.max_chunk_tokens <= 4096:
            raise ValueError("max_chunk_tokens must be between 32 and 4096")
        if self.max_file_chars < 1000 or self.max_chunks_per_file < 10:
            raise ValueError("max_file_chars must be at least 1000 and max_chunks_per_file at least 10")


@dataclass(frozen=True)
class AnswerWeights:
    """The answer layer's tuned numbers, in one place: how candidate sentences are scored."""

    # Score = mix · (sentence coverage, sentence + heading, provision, heading) + bonuses.
    topic_mix: tuple[float, float, float, float] = (0.45, 0.2, 0.2, 0.15)
    # Who answers for a task is a property of the provision, so there the provision's match leads.
    who_mix: tuple[float, float, float, float] = (0.15, 0.15, 0.35, 0.3)
    paraphrase_credit: float = 0.5  # a word the corpus never uses, whose characters all occur
    focus_multiplier: float = 2.0  # the word the question phrase is about
    ordinal_bonus: float = 0.2  # 第几 questions: the sentence states a place (第三)
    number_bonus: float = 0.15  # the sentence states a figure with a unit
    date_bonus: float = 0.2  # the sentence states a date or deadline
    unit_bonus: float = 0.15  # the provision names responsible units
    rank_bonus: float = 0.08  # divided by 1 + retrieval rank
    year_bonus: float = 0.05  # the sentence names a year asked about
    echo_bonus: float = 0.2  # a follow-up's own words (那农村地区呢) found in the sentence, times their share
    echo_min_share: float = 0.6  # … counted from this share of them in one piece
    definition_bonus: float = 0.3  # 是指 / 怎么界定 questions: the sentence defines a term (所称…是指)
    defined_term_bonus: float = 0.3  # … and the term it defines is the one the question names
    list_lead_bonus: float = 0.1  # a list question: the sentence that opens a list (下列情形之一…：)
    negated_echo_bonus: float = 0.1  # a follow-up asking the negative case (那没有…的呢): a sentence stating one
    first_item_bonus: float = 0.1  # 首先 / 第一步: the first sentences of a provision
    item_bonus: float = 0.5  # the n-th item asked for by its place
    item_context: float = 0.3  # times the provision's coverage, for that item
    required_topic_coverage: float = 0.5  # a sentence stating the asked figure must be this much on topic
    provision_topic_share: float = 0.8  # … or its article, at this share (an item's topic is in its lead-in)
    min_sentence_chars: int = 4
    # A provision that is the closest by meaning (question–passage cosine at least this) answers with less
    # word overlap: colloquial questions share few words with the text. 0 turns this off.
    paraphrase_similarity: float = 0.85  # calibrated on the development set: 0.78–0.86 give the same figures
    paraphrase_min_coverage: float = 0.15  # … but it must still cover this share of the topic words
    # … and be the closest retrieved by meaning, or this near it: cosines of one library's passages to a question
    # lie close together, so a difference this small is no difference in meaning.
    paraphrase_margin: float = 0.002
    heading_sentence_chars: int = 30  # a provision's first sentence this short, with no digit, is its title
    # Versions compared: a version the question's words find nothing in is quoted at its provision nearest by
    # meaning to the other version's answer, when that is at least this close (question-passage cosine).
    counterpart_similarity: float = 0.85
    # A sentence of an earlier version (or a repealed text) the question did not ask for: the current text
    # answers unless it does not speak to the question at all.
    earlier_version_penalty: float = 0.1
    body_leads_bonus: float = 0.05  # a who-question: a sentence putting a government body in charge (…部门负责)
    breach_penalty: float = 0.1  # a penalty clause, for a question asking whether something is allowed
    # A follow-up is not answered with a sentence the previous answer already said: this share of its character
    # pairs found there makes it a repetition.
    repeated_share: float = 0.8
    # …nor with one that says nothing beyond the previous question and answer together (this share of its pairs).
    covered_share: float = 0.95
    # …nor, asked for a figure, with one stating only the figures the previous answer gave and this share of
    # its pairs found in the previous question and answer.
    restated_share: float = 0.6
    # A passage farther by meaning from the question than the closest retrieved one loses this much per 0.01 of
    # cosine, up to similarity_gap_cap, times the share of the topic its sentence lacks: the words of a colloquial
    # question match the wrong provision as often as not, while a sentence with all the words needs no help.
    similarity_gap_weight: float = 0.03
    similarity_gap_cap: float = 0.05

    def __post_init__(self) -> None:
        for name in ("topic_mix", "who_mix"):
            mix = getattr(self, name)
            if len(mix) != 4 or any(w < 0 for w in mix) or not 0 < sum(mix) <= 1.0:
                raise ValueError(f"{name} must be four non-negative weights adding up to at most 1")
        if not 0.0 <= self.paraphrase_credit <= 1.0:
            raise ValueError("paraphrase_credit must be between 0 and 1")
        if not all(0.0 < share <= 1.0 for share in (self.repeated_share, self.covered_share, self.restated_share)):
            raise ValueError("repeated_share, covered_share and restated_share must be above 0 and at most 1")
        if self.similarity_gap_weight < 0 or self.similarity_gap_cap < 0:
            raise ValueError("similarity_gap_weight and similarity_gap_cap must not be negative")
        if self.min_sentence_chars < 1 or self.heading_sentence_chars < 1:
            raise ValueError("sentence lengths must be positive")


@dataclass(frozen=True)
class Wording:
    """How long the parts of an answer may be."""

    min_part_chars: int = 30  # no part is cut shorter than this
    max_section_chars: int = 24  # a section label longer than this is cut with …
    short_sentence_chars: int = 20  # a quote this short takes the next sentence along
    max_units_chars: int = 90  # responsible units listed before 等
    max_list_chars: int = 300  # a list answer: lead-in and every item (all items beat a strict 200-character cut)
    whole_article_chars: int = 160  # an article this short is quoted whole (0: always its best sentence)
    max_parts_chars: int = 180  # an answer of several parts (years, places, documents), shared among them
    item_lead_chars: int = 50  # a quoted item is preceded by its list's lead-in when that is at most this long

    def __post_init__(self) -> None:
        if self.min_part_chars < 10 or self.max_section_chars < 4 or self.max_units_chars < 10:
            raise ValueError("part, section and unit limits must be at least 10, 4 and 10 characters")
        if self.short_sentence_chars < 0:
            raise ValueError("short_sentence_chars must not be negative")
        if self.max_list_chars < 40 or self.max_parts_chars < 40 or self.whole_article_chars < 0:
            raise ValueError("list and parts limits must be at least 40 characters, whole_article_chars not negative")


@dataclass(frozen=True)
class AskConfig:
    """How questions are answered."""

    top_k: int = 10
    candidates: int = 50
    rerank: bool = True
    rerank_depth: int = 30
    rrf_k: int = 60
    retriever: RetrieverMode = RetrieverMode.HYBRID
    max_question_chars: int = 2000
    min_coverage: float = 0.6  # share of the topic the chosen provision must cover to answer
    max_answer_chars: int = 140  # the whole direct answer, shared among its parts
    evidence_depth: int = 10  # reranked chunks whose sentences may be the answer
    linked_articles: int = 5  # penalty questions: the articles naming this many best chunks join the candidates
    forms_cache_size: int = 50_000  # chunks whose normalized forms are kept between questions
    weights: AnswerWeights = AnswerWeights()
    wording: Wording = Wording()

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if self.candidates < self.top_k:
            raise ValueError("candidates must be at least top_k")
        if not self.top_k <= self.rerank_depth <= self.candidates:
            raise ValueError("rerank_depth must be between top_k and candidates")
        if self.rrf_k < 1:
            raise ValueError("rrf_k must be at least 1")
        if self.retriever not in tuple(RetrieverMode):
            raise ValueError("retriever must be 'hybrid', 'bm25' or 'dense'")
        object.__setattr__(self, "retriever", RetrieverMode(self.retriever))
        if self.max_question_chars < 10:
            raise ValueError("max_question_chars must be at least 10")
        if not 0.0 <= self.min_coverage <= 1.0:
            raise ValueError("min_coverage must be between 0 and 1")
        if self.max_answer_chars < 40:
            raise ValueError("max_answer_chars must be at least 40")
        if self.linked_articles < 0:
            raise ValueError("linked_articles must not be negative")
        if self.evidence_depth < 1 or self.forms_cache_size < 1:
            raise ValueError("evidence_depth and forms_cache_size must be at least 1")
