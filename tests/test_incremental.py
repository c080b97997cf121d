"""Adding, changing and removing files updates the index file by file, and gives the index a full build gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from assistant.index.build import build_index
from assistant.index.store import FORMAT_VERSION, IndexStore
from assistant.index.tables import TermTable, TextColumn

REGULATION = """江城市河道管理条例
（2021年3月1日江城市人民代表大会常务委员会通过）
第一条 为了加强河道管理，保障防洪安全，根据有关法律，结合本市实际，制定本条例。
第二条 本市行政区域内河道的整治、利用和保护，适用本条例。
第三条 禁止在河道管理范围内有下列行为：
（一）弃置矿渣、石渣、煤灰、泥土、垃圾等；
（二）在堤防和护堤地建房、放牧、开渠、打井；
（三）在河道内设置拦河渔具。
第四条 本条例自2021年5月1日起施行。
"""


def _contents(folder: Path) -> dict:
    """What an index holds, build details (time, checksums, the vector file's bytes) aside."""
    store = IndexStore.load(folder)
    terms = TermTable.load(folder)
    texts = TextColumn.load(folder, "filter_text")
    term_rows = [sorted(terms.vocab[i] for i in terms.ids[terms.offsets[r]:terms.offsets[r + 1]])
                 for r in range(len(terms))]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {
        "documents": (folder / "documents.jsonl").read_text(encoding="utf-8"),
        "doc_text": (folder / "doc_text.bin").read_bytes(),
        "chunks": [(c.chunk_id, c.doc_id, c.section, c.text, c.start, c.end, c.tokens) for c in store.chunks],
        "hashes": store.chunk_hashes,
        "terms": term_rows,
        "filter_texts": [texts[r] for r in range(len(texts))],
        "years": {k: v.tolist() for k, v in store.filters.years.items()},
        "places": {k: v.tolist() for k, v in store.filters.places.items()},
        "term_df": json.loads((folder / "term_df.json").read_text(encoding="utf-8")),
        "corpus_files": manifest["corpus_files"],
        "bm25": [np.round(store.bm25.scores(q), 5).tolist() for q in (["扶贫"], ["河道", "管理"], ["消费"])],
        "vectors": np.round(store.vectors.reconstruct_all(), 5).tolist(),
    }


def _full(corpus: Path, tmp: Path, fake_embedder) -> dict:
    target = tmp / "full-index"
    shutil.rmtree(target, ignore_errors=True)
    build_index(corpus, target, embedder=fake_embedder)
    return _contents(target)


def test_add_change_remove_match_a_full_build(corpus_copy, tmp_path, fake_embedder):
    index = tmp_path / "idx"
    first = build_index(corpus_copy, index, embedder=fake_embedder)
    assert first.reused_files == 0

    (corpus_copy / "002a_江城市河道管理条例.txt").write_text(REGULATION, encoding="utf-8")
    added = build_index(corpus_copy, index, embedder=fake_embedder)
    assert added.reused_files == 5 and added.embedded < 20  # the five bundled files reused, the new one encoded
    assert _contents(index) == _full(corpus_copy, tmp_path, fake_embedder)

    changed = REGULATION.replace("第四条 本条例自2021年5月1日起施行。", "第四条 本条例自2022年1月1日起施行。")
    (corpus_copy / "002a_江城市河道管理条例.txt").write_text(changed, encoding="utf-8")
    build_index(corpus_copy, index, embedder=fake_embedder)
    assert _contents(index) == _full(corpus_copy, tmp_path, fake_embedder)

    first_file = sorted(p for p in corpus_copy.iterdir() if p.suffix == ".txt")[0]
    first_file.unlink()
    removed = build_index(corpus_copy, index, embedder=fake_embedder)
    assert removed.embedded == 0
    assert _contents(index) == _full(corpus_copy, tmp_path, fake_embedder)


def test_a_new_region_is_found_in_reused_chunks(corpus_copy, tmp_path, fake_embedder):
    """A document of a region no document had before: the unchanged chunks naming that place join its list."""
    index = tmp_path / "idx"
    (corpus_copy / "010_note.txt").write_text("关于江城市防汛工作的说明\n江城市各区要做好防汛准备工作，确保安全度汛。",
                                              encoding="utf-8")
    build_index(corpus_copy, index, embedder=fake_embedder)
    (corpus_copy / "011_江城市河道管理条例.txt").write_text(REGULATION, encoding="utf-8")
    build_index(corpus_copy, index, embedder=fake_embedder)
    assert _contents(index) == _full(corpus_copy, tmp_path, fake_embedder)


def test_an_index_of_the_previous_format_is_rebuilt_reusing_its_vectors(corpus_copy, tmp_path, fake_embedder):
    index = tmp_path / "idx"
    build_index(corpus_copy, index, embedder=fake_embedder)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION - 1
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rebuilt = build_index(corpus_copy, index, embedder=fake_embedder)
    assert not rebuilt.unchanged and rebuilt.embedded == 0 and rebuilt.reused == rebuilt.chunks
    assert IndexStore.load(index).manifest.format_version == FORMAT_VERSION
