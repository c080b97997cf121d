import io

from assistant.ingest.corpus import read_corpus
from assistant.ingest.parsing import parse_page


def test_encodings_are_detected_and_bad_files_skipped(tmp_path):
    (tmp_path / "gbk.txt").write_bytes("关于印发《测试方案》的通知\n一、总体要求".encode("gbk"))
    (tmp_path / "big5.txt").write_bytes("關於印發《測試方案》的通知".encode("big5"))
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02" * 20)
    (tmp_path / "image.gif").write_bytes(b"GIF89a")
    files, skipped = read_corpus(tmp_path)
    assert sorted(f.name for f in files) == ["big5.txt", "gbk.txt"]
    assert "测试方案" in next(f.text for f in files if f.name == "gbk.txt")
    assert "測試方案" in next(f.text for f in files if f.name == "big5.txt")
    reasons = {s.name: s.reason for s in skipped}
    assert reasons["empty.txt"] == "文件是空的"
    assert "binary" in reasons["binary.txt"]
    assert "不支持的文件类型" in reasons["image.gif"]


def test_every_format_is_read_by_the_corpus_reader(tmp_path):
    import docx

    (tmp_path / "plan.md").write_text(
        "# 测试市养老服务条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了测试，制定本条例。", encoding="utf-8")
    (tmp_path / "page.html").write_text("<html><body><h1>关于印发测试方案的通知</h1><p>一、建设100个站点。</p>"
                                        "<script>x()</script></body></html>", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("关于开展测试工作的意见")
    document.add_paragraph("一、每年培训200人。")
    buffer = io.BytesIO()
    document.save(buffer)
    (tmp_path / "word.docx").write_bytes(buffer.getvalue())
    files, skipped = read_corpus(tmp_path)
    texts = {f.name: f.text for f in files}
    assert not skipped and set(texts) == {"plan.md", "page.html", "word.docx"}
    assert texts["plan.md"].startswith("测试市养老服务条例") and "#" not in texts["plan.md"] and "INFO" not in texts["plan.md"]
    assert "建设100个站点" in texts["page.html"] and "x()" not in texts["page.html"]
    assert "每年培训200人" in texts["word.docx"]


def test_files_with_one_stem_get_different_document_ids(tmp_path):
    (tmp_path / "plan.txt").write_text("关于印发《甲方案》的通知\n一、建设10个站点。", encoding="utf-8")
    (tmp_path / "plan.md").write_text("# 乙条例\n\n第一条 建设20个站点。", encoding="utf-8")
    files, _ = read_corpus(tmp_path)
    ids = {doc.document.doc_id for f in files for doc in parse_page(f.name, f.text)}
    assert ids == {"plan.txt", "plan.md"}


def test_links_out_of_the_corpus_are_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("关于印发《外部方案》的通知\n一、不应被读取的内容。", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.txt").write_text("关于印发《本地方案》的通知\n一、本地内容十二项。", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    files, skipped = read_corpus(corpus)
    assert [f.name for f in files] == ["own.txt"]
    assert [s.name for s in skipped] == ["link.txt"]


def test_work_per_file_is_bounded(tmp_path):
    from assistant.config import IndexConfig
    from assistant.index.build import _prepare
    from assistant.ingest.corpus import SourceFile

    junk = SourceFile("junk.txt", "\n".join(f"({i % 9 + 1})" for i in range(3000)), "x")
    huge = SourceFile("huge.txt", "关于测试的通知\n" + "内容。" * 1000, "y")
    good = SourceFile("good.txt", "关于测试的通知\n一、建设10个站点。", "z")
    skipped: list = []
    documents, chunks = _prepare([junk, huge, good], IndexConfig(max_file_chars=2000, max_chunks_per_file=100),
                                 skipped=skipped)
    assert [d.doc_id for d in documents] == ["good.txt"]
    assert {s.name for s in skipped} == {"junk.txt", "huge.txt"}
    assert all("上限" in s.reason for s in skipped)


def test_a_docx_that_unpacks_too_far_is_refused_before_parsing():
    import zipfile

    import pytest

    from assistant.errors import UploadError
    from assistant.ingest import readers
    from assistant.ingest.readers import docx_to_text

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document>" + " " * (3 * 1048576) + "</w:document>")
    limit = readers.MAX_UNPACKED_BYTES
    readers.MAX_UNPACKED_BYTES = 1048576
    try:
        with pytest.raises(UploadError, match="解压后过大"):
            docx_to_text(buffer.getvalue())
    finally:
        readers.MAX_UNPACKED_BYTES = limit
