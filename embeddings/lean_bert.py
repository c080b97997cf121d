"""A small torch-only BERT encoder for the converted default model: the same vectors as
sentence-transformers, without importing it (which alone takes seconds), so the first answer comes fast."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class LeanBertEncoder:
    """Mean-pooled, normalized BERT embeddings read from a sentence-transformers folder."""

    def __init__(self, folder: Path, *, max_length: int = 512) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert":
            raise ValueError(f"{folder} is not a BERT model folder")
        self._torch = torch
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        self._w = load_file(str(folder / "model.safetensors"))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_length)
        self.dimension = int(config["hidden_size"])

    def _ln(self, x, name: str):
        return self._torch.nn.functional.layer_norm(x, (x.shape[-1],), self._w[name + ".weight"],
                                                    self._w[name + ".bias"], self._eps)

    def _linear(self, x, name: str):
        return self._torch.nn.functional.linear(x, self._w[name + ".weight"], self._w[name + ".bias"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for the texts (any prompt prefix already added by the caller)."""
        torch, w = self._torch, self._w
        encodings = self._tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = torch.full((len(texts), length), 1, dtype=torch.long)
        mask = torch.zeros((len(texts), length), dtype=torch.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = torch.tensor(e.ids)
            mask[row, : len(e.ids)] = 1.0
        with torch.inference_mode():
            positions = torch.arange(length).unsqueeze(0)
            x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
                 + w["embeddings.token_type_embeddings.weight"][0])
            x = self._ln(x, "embeddings.LayerNorm")
            batch, seq, hidden = x.shape
            head = hidden // self._heads
            bias = (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
            for i in range(self._layers):
                p = f"encoder.layer.{i}."

                def split(t):
                    return t.view(batch, seq, self._heads, head).transpose(1, 2)

                q = split(self._linear(x, p + "attention.self.query"))
                k = split(self._linear(x, p + "attention.self.key"))
                v = split(self._linear(x, p + "attention.self.value"))
                context = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
                context = context.transpose(1, 2).reshape(batch, seq, hidden)
                x = self._ln(self._linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
                inner = torch.nn.functional.gelu(self._linear(x, p + "intermediate.dense"))
                x = self._ln(self._linear(inner, p + "output.dense") + x, p + "output.LayerNorm")
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.numpy().astype(np.float32)
