"""The web UI in a real headless Chromium: ask, follow up, open citations, upload, XSS, feedback, API."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, default_corpus_dir

# The UI answers with the real model, so these are integration tests too.
pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
NEW_DOC = ("关于印发《2021年测试市乡村振兴工作要点》的通知\n测试府发〔2021〕7号\n一、总体目标\n"
           "(一)发展目标。全年新建高标准农田5万亩,培育家庭农场200家。(市农业农村委牵头负责)\n")
XSS_DOC = ("关于印发《2021年安全测试工作方案》的通知\n一、工作内容\n"
           "(一)页面测试。<script>window.__xss = 1</script>全年开展安全巡检12次。"
           "<img src=x onerror=\"window.__xss = 2\">(市网信办牵头负责)\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from assistant import FeedbackStore, Library
    from ui.app import build_app

    root = tmp_path_factory.mktemp("ui")
    library = Library(root / "library", seed=default_corpus_dir())
    library.ensure_index()
    feedback = FeedbackStore(root / "library" / "feedback.db")
    app = build_app(library, feedback)
    port = _free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, show_error=False,
                       quiet=True)
    yield {"url": f"http://127.0.0.1:{port}/", "library": library, "feedback": feedback, "root": root}
    app.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#question textarea", timeout=60000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def ask(page, question: str, expect: str) -> None:
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(
        "([text]) => document.querySelector('#chat').innerText.includes(text)", arg=[expect], timeout=60000)


def upload(page, path: Path, expect: str) -> None:
    """Upload one file in the library tab and wait for the status line to say `expect`."""
    page.get_by_role("tab", name="文档库").click()
    page.set_input_files("#upload input[type=file]", str(path))
    page.click("#upload-button")
    page.wait_for_function("([text]) => document.querySelector('#library-status').innerText.includes(text)",
                           arg=[expect], timeout=120000)


def test_answer_citation_opens_highlighted_passage(page):
    ask(page, "2020年消费扶贫专柜目标是多少", "1万个")
    assert "渝扶组发〔2020〕1号" in page.inner_text("#sources")
    page.locator("#sources label", has_text="[1]").first.click()
    page.wait_for_selector("#cite-hl", timeout=30000)
    assert "设立1万个消费扶贫专柜" in page.inner_text("#cite-hl")
    # the quoted sentence is scrolled into the viewer's visible area
    page.wait_for_function("""() => {
        const mark = document.getElementById('cite-hl'), box = document.getElementById('doc-viewer');
        const m = mark.getBoundingClientRect(), b = box.getBoundingClientRect();
        return m.top >= b.top && m.bottom <= b.bottom; }""", timeout=10000)


def test_follow_up_uses_the_conversation(page):
    ask(page, "2020年消费扶贫专柜目标是多少", "1万个")
    ask(page, "那2019年呢？", "2019年")
    chat = page.inner_text("#chat")
    assert "没有找到2019年" in chat
    assert "可能相关" in page.inner_text("#sources")


def test_upload_then_ask_about_it(page, server, tmp_path):
    path = tmp_path / "测试市乡村振兴.txt"
    path.write_text(NEW_DOC, encoding="utf-8")
    upload(page, path, "已添加")
    assert "2021年测试市乡村振兴工作要点" in page.inner_text("#library")
    page.get_by_role("tab", name="问答").click()
    ask(page, "2021年测试市要新建多少亩高标准农田？", "5万亩")


def test_bad_upload_is_refused_and_changes_nothing(page, server, tmp_path):
    before = len(server["library"].documents())
    path = tmp_path / "伪装.pdf"
    path.write_text("这不是PDF文件的内容，只是文字。", encoding="utf-8")
    upload(page, path, "未能添加")
    assert "不符" in page.inner_text("#library-status")
    assert len(server["library"].documents()) == before


def test_document_with_script_renders_inert(page, tmp_path):
    path = tmp_path / "安全测试.txt"
    path.write_text(XSS_DOC, encoding="utf-8")
    upload(page, path, "已添加")
    page.get_by_role("tab", name="问答").click()
    ask(page, "2021年安全巡检开展几次？", "12次")
    page.locator("#sources label", has_text="[1]").first.click()
    page.wait_for_selector("#cite-hl", timeout=30000)
    viewer = page.inner_text("#viewer")
    assert "<script>" in viewer and "onerror" in viewer  # shown as text
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#viewer img").count() == 0 and page.locator("#chat img[src='x']").count() == 0


def test_dislike_is_stored(page, server):
    ask(page, "2019年易地扶贫搬迁计划搬迁多少人", "2.6万人")
    before = len(server["feedback"].items(rating=-1))
    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.wait_for_function("() => document.body.innerText.includes('已记录您的评价')", timeout=30000)
    items = server["feedback"].items(rating=-1)
    assert len(items) == before + 1 and items[-1].question == "2019年易地扶贫搬迁计划搬迁多少人"


def test_gradio_client_api(server):
    from gradio_client import Client

    client = Client(server["url"], verbose=False)
    result = client.predict("2020年消费扶贫专柜目标是多少", "[]", api_name="/ask")
    assert "1万个" in result["answer"] and not result["abstained"]
    assert result["citations"][0]["start"] < result["citations"][0]["end"]
    follow = client.predict("那2019年呢？", '[{"role": "user", "content": "2020年消费扶贫专柜目标是多少"}]',
                            api_name="/ask")
    assert follow["abstained"]
    assert "error" in client.predict("   ", "[]", api_name="/ask")
