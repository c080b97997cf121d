"""The pruned tokenizer copy gives exactly the full tokenizer's ids, on a tiny Unigram tokenizer."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.common_tokenizer import (
    COMMON_FILE,
    COMMON_IDS_FILE,
    CommonTextTokenizer,
    common_tokenizer_spec,
    ensure_common_tokenizer,
    is_common_text,
)

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
# Chinese, ASCII and symbol pieces the copy keeps, and Cyrillic, Thai and mixed pieces it drops; scores chosen
# so that longer and shorter paths compete. The lowest score belongs to a dropped piece on purpose.
PIECES = (["▁", "扶贫", "扶", "贫", "消费", "消", "费", "专柜", "目标", "是", "多少", "年", "2020", "20", "2", "0",
           "▁2020", "，", "。", "①", "·", "%", "a", "ab", "b", "▁a", "x", "мир", "м", "и", "р", "ไทย", "扶м", "р年",
           "é", "e"] + ["ъ"])
ALPHABET = "扶贫消费专柜目标是多少年20，。①·%abx мирไทยé\u0301eＡ１"


def _unigram_tokenizer(folder):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    rng = np.random.default_rng(1)
    scores = [0.0] * len(SPECIALS) + [float(-rng.uniform(1, 8)) for _ in PIECES[:-1]] + [-20.0]
    vocab = list(zip(SPECIALS + PIECES, scores))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                             special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.add_special_tokens(SPECIALS)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture(scope="module")
def unigram_folder(tmp_path_factory):
    return _unigram_tokenizer(tmp_path_factory.mktemp("unigram") / "tok")


def _full_ids(folder, text, max_length=512):
    from tokenizers import Tokenizer

    full = Tokenizer.from_file(str(folder / "tokenizer.json"))
    full.enable_truncation(max_length=max_length)
    return full.encode(text).ids


def test_the_copy_keeps_common_pieces_the_lowest_score_and_the_specials(unigram_folder):
    spec = json.loads((unigram_folder / "tokenizer.json").read_text(encoding="utf-8"))
    copy, original = common_tokenizer_spec(spec)
    pieces = [piece for piece, _ in copy["model"]["vocab"]]
    assert pieces[:4] == SPECIALS and "扶贫" in pieces and "①" in pieces and "ъ" in pieces
    assert "мир" not in pieces and "ไทย" not in pieces and "扶м" not in pieces
    assert [spec["model"]["vocab"][i][0] for i in original] == pieces


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=24))
def test_same_ids_as_the_full_tokenizer_for_any_text(unigram_folder, text):
    tokenizer = CommonTextTokenizer(unigram_folder, max_length=512)
    assert tokenizer.encode_batch([text])[0].tolist() == _full_ids(unigram_folder, text)


def test_common_texts_use_the_copy_and_others_the_full_tokenizer(unigram_folder):
    tokenizer = CommonTextTokenizer(unigram_folder, max_length=512)
    texts = ["2020年消费扶贫专柜目标是多少", "①·% ab", "Ａ１"]
    ids = tokenizer.encode_batch(texts)
    assert tokenizer.pruned_texts == 3
    assert [i.tolist() for i in ids] == [_full_ids(unigram_folder, t) for t in texts]
    for text in ("扶мир", "ไทย年", "<s>扶贫"):  # a dropped script, or a special token written in the text
        assert not tokenizer.fits_copy(text)
        assert tokenizer.encode_batch([text])[0].tolist() == _full_ids(unigram_folder, text)
    assert tokenizer.pruned_texts == 3


def test_truncation_matches(unigram_folder):
    tokenizer = CommonTextTokenizer(unigram_folder, max_length=6)
    text = "扶贫消费专柜目标是多少年"
    assert tokenizer.encode_batch([text])[0].tolist() == _full_ids(unigram_folder, text, max_length=6)


def test_copy_is_written_once_and_rewritten_when_stale(tmp_path):
    folder = _unigram_tokenizer(tmp_path / "tok")
    paths = ensure_common_tokenizer(folder)
    assert paths == (folder / COMMON_FILE, folder / COMMON_IDS_FILE)
    written = paths[0].stat().st_mtime_ns
    assert ensure_common_tokenizer(folder) == paths and paths[0].stat().st_mtime_ns == written
    stamp = folder / (COMMON_FILE + ".version")
    stamp.write_text("0" + stamp.read_text()[1:])  # an older version of the pruning
    paths[0].write_text("not json")
    ensure_common_tokenizer(folder)
    assert json.loads(paths[0].read_text(encoding="utf-8"))["model"]["type"] == "Unigram"
    # A tokenizer.json replaced in place gets a new copy too.
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    spec["model"]["vocab"].append(["贫困", -3.0])
    (folder / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    ensure_common_tokenizer(folder)
    assert ["贫困", -3.0] in json.loads(paths[0].read_text(encoding="utf-8"))["model"]["vocab"]


def test_other_tokenizer_kinds_are_used_whole(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder = tmp_path / "wordlevel"
    folder.mkdir()
    tokenizer = Tokenizer(models.WordLevel({"<unk>": 0, "扶": 1, "贫": 2}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tokenizer.save(str(folder / "tokenizer.json"))
    assert ensure_common_tokenizer(folder) is None and not (folder / COMMON_FILE).exists()
    assert ensure_common_tokenizer(folder) is None  # remembered, not worked out again
    loaded = CommonTextTokenizer(folder, max_length=8)
    assert loaded.encode_batch(["扶贫x"])[0].tolist() == [1, 2, 0] and loaded.pruned_texts == 0


def test_common_characters():
    assert is_common_text("《关于做好2020年消费扶贫工作的通知》（国开办发〔2020〕4号）①·×—") and is_common_text("")
    assert not is_common_text("chǎn") and not is_common_text("мир") and not is_common_text("😀")


def test_a_folder_that_cannot_be_written_falls_back_to_the_full_tokenizer(tmp_path, monkeypatch):
    import embeddings.common_tokenizer as module

    folder = _unigram_tokenizer(tmp_path / "tok")

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(module, "write_atomically", refuse)
    tokenizer = CommonTextTokenizer(folder, max_length=512)
    assert tokenizer.encode_batch(["扶贫年"])[0].tolist() == _full_ids(folder, "扶贫年")
    assert tokenizer.pruned_texts == 0 and not (folder / COMMON_FILE).exists()
