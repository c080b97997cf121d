"""The ONNX query encoder against Hugging Face's BertModel on a tiny random BERT (no real model needed)."""

import json

import numpy as np
import pytest

from embeddings.onnx_bert import GRAPH_FILE, OnnxBertEncoder, ensure_encoder_graph

VOCAB = (["<s>", "<pad>", "</s>", "<unk>", "▁", "扶贫", "消费", "2020", "мир"] + list("扶贫消费专柜目标是多少年设立万个重庆")
         + [str(d) for d in range(10)])


def _tiny_bert(folder, *, layers: int = 2, hidden: int = 16, heads: int = 4, seed: int = 0):
    """Write a random BERT sentence-transformers-style folder with a small Unigram tokenizer."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    rng = np.random.default_rng(seed)
    ffn = hidden * 4

    def rand(*shape):
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    state = {"embeddings.word_embeddings.weight": rand(len(VOCAB), hidden),
             "embeddings.position_embeddings.weight": rand(64, hidden),
             "embeddings.token_type_embeddings.weight": rand(2, hidden),
             "embeddings.LayerNorm.weight": 1 + rand(hidden), "embeddings.LayerNorm.bias": rand(hidden),
             "pooler.dense.weight": rand(hidden, hidden), "pooler.dense.bias": rand(hidden)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name, (out, inp) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                                 "attention.self.value": (hidden, hidden), "attention.output.dense": (hidden, hidden),
                                 "intermediate.dense": (ffn, hidden), "output.dense": (hidden, ffn)}.items():
            state[p + name + ".weight"], state[p + name + ".bias"] = rand(out, inp), rand(out)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            state[p + name + ".weight"], state[p + name + ".bias"] = 1 + rand(hidden), rand(hidden)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["BertModel"], "hidden_size": hidden, "num_attention_heads": heads,
        "num_hidden_layers": layers, "intermediate_size": ffn, "hidden_act": "gelu", "layer_norm_eps": 1e-5,
        "max_position_embeddings": 64, "type_vocab_size": 2, "vocab_size": len(VOCAB), "pad_token_id": 1,
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}))
    # Unigram, like the bundled model's: questions then go through the pruned copy of the tokenizer.
    tokenizer = Tokenizer(models.Unigram([(t, -1.0 - 0.1 * (i % 7)) for i, t in enumerate(VOCAB)], unk_id=3,
                                         byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def _reference(folder, texts):
    """Mean-pooled, normalized BertModel outputs, computed by transformers in torch."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer

    model = transformers.BertModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    out = []
    for text in texts:
        ids = torch.tensor([tokenizer.encode(text).ids])
        with torch.no_grad():
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0]
        pooled = hidden.mean(0).numpy()
        out.append(pooled / np.linalg.norm(pooled))
    return np.vstack(out)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return _tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")


# The reference needs torch and transformers, whose import alone takes seconds: with the slow tier.
@pytest.mark.integration
def test_matches_bert_model_one_text_at_a_time_and_in_padded_batches(tiny_model):
    # The last text is not all Chinese and common symbols: the full tokenizer serves it, the copy the others.
    texts = ["2020年消费扶贫专柜目标是多少", "设立1万个", "重庆", "扶", "мир 重庆"]
    reference = _reference(tiny_model, texts)
    encoder = OnnxBertEncoder(tiny_model, precision="float32")
    single = np.vstack([encoder.encode([t]) for t in texts])
    batch = encoder.encode(texts)  # mixed lengths: padding must not change any vector
    assert (tiny_model / "tokenizer-common.json").is_file()
    assert single.shape == (5, 16) and single.dtype == np.float32
    np.testing.assert_allclose(single, reference, atol=1e-5)
    np.testing.assert_allclose(batch, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-6)


def test_the_8_bit_graph_stays_close_to_the_float_one(tiny_model):
    texts = ["2020年消费扶贫专柜目标是多少", "设立1万个", "重庆", "扶"]
    exact = OnnxBertEncoder(tiny_model, precision="float32").encode(texts)
    quantized = OnnxBertEncoder(tiny_model).encode(texts)
    assert (tiny_model / "encoder-int8.onnx").is_file()
    assert quantized.shape == exact.shape and quantized.dtype == np.float32
    cosines = (exact * quantized).sum(axis=1)
    assert np.all(cosines > 0.98) and not np.allclose(exact, quantized, atol=1e-6)


def test_the_8_bit_graph_has_signed_7_bit_weights(tiny_model):
    import onnx
    from onnx import numpy_helper

    OnnxBertEncoder(tiny_model).encode(["扶贫"])
    graph = onnx.load(str(tiny_model / "encoder-int8.onnx")).graph
    weights = [numpy_helper.to_array(t) for t in graph.initializer if t.name.endswith("_quantized")]
    assert weights and all(w.dtype == np.int8 for w in weights)
    # The reduced range, -64…64 (about 7 bits), so that pairwise 16-bit sums of this CPU cannot saturate.
    assert all(int(w.min()) >= -64 and int(w.max()) <= 64 for w in weights)
    assert any(int(w.min()) < 0 for w in weights)


def test_empty_input_gives_an_empty_matrix(tiny_model):
    assert OnnxBertEncoder(tiny_model).encode([]).shape == (0, 16)


def test_graph_is_written_once_and_rebuilt_when_stale(tiny_model):
    path = ensure_encoder_graph(tiny_model)
    first = path.stat().st_mtime_ns
    assert ensure_encoder_graph(tiny_model).stat().st_mtime_ns == first
    (tiny_model / (GRAPH_FILE + ".version")).write_text("0")
    path.write_bytes(b"not a graph")  # as left by an older or broken write
    ensure_encoder_graph(tiny_model)
    assert OnnxBertEncoder(tiny_model, precision="float32").encode(["扶贫"]).shape == (1, 16)
    quantized = ensure_encoder_graph(tiny_model, "int8")
    assert quantized.name == "encoder-int8.onnx" and quantized.stat().st_size < path.stat().st_size
    (tiny_model / "encoder-int8.onnx.version").write_text("0")
    quantized.write_bytes(b"")
    assert OnnxBertEncoder(tiny_model).encode(["扶贫"]).shape == (1, 16)


def test_a_folder_that_is_not_bert_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "xlm-roberta"}))
    with pytest.raises(ValueError, match="not a BERT model folder"):
        OnnxBertEncoder(tmp_path)


def test_bad_thread_count_and_precision_are_refused(tiny_model):
    with pytest.raises(ValueError, match="threads"):
        OnnxBertEncoder(tiny_model, threads=0)
    with pytest.raises(ValueError, match="precision must be one of int8, float32"):
        OnnxBertEncoder(tiny_model, precision="float16")
