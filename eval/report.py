"""A Markdown report of a run: the figures, charts, and every failure with what was retrieved."""

from __future__ import annotations

from pathlib import Path

from eval.metrics import HIT_KS, Judgement
from eval.questions import Question

SUMMARY_ROWS = (
    ("accuracy", "accuracy (all questions)"), ("concise_accuracy", "concise accuracy (≤ 200 characters)"),
    ("answerable_accuracy", "accuracy on answerable questions"), ("citation_correctness", "citation correctness"),
    ("abstention_accuracy", "abstention accuracy (unanswerable)"), ("false_abstentions", "false abstentions"),
    ("hit@1", "retrieval hit@1"), ("hit@3", "retrieval hit@3"), ("hit@5", "retrieval hit@5"),
    ("hit@10", "retrieval hit@10"), ("mrr", "MRR"), ("latency_p50_ms", "latency p50 (ms)"),
    ("latency_p95_ms", "latency p95 (ms)"),
)


def summary_table(summary: dict) -> str:
    """The run's figures as a Markdown table."""
    lines = ["| metric | value |", "|---|---|"]
    for key, label in SUMMARY_ROWS:
        lines.append(f"| {label} | {summary.get(key)} |")
    lines += ["", "| type | n | accuracy |", "|---|---|---|"]
    for kind, figures in summary["by_type"].items():
        lines.append(f"| {kind} | {figures['n']} | {figures['accuracy']} |")
    return "\n".join(lines)


def _charts(summary: dict, judgements: list[Judgement], out_dir: Path) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names = []
    kinds = list(summary["by_type"])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(kinds, [summary["by_type"][k]["accuracy"] or 0 for k in kinds], color="#3b7dd8")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy by question type")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy_by_type.png", dpi=110)
    plt.close(fig)
    names.append("accuracy_by_type.png")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(HIT_KS, [summary[f"hit@{k}"] or 0 for k in HIT_KS], marker="o")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(HIT_KS)
    ax.set_xlabel("k")
    ax.set_ylabel("hit@k")
    ax.set_title("Retrieval hit@k")
    fig.tight_layout()
    fig.savefig(out_dir / "hit_at_k.png", dpi=110)
    plt.close(fig)
    names.append("hit_at_k.png")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist([j.latency_ms for j in judgements], bins=20, color="#5a9e5a")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question")
    fig.tight_layout()
    fig.savefig(out_dir / "latency.png", dpi=110)
    plt.close(fig)
    names.append("latency.png")
    return names


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def comparison_table(runs: list[tuple[str, dict]]) -> str:
    """Several runs' figures side by side (for example the extractive and the LLM path)."""
    lines = ["| metric | " + " | ".join(name for name, _ in runs) + " |", "|---|" + "---|" * len(runs)]
    for key, label in SUMMARY_ROWS:
        lines.append(f"| {label} | " + " | ".join(str(summary.get(key)) for _, summary in runs) + " |")
    return "\n".join(lines)


def write_report(questions: list[Question], results: list[dict], judgements: list[Judgement], summary: dict,
                 out_dir: Path, *, title: str = "Evaluation report",
                 compare: list[tuple[str, dict]] | None = None) -> Path:
    """Write report.md (and chart PNGs) into `out_dir`; returns the report path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = _charts(summary, judgements, out_dir)
    by_id = {q.id: q for q in questions}
    lines = [f"# {title}", "", summary_table(summary), ""]
    if compare:
        lines += ["## Runs side by side", "", comparison_table(compare), ""]
    for name in charts:
        lines += [f"![{name}]({name})", ""]
    if not charts:
        lines += ["(charts need matplotlib: pip install matplotlib)", ""]
    failures = [(j, r) for j, r in zip(judgements, results) if not j.correct or (j.answerable and not j.citations_right)]
    lines += [f"## Failures ({len(failures)})", ""]
    for judgement, row in failures:
        q = by_id[judgement.id]
        what = "wrong answer" if not judgement.correct else "citation misses the evidence"
        lines += [f"### {q.id} · {q.type} · {what}", "", f"- question: {_quote(q.question)}"]
        if q.history:
            lines.append(f"- history: {_quote(' / '.join(t['content'] for t in q.history if t['role'] == 'user'))}")
        lines += [f"- expected: {_quote(q.answer) or '(not in the documents: should abstain)'}",
                  f"- must contain: {', '.join(q.must_contain) or '—'}",
                  f"- answered{' (abstained)' if row.get('abstained') else ''}: {_quote(row.get('answer', ''), 240)}",
                  f"- evidence: {_quote(' / '.join(q.evidence)) or '—'}",
                  f"- evidence retrieved at rank: {judgement.hit_rank or 'not in top 10'}",
                  "- top passages:"]
        for passage in (row.get("retrieved") or [])[:3]:
            lines.append(f"  - `{passage.get('chunk_id')}` ({passage.get('score')}): {_quote(passage.get('text', ''))}")
        lines.append("")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
