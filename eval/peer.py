"""The peer in the benchmark: LlamaIndex's default splitter and vector retriever, with the same model."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.embeddings.huggingface import HuggingFaceEmbedding

from assistant import match_form, token_encoding
from embeddings.convert import PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model
from eval.metrics import percentile
from eval.questions import load_questions


def run_llamaindex(corpus: Path, questions_path: Path, log: Callable[[str], None]) -> dict:
    """Build LlamaIndex's default vector index over the raw files and time its retriever on the questions."""
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
    build = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=10)
    questions = [q for q in load_questions(questions_path) if q.answerable]
    retriever.retrieve("扶贫工作要点有哪些内容")
    latencies, hits = [], 0
    for q in questions:
        started = time.perf_counter()
        nodes = retriever.retrieve(q.question)
        latencies.append((time.perf_counter() - started) * 1000)
        texts = [match_form(n.node.get_content()) for n in nodes[:5]]
        hits += all(any(match_form(e) in t for t in texts) for e in q.evidence)
    log(f"peer (LlamaIndex): built in {build:.1f}s, {len(questions)} questions")
    return {"name": "LlamaIndex (default splitter, vector retriever, HuggingFaceEmbedding)", "build_s": round(build, 2),
            "chunks": len(index.docstore.docs), "query_p50_ms": percentile(latencies, 50),
            "query_p95_ms": percentile(latencies, 95),
            "hit@5": round(hits / len(questions), 4),
            "note": "retrieval only (no answer); the same questions without history"}
