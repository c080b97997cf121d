"""The jieba segmenter: its dictionary cache, read in one go, gives the same words as jieba's own loading."""

import marshal

from assistant.index import lexical


def test_a_fresh_and_a_cached_dictionary_segment_alike(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_QA_HOME", str(tmp_path))
    text = "2020年全市设立消费扶贫专柜1万个，推进脱贫攻坚与乡村振兴有效衔接"
    fresh = lexical.Segmenter()  # no cache yet: jieba builds the dictionary and writes the cache
    cache = tmp_path / "jieba.cache"
    assert cache.is_file()
    import jieba

    def not_again(self, dictionary=None):
        raise AssertionError("jieba re-read its dictionary although the cache was there")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", not_again)
    cached = lexical.Segmenter()  # the cache is read here, in one read
    assert cached._tokenizer.FREQ == fresh._tokenizer.FREQ
    assert cached.words(text) == fresh.words(text) and cached.topic_words(text) == fresh.topic_words(text)
    assert "消费扶贫专柜" in cached._tokenizer.FREQ  # the policy terms are still added on top


def test_a_damaged_cache_falls_back_to_rebuilding_it(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_QA_HOME", str(tmp_path))
    (tmp_path / "jieba.cache").write_bytes(b"\x00broken")
    segmenter = lexical.Segmenter()
    assert "扶贫" in segmenter.words("消费扶贫")
    freq, total = marshal.loads((tmp_path / "jieba.cache").read_bytes())
    assert total > 0 and "扶贫" in freq


def test_bm25_built_in_numpy_scores_as_bm25s_does(tmp_path):
    """Oracle: the numpy build gives the scores of bm25s's own indexing, chunks without terms included."""
    import bm25s
    import numpy as np

    rng = np.random.default_rng(3)
    docs = [[f"词{x}" for x in rng.integers(0, 40, size=rng.integers(0, 15))] for _ in range(250)]
    ours = lexical.BM25Index.build(docs)
    reference = bm25s.BM25()
    reference.index([d or [""] for d in docs], show_progress=False)
    for query in (["词1"], ["词2", "词3", "词3"], ["词39", "词0"], ["没有的词"]):
        assert np.allclose(ours.scores(query), lexical.BM25Index(reference).scores(query), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path)
    assert np.allclose(lexical.BM25Index.load(tmp_path).scores(["词5"]), ours.scores(["词5"]))
    expected = {}
    for d in docs:
        for term in set(d):
            expected[term] = expected.get(term, 0) + 1
    assert ours.doc_freq == expected


def test_bm25_of_no_terms_at_all():
    import numpy as np

    index = lexical.BM25Index.build([[], []])
    assert index.scores(["词"]).tolist() == [0.0, 0.0]
    assert index.doc_freq == {} and len(np.asarray(index.scores([]))) == 2
