"""The corpora and harnesses behind the build-memory and fault figures."""

from __future__ import annotations

import pytest

from assistant.config import IndexConfig
from assistant.index.build import _prepare
from assistant.ingest.corpus import read_corpus
from assistant.ingest.parsing import parse_page
from eval.buildmem import JUNK_KINDS, make_junk
from eval.faults import invented_document


def test_every_kind_of_junk_is_skipped_with_a_reason(tmp_path):
    counts = make_junk(tmp_path, 5)
    assert counts == dict.fromkeys(JUNK_KINDS, 1)
    files, skipped = read_corpus(tmp_path)
    documents, chunks = _prepare(files, IndexConfig(), skipped=skipped)
    assert documents == [] and chunks == []
    assert sorted(item.name for item in skipped) == sorted(p.name for p in tmp_path.iterdir())
    assert all(item.reason for item in skipped)


def test_invented_documents_are_regulations_of_their_own():
    text = invented_document(7)
    assert text != invented_document(8) and text == invented_document(7)
    [parsed] = parse_page("invented.txt", text)
    assert parsed.document.number == "测试府发〔2022〕7号"
    assert len({p for p in text.splitlines() if p.startswith("第") and "条" in p[:5]}) == 40


@pytest.mark.integration
def test_one_fault_of_each_kind_leaves_a_working_library(tmp_path):
    from eval.faults import run_faults

    figures = run_faults(1, seed=3, work=tmp_path)
    assert figures["trials"] == 2
    assert figures["previous_library_answered"] == figures["next_build_ok"] == figures["nothing_lost"] == 2


def test_the_build_memory_child_reports_peak_memory_and_encoding_rate(tmp_path, monkeypatch, capsys):
    import json

    import assistant
    from assistant.index.build import BuildReport
    from eval.buildmem import _child

    def fake_build(corpus, index_dir, log):
        log("encoding")
        return BuildReport(index_dir, 2, 30, 30, 0, (), 1.5, encode_seconds=1.2, passage_encoder="int8")

    monkeypatch.setattr(assistant, "build_index", fake_build)
    assert _child(str(tmp_path), str(tmp_path / "index")) == 0
    out = capsys.readouterr()
    figures = json.loads(out.out.strip().splitlines()[-1])
    assert figures["ok"] and figures["embedded"] == 30 and figures["passages_per_s"] == 25.0
    assert figures["encode_seconds"] == 1.2 and figures["passage_encoder"] == "int8" and figures["peak_rss_mb"] > 0
    assert "[rss " in out.err
