"""A fast query encoder for BERT-type sentence-transformers folders: the transformer layers run in ONNX
Runtime, the embedding lookup in numpy over a memory map, so no torch is imported to answer a question."""

from __future__ import annotations

import json
import os
import struct
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

GRAPH_FILE = "encoder.onnx"
# Bump when the graph below changes, so a stale cached graph is rebuilt rather than used.
GRAPH_VERSION = "4"
# Tokens (padding included) per batch when many texts are encoded. On the 2-core development machine, 2048
# took the fewest CPU-seconds per passage of 2048, 4096 and 8192 (2.5 against 2.7 and 3.3 per 100 regulation
# articles of about 95 tokens), one single-threaded batch per core.
DEFAULT_TOKEN_BUDGET = 2048
_build_lock = threading.Lock()


def _safetensors_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every float32 tensor of a safetensors file as a read-only memory map (nothing is read yet)."""
    with path.open("rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    base = 8 + header_len
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, only F32 is supported")
        start, end = info["data_offsets"]
        arrays[name] = raw[base + start: base + end].view(np.float32).reshape(info["shape"])
    return arrays


def _bert_config(folder: Path) -> dict:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise ValueError(f"{folder} is not a BERT model folder")
    if config.get("hidden_act", "gelu") != "gelu":
        raise ValueError(f"{folder}: activation {config['hidden_act']!r} is not supported")
    return config


def build_encoder_graph(folder: Path, out_path: Path) -> None:
    """Write the model's transformer layers (no embeddings, no pooling) as an ONNX graph."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    config = _bert_config(folder)
    weights = _safetensors_arrays(folder / "model.safetensors")
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    nodes: list = []
    inits: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def linear(x: str, param: str, out: str) -> str:
        # Hugging Face stores [out, in]; MatMul wants [in, out].
        w = const(param + ".weight", weights[param + ".weight"].T)
        b = const(param + ".bias", weights[param + ".bias"])
        return node("Add", [node("MatMul", [x, w], out + "_mm"), b], out)

    def layer_norm(x: str, param: str, out: str) -> str:
        return node("LayerNormalization", [x, const(param + ".weight", weights[param + ".weight"]),
                                           const(param + ".bias", weights[param + ".bias"])], out,
                    axis=-1, epsilon=eps)

    x = "hidden"
    for i in range(int(config["num_hidden_layers"])):
        p, n = f"encoder.layer.{i}.", f"l{i}_"
        # ONNX Runtime's fused self-attention: one [H, 3H] projection for query, key and value, the scaled
        # softmax and the heads in one kernel (its 8-bit form, QAttention, is what the quantizer makes of it).
        parts = [p + f"attention.self.{name}" for name in ("query", "key", "value")]
        qkv_w = const(n + "qkv.weight", np.concatenate([weights[q + ".weight"].T for q in parts], axis=1))
        qkv_b = const(n + "qkv.bias", np.concatenate([weights[q + ".bias"] for q in parts]))
        context = node("Attention", [x, qkv_w, qkv_b, "mask"], n + "ctx", domain="com.microsoft", num_heads=heads)
        attended = linear(context, p + "attention.output.dense", n + "ao")
        x = layer_norm(node("Add", [attended, x], n + "res1"), p + "attention.output.LayerNorm", n + "ln1")
        # Exact (erf) GELU, as BERT defines it.
        gelu = node("Gelu", [linear(x, p + "intermediate.dense", n + "fi")], n + "gelu", domain="com.microsoft")
        out = linear(gelu, p + "output.dense", n + "fo")
        x = layer_norm(node("Add", [out, x], n + "res2"), p + "output.LayerNorm", n + "ln2")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden"], name="last_hidden"))
    graph = helper.make_graph(
        nodes, "bert_encoder",
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden", TensorProto.FLOAT, ["batch", "seq", hidden])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="policy-qa", producer_version=GRAPH_VERSION)
    onnx.save_model(model, str(out_path))


PRECISIONS = ("int8", "float32")


def quantize_encoder_graph(source: Path, out_path: Path) -> None:
    """Write an 8-bit copy of a float32 encoder graph: weights quantized once, activations per call."""
    import logging

    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class _QuietQuantizer(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            # The quantizer advises a pre-processing step meant for graphs exported from frameworks; ours
            # is written here already in the shape it wants.
            return "onnxruntime" not in record.pathname

    quiet = _QuietQuantizer()
    logging.getLogger().addFilter(quiet)
    try:
        # Signed weights with one scale per output column, kept to 7 bits: this CPU's 8-bit matrix kernels
        # multiply unsigned activations by signed weights about twice as fast as unsigned by unsigned
        # (66.1 against 36.6 library passages a second, see the README), and the 7-bit range keeps their
        # pairwise 16-bit sums from saturating on processors without the VNNI instructions. Vectors stay within
        # cosine 0.994 of the float ones on real provisions.
        # ONNX's shape inference does not know Runtime's own operators (Attention, Gelu): every tensor here
        # is float32, which the quantizer is told instead.
        quantize_dynamic(str(source), str(out_path), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True,
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
    finally:
        logging.getLogger().removeFilter(quiet)


def ensure_encoder_graph(folder: Path, precision: str = "float32") -> Path:
    """The folder's ONNX encoder graph in `precision`, written once (atomically, so a second process never
    reads half a file)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    name = GRAPH_FILE if precision == "float32" else GRAPH_FILE.replace(".onnx", f"-{precision}.onnx")
    path, stamp = folder / name, folder / (name + ".version")
    source = ensure_encoder_graph(folder) if precision != "float32" else None
    with _build_lock:
        if path.is_file() and stamp.is_file() and stamp.read_text().strip() == GRAPH_VERSION:
            return path
        fd, tmp = tempfile.mkstemp(prefix=".encoder-", suffix=".onnx", dir=folder)
        os.close(fd)
        try:
            if source is None:
                build_encoder_graph(folder, Path(tmp))
            else:
                quantize_encoder_graph(source, Path(tmp))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
            stamp.write_text(GRAPH_VERSION)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path


class OnnxBertEncoder:
    """Mean-pooled, normalized BERT embeddings: numpy embeddings, ONNX Runtime transformer layers."""

    def __init__(self, folder: Path, *, precision: str = "int8", max_length: int = 512,
                 threads: int | None = None) -> None:
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        import onnxruntime as ort

        from embeddings.common_tokenizer import CommonTextTokenizer

        config = _bert_config(folder)
        graph = ensure_encoder_graph(folder, precision)
        w = _safetensors_arrays(folder / "model.safetensors")
        self._word = w["embeddings.word_embeddings.weight"]
        # Small tables are copied out of the map: they are touched by every question.
        self._position = np.array(w["embeddings.position_embeddings.weight"])
        self._type0 = np.array(w["embeddings.token_type_embeddings.weight"][0])
        self._ln_weight = np.array(w["embeddings.LayerNorm.weight"])
        self._ln_bias = np.array(w["embeddings.LayerNorm.bias"])
        self._eps = float(config["layer_norm_eps"])
        self.dimension = int(config["hidden_size"])
        self._max_length = min(max_length, self._position.shape[0])
        self._tokenizer = CommonTextTokenizer(folder, max_length=self._max_length)
        self._pad_id = int(config.get("pad_token_id", 1))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, min(os.cpu_count() or 1, 4))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for the texts (any prompt prefix already added by the caller)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode_ids(self._tokenizer.encode_batch(texts))

    def encode_many(self, texts: list[str], *, token_budget: int = DEFAULT_TOKEN_BUDGET, max_batch: int = 64,
                    workers: int = 1, on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors for many texts, in their order: the texts are tokenized, sorted by token length and
        run in batches of at most `token_budget` tokens (padding included), so a batch holds texts of nearly
        one length and no time goes to padding; `workers` batches run at once (ONNX Runtime releases the
        interpreter while it computes); `on_batch(n)` is called after each batch of n texts."""
        if token_budget < 1 or max_batch < 1 or workers < 1:
            raise ValueError("token_budget, max_batch and workers must be at least 1")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))
        batches: list[list[int]] = []
        start = 0
        while start < len(order):
            # Sorted ascending: the last text of a batch is its longest, so the batch costs its size × that.
            end = start + 1
            while end < len(order) and end - start < max_batch and \
                    (end - start + 1) * len(encodings[order[end]]) <= token_budget:
                end += 1
            batches.append(order[start:end])
            start = end

        def run(rows: list[int]) -> None:
            out[rows] = self._encode_ids([encodings[i] for i in rows])

        if workers == 1:
            for rows in batches:
                run(rows)
                if on_batch is not None:
                    on_batch(len(rows))
            return out
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            # Longest batches first, so that the last ones to finish are short and no worker idles long.
            futures = [(pool.submit(run, rows), len(rows)) for rows in reversed(batches)]
            for future, size in futures:
                future.result()
                if on_batch is not None:
                    on_batch(size)
        return out

    def _encode_ids(self, encodings: list[np.ndarray]) -> np.ndarray:
        length = max(len(e) for e in encodings)
        ids = np.full((len(encodings), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1.0
        x = self._word[ids] + self._position[:length] + self._type0
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        x = ((x - mean) / np.sqrt(var + self._eps) * self._ln_weight + self._ln_bias).astype(np.float32)
        hidden = self._session.run(None, {"hidden": x, "mask": mask.astype(np.int32)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
