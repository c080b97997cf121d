from assistant.ingest.corpus import read_corpus


def test_encodings_are_detected_and_bad_files_skipped(tmp_path):
    (tmp_path / "gbk.txt").write_bytes("关于印发《测试方案》的通知\n一、总体要求".encode("gbk"))
    (tmp_path / "big5.txt").write_bytes("關於印發《測試方案》的通知".encode("big5"))
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02" * 20)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    files, skipped = read_corpus(tmp_path)
    assert sorted(f.name for f in files) == ["big5.txt", "gbk.txt"]
    assert "测试方案" in next(f.text for f in files if f.name == "gbk.txt")
    assert "測試方案" in next(f.text for f in files if f.name == "big5.txt")
    reasons = {s.name: s.reason for s in skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "unsupported" in reasons["image.png"]
