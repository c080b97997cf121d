"""The optional LLM path: pack passages into a token budget, ask the model, keep only what checks out."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import prompts
from assistant.errors import LLMError
from assistant.generate.llm import ChatClient, LLMConfig
from assistant.generate.verify import NO_ANSWER, check_answer
from assistant.records import Citation, Document, RetrievedPassage
from assistant.text.tokens import count_tokens

_BLOCK_TAG = re.compile(r"<\s*/?\s*段落")


@dataclass(frozen=True)
class Generated:
    """A checked generated answer, or the reason to fall back to the extractive one."""

    text: str
    citations: tuple[Citation, ...]
    notices: tuple[str, ...]
    fallback_reason: str  # "" when the generated answer is used
    timings: dict[str, float]


def _quoted(text: str) -> str:
    # A document must not be able to close its own quotation block and speak as the user.
    return _BLOCK_TAG.sub(lambda m: m.group(0).replace("<", "＜"), text)


def passage_text(document: Document, passage: RetrievedPassage) -> str:
    """What the model sees of a passage: title and section for context, then the quoted text."""
    return f"《{document.title}》{passage.section}\n{passage.text}"


def cut_to_tokens(text: str, budget: int) -> str:
    """The end of `text` that fits in `budget` tokens (the latest words matter most)."""
    if count_tokens(text) <= budget:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high) // 2
        if count_tokens(text[middle:]) <= budget:
            high = middle
        else:
            low = middle + 1
    return text[low:]


class Generator:
    """Writes answers with a chat model; whatever it writes is checked against the passages it cites."""

    def __init__(self, config: LLMConfig, client: ChatClient | None = None) -> None:
        self.config = config
        self.client = client or ChatClient(config)

    def rewrite(self, question: str, history: Sequence[dict]) -> str:
        """A standalone version of a follow-up question; raises LLMError when the model fails."""
        turns = "\n".join(f"{'用户' if t.get('role') == 'user' else '助手'}：{t.get('content', '')}" for t in history)
        turns = cut_to_tokens(turns, self.config.max_context_tokens // 2)
        reply = self.client.complete([{"role": "user", "content": prompts.render("rewrite", history=turns,
                                                                                 question=question)}])
        reply = reply.strip().splitlines()[0].strip() if reply.strip() else ""
        if not reply or len(reply) > 200:
            raise LLMError("the model gave no usable rewritten question")
        return reply

    def build_messages(self, question: str, history: Sequence[dict], documents: Mapping[str, Document],
                       passages: Sequence[RetrievedPassage]) -> tuple[list[dict], list[RetrievedPassage], dict]:
        """The chat messages, the passages that fit the budget (best first), and the budget figures."""
        system = prompts.load("system")
        history_text = "".join(f"{'用户' if t.get('role') == 'user' else '助手'}：{t.get('content', '')}\n"
                               for t in history)
        budget = self.config.max_context_tokens - self.config.max_answer_tokens - count_tokens(system)
        question_part = cut_to_tokens(question, max(32, budget // 8))
        history_part = cut_to_tokens(history_text, max(0, budget // 4)) if history_text else ""
        remaining = budget - count_tokens(question_part) - count_tokens(history_part) - \
            count_tokens(prompts.render("answer", passages="", history="", question=""))
        chosen: list[RetrievedPassage] = []
        blocks: list[str] = []
        used = 0
        for passage in passages:
            block = f"<段落 {len(chosen) + 1}>\n{_quoted(passage_text(documents[passage.doc_id], passage))}\n</段落>"
            cost = count_tokens(block) + 1
            if used + cost > remaining:
                continue  # a long passage may not fit where a later, shorter one does
            chosen.append(passage)
            blocks.append(block)
            used += cost
        history_block = f"此前的对话：\n{history_part}\n" if history_part else ""
        user = prompts.render("answer", passages="\n".join(blocks), history=history_block, question=question_part)
        figures = {"llm_budget_tokens": float(self.config.max_context_tokens),
                   "llm_prompt_tokens": float(count_tokens(system) + count_tokens(user)),
                   "llm_passages": float(len(chosen))}
        return [{"role": "system", "content": system}, {"role": "user", "content": user}], chosen, figures

    def generate(self, question: str, history: Sequence[dict], documents: Mapping[str, Document],
                 passages: Sequence[RetrievedPassage], first_marker: int = 1) -> Iterator[str | Generated]:
        """Yield the draft as it streams in, then one Generated: checked, or saying why to fall back."""
        started = time.perf_counter()
        messages, chosen, figures = self.build_messages(question, history, documents, passages)
        if not chosen:
            yield Generated("", (), (), "没有可供模型阅读的段落", figures)
            return
        pieces: list[str] = []
        try:
            for piece in self.client.stream(messages):
                pieces.append(piece)
                yield piece
        except LLMError as exc:
            figures["llm_ms"] = (time.perf_counter() - started) * 1000
            yield Generated("", (), (), f"大模型调用失败：{exc}", figures)
            return
        figures["llm_ms"] = (time.perf_counter() - started) * 1000
        draft = "".join(pieces).strip()
        texts = [passage_text(documents[p.doc_id], p) for p in chosen]
        checks = check_answer(draft, texts)
        kept = [c for c in checks if not c.problem]
        dropped = [c for c in checks if c.problem and c.problem != "no-answer"]
        if not kept:
            reason = "大模型表示文档中没有答案" if any(c.problem == "no-answer" for c in checks) else \
                "大模型的回答没有一句通过核对" + (f"（{dropped[0].problem}）" if dropped else "")
            yield Generated("", (), (), reason, figures)
            return
        # Markers are renumbered in order of first use, continuing after any earlier citations.
        numbering: dict[int, int] = {}
        for check in kept:
            for marker in check.markers:
                numbering.setdefault(marker, first_marker + len(numbering))

        def renumber(sentence: str) -> str:
            return re.sub(r"\[(\d{1,3})\]", lambda m: f"[{numbering[int(m.group(1))]}]", sentence)

        text = "".join(renumber(c.text) for c in kept)
        citations = []
        for old, new in sorted(numbering.items(), key=lambda item: item[1]):
            passage = chosen[old - 1]
            document = documents[passage.doc_id]
            citations.append(Citation(new, document.doc_id, document.title, document.number, passage.section,
                                      document.display_text[passage.start:passage.end], passage.start, passage.end))
        notices = (f"已删去{len(dropped)}句无法与原文核对的内容。",) if dropped else ()
        yield Generated(text, tuple(citations), notices, "", figures)


__all__ = ["Generator", "Generated", "LLMConfig", "LLMError", "NO_ANSWER"]
