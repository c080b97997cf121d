"""Chunks and filter lists on disk as flat arrays, memory-mapped on load, so a million chunks open at once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.records import Chunk, Document
from assistant.text.numbers import YEAR_DIGITS
from assistant.text.regions import PROVINCES


class ChunkTable:
    """Chunks stored column by column; a Chunk record is made only when one is asked for."""

    FILES = ("chunk_text.bin", "chunk_offsets.npy", "chunk_meta.npy", "chunk_hash.npy", "sections.json",
             "responsible.json")

    def __init__(self, doc_ids: Sequence[str], blob: np.ndarray, offsets: np.ndarray, meta: np.ndarray, hashes: np.ndarray,
                 sections: list[tuple[str, ...]], responsible: list[str]) -> None:
        self._doc_ids = list(doc_ids)
        # Plain array views of the maps: the same pages, without np.memmap's cost on every small slice.
        self._blob = np.asarray(blob).view(np.ndarray)
        self._offsets = np.asarray(offsets).view(np.ndarray)
        # Columns of meta: doc, start, end, tokens, section, responsible, local number.
        self._meta = np.asarray(meta).view(np.ndarray)
        self._hashes = hashes
        self._sections = sections
        self._responsible = responsible

    def __len__(self) -> int:
        return int(self._meta.shape[0])

    def __getitem__(self, row: int) -> Chunk:
        doc, start, end, tokens, section, responsible, local = self._meta[row].tolist()
        begin, stop = self._offsets[row : row + 2].tolist()
        # A flipped byte in the blob must not break a question; `--verify` reports it.
        text = self._blob[begin:stop].tobytes().decode("utf-8", errors="replace")
        doc_id = self._doc_ids[doc]
        return Chunk(f"{doc_id}:{local:04d}", doc_id, self._sections[section], text, start, end, tokens,
                     self._responsible[responsible])

    def __iter__(self) -> Iterator[Chunk]:
        for row in range(len(self)):
            yield self[row]

    @property
    def doc_index(self) -> np.ndarray:
        """For every chunk, the index of its document."""
        return self._meta[:, 0]

    def hashes(self) -> list[str]:
        """All content hashes, in row order."""
        return [h.decode("ascii") for h in self._hashes]

    def section_counts(self, excluded: tuple[str, ...] = ()) -> np.ndarray:
        """For every document (by position), how many distinct heading paths its chunks have, `excluded` aside:
        read from the section column alone, without making a Chunk."""
        skip = [i for i, section in enumerate(self._sections) if section == excluded]
        pairs = self._meta[:, [0, 4]]
        pairs = pairs[~np.isin(pairs[:, 1], skip)]
        distinct = np.unique(pairs, axis=0) if len(pairs) else pairs
        return np.bincount(distinct[:, 0], minlength=len(self._doc_ids)) if len(distinct) else \
            np.zeros(len(self._doc_ids), dtype=np.int64)

    def rows_of(self, doc_position: int) -> np.ndarray:
        """Rows of the chunks of one document."""
        return np.flatnonzero(self.doc_index == doc_position)

    @staticmethod
    def write(folder: Path, documents: Sequence[Document], chunks: Sequence[Chunk], hashes: Sequence[str]) -> None:
        """Write the table's files into `folder`."""
        position = {d.doc_id: i for i, d in enumerate(documents)}
        sections: dict[tuple[str, ...], int] = {}
        responsible: dict[str, int] = {}
        offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
        meta = np.zeros((len(chunks), 7), dtype=np.int32)
        local: dict[str, int] = {}
        with (folder / "chunk_text.bin").open("wb") as blob:
            for row, chunk in enumerate(chunks):
                data = chunk.text.encode("utf-8")
                blob.write(data)
                offsets[row + 1] = offsets[row] + len(data)
                number = int(chunk.chunk_id.rsplit(":", 1)[-1]) if ":" in chunk.chunk_id else local.get(chunk.doc_id, 0)
                local[chunk.doc_id] = number + 1
                meta[row] = (position[chunk.doc_id], chunk.start, chunk.end, chunk.tokens,
                             sections.setdefault(chunk.section, len(sections)),
                             responsible.setdefault(chunk.responsible, len(responsible)), number)
        np.save(folder / "chunk_offsets.npy", offsets)
        np.save(folder / "chunk_meta.npy", meta)
        np.save(folder / "chunk_hash.npy", np.array([h.encode("ascii") for h in hashes], dtype="S24"))
        (folder / "sections.json").write_text(json.dumps(list(sections), ensure_ascii=False), encoding="utf-8")
        (folder / "responsible.json").write_text(json.dumps(list(responsible), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, documents: Sequence[Document | dict]) -> ChunkTable:
        """Open the table, memory-mapped; `documents` are records or their metadata (only doc_id is read)."""
        blob = np.memmap(folder / "chunk_text.bin", dtype=np.uint8, mode="r") \
            if (folder / "chunk_text.bin").stat().st_size else np.zeros(0, dtype=np.uint8)
        offsets = np.load(folder / "chunk_offsets.npy", mmap_mode="r", allow_pickle=False)
        meta = np.load(folder / "chunk_meta.npy", mmap_mode="r", allow_pickle=False)
        hashes = np.load(folder / "chunk_hash.npy", mmap_mode="r", allow_pickle=False)
        raw_sections = json.loads((folder / "sections.json").read_text(encoding="utf-8"))
        responsible = json.loads((folder / "responsible.json").read_text(encoding="utf-8"))
        if not isinstance(raw_sections, list) or not all(isinstance(s, list) and all(isinstance(w, str) for w in s)
                                                          for s in raw_sections):
            raise ValueError("sections.json is not a list of heading paths")
        sections = [tuple(s) for s in raw_sections]
        if not isinstance(responsible, list) or not all(isinstance(r, str) for r in responsible):
            raise ValueError("responsible.json is not a list of strings")
        if meta.ndim != 2 or meta.shape[1] != 7 or meta.dtype.kind not in "iu":
            raise ValueError(f"chunk_meta.npy has shape {meta.shape} and type {meta.dtype}, not (n, 7) integers")
        if hashes.ndim != 1 or hashes.dtype != np.dtype("S24"):
            raise ValueError(f"chunk_hash.npy has type {hashes.dtype}, not S24")
        if len(offsets) != len(meta) + 1 or len(hashes) != len(meta):
            raise ValueError("chunk files disagree in length")
        check_offsets(offsets, len(blob), "chunk_offsets.npy")
        if len(meta):
            if int(meta.min()) < 0:
                raise ValueError("chunk metadata holds negative numbers")
            if int(meta[:, 0].max()) >= len(documents) or int(meta[:, 4].max()) >= len(sections) \
                    or int(meta[:, 5].max()) >= len(responsible):
                raise ValueError("chunk metadata points outside its tables")
            if bool((meta[:, 1] > meta[:, 2]).any()):
                raise ValueError("a chunk ends before it starts")
            # Every chunk starts on a character: a UTF-8 continuation byte (10xxxxxx) there means a bad offset.
            starts = np.asarray(offsets[:-1])[np.asarray(offsets[:-1]) < len(blob)]
            if len(starts) and bool(((np.asarray(blob)[starts] & 0xC0) == 0x80).any()):
                raise ValueError("a chunk offset falls inside a character")
        return cls([d["doc_id"] if isinstance(d, dict) else d.doc_id for d in documents], blob, offsets, meta, hashes,
                   sections, responsible)


class FilterIndex:
    """Which chunks name a year or a place: inverted lists built once, so filtering a million chunks is cheap."""

    def __init__(self, years: dict[int, np.ndarray], places: dict[str, np.ndarray]) -> None:
        self.years = years
        self.places = places

    @staticmethod
    def names(places: Sequence[str]) -> list[str]:
        """The place names looked for: the documents' regions and every province, longest first."""
        return sorted(set(places) | set(PROVINCES), key=len, reverse=True)

    @classmethod
    def build(cls, filter_texts: Sequence[str], places: Sequence[str], *, rows: Sequence[int] | None = None,
              names: Sequence[str] | None = None) -> FilterIndex:
        """Inverted lists for the years and places named in each chunk's normalized text (text i is row
        rows[i] when rows are given); only `names` when given, else every name of `places`."""
        year_rows: dict[int, list[int]] = {}
        place_rows: dict[str, list[int]] = {}
        looked_for = FilterIndex.names(places) if names is None else list(names)
        for i, text in enumerate(filter_texts):
            row = i if rows is None else rows[i]
            for year in set(YEAR_DIGITS.findall(text)):
                year_rows.setdefault(int(year), []).append(row)
            for name in looked_for:
                if name in text:
                    place_rows.setdefault(name, []).append(row)
        return cls({k: np.array(v, dtype=np.int32) for k, v in year_rows.items()},
                   {k: np.array(v, dtype=np.int32) for k, v in place_rows.items()})

    def renumbered(self, new_row_of_old: np.ndarray, names: Sequence[str]) -> FilterIndex:
        """These lists with rows renumbered (-1: removed), keeping only the places in `names`."""
        mapping = np.asarray(new_row_of_old, dtype=np.int64)

        def moved(rows: np.ndarray) -> np.ndarray:
            out = mapping[np.asarray(rows, dtype=np.int64)]
            return out[out >= 0].astype(np.int32)

        wanted = set(names)
        return FilterIndex({k: moved(v) for k, v in self.years.items()},
                           {k: moved(v) for k, v in self.places.items() if k in wanted})

    def merged(self, other: FilterIndex) -> FilterIndex:
        """The union of two sets of lists (each list sorted)."""
        def union(a: dict, b: dict) -> dict:
            out = {}
            for key in set(a) | set(b):
                rows = np.concatenate([a.get(key, np.zeros(0, np.int32)), b.get(key, np.zeros(0, np.int32))])
                if len(rows):
                    out[key] = np.unique(rows).astype(np.int32)
            return out

        return FilterIndex(union(self.years, other.years), union(self.places, other.places))

    def save(self, folder: Path) -> None:
        """Write the lists (filters.npz, filter_places.json)."""
        # Values typed Any: otherwise mypy matches the unpacked names against savez's `allow_pickle: bool`.
        arrays: dict[str, Any] = {f"year_{k}": np.asarray(v, dtype=np.int32) for k, v in self.years.items() if len(v)}
        keys = sorted(k for k, v in self.places.items() if len(v))
        arrays.update({f"place_{i}": np.asarray(self.places[k], dtype=np.int32) for i, k in enumerate(keys)})
        np.savez(folder / "filters.npz", **arrays)
        (folder / "filter_places.json").write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def write(folder: Path, filter_texts: Sequence[str], places: Sequence[str]) -> None:
        """Write inverted lists for the years and places named in each chunk's normalized text."""
        FilterIndex.build(filter_texts, places).save(folder)

    @classmethod
    def load(cls, folder: Path) -> FilterIndex:
        """Read the inverted lists."""
        keys = json.loads((folder / "filter_places.json").read_text(encoding="utf-8"))
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValueError("filter_places.json is not a list of place names")
        years: dict[int, np.ndarray] = {}
        places: dict[str, np.ndarray] = {}
        with np.load(folder / "filters.npz", allow_pickle=False) as data:
            for name in data.files:
                kind, _, number = name.partition("_")
                if kind not in ("year", "place") or not number.isdigit() or (kind == "place" and int(number) >= len(keys)):
                    raise ValueError(f"filters.npz holds an unknown list {name!r}")
                rows = data[name]
                if rows.ndim != 1 or rows.dtype.kind not in "iu":
                    raise ValueError(f"filters.npz list {name!r} is not a list of rows")
                if kind == "year":
                    years[int(number)] = rows
                else:
                    places[keys[int(number)]] = rows
        return cls(years, places)

    def check(self, rows: int) -> None:
        """Raise ValueError unless every listed row is one of the `rows` chunks."""
        for name, values in [*self.years.items(), *self.places.items()]:
            if len(values) and (int(values.min()) < 0 or int(values.max()) >= rows):
                raise ValueError(f"the filter list for {name} points outside the chunks")


class DocumentTable(Mapping[str, Document]):
    """Documents by id: metadata held in memory, display texts memory-mapped and decoded when asked for."""

    def __init__(self, metas: list[dict], blob: np.ndarray, offsets: np.ndarray) -> None:
        self._metas = metas
        self._position = {m["doc_id"]: i for i, m in enumerate(metas)}
        self._blob = blob
        self._offsets = offsets
        self._cache: dict[str, Document] = {}

    def __len__(self) -> int:
        return len(self._metas)

    def __iter__(self) -> Iterator[str]:
        return iter(m["doc_id"] for m in self._metas)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._position

    def __getitem__(self, doc_id: str) -> Document:
        cached = self._cache.get(doc_id)
        if cached is not None:
            return cached
        i = self._position[doc_id]
        text = bytes(self._blob[int(self._offsets[i]):int(self._offsets[i + 1])]).decode("utf-8", errors="replace")
        meta = dict(self._metas[i])
        meta["dates"] = tuple(tuple(pair) for pair in meta["dates"])
        meta["repeals"] = tuple(meta.get("repeals", ()))
        document = Document(**meta, display_text=text)
        if len(self._cache) > 512:
            self._cache.clear()
        self._cache[doc_id] = document
        return document

    def meta(self, doc_id: str) -> dict:
        """A document's metadata without its text (cheap)."""
        return self._metas[self._position[doc_id]]

    @staticmethod
    def write(folder: Path, documents: Sequence[Document]) -> None:
        """Write metadata lines and the display texts' blob."""
        offsets = np.zeros(len(documents) + 1, dtype=np.int64)
        with (folder / "documents.jsonl").open("w", encoding="utf-8") as lines, \
                (folder / "doc_text.bin").open("wb") as blob:
            for i, document in enumerate(documents):
                meta = {f: getattr(document, f) for f in document.__dataclass_fields__ if f != "display_text"}
                lines.write(json.dumps(meta, ensure_ascii=False) + "\n")
                data = document.display_text.encode("utf-8")
                blob.write(data)
                offsets[i + 1] = offsets[i] + len(data)
        np.save(folder / "doc_offsets.npy", offsets)

    @classmethod
    def load(cls, folder: Path) -> DocumentTable:
        """Open the table; texts stay on disk until used."""
        with (folder / "documents.jsonl").open(encoding="utf-8") as handle:
            metas = [_document_meta(line, number) for number, line in enumerate(handle, 1) if line.strip()]
        if len({m["doc_id"] for m in metas}) != len(metas):
            raise ValueError("documents.jsonl names a document twice")
        size = (folder / "doc_text.bin").stat().st_size
        blob = np.memmap(folder / "doc_text.bin", dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        offsets = np.load(folder / "doc_offsets.npy", mmap_mode="r", allow_pickle=False)
        if len(offsets) != len(metas) + 1:
            raise ValueError("document files disagree in length")
        check_offsets(offsets, len(blob), "doc_offsets.npy")
        return cls(metas, blob, offsets)

    def byte_lengths(self) -> np.ndarray:
        """For every document, the length of its display text in UTF-8 bytes (at least its length in characters)."""
        return np.diff(np.asarray(self._offsets))


def check_offsets(offsets: np.ndarray, blob_size: int, name: str) -> None:
    """Raise ValueError unless `offsets` are whole numbers from 0, never decreasing, ending at the blob's size."""
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu" or not len(offsets):
        raise ValueError(f"{name} is not a list of offsets")
    values = np.asarray(offsets)
    if int(values[0]) != 0 or int(values[-1]) != blob_size:
        raise ValueError(f"{name} does not span its blob ({int(values[0])}..{int(values[-1])} of {blob_size} bytes)")
    if bool((np.diff(values) < 0).any()):
        raise ValueError(f"{name} goes backwards")


# Types of the fields of a documents.jsonl line; which fields must be there, and which may, comes from the
# Document record itself (its fields without a default are required, its text lives in doc_text.bin).
_STR = (str,)
_TYPES: dict[str, tuple[type, ...]] = {"doc_id": _STR, "source_file": _STR, "title": _STR, "issuer": _STR,
                                       "number": _STR, "dates": (list,), "region": _STR, "year": (int, type(None)),
                                       "kind": _STR, "repeals": (list,), "status": _STR, "version": _STR,
                                       "source_format": _STR, "ocr_pages": (int,), "original_name": _STR}
_FIELDS = {f.name: f for f in dataclasses.fields(Document) if f.name != "display_text"}
_REQUIRED = [name for name, f in _FIELDS.items()
             if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


def _document_meta(line: str, number: int) -> dict:
    """One line of documents.jsonl, checked: a JSON object with every required field of the right type."""
    meta = json.loads(line)
    if not isinstance(meta, dict):
        raise ValueError(f"documents.jsonl line {number} is not an object")
    missing = [f for f in _REQUIRED if f not in meta]
    if missing:
        raise ValueError(f"documents.jsonl line {number} lacks {', '.join(missing)}")
    unknown = sorted(set(meta) - set(_FIELDS))
    if unknown:
        raise ValueError(f"documents.jsonl line {number} has unknown fields {', '.join(unknown)}")
    for field, types in _TYPES.items():
        if field in meta and (not isinstance(meta[field], types) or isinstance(meta[field], bool)):
            raise ValueError(f"documents.jsonl line {number}: {field} is a {type(meta[field]).__name__}")
    if not meta["doc_id"]:
        raise ValueError(f"documents.jsonl line {number} has an empty doc_id")
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in meta.get("dates", ())):
        raise ValueError(f"documents.jsonl line {number}: dates are not (kind, date) pairs")
    if not all(isinstance(t, str) for t in meta.get("repeals", ())):
        raise ValueError(f"documents.jsonl line {number}: repeals are not titles")
    return meta


class TextColumn:
    """Strings stored as one UTF-8 blob with offsets (`<stem>.bin`, `<stem>_offsets.npy`), memory-mapped."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> str:
        begin, stop = int(self.offsets[row]), int(self.offsets[row + 1])
        return self.blob[begin:stop].tobytes().decode("utf-8", errors="replace")

    @staticmethod
    def files(stem: str) -> tuple[str, str]:
        return f"{stem}.bin", f"{stem}_offsets.npy"

    @staticmethod
    def write(folder: Path, stem: str, pieces: Sequence[bytes], lengths: Sequence[np.ndarray]) -> None:
        """Write the column from byte pieces, each holding whole strings whose byte lengths are in `lengths`."""
        blob_name, offsets_name = TextColumn.files(stem)
        with (folder / blob_name).open("wb") as handle:
            for piece in pieces:
                handle.write(piece)
        sizes = np.concatenate([np.asarray(x, dtype=np.int64) for x in lengths]) if lengths else np.zeros(0, np.int64)
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        np.save(folder / offsets_name, offsets)

    @classmethod
    def load(cls, folder: Path, stem: str) -> TextColumn:
        blob_name, offsets_name = cls.files(stem)
        size = (folder / blob_name).stat().st_size
        blob = np.memmap(folder / blob_name, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        offsets = np.load(folder / offsets_name, mmap_mode="r", allow_pickle=False)
        check_offsets(offsets, len(blob), offsets_name)
        return cls(blob, offsets)

    def byte_range(self, start: int, stop: int) -> tuple[bytes, np.ndarray]:
        """Rows start..stop as one piece of bytes and their byte lengths (for writing them again)."""
        begin, end = int(self.offsets[start]), int(self.offsets[stop])
        return self.blob[begin:end].tobytes(), np.diff(np.asarray(self.offsets[start:stop + 1]))


class TermTable:
    """Every chunk's BM25 terms as ids into a vocabulary, kept so that a later build reuses them instead of
    segmenting every unchanged chunk again."""

    FILES = ("chunk_terms.npy", "chunk_term_offsets.npy", "terms.json")

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, vocab: list[str]) -> None:
        self.ids = ids
        self.offsets = offsets
        self.vocab = vocab

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def write(self, folder: Path) -> None:
        np.save(folder / "chunk_terms.npy", np.asarray(self.ids, dtype=np.int32))
        np.save(folder / "chunk_term_offsets.npy", np.asarray(self.offsets, dtype=np.int64))
        (folder / "terms.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TermTable:
        ids = np.load(folder / "chunk_terms.npy", mmap_mode="r", allow_pickle=False)
        offsets = np.load(folder / "chunk_term_offsets.npy", mmap_mode="r", allow_pickle=False)
        vocab = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
            raise ValueError("terms.json is not a list of terms")
        check_offsets(offsets, len(ids), "chunk_term_offsets.npy")
        if len(ids) and (int(np.min(ids)) < 0 or int(np.max(ids)) >= len(vocab)):
            raise ValueError("chunk_terms.npy points outside its vocabulary")
        return cls(ids, offsets, vocab)
