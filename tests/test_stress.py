"""The stress check runs through the public API and finds nothing unexpected on the fake-embedder index."""

from __future__ import annotations

import json

from eval.cli import main as eval_main
from eval.stress import Generator, run_stress
from tests.conftest import fast_tier


def test_stress_finds_no_unexpected_exception(fake_assistant, request):
    iterations = 100 if fast_tier(request.config) else 250  # 100 of seed 7 still ask every kind checked below
    report = run_stress(fake_assistant, iterations, seed=7)
    figures = report.figures()
    assert figures["unexpected_exceptions"] == 0, figures["failures"]
    assert figures["refused_real_questions"] == 0, figures["failures"]
    assert figures["expected_question_errors"] > 0  # the blank and not-text questions were asked
    assert len(report.latencies_ms) == iterations and figures["latency_ms"]["max"] >= figures["latency_ms"]["p99"]
    assert {"golden", "mutated", "noise", "not-text", "huge"} <= set(figures["question_kinds"])


def test_generator_is_reproducible():
    first, second = Generator(3), Generator(3)
    assert [repr(first.question()) for _ in range(50)] == [repr(second.question()) for _ in range(50)]


def test_stress_command_writes_json(fake_index, tmp_path, monkeypatch, capsys):
    from assistant.api import Assistant
    from tests.conftest import FakeEmbedder

    real_load = Assistant.load
    monkeypatch.setattr(Assistant, "load", classmethod(lambda cls, d, **kw: real_load(d, embedder=FakeEmbedder())))
    out = tmp_path / "stress.json"
    assert eval_main(["stress", "--index-dir", str(fake_index), "--iterations", "50", "--json", str(out)]) == 0
    assert "unexpected exceptions: 0" in capsys.readouterr().out
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["iterations"] == 50 and set(figures["latency_ms"]) == {"p50", "p99", "max"}
