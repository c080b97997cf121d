"""Small pieces of the page that need no browser."""

from __future__ import annotations

import asyncio

from ui.app import ALL, filter_summary, remove_upload_copy
from ui.web import FORCE_CHINESE, ChineseLocaleMiddleware


def test_filter_summary_names_every_active_filter():
    assert filter_summary([], ALL, ALL) == ""
    assert filter_summary([], "山东", None) == "地区=山东"
    assert filter_summary(["《A》", "《B》"], "山东", "2020") == "文档=《A》、《B》；地区=山东；年份=2020"


def test_upload_copy_and_its_folder_are_removed(tmp_path):
    folder = tmp_path / "abc123"
    folder.mkdir()
    path = folder / "上传.txt"
    path.write_text("x", encoding="utf-8")
    remove_upload_copy(str(path))
    assert not path.exists() and not folder.exists()
    remove_upload_copy(str(path))  # already gone: no error


def _serve(middleware, content_type: bytes, body: bytes) -> bytes:
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(middleware(app)({"type": "http", "method": "GET", "path": "/"}, receive, send))
    headers = dict(sent[0]["headers"])
    out = b"".join(m.get("body", b"") for m in sent[1:])
    assert int(headers[b"content-length"]) == len(out)
    return out


def test_page_is_told_the_browser_prefers_chinese_before_gradio_starts():
    out = _serve(lambda app: ChineseLocaleMiddleware(app, max_upload_bytes=1000, upload_types=(".txt",)),
                 b"text/html; charset=utf-8", b"<html><head><script src=gradio.js></script></head></html>")
    assert out.startswith(b"<html><head>" + FORCE_CHINESE)
    assert out.index(b"zh-CN") < out.index(b"gradio.js") and b"const LIMIT = 1000" in out and b'[".txt"]' in out
    assert _serve(ChineseLocaleMiddleware, b"application/json", b'{"a": "<head>"}') == b'{"a": "<head>"}'


def test_the_library_table_shows_kind_dates_and_versions(tmp_path):
    from assistant import Library
    from tests.conftest import FakeEmbedder
    from ui.app import LIBRARY_HEADERS, document_rows

    seed = tmp_path / "seed"
    seed.mkdir()
    for year, extra in ((2018, ""), (2024, "第三条 河道每日保洁一次。\n\n")):
        (seed / f"河道条例{year}.md").write_text(
            f"# 测试市河道保洁条例\n\n{year}年3月1日 测试市人民代表大会常务委员会第五次会议通过\n\n<!-- INFO END -->\n\n"
            f"第一条 为了保持河道清洁，制定本条例。\n\n第二条 本条例自{year}年5月1日起施行。\n\n{extra}",
            encoding="utf-8")
    library = Library(tmp_path / "lib", seed=seed, embedder=FakeEmbedder())
    library.ensure_index()
    rows = {row[LIBRARY_HEADERS.index("文件")]: dict(zip(LIBRARY_HEADERS, row)) for row in document_rows(library)}
    old, new = rows["河道条例2018.md"], rows["河道条例2024.md"]
    assert old["类别"] == new["类别"] == "条例" and old["标题"] == new["标题"] == "测试市河道保洁条例"
    assert old["日期"] == "通过 2018-03-01；施行 2018-05-01" and new["日期"] == "通过 2024-03-01；施行 2024-05-01"
    assert old["版本"] == "旧版（2018-03-01 版）" and new["版本"] == "现行（2024-03-01 版）"
    assert old["条款数"] == "2" and new["条款数"] == "3"
