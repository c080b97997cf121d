"""A damaged index is refused when loaded (or by --verify) with one Chinese message; a killed build's leftovers
are removed by the next build or load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main as cli_main
from assistant.errors import IndexBusyError, IndexLoadError
from assistant.index import store as store_module
from assistant.index.build import build_index
from assistant.index.files import WriterLock, leftovers
from assistant.index.store import IndexStore, verify_index
from tests.conftest import FakeEmbedder

DAMAGED = "索引已损坏"
QUESTIONS = ("2020年消费扶贫专柜目标是多少", "由谁负责？", "重慶定點攻堅的對象分為哪兩類", "2019年易地扶贫搬迁多少人")


def _copy(fake_index: Path, tmp_path: Path, name: str = "index") -> Path:
    target = tmp_path / name
    shutil.copytree(fake_index, target)
    return target


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _as_old_index(folder: Path) -> None:
    """Drop the checksums and sizes, as an index built before they were recorded: only the structure is checked."""
    manifest = _manifest(folder)
    manifest.pop("file_sha256")
    manifest.pop("file_sizes")
    _write_manifest(folder, manifest)


def _refused(folder: Path) -> str:
    with pytest.raises(IndexLoadError) as caught:
        IndexStore.load(folder)
    message = str(caught.value)
    assert message.startswith(DAMAGED) and "python -m assistant index" in message and "重建" in message
    return message


def _flip(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    position = min(len(data) - 1, int(len(data) * at))
    data[position] ^= 0x5A
    path.write_bytes(bytes(data))


def _index_files(fake_index: Path) -> list[str]:
    return sorted(_manifest(fake_index)["file_sha256"])


def test_the_manifest_records_every_file(fake_index):
    manifest = _manifest(fake_index)
    files = {p.relative_to(fake_index).as_posix() for p in fake_index.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["file_sha256"]) == files == set(manifest["file_sizes"])
    assert verify_index(fake_index).startswith("索引完好")


@pytest.mark.parametrize("name", ["documents.jsonl", "doc_text.bin", "doc_offsets.npy", "chunk_text.bin",
                                  "chunk_offsets.npy", "chunk_meta.npy", "chunk_hash.npy", "sections.json",
                                  "responsible.json", "filters.npz", "filter_places.json", "term_df.json",
                                  "vectors.faiss", "bm25/params.index.json", "bm25/vocab.index.json",
                                  "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy"])
def test_every_file_flipped_truncated_or_removed_is_refused(fake_index, tmp_path, name):
    assert name in _index_files(fake_index)
    for damage in ("flip", "truncate", "remove"):
        folder = _copy(fake_index, tmp_path, f"{damage}")
        path = folder / name
        if damage == "flip":
            _flip(path)
        elif damage == "truncate":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        else:
            path.unlink()
        _refused(folder)
        assert cli_main(["index", "--verify", "--index-dir", str(folder)]) == 1


def test_a_content_flip_in_a_large_index_is_found_by_verify(fake_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(store_module, "VERIFY_ON_LOAD_BYTES", 0)  # as for an index too big to hash on load
    folder = _copy(fake_index, tmp_path)
    _flip(folder / "doc_text.bin", 0.3)  # same size, same structure: only the checksum can tell
    store = IndexStore.load(folder)
    assert store.documents  # loads, and its questions still answer (the text decodes with replacements)
    with pytest.raises(IndexLoadError, match=DAMAGED):
        verify_index(folder)
    assert cli_main(["index", "--verify", "--index-dir", str(folder)]) == 1
    err = capsys.readouterr().err
    assert DAMAGED in err and "python -m assistant index" in err and "Traceback" not in err
    assert cli_main(["index", "--verify", "--index-dir", str(fake_index)]) == 0
    assert "索引完好" in capsys.readouterr().out


def test_an_index_without_checksums_loads_and_verify_says_what_to_do(fake_index, tmp_path):
    folder = _copy(fake_index, tmp_path)
    _as_old_index(folder)
    assert len(IndexStore.load(folder).chunks) == _manifest(fake_index)["chunks"]
    with pytest.raises(IndexLoadError, match="没有记录校验和"):
        verify_index(folder)


def test_a_document_line_missing_a_field_is_refused_not_a_key_error(fake_index, tmp_path):
    for field in ("doc_id", "title", "dates", "year"):
        folder = _copy(fake_index, tmp_path, f"no-{field}")
        _as_old_index(folder)
        lines = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
        meta = json.loads(lines[2])
        del meta[field]
        lines[2] = json.dumps(meta, ensure_ascii=False)
        (folder / "documents.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        _refused(folder)
    for bad in ('["not", "an", "object"]', '{"doc_id": 1}', "{broken json"):
        folder = _copy(fake_index, tmp_path, f"bad-{abs(hash(bad))}")
        _as_old_index(folder)
        lines = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
        lines[0] = bad
        (folder / "documents.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        _refused(folder)


@pytest.mark.parametrize("value", [[["扶贫", 3]], {"扶贫": "3"}, {"扶贫": 2.5}, {"扶贫": True}, {"扶贫": -1}, "text"])
def test_term_df_must_be_a_dict_of_counts(fake_index, tmp_path, value):
    folder = _copy(fake_index, tmp_path)
    _as_old_index(folder)
    (folder / "term_df.json").write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    _refused(folder)


def test_chunk_offsets_must_rise_and_stay_inside_the_blob(fake_index, tmp_path):
    offsets = np.load(fake_index / "chunk_offsets.npy")
    damaged = {"backwards": offsets.copy(), "past-the-end": offsets.copy(), "mid-character": offsets.copy()}
    damaged["backwards"][5], damaged["backwards"][6] = offsets[6], offsets[5]
    damaged["past-the-end"][-1] += 10
    damaged["mid-character"][3] += 1  # Chinese text: one byte in is inside a character
    for name, values in damaged.items():
        folder = _copy(fake_index, tmp_path, name)
        _as_old_index(folder)
        np.save(folder / "chunk_offsets.npy", values)
        _refused(folder)


def test_chunk_metadata_out_of_range_is_refused(fake_index, tmp_path):
    meta = np.load(fake_index / "chunk_meta.npy")
    for name, column, value in (("doc", 0, 99), ("negative", 1, -5), ("span", 2, 10**8), ("section", 4, 10**6)):
        folder = _copy(fake_index, tmp_path, name)
        _as_old_index(folder)
        bad = meta.copy()
        bad[7, column] = value
        np.save(folder / "chunk_meta.npy", bad)
        _refused(folder)


def test_vector_count_must_match(fake_index, tmp_path):
    from embeddings.vector_index import VectorIndex

    folder = _copy(fake_index, tmp_path)
    _as_old_index(folder)
    vectors = VectorIndex.load(folder / "vectors.faiss").reconstruct_all()
    VectorIndex.build(vectors[:-1]).save(folder / "vectors.faiss")
    _refused(folder)


def test_bm25_pointing_outside_the_chunks_is_refused(fake_index, tmp_path):
    folder = _copy(fake_index, tmp_path)
    _as_old_index(folder)
    indices = np.load(folder / "bm25" / "indices.csc.index.npy")
    indices[0] = 10_000
    np.save(folder / "bm25" / "indices.csc.index.npy", indices)
    _refused(folder)


def test_manifest_damage_is_refused(fake_index, tmp_path):
    for name, change in (("dimension", lambda m: m.update(dimension="64")), ("sizes", lambda m: m.update(file_sizes=[1])),
                         ("unknown", lambda m: m.update(extra=1)), ("missing", lambda m: m.pop("chunks")),
                         ("size-wrong", lambda m: m["file_sizes"].update({"term_df.json": 1}))):
        folder = _copy(fake_index, tmp_path, name)
        manifest = _manifest(folder)
        change(manifest)
        _write_manifest(folder, manifest)
        _refused(folder)
    folder = _copy(fake_index, tmp_path, "not-json")
    (folder / "manifest.json").write_text("{", encoding="utf-8")
    _refused(folder)


def test_structural_flips_without_checksums_never_break_a_question(fake_index, tmp_path):
    """An old index (no checksums) with a flipped byte in any file: refused on load, or still answering."""
    from assistant.api import Assistant

    for name in _index_files(fake_index):
        for at in (0.02, 0.5, 0.98):
            folder = _copy(fake_index, tmp_path, f"{name.replace('/', '_')}-{at}")
            _as_old_index(folder)
            _flip(folder / name, at)
            try:
                assistant = Assistant.load(folder, embedder=FakeEmbedder())
            except IndexLoadError as exc:
                assert str(exc).startswith(DAMAGED)
                continue
            for question in QUESTIONS:
                assert assistant.ask(question).text
            shutil.rmtree(folder)


def test_errors_users_see_are_chinese(tmp_path, corpus_copy):
    with pytest.raises(IndexLoadError, match="没有找到索引") as missing:
        IndexStore.load(tmp_path / "nowhere")
    assert "python -m assistant index" in str(missing.value)
    target = tmp_path / "idx"
    with WriterLock(target), pytest.raises(IndexBusyError, match="正在被另一个进程更新"):
        build_index(corpus_copy, target, embedder=FakeEmbedder())


# Leftovers of a killed build.

def _leave_leftovers(index_dir: Path) -> list[Path]:
    made = [index_dir.parent / f".{index_dir.name}.build-k1ll3d", index_dir.parent / f".{index_dir.name}.old-4242"]
    for path in made:
        path.mkdir()
        (path / "chunk_text.bin").write_bytes(b"half")
    return made


def test_leftovers_are_removed_by_the_next_load(fake_index, tmp_path):
    folder = _copy(fake_index, tmp_path)
    made = _leave_leftovers(folder)
    other = tmp_path / ".other.build-x"  # another index's folder is not ours to remove
    other.mkdir()
    IndexStore.load(folder)
    assert not any(p.exists() for p in made) and other.exists()
    assert leftovers(folder) == []


def test_leftovers_are_kept_while_a_writer_holds_the_lock(fake_index, tmp_path):
    folder = _copy(fake_index, tmp_path)
    made = _leave_leftovers(folder)
    with WriterLock(folder):
        # the writer itself tidied up when it took the lock; a build running now makes new ones
        assert not any(p.exists() for p in made)
        running = _leave_leftovers(folder)
        IndexStore.load(folder)  # a reader must not touch a running build's folders
        assert all(p.exists() for p in running)
    IndexStore.load(folder)
    assert not any(p.exists() for p in running)


def test_leftovers_are_removed_by_the_next_build(corpus_copy, tmp_path):
    target = tmp_path / "idx"
    build_index(corpus_copy, target, embedder=FakeEmbedder())
    made = _leave_leftovers(target)
    report = build_index(corpus_copy, target, embedder=FakeEmbedder())
    assert report.unchanged and not any(p.exists() for p in made)


def test_a_build_killed_in_its_swap_leaves_the_previous_index(fake_index, tmp_path):
    folder = _copy(fake_index, tmp_path)
    partial = folder.parent / f".{folder.name}.build-k1ll3d"
    partial.mkdir()
    folder.rename(folder.parent / f".{folder.name}.old-4242")  # killed between the swap's two renames
    store = IndexStore.load(folder)
    assert len(store.chunks) == _manifest(fake_index)["chunks"]
    assert leftovers(folder) == []
