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
