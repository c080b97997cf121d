import pytest

from assistant import FeedbackStore, Library, UploadError
from assistant.config import default_corpus_dir
from tests.conftest import FakeEmbedder
from tests.documents import docx_bytes

NEW_DOC = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n"
           "一、总体目标\n(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")


@pytest.fixture
def library(built_library_root):
    lib = Library(built_library_root, seed=default_corpus_dir(), embedder=FakeEmbedder(), max_upload_bytes=200_000)
    lib.ensure_index()
    return lib


def test_new_library_is_seeded_and_the_seed_untouched(library):
    assert len(library.documents()) == 7
    assert sorted(p.name for p in library.documents_dir.iterdir()) == sorted(
        p.name for p in default_corpus_dir().glob("*.txt"))


def test_added_file_is_answered_without_restart(library):
    result = library.add("测试 方案/../../evil name.txt", NEW_DOC.encode("utf-8"))
    assert "/" not in result.stored_as and result.stored_as.endswith(".txt") and ".." not in result.stored_as
    assert result.documents[0].number == "测试府发〔2021〕7号"
    assert result.report.embedded <= 5
    answer = library.assistant.ask("2021年测试市新建多少亩高标准农田")
    assert "5万亩" in answer.text
    with pytest.raises(UploadError, match="已有"):
        library.add("again.txt", NEW_DOC.encode("utf-8"))


def test_bad_files_change_nothing(library):
    before = sorted(p.name for p in library.documents_dir.iterdir())
    with pytest.raises(UploadError, match="过大"):
        library.add("big.txt", b"x" * 300_000)
    with pytest.raises(UploadError, match="不符"):
        library.add("fake.pdf", NEW_DOC.encode("utf-8"))
    assert sorted(p.name for p in library.documents_dir.iterdir()) == before
    assert len(library.documents()) == 7


def test_remove_deletes_documents_and_refuses_the_last(library):
    library.remove("003_21a7aeb8a96b0289.txt")
    assert all(d.region != "塔城" for d in library.documents())
    with pytest.raises(UploadError, match="没有文件"):
        library.remove("../000_bb060860918b24f5.txt")
    for name in ["000_bb060860918b24f5.txt", "001_4eddf58954baa6ae.txt", "002_67e2a6f90e19cdf4.txt"]:
        library.remove(name)
    with pytest.raises(UploadError, match="最后一个"):
        library.remove("004_a59cb19528c11c68.txt")


def test_feedback_store_and_import(tmp_path):
    import json
    import subprocess
    import sys

    from assistant.config import PROJECT_ROOT

    store = FeedbackStore(tmp_path / "feedback.db")
    store.record(question="那2019年呢？", history=[{"role": "user", "content": "2020年消费扶贫专柜目标是多少"}],
                 answer="没有找到", citations=[], rating=-1, comment="应当说明2019年没有规定")
    store.record(question="好问题", history=[], answer="好回答", citations=[], rating=1)
    with pytest.raises(ValueError):
        store.record(question="q", history=[], answer="a", citations=[], rating=0)
    assert [i.rating for i in store.items()] == [-1, 1]
    out = tmp_path / "candidates.jsonl"
    run = subprocess.run([sys.executable, "-m", "eval", "import-feedback", "--db", str(tmp_path / "feedback.db"),
                          "--out", str(out)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["question"] == "那2019年呢？" and rows[0]["history"][0]["role"] == "user"
    assert rows[0]["comment"] == "应当说明2019年没有规定" and rows[0]["must_contain"] == []


def test_delete_goes_to_trash_and_can_be_undone(library):
    version = library.version
    names = {d.title for d in library.file_documents("003_21a7aeb8a96b0289.txt")}
    assert names
    removal = library.remove("003_21a7aeb8a96b0289.txt")
    assert library.version > version and set(removal.titles) == names
    assert not (library.documents_dir / "003_21a7aeb8a96b0289.txt").exists()
    assert (library.trash_dir / removal.trashed_as).is_file()
    assert library.last_removal() == removal
    assert all(d.source_file != "003_21a7aeb8a96b0289.txt" for d in library.documents())
    restored = library.undo_remove()
    assert restored.source_file == "003_21a7aeb8a96b0289.txt" and library.last_removal() is None
    assert {d.title for d in library.file_documents("003_21a7aeb8a96b0289.txt")} == names
    assert not (library.trash_dir / removal.trashed_as).exists()
    with pytest.raises(UploadError, match="没有可以撤销"):
        library.undo_remove()


def test_undo_survives_a_restart_and_refuses_a_duplicate(library, tmp_path):
    removal = library.remove("003_21a7aeb8a96b0289.txt")
    reopened = Library(library.root, embedder=FakeEmbedder())
    reopened.ensure_index()
    assert reopened.last_removal() == removal and reopened.updated_at > 0
    reopened.add("again.txt", (reopened.trash_dir / removal.trashed_as).read_bytes())
    with pytest.raises(UploadError, match="内容相同"):
        reopened.undo_remove()


def test_duplicate_upload_names_the_document(library):
    library.add("a.txt", NEW_DOC.encode("utf-8"))
    with pytest.raises(UploadError, match="《2021年测试市乡村振兴工作要点》"):
        library.add("b.txt", NEW_DOC.encode("utf-8"))


def test_a_server_opens_the_existing_index_at_once_and_refreshes_behind_it(tmp_path):
    from tests.conftest import FakeEmbedder

    embedder = FakeEmbedder()
    root = tmp_path / "lib"
    first = Library(root, seed=default_corpus_dir(), embedder=embedder)
    assert not first.open_existing()  # nothing built yet
    first.ensure_index()
    count = len(first.documents())
    # A file that arrived while the server was down (an upload a crash interrupted, say).
    (root / "documents" / "新增.txt").write_text("关于印发《2021年测试方案》的通知\n一、新建300个站点。", encoding="utf-8")
    again = Library(root, seed=default_corpus_dir(), embedder=embedder)
    assert again.open_existing() and len(again.documents()) == count  # answering from the old index at once
    again.refresh_in_background().join(timeout=120)
    assert len(again.documents()) == count + 1


class ReleasingEmbedder(FakeEmbedder):
    """A fake embedder that counts how often its passage encoder is released."""

    def __init__(self) -> None:
        super().__init__()
        self.released = 0

    def release_passage_encoder(self) -> bool:
        self.released += 1
        return True


def test_the_passage_encoder_is_released_after_each_build_that_encoded(tmp_path):
    embedder = ReleasingEmbedder()
    lib = Library(tmp_path / "lib", seed=default_corpus_dir(), embedder=embedder)
    lib.ensure_index()
    assert embedder.released == 1
    lib.ensure_index()  # nothing encoded: nothing to release
    assert embedder.released == 1
    lib.add("新文件.txt", NEW_DOC.encode("utf-8"))
    assert embedder.released == 2
    assert "5万亩" in lib.assistant.ask("2021年测试市新建多少亩高标准农田").text  # encodes again after a release


def test_release_passage_encoders_drops_only_what_encodes_passages():
    from embeddings.models import release_passage_encoders

    embedder = ReleasingEmbedder()
    assert release_passage_encoders(embedder, object()) is True and embedder.released == 1
    assert release_passage_encoders(object()) is False


def test_the_uploaded_file_is_kept_as_it_came_and_follows_deletion_and_undo(library):
    from assistant.ingest.corpus import read_origins

    data = docx_bytes(NEW_DOC.splitlines())
    result = library.add("乡村振兴 工作要点.docx", data)
    kept = library.original(result.stored_as)
    assert kept is not None and kept[1] == "乡村振兴 工作要点.docx" and kept[0].read_bytes() == data
    origin = read_origins(library.documents_dir)[result.stored_as]
    assert origin.format == "docx" and origin.name == "乡村振兴 工作要点.docx"
    assert result.documents[0].source_format == "docx"
    library.remove(result.stored_as)
    assert library.original(result.stored_as) is None and not kept[0].exists()
    assert result.stored_as not in read_origins(library.documents_dir)
    library.undo_remove()
    again = library.original(result.stored_as)
    assert again is not None and again[0].read_bytes() == data
    assert library.original("001_4eddf58954baa6ae.txt") is None  # a seed document has no upload to give back
