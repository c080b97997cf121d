"""In headless Chromium, behind a login: the document open in the viewer downloads as its original file (an
uploaded .docx under its own name, a seed document as its own file); the file link refuses a browser that has
not logged in."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.config import default_corpus_dir
from tests.conftest import FakeEmbedder
from tests.documents import docx_bytes

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]
NEW_DOC = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n一、总体目标\n"
           "(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")
ORIGINAL_NAME = "乡村振兴 工作要点（2021）.docx"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from starlette.middleware import Middleware

    from assistant import FeedbackStore, Library
    from ui.app import build_app, launch_options
    from ui.auth import ClientAddressMiddleware, LoginGuard

    root = tmp_path_factory.mktemp("ui-download")
    library = Library(root / "library", seed=default_corpus_dir(), embedder=FakeEmbedder())
    library.ensure_index()
    data = docx_bytes(NEW_DOC.splitlines())
    library.add(ORIGINAL_NAME, data)
    feedback = FeedbackStore(root / "library" / "feedback.db")
    app = build_app(library, feedback, feedback, sync_seconds=1.0)
    guard = LoginGuard({"alice": "right"})
    port = _free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, show_error=False,
                       auth=guard.check, **launch_options(Middleware(ClientAddressMiddleware)))
    yield {"url": f"http://127.0.0.1:{port}/", "library": library, "data": data, "audit": feedback}
    app.close()


def _ask_and_open(page, question: str, title: str) -> None:
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function("([t]) => document.querySelector('#sources').innerText.includes(t)", arg=[title],
                           timeout=60000)
    page.locator("#sources label", has_text=title).first.click()
    page.wait_for_function("([t]) => document.querySelector('#viewer').innerText.includes(t)", arg=[title],
                           timeout=30000)


def _download(page):
    page.click("#download-original")
    link = page.locator("#original-file a[download]").first
    link.wait_for(timeout=30000)
    with page.expect_download(timeout=30000) as info:
        link.click()
    return info.value, link.get_attribute("href")


def test_the_viewed_document_downloads_as_its_original_behind_the_login(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US",
                                          accept_downloads=True)
            page = context.new_page()
            page.goto(server["url"])
            page.wait_for_selector("input[type=password]", timeout=30000)
            page.fill("input[type=text]", "alice")
            page.fill("input[type=password]", "right")
            page.keyboard.press("Enter")
            page.wait_for_selector("#question textarea", timeout=60000)

            page.click("#download-original")  # nothing in the viewer yet
            page.wait_for_function("() => document.querySelector('#original-status').innerText.includes('请先')",
                                   timeout=30000)

            _ask_and_open(page, "测试市全年新建高标准农田多少亩", "2021年测试市乡村振兴工作要点")
            download, href = _download(page)
            assert download.suggested_filename == ORIGINAL_NAME
            assert Path(download.path()).read_bytes() == server["data"]
            assert "Word" in page.inner_text("#original-status")

            # a browser that has not logged in gets nothing from the same link
            stranger = browser.new_context()
            url = href if href.startswith("http") else server["url"].rstrip("/") + "/" + href.lstrip("/")
            response = stranger.request.get(url)
            assert response.status in (401, 403) and response.body() != server["data"]
            stranger.close()

            # a seed document (no upload behind it) downloads as the library's own file
            _ask_and_open(page, "2020年消费扶贫专柜目标是多少", "消费扶贫")
            download, _ = _download(page)
            library = server["library"]
            seed = next(d for d in library.documents() if d.source_file == download.suggested_filename)
            assert Path(download.path()).read_bytes() == (library.documents_dir / seed.source_file).read_bytes()

            # a new question empties the viewer, and its download with it
            page.fill("#question textarea", "你好")
            page.click("#send")
            page.wait_for_function("() => !document.querySelector('#original-file a[download]')", timeout=30000)
            context.close()
        finally:
            browser.close()
    assert [e.action for e in server["audit"].events() if e.action == "download"] == ["download", "download"]
