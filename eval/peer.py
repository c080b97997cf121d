"""The peer in the benchmark: LlamaIndex's default splitter and vector retriever, with the same model."""

from __future__ import annotations

import time
from pathlib import Path

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.embeddings.huggingface import HuggingFaceEmbedding

from assistant import match_form, token_encoding
from embeddings.convert import PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model
from eval.metrics import evidence_rank
from eval.questions import Question


class LlamaIndexPeer:
    """LlamaIndex's default vector index over the raw files, with the same model, ready to be timed."""

    name = "LlamaIndex (default splitter, vector retriever, HuggingFaceEmbedding)"

    def __init__(self, corpus: Path) -> None:
        # The same weights and E5 prompts, loaded the way LlamaIndex loads a local model (sentence-transformers).
        Settings.embed_model = HuggingFaceEmbedding(model_name=str(ensure_default_model()), device="cpu",
                                                    query_instruction=QUERY_PROMPT, text_instruction=PASSAGE_PROMPT)
        Settings.llm = None
        # LlamaIndex counts tokens with tiktoken too; give it the offline encoding instead of a download.
        Settings.tokenizer = token_encoding().encode
        files = sorted(p for p in Path(corpus).iterdir() if p.suffix == ".txt")
        documents = [Document(text=p.read_text(encoding="utf-8"), metadata={"file": p.name}) for p in files]
        started = time.perf_counter()
        index = VectorStoreIndex.from_documents(documents)
        self.build_s = time.perf_counter() - started
        self.chunks = len(index.docstore.docs)
        self._retriever = index.as_retriever(similarity_top_k=10)
        self._retriever.retrieve("扶贫工作要点有哪些内容")

    def retrieve(self, question: str) -> list[str]:
        """The texts of the retrieved nodes, best first."""
        return [n.node.get_content() for n in self._retriever.retrieve(question)]


def found_in_top5(question: Question, texts: list[str]) -> bool:
    """Whether every evidence string of the question is inside one of the first five texts (as the
    evaluation counts hit@5 for our side)."""
    rank = evidence_rank(question.evidence, [match_form(t) for t in texts])
    return rank is not None and rank <= 5
