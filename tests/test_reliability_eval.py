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
