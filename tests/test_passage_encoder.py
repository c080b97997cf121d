"""The 8-bit passage encoder: close to the float vectors on a tiny random BERT, batched by token length
without changing a vector, selectable, and never mixed with float vectors in an index."""

import numpy as np
import pytest

from embeddings.onnx_bert import OnnxBertEncoder
from tests.test_onnx_encoder import _tiny_bert

TEXTS = ["passage: 2020年消费扶贫专柜目标是多少", "passage: 设立1万个", "passage: 重庆", "passage: 扶",
         "passage: 重庆设立1万个消费扶贫专柜，2020年目标是多少", "passage: мир 重庆", "passage: 消费"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return _tiny_bert(tmp_path_factory.mktemp("tiny-passages") / "bert")


def test_int8_passage_vectors_are_close_to_the_float_ones(tiny_model):
    # Against the float graph, which test_onnx_encoder checks against BertModel: torch and transformers, slow to
    # import, stay out of the fast tier.
    exact = OnnxBertEncoder(tiny_model, precision="float32").encode(TEXTS)
    quantized = OnnxBertEncoder(tiny_model, precision="int8", threads=1).encode_many(TEXTS, token_budget=16,
                                                                                      workers=2)
    assert quantized.shape == exact.shape and quantized.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(quantized, axis=1), 1.0, atol=1e-5)
    cosines = (exact * quantized).sum(axis=1)
    assert np.all(cosines > 0.98), cosines


def test_token_budget_batches_keep_the_order_and_the_float_vectors(tiny_model):
    encoder = OnnxBertEncoder(tiny_model, precision="float32")
    one_by_one = np.vstack([encoder.encode([t]) for t in TEXTS])
    seen: list[int] = []
    batched = encoder.encode_many(TEXTS, token_budget=12, on_batch=seen.append)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    assert sum(seen) == len(TEXTS) and len(seen) > 1  # several batches, every text once
    parallel = encoder.encode_many(TEXTS, token_budget=12, workers=2)
    np.testing.assert_allclose(parallel, one_by_one, atol=1e-5)
    assert encoder.encode_many([]).shape == (0, 16)
    with pytest.raises(ValueError, match="at least 1"):
        encoder.encode_many(TEXTS, token_budget=0)


def test_passage_encoder_choice_reads_the_argument_then_the_environment(monkeypatch):
    from embeddings.models import PASSAGE_ENCODER_ENV, passage_encoder_choice

    monkeypatch.delenv(PASSAGE_ENCODER_ENV, raising=False)
    assert passage_encoder_choice() == "int8"
    monkeypatch.setenv(PASSAGE_ENCODER_ENV, "float")
    assert passage_encoder_choice() == "float"
    assert passage_encoder_choice("int8") == "int8"
    monkeypatch.setenv(PASSAGE_ENCODER_ENV, "fp16")
    with pytest.raises(ValueError, match="passage encoder must be one of int8, float"):
        passage_encoder_choice()


def test_int8_and_float_vectors_have_different_model_hashes(monkeypatch):
    import embeddings.convert
    from embeddings.models import model_hash_of

    monkeypatch.setattr(embeddings.convert, "default_model_key", lambda cache_dir=None: "abc123")
    assert model_hash_of("default", "float") == "abc123"
    assert model_hash_of("default", "int8") == "abc123-int8s"
    # Another model's passages are always encoded in full precision: the choice does not change its hash.
    assert model_hash_of("some/model", "int8") == model_hash_of("some/model", "float")


def test_build_reports_progress_and_a_summary(corpus_copy, tmp_path, fake_embedder):
    from assistant.index.build import build_index

    (corpus_copy / "notes.bin").write_bytes(b"\x00\x01")
    lines: list[str] = []
    report = build_index(corpus_copy, tmp_path / "idx", embedder=fake_embedder, log=lines.append)
    text = "\n".join(lines)
    assert "read " in text and "parsed " in text and "embedded " in text and "passages/s" in text
    assert report.provisions > 0 and report.chunks >= report.provisions
    summary = report.summary()
    assert summary == lines[-1]
    assert f"{report.documents} documents, {report.provisions} provisions, {report.chunks} chunks" in summary
    assert "files skipped" in summary
    again: list[str] = []
    assert build_index(corpus_copy, tmp_path / "idx", embedder=fake_embedder, log=again.append).unchanged
    assert again[-1].startswith("index unchanged")


def test_progress_lines_give_rate_and_time_left():
    from assistant.index.build import _Progress

    clock = iter([0.0, 20.0, 21.0, 40.0])
    lines: list[str] = []
    progress = _Progress(lines.append, "encoding", 100, "passages", every=10.0, clock=lambda: next(clock))
    progress.add(40)  # at 20 s: 40 done, 2/s, 30 s left
    progress.add(10)  # at 21 s: within 10 s of the last line
    progress.add(10)  # at 40 s: 60 done, 1.5/s
    assert lines[0] == "encoding: 40/100 passages (40%), 2.0 passages/s, about 30s left"
    assert len(lines) == 2 and "60/100" in lines[1] and "about 27s left" in lines[1]


def test_library_bench_holds_out_the_median_document_and_refuses_a_missing_folder(tmp_path, capsys):
    from eval.bench import _held_out
    from eval.cli import main

    for i, size in enumerate((10, 300, 20, 5000, 40)):
        (tmp_path / f"{i}.md").write_text("条" * size, encoding="utf-8")
    assert _held_out(tmp_path).name == "4.md"  # sizes 10, 20, 40, 300, 5000: the middle one
    assert main(["bench", "--library", str(tmp_path / "missing")]) == 2
    assert "no library folder" in capsys.readouterr().err
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "something").write_text("x", encoding="utf-8")
    assert main(["bench", "--library", str(tmp_path), "--keep-index", str(kept)]) == 2
    assert "is not empty" in capsys.readouterr().err
