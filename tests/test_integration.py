"""The real model on the bundled corpus: build, ask, CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, default_corpus_dir

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_index(tmp_path_factory):
    from assistant.index.build import build_index
    folder = tmp_path_factory.mktemp("real") / "index"
    report = build_index(default_corpus_dir(), folder)
    assert report.chunks > 200
    return folder


@pytest.fixture(scope="module")
def real_assistant(real_index):
    from assistant.api import Assistant
    return Assistant.load(real_index)


@pytest.mark.parametrize("question, expected", [
    ("2020年消费扶贫专柜目标是多少", "1万个"),
    ("2020年重庆还剩多少贫困人口要脱贫？", "2.44万"),
    ("2019年计划实施易地扶贫搬迁多少人", "2.6万人"),
    ("2020年扶贫日是第几个扶贫日", "第七个"),
    ("山东通过发展生产要实现多少人脱贫", "150万人"),
    ("重慶定點攻堅的對象分為哪兩類", "两类"),
])
def test_real_answers(real_assistant, question, expected):
    answer = real_assistant.ask(question)
    assert not answer.abstained, answer.text
    assert expected in answer.text
    assert answer.citations and answer.citations[0].text


@pytest.mark.parametrize("question", [
    "2022年重庆要设立多少个消费扶贫专柜？",
    "2021年全市脱贫攻坚工作要点有哪些",
    "广东省消费扶贫专柜设立多少个",
])
def test_real_abstentions(real_assistant, question):
    assert real_assistant.ask(question).abstained


def test_cli_ask_json(real_index):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "2020年消费扶贫专柜目标是多少", "--json",
                          "--index-dir", str(real_index)], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert "1万个" in result["answer"] and not result["abstained"]
    assert "(十)开展消费扶贫专项行动" in result["citations"][0]["section"]
    assert len(result["retrieved"]) == 10


def test_cli_reports_missing_index_and_empty_question(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "问题", "--index-dir", str(tmp_path / "none")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 2 and "python -m assistant index" in out.stderr


def test_cli_chat_reads_stdin(real_index):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "assistant", "chat", "--index-dir", str(real_index)],
                         input="2020年消费扶贫专柜目标是多少\n\n由谁负责？\n/quit\n", capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "1万个" in out.stdout and "市商务委" in out.stdout


def test_cli_ask_uses_the_shared_library_with_its_uploads(tmp_path):
    """The terminal sees the library the web UI serves: a document added to it is answered from at once."""
    import shutil

    data = tmp_path / "library"
    (data / "documents").mkdir(parents=True)
    for path in sorted(Path(PROJECT_ROOT / "data" / "corpus").glob("*.txt"))[:1]:
        shutil.copy(path, data / "documents" / path.name)
    (data / "documents" / "测试市水务条例.md").write_text(
        "# 测试市水务条例\n\n第一条 为了测试，制定本条例。\n\n第二条 本市每年评选节水示范单位三十家。\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "测试市水务条例每年评选多少家节水示范单位", "--json",
                          "--data-dir", str(data)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert "三十家" in result["answer"] and result["citations"][0]["title"] == "测试市水务条例"
