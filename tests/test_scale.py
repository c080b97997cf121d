import numpy as np
import pytest

from embeddings.vector_index import VectorIndex


def _clustered(n: int, d: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, d))
    data = centres[rng.integers(40, size=n)] + rng.normal(0, 0.5, size=(n, d))
    return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)


def test_large_collections_use_ivf_tuned_for_recall(tmp_path):
    vectors = _clustered(4000)
    index = VectorIndex.build(vectors, exact_limit=1000)
    assert index.kind == "ivf-sq8"
    nprobe, recall = index.tune(vectors)
    assert recall >= 0.98 and nprobe >= 1
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    loaded.set_nprobe(nprobe)
    scores, ids = loaded.search(vectors[7], 5)
    assert ids[0] == 7 and len(ids) == 5
    assert loaded.reconstruct_all().shape == vectors.shape


@pytest.mark.parametrize("exact_limit", [10_000, 1000])
def test_filtered_search_returns_only_allowed_rows(exact_limit):
    vectors = _clustered(3000, seed=1)
    index = VectorIndex.build(vectors, exact_limit=exact_limit)
    allowed = np.zeros(len(vectors), dtype=bool)
    allowed[::7] = True
    _, ids = index.search(vectors[5], 20, allowed)
    assert len(ids) == 20 and all(allowed[i] for i in ids)


def test_small_collections_stay_exact():
    assert VectorIndex.build(_clustered(500)).kind == "flat"


def test_synthetic_index_answers_and_filters(tmp_path, fake_index):
    from assistant import Assistant
    from eval.synthetic import build_synthetic_index
    from tests.conftest import FakeEmbedder

    report = build_synthetic_index(fake_index, tmp_path / "syn", 1200, embedder=FakeEmbedder())
    assert report.documents == 24 and report.sentences > 100
    assistant = Assistant.load(tmp_path / "syn", embedder=FakeEmbedder())
    answer = assistant.ask("2020年消费扶贫专柜目标是多少")
    assert not answer.abstained and "1万个" in answer.text
    assert all("2020" in p.text or "2020" in assistant.document(p.doc_id).title for p in answer.retrieved)


@pytest.mark.integration
def test_bench_reports_the_named_figures(tmp_path):
    from assistant import default_corpus_dir
    from eval.bench import flat_figures, run_bench, table
    from eval.cli import GOLDEN

    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(GOLDEN.read_text(encoding="utf-8").splitlines(True)[:12]), encoding="utf-8")
    results = run_bench(sizes=[1500], corpus=default_corpus_dir(), questions=questions, peer=False, rounds=1,
                        log=lambda m: None)
    flat = flat_figures(results)
    for key in ("bundled.query_p50_ms", "bundled.query_p95_ms", "bundled.cold_start_s", "bundled.build_s",
                "bundled.encode_only_s", "bundled.build_besides_encoding_s", "scale.1500.query_p50_ms",
                "scale.1500.rss_mb", "ours.hit@5"):
        assert isinstance(flat[key], (int, float)), key
    assert "| bundled corpus | value |" in table(results)


@pytest.mark.integration
def test_peer_runs_offline_with_the_same_model_in_turns_with_ours(tmp_path, fake_assistant):
    pytest.importorskip("llama_index.core")
    from assistant import default_corpus_dir
    from eval.bench import bench_peer
    from eval.cli import GOLDEN

    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(GOLDEN.read_text(encoding="utf-8").splitlines(True)[:8]), encoding="utf-8")
    peer, ours = bench_peer(default_corpus_dir(), questions, fake_assistant, lambda m: None, rounds=2)
    assert peer["chunks"] > 0 and 0.0 <= peer["hit@5"] <= 1.0 and peer["questions"] == 8
    assert len(peer["query_p50_ms_rounds"]) == len(ours["query_p50_ms_rounds"]) == 2
    assert peer["query_p50_ms"] == min(peer["query_p50_ms_rounds"]) > 0
    assert ours["query_p50_ms"] == min(ours["query_p50_ms_rounds"]) > 0
    assert peer["ours_speedup"] == round(peer["query_p50_ms"] / ours["query_p50_ms"], 2)


def test_bench_refuses_bad_sizes_and_rounds(capsys):
    from eval.cli import main

    assert main(["bench", "--sizes", "ten"]) == 2
    assert "--sizes takes whole numbers" in capsys.readouterr().err
    assert main(["bench", "--rounds", "0"]) == 2
    assert "--rounds must be at least 1" in capsys.readouterr().err


def test_an_ivf_search_visits_enough_clusters_for_questions():
    from embeddings.vector_index import QUESTION_NPROBE

    vectors = _clustered(4000)
    index = VectorIndex.build(vectors, exact_limit=1000)
    index.set_nprobe(8)  # a width tuned on passages as queries is widened for questions
    lists = int(index._index.nlist)
    assert index._index.nprobe == min(lists, QUESTION_NPROBE)
    index.set_nprobe(lists * 2)
    assert index._index.nprobe == lists
