import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT, default_corpus_dir
from eval.cli import GOLDEN
from eval.metrics import judge, summarize
from eval.questions import Question, QuestionFileError, check_against_corpus, load_questions


def test_golden_set_is_valid_and_grounded():
    questions = load_questions(GOLDEN)
    assert len(questions) >= 150
    assert len({q.id for q in questions}) == len(questions)
    assert check_against_corpus(questions, default_corpus_dir()) == []
    types = {}
    for q in questions:
        types[q.type] = types.get(q.type, 0) + 1
    for kind in ("who", "when", "what", "multi", "followup"):
        assert types[kind] >= 12, kind
    assert sum(1 for q in questions if not q.answerable) >= 12
    assert 0.3 <= types["number"] / len(questions) <= 0.5
    covered = {name for q in questions for name in q.source_files}
    assert covered == {p.name for p in default_corpus_dir().glob("*.txt")}
    assert all(q.history for q in questions if q.type == "followup")


def test_bad_question_files_are_reported_with_their_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n', encoding="utf-8")
    with pytest.raises(QuestionFileError, match=":2: duplicate id"):
        load_questions(path)
    path.write_text('{"id": "a", "question": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(QuestionFileError, match=":2: not JSON"):
        load_questions(path)


def test_grounding_check_finds_missing_evidence(tmp_path):
    (tmp_path / "doc.txt").write_text("设立1万个消费扶贫专柜。", encoding="utf-8")
    good = Question("a", "q", "number", "1万个", ("1万",), ("设立1万个消费扶贫专柜",), ("doc.txt",))
    bad = Question("b", "q", "number", "3万个", ("3万",), ("设立2万个",), ("doc.txt",))
    problems = check_against_corpus([good, bad], tmp_path)
    assert len(problems) == 2 and all(p.startswith("b:") for p in problems)


def _row(answer, abstained=False, cited=(), retrieved=()):
    return {"id": "x", "answer": answer, "abstained": abstained,
            "citations": [{"n": i + 1, "text": t} for i, t in enumerate(cited)],
            "retrieved": [{"text": t} for t in retrieved], "latency_ms": 10}


def test_judging_follows_the_format():
    q = Question("x", "q", "number", "1万个", ("1萬個",), ("设立1万个消费扶贫专柜",), ("f",))
    ok = judge(q, _row("设立1万个消费扶贫专柜。[1]", cited=["有序推进,设立1万个消费扶贫专柜。"],
                       retrieved=["别的", "设立1万个消费扶贫专柜。"]))
    assert ok.correct and ok.concise and ok.citations_right and ok.hit_rank == 2
    long = judge(q, _row("1万个" + "很长" * 120))
    assert long.correct and not long.concise and not long.citations_right
    assert not judge(q, _row("1万个", abstained=True)).correct
    unanswerable = Question("u", "q", "unanswerable", "", (), (), ())
    assert judge(unanswerable, _row("没有找到", abstained=True)).correct
    assert not judge(unanswerable, _row("1万个")).correct
    summary = summarize([ok, judge(unanswerable, _row("没有", abstained=True))])
    assert summary["accuracy"] == 1.0 and summary["hit@1"] == 0.0 and summary["hit@3"] == 1.0
    assert summary["mrr"] == 0.5 and summary["abstention_accuracy"] == 1.0


def test_runner_and_report_on_a_new_corpus(tmp_path, fake_index):
    from assistant import Assistant
    from eval.report import write_report
    from eval.runner import run_questions
    from tests.conftest import FakeEmbedder

    questions = [Question("a", "2020年消费扶贫专柜目标是多少", "number", "1万个", ("1万",), ("设立1万个消费扶贫专柜",), ("f",)),
                 Question("b", "2022年重庆要设立多少个消费扶贫专柜？", "unanswerable", "", (), (), ())]
    assistant = Assistant.load(fake_index, embedder=FakeEmbedder())
    rows = run_questions(questions, assistant=assistant)
    assert [r["id"] for r in rows] == ["a", "b"]
    judgements = [judge(q, r) for q, r in zip(questions, rows)]
    summary = summarize(judgements)
    assert summary["accuracy"] == 1.0
    report = write_report(questions, rows, judgements, summary, tmp_path / "report")
    text = report.read_text(encoding="utf-8")
    assert "| accuracy (all questions) | 1.0 |" in text and "Failures (0)" in text
    assert (tmp_path / "report" / "accuracy_by_type.png").is_file()


@pytest.mark.integration
def test_golden_gate(tmp_path):
    """The golden set on the bundled corpus never falls below the recorded figures (minus a margin)."""
    from eval.gate import floors

    out = tmp_path / "results.jsonl"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run([sys.executable, "-m", "eval", "run", "--corpus", str(default_corpus_dir()), "--out",
                          str(out), "--json"], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    for metric, floor in floors().items():
        assert summary[metric] >= floor, f"{metric} fell to {summary[metric]} (floor {floor})"
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == summary["n"] and all(r["retrieved"] for r in rows)
    # Ten passages unless a year or place filter leaves fewer (a one-paragraph document, say).
    assert sum(len(r["retrieved"]) >= 10 for r in rows) >= 0.9 * len(rows)
    report = subprocess.run([sys.executable, "-m", "eval", "report", str(out), "--out", str(tmp_path / "rep")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "rep" / "report.md").is_file() and (tmp_path / "rep" / "hit_at_k.png").is_file()


def test_threshold_curve_moves_abstention_with_the_threshold(fake_index):
    from eval.curve import curve_table, threshold_curve
    from tests.conftest import FakeEmbedder

    questions = [Question("a", "2020年消费扶贫专柜目标是多少", "number", "1万个", ("1万",), ("设立1万个消费扶贫专柜",), ("f",)),
                 Question("b", "2022年重庆要设立多少个消费扶贫专柜？", "unanswerable", "", (), (), ())]
    rows = threshold_curve(questions, fake_index, (0.3, 1.0), embedder=FakeEmbedder())
    assert [r["min_coverage"] for r in rows] == [0.3, 1.0]
    assert rows[0]["accuracy"] == 1.0 and rows[0]["abstained"] == 0.5
    assert rows[1]["abstained"] >= rows[0]["abstained"]
    assert "| 0.3 |" in curve_table(rows)


def test_plain_bm25_baseline_over_whole_articles(tmp_path):
    from eval.baseline import articles, bm25_article_hits

    (tmp_path / "a.md").write_text("# 测试条例\n\n第一条 河道保洁由乡镇负责。\n\n第二条 垃圾每日清运一次。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("关于测试的通知\n\n一、每年培训二百人。", encoding="utf-8")
    texts = articles(tmp_path)
    assert "第一条 河道保洁由乡镇负责。" in texts and any("每年培训二百人" in t for t in texts)
    questions = [Question("q", "垃圾多久清运一次", "when", "每日", ("每日",), ("垃圾每日清运一次",), ("a.md",))]
    figures = bm25_article_hits(questions, tmp_path)
    assert figures["questions"] == 1 and figures["hit@10"] == 1.0
