"""The web UI in a real headless Chromium: ask, follow up, open citations, upload, XSS, feedback, API; one live
library across pages, safe deletes with undo, visible filters, Chinese texts, upload errors, exports."""

from __future__ import annotations

import os
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
MAX_UPLOAD = 1_000_000
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
    from ui.app import build_app, launch_options

    root = tmp_path_factory.mktemp("ui")
    library = Library(root / "library", seed=default_corpus_dir(), max_upload_bytes=MAX_UPLOAD)
    library.ensure_index()
    feedback = FeedbackStore(root / "library" / "feedback.db")
    audit = feedback
    app = build_app(library, feedback, audit, sync_seconds=1.0)
    port = _free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, show_error=False,
                       **launch_options(max_upload_bytes=MAX_UPLOAD))
    yield {"url": f"http://127.0.0.1:{port}/", "library": library, "feedback": feedback, "root": root,
           "audit": audit}
    app.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


def open_page(browser, server):
    # an English browser: the page must still be Chinese throughout
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#question textarea", timeout=60000)
    return context, page


@pytest.fixture
def page(browser, server, request):
    context, page = open_page(browser, server)
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
    page.wait_for_function("([text]) => document.querySelector('#upload-status').innerText.includes(text)",
                           arg=[expect], timeout=120000)


def wait_text(page, selector: str, text: str, present: bool = True, timeout: int = 45000) -> None:
    page.wait_for_function("([sel, text, present]) => { const e = document.querySelector(sel);"
                           " return !!e && e.innerText.includes(text) === present; }",
                           arg=[selector, text, present], timeout=timeout)


def choose(page, elem_id: str, text: str) -> None:
    """Pick the option containing `text` in a Gradio dropdown."""
    page.click(f"#{elem_id} input")
    page.locator("[role=option]", has_text=text).first.click()


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
    assert "不符" in page.inner_text("#upload-status")
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


MARKDOWN_DOC = ("关于印发《2021年![t](http://127.0.0.1:9/beacon.png)[链接](javascript:alert(1))测试方案》的通知\n"
               "一、工作内容\n(一)标记测试。全年开展标记巡检15次。\n")


def test_markdown_in_titles_and_questions_is_shown_as_text(page, tmp_path):
    path = tmp_path / "标记测试.txt"
    path.write_text(MARKDOWN_DOC, encoding="utf-8")
    upload(page, path, "已添加")
    page.get_by_role("tab", name="问答").click()
    ask(page, "标记巡检开展几次？", "15次")
    ask(page, "![q](http://127.0.0.1:9/q.png) 巡检呢", "q.png")
    chat = page.locator("#chat")
    assert chat.locator("img").count() == 0 and chat.locator("a[href^='javascript']").count() == 0
    assert "![t](http://127.0.0.1:9/beacon.png)" in page.inner_text("#chat").replace("\u200b", "")


def test_dislike_with_a_comment_is_stored_once(page, server):
    ask(page, "2019年易地扶贫搬迁计划搬迁多少人", "2.6万人")
    before = len(server["feedback"].items(rating=-1))
    page.locator("#chat button[aria-label='踩']").last.click()
    wait_text(page, "#feedback-status", "已收到")
    page.fill("#comment textarea", "应当给出分年度的数字")
    page.click("#submit-feedback")
    wait_text(page, "#feedback-status", "已记录您的反馈")
    items = server["feedback"].items(rating=-1)
    assert len(items) == before + 1
    assert items[-1].question == "2019年易地扶贫搬迁计划搬迁多少人" and items[-1].comment == "应当给出分年度的数字"
    # a 👎 without a comment is stored once, when the next question is asked
    ask(page, "2020年消费扶贫专柜目标是多少", "1万个")
    page.locator("#chat button[aria-label='踩']").last.click()
    wait_text(page, "#feedback-status", "已收到")
    assert len(server["feedback"].items(rating=-1)) == before + 1
    ask(page, "塔城扶贫日研讨会由哪个部门牵头？", "塔城")
    items = server["feedback"].items(rating=-1)
    assert len(items) == before + 2 and items[-1].comment == "" and items[-1].question == "2020年消费扶贫专柜目标是多少"


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


SHARED_DOC = ("关于印发《2022年共享测试工作方案》的通知\n共享府发〔2022〕3号\n一、工作目标\n"
              "(一)建设目标。全年建成共享驿站30个。(市商务委牵头负责)\n")


def test_two_pages_share_one_live_library(browser, server, tmp_path):
    (ctx_a, a), (ctx_b, b) = open_page(browser, server), open_page(browser, server)
    try:
        b.get_by_role("tab", name="文档库").click()
        path = tmp_path / "共享测试.txt"
        path.write_text(SHARED_DOC, encoding="utf-8")
        upload(a, path, "已添加")
        # the other open page sees the new document without a reload: table, delete list, filters, count
        wait_text(b, "#library", "2022年共享测试工作方案", timeout=45000)
        b.click("#delete-choice input")
        b.locator("[role=option]", has_text="2022年共享测试工作方案").first.wait_for(state="attached", timeout=45000)
        b.keyboard.press("Escape")
        b.get_by_role("tab", name="问答").click()
        count = len(server["library"].documents())
        wait_text(b, "#library-summary", f"{count} 篇文档")
        b.get_by_text("筛选范围").click()
        b.click("#doc-filter input")
        b.locator("[role=option]", has_text="2022年共享测试工作方案").first.wait_for(state="attached", timeout=45000)
        b.keyboard.press("Escape")
        # deleted in one page, gone from the other
        choose(a, "delete-choice", "2022年共享测试工作方案")
        a.click("#delete-button")
        a.click("#confirm-delete")
        wait_text(a, "#library-status", "已删除")
        wait_text(b, "#library-summary", f"{count - 1} 篇文档", timeout=45000)
        b.get_by_role("tab", name="文档库").click()
        wait_text(b, "#library", "2022年共享测试工作方案", present=False, timeout=45000)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_delete_names_every_document_of_the_file_and_can_be_undone(page, server):
    library = server["library"]
    before = len(library.documents())
    page.get_by_role("tab", name="文档库").click()
    assert page.input_value("#delete-choice input") == ""  # nothing preselected
    page.click("#delete-button")
    wait_text(page, "#library-status", "请先选择")
    choose(page, "delete-choice", "山东省关于贯彻落实")
    page.click("#delete-button")
    page.wait_for_selector("#delete-confirm", state="visible", timeout=45000)
    confirm = page.inner_text("#delete-confirm")
    # the file holds three documents: the confirmation names all of them
    for title in ("关于开展消费扶贫助力打赢脱贫攻坚战的行动方案", "山东省关于贯彻落实中央扶贫开发工作部署的意见",
                  "贵州省委十二届三次全会"):
        assert title in confirm
    assert "004_a59cb19528c11c68.txt" in confirm and "3 篇" in confirm
    try:
        page.click("#confirm-delete")
        wait_text(page, "#library-status", "已删除")
        assert len(library.documents()) == before - 3
        assert any(p.name.endswith("004_a59cb19528c11c68.txt") for p in library.trash_dir.iterdir())
        assert [e.action for e in server["audit"].events()][0] == "delete"  # newest first
        page.click("#undo-delete")
        wait_text(page, "#library-status", "已恢复")
        assert len(library.documents()) == before
        # the undo button now offers the deletion before this one, if any
        wait_text(page, "body", "撤销上次删除（004_a59cb19528c11c68.txt）", present=False, timeout=45000)
    finally:
        if library.last_removal() is not None and library.last_removal().source_file == "004_a59cb19528c11c68.txt":
            library.undo_remove()


def test_active_filters_are_shown_and_named_in_abstentions(page, server):
    count = len(server["library"].documents())
    wait_text(page, "#library-summary", f"{count} 篇文档")  # once the page's first sync has come back
    assert "最近更新" in page.inner_text("#library-summary")
    assert "无" in page.inner_text("#active-filters")
    page.get_by_text("筛选范围").click()
    choose(page, "region-filter", "山东")
    wait_text(page, "#active-filters", "地区=山东")
    ask(page, "2020年消费扶贫专柜目标是多少", "当前筛选：地区=山东")
    assert "1万个" not in page.inner_text("#chat")
    # nothing offers to post the conversation to Hugging Face
    assert page.locator("#chat button[aria-label*='分享'], #chat button[aria-label*='hare']").count() == 0


def test_gradio_texts_are_chinese_and_upload_errors_are_shown_beside_the_upload(page, server, tmp_path):
    page.get_by_role("tab", name="文档库").click()
    body = page.inner_text("body")
    for english in ("Drop File Here", "Click to Upload", "Built with Gradio", "Use via API"):
        assert english not in body
    assert "拖放" in body or "点击上传" in body
    big = tmp_path / "很大的文件.txt"
    big.write_bytes("政策".encode() * (MAX_UPLOAD // 4))
    # refused in the page, in Chinese, before anything is sent (Gradio's own message is English)
    page.set_input_files("#upload input[type=file]", str(big))
    wait_text(page, "#upload-error", "文件过大")
    program = tmp_path / "程序.exe"  # images are read by OCR now; a program is still refused
    program.write_bytes(b"MZ\x90\x00")
    page.set_input_files("#upload input[type=file]", str(program))
    wait_text(page, "#upload-error", "不支持的文件类型“.exe”")
    assert "exceed" not in page.inner_text("body") and "Invalid file type" not in page.inner_text("body")
    empty = tmp_path / "空文件.txt"
    empty.write_bytes(b"   ")
    upload(page, empty, "空")
    page.get_by_role("tab", name="问答").click()
    again = tmp_path / "重复.txt"
    again.write_text(SHARED_DOC.replace("2022年共享", "2023年重复"), encoding="utf-8")
    upload(page, again, "已添加")
    upload(page, again, "已有内容相同")
    assert "2023年重复测试工作方案" in page.inner_text("#upload-status")
    # Gradio's temporary copies of the uploads are gone once read
    import tempfile

    upload_dir = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    for name in (big.name, empty.name, again.name):
        assert not list(upload_dir.rglob(name)), name


def test_export_conversation_as_markdown_and_docx(page, server):
    ask(page, "2020年消费扶贫专柜目标是多少", "1万个")
    page.get_by_text("导出", exact=True).click()
    page.get_by_text("整个对话").click()
    page.click("#export-button")
    wait_text(page, "#export-status", "已生成")
    href = page.locator("#export-file a").first.get_attribute("href")
    text = page.request.get(href).body().decode("utf-8")
    assert "2020年消费扶贫专柜目标是多少" in text and "渝扶组发〔2020〕1号" in text and "设立1万个消费扶贫专柜" in text
    page.get_by_text("Word（.docx）").click()
    page.click("#export-button")
    wait_text(page, "#export-status", ".docx")
    href = page.locator("#export-file a").first.get_attribute("href")
    import io

    import docx

    document = docx.Document(io.BytesIO(page.request.get(href).body()))
    assert "渝扶组发〔2020〕1号" in "\n".join(p.text for p in document.paragraphs)


def test_citation_markers_in_the_answer_open_the_cited_quote(page):
    ask(page, "2020年消费扶贫专柜目标是多少", "1万个")
    ask(page, "2019年易地扶贫搬迁计划搬迁多少人", "2.6万人")
    markers = page.locator("#chat .message-content a.cite-marker")
    assert markers.count() >= 4  # [1] in each answer's text and in its source list
    # the marker in the first answer's text opens the first answer's citation, though a later answer came since
    first = page.locator("#chat .message-content", has_text="1万个").first.locator("a.cite-marker").first
    assert first.inner_text() == "[1]"
    first.click()
    wait_text(page, "#cite-hl", "设立1万个消费扶贫专柜")
    assert "《2020年全市脱贫攻坚工作要点》" in page.inner_text("#viewer")
    page.wait_for_function("""() => {
        const mark = document.getElementById('cite-hl'), box = document.getElementById('doc-viewer');
        const m = mark.getBoundingClientRect(), b = box.getBoundingClientRect();
        return m.top >= b.top && m.bottom <= b.bottom; }""", timeout=10000)
    second = page.locator("#chat .message-content", has_text="2.6万人").last.locator("a.cite-marker").first
    second.click()
    wait_text(page, "#cite-hl", "2.6万")
    assert "2019年全市脱贫攻坚工作要点" in page.inner_text("#viewer")
    first.click()  # a second click on one marker opens it again
    wait_text(page, "#cite-hl", "设立1万个消费扶贫专柜")
    # the copy button copies the answer as shown: markers as [n], no markup
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#chat button[aria-label='复制消息'], #chat button[aria-label='Copy message']").last.click()
    page.wait_for_function("() => navigator.clipboard.readText().then((t) => t.includes('2.6万'))", timeout=10000)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "[1]" in copied and "cite-marker" not in copied and "<a" not in copied and "&" not in copied


def _ledger_rows(page) -> list[str]:
    """The ledger rows drawn in the page (the table draws the rows in view only: keep filtered sets small)."""
    return page.locator("#ledger .virtual-row").all_inner_texts()


LEDGER_DOC = ("关于印发《2033年台账测试工作方案》的通知\n一、工作任务\n"
              "（一）修缮校舍。9月底前完成校舍修缮20所。（市台账测试局牵头负责）\n")


def test_ledger_rows_are_cited_filtered_by_unit_and_exported(page, server, browser, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    from assistant import task_ledger

    page.get_by_role("tab", name="督办台账").click()
    assistant = server["library"].assistant
    wait_text(page, "#ledger-summary", f"全部文件：共 {len(task_ledger(assistant))} 项任务")
    # one document: its tasks, with units and time frames
    choose(page, "ledger-doc", "塔城地区2020年扶贫日活动方案")
    tacheng = next(d.doc_id for d in assistant.documents() if d.title == "塔城地区2020年扶贫日活动方案")
    wait_text(page, "#ledger-summary", f"塔城地区2020年扶贫日活动方案》：共 {len(task_ledger(assistant, [tacheng]))} 项")
    wait_text(page, "#ledger", "渝扶组发", present=False)
    choose(page, "ledger-unit", "供销合作社")
    wait_text(page, "#ledger-summary", "单位含“供销合作社”：共 1 项任务")
    wait_text(page, "#ledger", "地区扶贫办会同地区发改委")
    row = _ledger_rows(page)[0]
    assert "供销合作社" in row and "开展时间：2020年7月-10月" in row
    assert page.inner_text("#ledger [data-testid='cell-0-5']").strip() == "地区扶贫办"  # 牵头单位
    # filtered by a unit
    choose(page, "ledger-unit", "地区民政局")
    wait_text(page, "#ledger-summary", "单位含“地区民政局”")
    wait_text(page, "#ledger-summary", "共 1 项任务")
    wait_text(page, "#ledger", "地区民政局负责开展社会组织扶贫活动")
    row = _ledger_rows(page)[0]
    assert "地区民政局负责开展社会组织扶贫活动" in row and "塔地扶贫领办字〔2020〕15号" in row
    # a row opens its provision, the quoted task highlighted
    page.click("#ledger [data-testid='cell-0-3']")
    wait_text(page, "#ledger-hl", "地区民政局负责开展社会组织扶贫活动")
    assert "6.举办扶贫日系列活动" in page.inner_text("#ledger-viewer")
    # exports: the filtered table, as .xlsx and .csv
    page.click("#ledger-export")
    wait_text(page, "#ledger-status", ".xlsx")
    href = page.locator("#ledger-file a").first.get_attribute("href")
    sheet = load_workbook(io.BytesIO(page.request.get(href).body())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][4] == "任务（原文）" and len(table) == 2
    assert table[1][1] == "《塔城地区2020年扶贫日活动方案》" and table[1][5] == "地区民政局"
    assert table[1][8] == "开展时间：2020年7月-10月"
    page.get_by_text("CSV（.csv）").click()
    page.click("#ledger-export")
    wait_text(page, "#ledger-status", ".csv")
    href = page.locator("#ledger-file a").first.get_attribute("href")
    rows_csv = list(csv.reader(io.StringIO(page.request.get(href).body().decode("utf-8-sig"))))
    assert rows_csv[0][0] == "序号" and len(rows_csv) == 2 and "地区民政局负责" in rows_csv[1][4]
    # the whole library again; another page uploads a document, and this ledger shows its task unasked
    choose(page, "ledger-doc", "全部文件")
    wait_text(page, "#ledger", "渝扶组发")
    path = tmp_path / "台账测试.txt"
    path.write_text(LEDGER_DOC, encoding="utf-8")
    other_context, other = open_page(browser, server)
    try:
        upload(other, path, "已添加")
    finally:
        other_context.close()
    wait_text(page, "#ledger-summary", f"全部文件：共 {len(task_ledger(server['library'].assistant))} 项任务")
    option = page.locator("[role=option]", has_text="市台账测试局").first
    for _ in range(20):  # the unit list can reach the page a moment after the count
        page.click("#ledger-unit input")
        page.keyboard.press("Control+A")
        page.keyboard.type("台账测试")  # typed: the list of the whole library's units is long
        try:
            option.wait_for(timeout=2000)
            break
        except Exception:
            page.keyboard.press("Escape")
    option.click()
    wait_text(page, "#ledger-summary", "单位含“市台账测试局”：共 1 项任务")
    wait_text(page, "#ledger", "9月底前")
