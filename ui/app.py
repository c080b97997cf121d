"""The Gradio app: chat with cited answers, a document viewer, the document library, feedback, exports.

Every open page shares one `Library`. Each page remembers the library version its lists were drawn from; a
timer, a tab switch and every library action compare it with the library's and redraw the lists (documents,
filters, delete choices, counts) when another page changed the library."""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from assistant import (
    Document,
    FeedbackStore,
    LedgerEntry,
    Library,
    QuestionError,
    UploadError,
    ledger_units,
    task_ledger,
    write_export,
    write_ledger,
)
from ui.downloads import prepare_original
from ui.render import (
    EMPTY_LEDGER_VIEWER,
    EMPTY_VIEWER,
    LEDGER_MARK_ID,
    MARKER_CSS,
    MARKER_SCRIPT,
    SCROLL_TO_HIGHLIGHT,
    SCROLL_TO_LEDGER_HIGHLIGHT,
    answer_message,
    document_html,
    nearby_label,
    plain,
    source_label,
)
from ui.web import ChineseLocaleMiddleware

log = logging.getLogger("policy_qa.ui")

EXAMPLES = ["2020年消费扶贫专柜目标是多少", "2019年易地扶贫搬迁计划搬迁多少人？", "塔城扶贫日研讨会由哪个部门牵头？",
            "山东通过发展生产要实现多少人脱贫？", "重慶定點攻堅的對象分為哪兩類？"]
ALL = "全部"
FAILED = "出错了，请稍后再试。"
NO_DOWNLOAD = (None, "", None)  # no document in the viewer: nothing to download, no status, no file
SYNC_SECONDS = 2.0
DISLIKE_FLUSH_SECONDS = 120.0  # a 👎 without a comment is stored after this long (or at the next question)
LIKE, DISLIKE = "👍 有帮助", "👎 没帮助"
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg", ".jpeg"]
EXPORT_SCOPES = ["最近一条回答", "整个对话"]
EXPORT_FORMATS = ["Markdown（.md）", "Word（.docx）"]
ALL_UNITS = "全部单位"
LEDGER_FORMATS = ["Excel（.xlsx）", "CSV（.csv）"]
LEDGER_HEADERS = ["文件", "文号", "条款", "任务（原文）", "责任单位", "牵头单位", "配合单位", "时限"]
LEDGER_WIDTHS: list[str | int] = ["12%", "9%", "14%", "31%", "10%", "8%", "8%", "8%"]

# How every server of this page is launched: Gradio's texts in Chinese (see ui/web.py), no footer links (API
# page, "Built with Gradio", settings), no console banner (no share-link hint).
def launch_options(*middleware: Middleware, max_upload_bytes: int | None = None) -> dict:
    """Keyword arguments for `launch` (a new dict each time: Gradio changes `app_kwargs`). With
    `max_upload_bytes`, the page refuses larger files in Chinese before sending them, and Gradio's own
    (English) limit is set well above it, so it only stops requests that bypass the page."""
    options: dict = {"footer_links": [], "quiet": True, "head": MARKER_SCRIPT, "css": MARKER_CSS,
                     "app_kwargs": {"middleware": [Middleware(ChineseLocaleMiddleware, max_upload_bytes=max_upload_bytes,
                                                              upload_types=tuple(UPLOAD_TYPES)),
                                                   *middleware]}}
    if max_upload_bytes:
        options["max_file_size"] = max_upload_bytes * 2 + 1048576
    return options


def _history(turns: list[dict]) -> list[dict]:
    history: list[dict] = []
    for turn in turns:
        history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["answer"]}]
    return history


def filter_summary(doc_titles: list[str], region: str | None, year: str | None) -> str:
    """The active filters as one line ("文档=《A》；地区=山东；年份=2020"), "" when none."""
    parts = []
    if doc_titles:
        parts.append("文档=" + "、".join(doc_titles))
    if region not in (None, "", ALL):
        parts.append(f"地区={region}")
    if year not in (None, "", ALL):
        parts.append(f"年份={year}")
    return "；".join(parts)


def source_note(document: Document) -> str:
    """Where a document's text came from, for the library table: its format, and OCR when it was a scan."""
    fmt = {"txt": "文本", "md": "Markdown", "html": "网页", "docx": "Word", "pdf": "PDF", "png": "图片",
           "jpg": "图片"}.get(document.source_format, document.source_format)
    return "，".join(part for part in (fmt, document.ocr_note) if part)


LIBRARY_HEADERS = ["标题", "类别", "发文机关", "文号", "地区", "年份", "日期", "版本", "条款数", "文件", "来源"]
DATE_ORDER = ("成文", "印发", "发布", "通过", "批准", "公布", "修正", "修订", "施行", "文件")
STATUS_NAMES = {"current": "现行", "earlier": "旧版", "repealed": "已被废止"}


def dates_note(document: Document) -> str:
    """The dates a document states, in the order of its life: 「通过 2010-03-01；施行 2020-09-01」."""
    order = {kind: i for i, kind in enumerate(DATE_ORDER)}
    dated = sorted(document.dates, key=lambda d: (order.get(d[0], len(order)), d[1]))
    return "；".join(f"{'文件名' if kind == '文件' else kind} {value}" for kind, value in dated)


def version_note(document: Document) -> str:
    """现行 / 旧版 / 已被废止, with the version's date when other versions of the title exist."""
    status = STATUS_NAMES.get(document.status, document.status)
    if document.version and not document.version.startswith("0000"):
        return f"{status}（{document.version} 版）"
    return status


def document_rows(library: Library) -> list[list[str]]:
    """The library table: one row per document, in the columns of LIBRARY_HEADERS."""
    assistant = library.assistant
    return [[d.title, d.kind, d.issuer, d.number, d.region, str(d.year or ""), dates_note(d), version_note(d),
             str(assistant.provision_count(d.doc_id)), d.source_file, source_note(d)] for d in assistant.documents()]


def delete_label(document: Document) -> str:
    """How a document is offered for deletion: its title (with version), 文号 and file."""
    number = f" {document.number}" if document.number else ""
    return f"{document.label}{number} — 文件 {document.source_file}"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else "—"


def build_app(library: Library, feedback: FeedbackStore, audit: FeedbackStore | None = None, *,  # noqa: C901
              sync_seconds: float = SYNC_SECONDS) -> gr.Blocks:
    """The whole page, wired to a library and a feedback store (and an audit log of library changes)."""
    export_dir = Path(tempfile.mkdtemp(prefix="policy-qa-exports-"))
    atexit.register(shutil.rmtree, export_dir, True)  # exports hold conversations: not kept after exit

    def record_event(request: gr.Request | None, action: str, detail: str) -> None:
        log.info("%s: %s", action, detail)
        if audit is not None:
            try:
                audit.record_event(getattr(request, "username", None) or "", action, detail)
            except Exception:
                log.exception("recording an audit event failed")

    # ---- the shared library, as this page shows it ------------------------------------------------------

    def library_rows() -> list[list[str]]:
        return document_rows(library)

    def summary() -> str:
        documents = library.documents()
        files = len({d.source_file for d in documents})
        return f"文档库：{len(documents)} 篇文档（{files} 个文件） · 最近更新：{_when(library.updated_at)}"

    def doc_titles(doc_ids: list[str] | None) -> list[str]:
        titles = []
        for doc_id in doc_ids or []:
            try:
                titles.append(library.assistant.document(doc_id).label)
            except KeyError:
                continue
        return titles

    def filters_line(docs: list | None, region: str | None, year: str | None) -> str:
        text = filter_summary(doc_titles(docs), region, year)
        return f"**当前筛选：** {plain(text)}" if text else "当前筛选：无（在全部文档中查找）"

    def undo_update():
        last = library.last_removal()
        if last is None:
            return gr.update(visible=False)
        return gr.update(visible=True, value=f"撤销上次删除（{last.source_file}）")

    def lists(docs: list | None, region: str | None, year: str | None, delete_choice: str | None) -> tuple:
        """Everything drawn from the library, keeping the page's choices that still exist (the ledger's document
        choice is checked when the ledger is drawn)."""
        documents = library.documents()
        ids = {d.doc_id for d in documents}
        doc_choices = [(d.label, d.doc_id) for d in documents]
        regions = [ALL] + sorted({d.region for d in documents if d.region})
        years = [ALL] + [str(y) for y in sorted({d.year for d in documents if d.year})]
        docs = [d for d in docs or [] if d in ids]
        region = region if region in regions else ALL
        year = year if year in years else ALL
        delete_choices = [(delete_label(d), d.doc_id) for d in documents]
        ledger_choices = [("全部文件", ALL)] + doc_choices
        return (library.version, library_rows(), gr.update(choices=ledger_choices),
                gr.update(choices=doc_choices, value=docs),
                gr.update(choices=regions, value=region), gr.update(choices=years, value=year),
                gr.update(choices=delete_choices, value=delete_choice if delete_choice in ids else None),
                summary(), filters_line(docs, region, year), undo_update())

    def sync(version: int, docs: list, region: str, year: str, delete_choice: str | None, pending: dict | None,
             turns: list):
        """Redraw the lists if another page changed the library; store a 👎 left without a comment."""
        flushed = gr.skip()
        if pending and time.time() - pending.get("at", 0) > DISLIKE_FLUSH_SECONDS:
            flush_dislike(pending, turns or [])
            pending, flushed = None, "已记录您的 👎 评价，谢谢。"
        else:
            pending = gr.skip()
        if version == library.version:
            return (*(gr.skip() for _ in range(10)), pending, flushed)
        return (*lists(docs, region, year, delete_choice), pending, flushed)

    # ---- asking ---------------------------------------------------------------------------------------------

    def citation_record(c) -> dict:
        try:
            document = library.assistant.document(c.doc_id)
            date, ocr_note = document.version_date(), document.ocr_note
        except KeyError:
            date, ocr_note = "", ""
        return {"n": c.n, "doc_id": c.doc_id, "title": c.title, "number": c.number, "section": c.section,
                "text": c.text, "start": c.start, "end": c.end, "date": date, "ocr": ocr_note}

    def nearby_record(i: int, passage) -> dict:
        try:
            document = library.assistant.document(passage.doc_id)
            number, date = document.number, document.version_date()
        except KeyError:
            number, date = "", ""
        return {"n": i, "doc_id": passage.doc_id, "title": passage.title, "number": number,
                "section": passage.section, "text": passage.text, "start": passage.start, "end": passage.end,
                "date": date}

    def answer_turn(question: str, chat: list, turns: list, docs: list, region: str, year: str,
                    pending: dict | None):
        chat, turns = list(chat or []), list(turns or [])
        flush_dislike(pending, turns)
        # The lists change under the page (other pages upload and delete), so the dropdowns accept any value
        # and what no longer exists is dropped here.
        known = {d.doc_id for d in library.documents()}
        docs = [d for d in docs or [] if d in known]
        year = year if (year or "").isdigit() else ALL
        question = (question or "").strip()
        asked = [{"role": "user", "content": plain(question)}]
        no_sources = gr.update(choices=[], value=None)
        active = filter_summary(doc_titles(docs), region, year)
        answer = None
        try:
            stream = library.assistant.ask_stream(
                question, _history(turns), doc_ids=docs or (),
                regions=() if region in (None, "", ALL) else (region,),
                years=() if year in (None, "", ALL) else (int(year),))
            draft = ""
            for item in stream:
                if isinstance(item, str):
                    # A model's draft is shown as it arrives, marked as not yet checked.
                    draft += item
                    shown = [{"role": "assistant", "content": "（生成中，尚未核对）" + plain(draft)}]
                    yield chat + asked + shown, "", turns, no_sources, [], EMPTY_VIEWER, None
                else:
                    answer = item
        except QuestionError as exc:
            yield (chat + asked + [{"role": "assistant", "content": plain(str(exc))}], question, turns,
                   no_sources, [], EMPTY_VIEWER, None)
            return
        except Exception:
            log.exception("answering failed")
            yield chat + asked + [{"role": "assistant", "content": FAILED}], "", turns, no_sources, [], EMPTY_VIEWER, None
            return
        assert answer is not None  # ask_stream always ends with the Answer
        sources: list[dict] = []
        if answer.abstained:
            records = [nearby_record(i, p) for i, p in enumerate(answer.retrieved[:3], start=1)]
            for record in records:
                sources.append({**record, "label": nearby_label(record["n"], record["title"], record["section"])})
        else:
            records = [citation_record(c) for c in answer.citations]
            for c, record in zip(answer.citations, records):
                sources.append({**record, "label": source_label(c) + (f"（{record['ocr']}）" if record["ocr"] else "")})
        message = answer_message(answer, turn=len(turns))
        if answer.abstained and active:
            message += f"\n\n当前筛选：{plain(active)}（只在筛选范围内查找；可在“筛选范围”中放宽）"
        chat += asked + [{"role": "assistant", "content": message}]
        turns.append({"question": question, "answer": answer.text, "abstained": answer.abstained,
                      "filters": active, "citations": records})
        labels = [s["label"] for s in sources]
        yield chat, "", turns, gr.update(choices=labels, value=None), sources, EMPTY_VIEWER, None

    def open_source(sources: list, evt: gr.SelectData):
        """The chosen source in the viewer; the document shown (for its download) and no download yet."""
        label = evt.value
        chosen = next((s for s in sources or [] if s["label"] == label), None)
        if chosen is None:
            return EMPTY_VIEWER, *NO_DOWNLOAD
        try:
            document = library.assistant.document(chosen["doc_id"])
        except KeyError:
            return "<div>该文档已不在文档库中。</div>", *NO_DOWNLOAD
        return (document_html(document, chosen["start"], chosen["end"], chosen["section"]), document.doc_id,
                "", None)

    def open_marker(target: str, turns: list):
        """A click on marker [n] of answer `turn` in the chat ("turn:n:time"): that citation in the viewer."""
        try:
            turn, n = (int(x) for x in (target or "").split(":")[:2])
            record = next(r for r in (turns or [])[turn]["citations"] if r["n"] == n)
        except (ValueError, IndexError, StopIteration, KeyError, TypeError):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            document = library.assistant.document(record["doc_id"])
        except KeyError:
            return "<div>该文档已不在文档库中。</div>", *NO_DOWNLOAD
        return document_html(document, record["start"], record["end"], record["section"]), document.doc_id, "", None

    def download_original(doc_id: str | None, request: gr.Request):
        """The file of the document in the viewer (its original when kept), copied for this download."""
        clear_old_exports()
        message, path = prepare_original(library, doc_id, export_dir)
        if path is not None:
            record_event(request, "download", f"{doc_id}: {Path(path).name}")
        return message, path

    def new_chat(turns: list, pending: dict | None):
        flush_dislike(pending, turns or [])
        return [], [], gr.update(choices=[], value=None), [], EMPTY_VIEWER, "", None, None

    # ---- feedback: one row per action --------------------------------------------------------------------
    # 👍 in the chat is stored at once. 👎 opens the comment form and is stored once: with the comment when
    # the form is sent, or without one at the next question, a new chat, or after DISLIKE_FLUSH_SECONDS.

    def store_feedback(turns: list, index: int, rating: int, comment: str = "") -> None:
        turn = turns[index]
        feedback.record(question=turn["question"], history=_history(turns[:index]), answer=turn["answer"],
                        citations=turn["citations"], rating=rating, comment=comment)

    def flush_dislike(pending: dict | None, turns: list) -> None:
        if not pending:
            return
        index = pending.get("turn", -1)
        if 0 <= index < len(turns):
            try:
                store_feedback(turns, index, -1)
            except Exception:
                log.exception("storing feedback failed")

    def on_like(turns: list, pending: dict | None, evt: gr.LikeData):
        turns = turns or []
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn_index = int(index) // 2
        if not 0 <= turn_index < len(turns):
            return "没有可评价的回答。", pending, gr.skip(), gr.skip()
        liked = evt.liked if isinstance(evt.liked, bool) else str(evt.liked).lower() in {"like", "true"}
        if not liked:
            if pending and pending.get("turn") != turn_index:
                flush_dislike(pending, turns)
            return ("已收到 👎。可以在下方写明原因后点“提交反馈”；不写也会记录。",
                    {"turn": turn_index, "at": time.time()}, gr.update(open=True), DISLIKE)
        try:
            store_feedback(turns, turn_index, 1)
        except Exception:
            log.exception("storing feedback failed")
            return FAILED, pending, gr.skip(), gr.skip()
        return "已记录您的评价，谢谢。", pending, gr.skip(), gr.skip()

    def on_comment(turns: list, rating: str, comment: str, pending: dict | None):
        turns = turns or []
        if not turns:
            return "请先提问，再对回答进行评价。", comment, pending
        if rating not in (LIKE, DISLIKE):
            return "请选择 👍 或 👎。", comment, pending
        index = len(turns) - 1
        if pending and rating == DISLIKE and 0 <= pending.get("turn", -1) < len(turns):
            index = pending["turn"]  # the comment belongs to the answer given 👎 in the chat
        elif pending:
            flush_dislike(pending, turns)
        try:
            store_feedback(turns, index, 1 if rating == LIKE else -1, comment.strip())
        except Exception:
            log.exception("storing feedback failed")
            return FAILED, comment, None
        return "已记录您的反馈，谢谢。", "", None

    # ---- exports -----------------------------------------------------------------------------------------

    def clear_old_exports() -> None:
        for old in export_dir.iterdir():  # earlier exports and downloads of this server are not kept
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < time.time() - 3600:
                    shutil.rmtree(old, ignore_errors=True)

    def export(turns: list, scope: str, fmt: str):
        turns = turns or []
        if not turns:
            return "请先提问，再导出。", None
        chosen = turns if scope == EXPORT_SCOPES[1] else turns[-1:]
        clear_old_exports()
        folder = Path(tempfile.mkdtemp(dir=export_dir))
        try:
            path = write_export(chosen, "docx" if fmt == EXPORT_FORMATS[1] else "md", folder,
                                stem="问答记录" if len(chosen) > 1 else "回答")
        except Exception:
            log.exception("export failed")
            return FAILED, None
        return f"已生成 {path.name}，点击下方文件下载。", str(path)

    # ---- the library tab ---------------------------------------------------------------------------------

    def upload(path: str | None, docs: list, region: str, year: str, delete_choice: str | None,
               request: gr.Request, progress=gr.Progress()):
        def done(message: str):
            return (message, *lists(docs, region, year, delete_choice), None)

        if not path:
            return done("请先选择要上传的文件。")
        name = Path(path).name
        try:
            suffix = Path(name).suffix.lower()
            if suffix not in UPLOAD_TYPES:
                raise UploadError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .txt、.md、.html、.docx、.pdf 文件"
                                  "或 .png、.jpg 扫描图片")
            size = os.path.getsize(path)
            if size > library.max_upload_bytes:
                raise UploadError(f"文件过大：{size / 1048576:.1f} MB，上限 {library.max_upload_bytes / 1048576:.0f} MB")
            progress(0.1, desc="读取文件")
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise UploadError("无法读取该文件") from exc
            finally:
                remove_upload_copy(path)
            progress(0.3, desc="解析并建立索引")
            result = library.add(name, data)
        except UploadError as exc:
            return done(f"❌ 未能添加“{plain(name)}”：{plain(str(exc))}")
        except Exception:
            log.exception("upload failed")
            return done(f"❌ 未能添加“{plain(name)}”：{FAILED}")
        finally:
            remove_upload_copy(path)
        titles = "、".join(f"《{plain(d.title)}》" for d in result.documents)
        record_event(request, "upload", f"{result.stored_as}: {'、'.join(d.title for d in result.documents)}")
        return done(f"✅ 已添加 {titles}（新编码 {result.report.embedded} 段，用时 {result.report.seconds:.1f} 秒）。")

    def ask_delete(doc_id: str | None):
        """Step one: name everything that will go, and ask."""
        hidden = gr.update(visible=False)
        if not doc_id:
            return "请先选择要删除的文档。", hidden, "", None
        try:
            source_file = library.assistant.document(doc_id).source_file
        except KeyError:
            return "该文档已不在文档库中。", hidden, "", None
        documents = library.file_documents(source_file)
        items = "\n".join(f"- {plain(d.label)}{' ' + plain(d.number) if d.number else ''}" for d in documents)
        text = (f"**确认删除文件“{plain(source_file)}”吗？** 将从文档库中移除以下 {len(documents)} 篇文档：\n\n"
                f"{items}\n\n删除的文件会移入回收站（trash/），可以撤销上一次删除。")
        return "", gr.update(visible=True), text, source_file

    def confirm_delete(source_file: str | None, docs: list, region: str, year: str, request: gr.Request):
        hidden = gr.update(visible=False)

        def done(message: str):
            return (message, hidden, None, *lists(docs, region, year, None))

        if not source_file:
            return done("请先选择要删除的文档。")
        try:
            removal = library.remove(source_file)
        except UploadError as exc:
            return done(plain(str(exc)))
        except Exception:
            log.exception("delete failed")
            return done(FAILED)
        titles = "、".join(f"《{t}》" for t in removal.titles)
        record_event(request, "delete", f"{removal.source_file}: {'、'.join(removal.titles)} -> trash/{removal.trashed_as}")
        return done(f"已删除“{plain(removal.source_file)}”（{plain(titles)}），已移入回收站。")

    def cancel_delete():
        return "已取消删除。", gr.update(visible=False), None, None

    def undo_delete(docs: list, region: str, year: str, delete_choice: str | None, request: gr.Request):
        try:
            removal = library.undo_remove()
        except UploadError as exc:
            return (plain(str(exc)), *lists(docs, region, year, delete_choice))
        except Exception:
            log.exception("undo failed")
            return (FAILED, *lists(docs, region, year, delete_choice))
        titles = "、".join(f"《{t}》" for t in removal.titles)
        record_event(request, "undo_delete", f"{removal.source_file}: {'、'.join(removal.titles)}")
        return (f"已恢复“{plain(removal.source_file)}”（{plain(titles)}）。", *lists(docs, region, year, delete_choice))

    # ---- the task ledger ---------------------------------------------------------------------------------

    def ledger_entries(doc: str | None, unit: str | None) -> list[LedgerEntry]:
        doc_ids = [doc] if doc and doc != ALL else []
        return task_ledger(library.assistant, doc_ids=doc_ids, unit="" if unit in (None, "", ALL_UNITS) else unit)

    def ledger_view(doc: str | None, unit: str | None):
        """The ledger table for the chosen document and unit, the unit choices, and each row's source."""
        known = {d.doc_id for d in library.documents()}
        doc = doc if doc in known else ALL
        entries = ledger_entries(doc, unit)
        rows = [e.row(n)[1:] for n, e in enumerate(entries, start=1)]
        units = [ALL_UNITS] + ledger_units(ledger_entries(doc, None))
        scope = "全部文件" if doc == ALL else doc_titles([doc])[0]
        chosen = "" if unit in (None, "", ALL_UNITS) else f"，单位含“{unit}”"
        summary = f"{plain(scope)}{plain(chosen)}：共 {len(entries)} 项任务" + ("" if entries else "（没有找到）")
        sources = [{"doc_id": e.doc_id, "start": e.start, "end": e.end, "section": e.section} for e in entries]
        return (gr.update(value=rows or None), summary, sources,
                gr.update(choices=units, value=unit if unit else ALL_UNITS), EMPTY_LEDGER_VIEWER, library.version,
                *NO_DOWNLOAD)

    def sync_ledger(drawn: int, doc: str | None, unit: str | None):
        """Redraw the ledger when the library changed since it was drawn (here or in another page); a ledger
        never opened in this page is not drawn (it can be long)."""
        if drawn in (-1, library.version):
            return tuple(gr.skip() for _ in range(9))
        return ledger_view(doc, unit)

    def open_ledger_row(sources: list, evt: gr.SelectData):
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not isinstance(index, int) or not 0 <= index < len(sources or []):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        chosen = sources[index]
        try:
            document = library.assistant.document(chosen["doc_id"])
        except KeyError:
            return "<div>该文档已不在文档库中。</div>", *NO_DOWNLOAD
        return (document_html(document, chosen["start"], chosen["end"], chosen["section"],
                              viewer_id="ledger-doc-viewer", mark_id=LEDGER_MARK_ID), document.doc_id, "", None)

    def export_ledger(doc: str | None, unit: str | None, fmt: str):
        entries = ledger_entries(doc if doc in {d.doc_id for d in library.documents()} else ALL, unit)
        if not entries:
            return "台账中没有任务，无法导出。", None
        folder = Path(tempfile.mkdtemp(dir=export_dir))
        try:
            path = write_ledger(entries, "csv" if fmt == LEDGER_FORMATS[1] else "xlsx", folder)
        except Exception:
            log.exception("ledger export failed")
            return FAILED, None
        return f"已生成 {path.name}（{len(entries)} 项任务），点击下方文件下载。", str(path)

    # ---- the HTTP API ------------------------------------------------------------------------------------

    def api_ask(question: str, history_json: str = "[]") -> dict:
        """Answer one question; history is a JSON list of {role, content} turns. Returns the results fields."""
        try:
            history = json.loads(history_json or "[]")
            if not isinstance(history, list):
                raise ValueError
        except ValueError:
            return {"error": "history must be a JSON list of {role, content}"}
        try:
            return library.assistant.ask(question, history).to_result()
        except QuestionError as exc:
            return {"error": str(exc)}

    # ---- the page ----------------------------------------------------------------------------------------

    documents = library.documents()
    # Gradio's cached copies (uploads chosen but never added, exports already downloaded) are deleted after
    # ten minutes; an added upload's copy is deleted as soon as it has been read.
    with gr.Blocks(title="政策文件问答", delete_cache=(600, 600)) as app:
        gr.Markdown("## 政策文件问答\n回答只依据文档库中的文件，每条回答都标注出处；文件中没有的内容会直接说明。")
        turns = gr.State([])
        sources = gr.State([])
        version = gr.State(library.version)
        pending_delete = gr.State(None)
        pending_dislike = gr.State(None)
        timer = gr.Timer(sync_seconds)
        with gr.Tab("问答") as ask_tab:
            library_summary = gr.Markdown(summary(), elem_id="library-summary")
            with gr.Row():
                with gr.Column(scale=3):
                    active_filters = gr.Markdown(filters_line([], ALL, ALL), elem_id="active-filters")
                    # no "share" button: it would post the conversation to Hugging Face
                    chat = gr.Chatbot(label="对话", height=460, elem_id="chat", buttons=["copy", "copy_all"])
                    question = gr.Textbox(label="问题", placeholder="例如：2020年消费扶贫专柜目标是多少", elem_id="question")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary", elem_id="send")
                        reset = gr.Button("新对话", elem_id="new-chat")
                    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
                    with gr.Accordion("筛选范围", open=False):
                        doc_filter = gr.Dropdown([(d.label, d.doc_id) for d in documents], multiselect=True, label="文档",
                                                 allow_custom_value=True,
                                                 elem_id="doc-filter")
                        region_filter = gr.Dropdown([ALL] + sorted({d.region for d in documents if d.region}), value=ALL,
                                                    label="地区", elem_id="region-filter", allow_custom_value=True)
                        year_filter = gr.Dropdown([ALL] + [str(y) for y in sorted({d.year for d in documents if d.year})],
                                                  value=ALL, label="年份", elem_id="year-filter", allow_custom_value=True)
                    with gr.Accordion("对最近一条回答提出反馈", open=False) as feedback_box:
                        rating = gr.Radio([LIKE, DISLIKE], label="评价", elem_id="rating")
                        comment = gr.Textbox(label="意见（可选）", elem_id="comment")
                        submit_feedback = gr.Button("提交反馈", elem_id="submit-feedback")
                    feedback_status = gr.Markdown("", elem_id="feedback-status")
                    with gr.Accordion("导出", open=False):
                        export_scope = gr.Radio(EXPORT_SCOPES, value=EXPORT_SCOPES[0], label="导出内容",
                                                elem_id="export-scope")
                        export_format = gr.Radio(EXPORT_FORMATS, value=EXPORT_FORMATS[0], label="格式",
                                                 elem_id="export-format")
                        export_button = gr.Button("生成导出文件", elem_id="export-button")
                        export_status = gr.Markdown("", elem_id="export-status")
                        export_file = gr.File(label="下载", interactive=False, elem_id="export-file")
                with gr.Column(scale=2):
                    source_list = gr.Radio([], label="引用来源（点击查看原文）", elem_id="sources", interactive=True)
                    viewer = gr.HTML(EMPTY_VIEWER, elem_id="viewer")
                    viewed = gr.State(None)  # the document in the viewer, for its download
                    original_button = gr.Button("下载原文件", size="sm", elem_id="download-original")
                    original_status = gr.Markdown("", elem_id="original-status")
                    original_file = gr.File(label="原文件", interactive=False, elem_id="original-file")
        with gr.Tab("文档库") as library_tab:
            table = gr.Dataframe(library_rows(), headers=LIBRARY_HEADERS, interactive=False, wrap=True,
                                 elem_id="library")
            with gr.Row():
                with gr.Column():
                    upload_file = gr.File(label=f"上传文件（.txt / .md / .html / .docx / .pdf，扫描件 .png / .jpg，不超过 "
                                                f"{library.max_upload_bytes / 1048576:.0f} MB）",
                                          type="filepath", file_types=UPLOAD_TYPES, elem_id="upload")
                    upload_button = gr.Button("上传并加入文档库", variant="primary", elem_id="upload-button")
                    upload_status = gr.Markdown("", elem_id="upload-status")
                with gr.Column():
                    delete_choice = gr.Dropdown([(delete_label(d), d.doc_id) for d in documents], value=None,
                                                label="删除文档（按标题选择，删除其所在的整个文件）", elem_id="delete-choice",
                                                allow_custom_value=True)
                    delete_button = gr.Button("删除…", variant="stop", elem_id="delete-button")
                    with gr.Group(visible=False, elem_id="delete-confirm") as confirm_box:
                        confirm_text = gr.Markdown("", elem_id="delete-confirm-text")
                        with gr.Row():
                            confirm_button = gr.Button("确认删除", variant="stop", elem_id="confirm-delete")
                            cancel_button = gr.Button("取消", elem_id="cancel-delete")
                    last = library.last_removal()
                    undo_button = gr.Button(f"撤销上次删除（{last.source_file}）" if last else "撤销上次删除",
                                            visible=last is not None, elem_id="undo-delete")
                    library_status = gr.Markdown("", elem_id="library-status")
            quarantine_panel(library, record_event, refresh_on=(app.load, library_tab.select))
        with gr.Tab("督办台账") as ledger_tab:
            gr.Markdown("文件中每条任务的责任单位、牵头单位、配合单位和完成时限，均引自原文；点击一行查看该条原文。")
            with gr.Row():
                ledger_doc = gr.Dropdown([("全部文件", ALL)] + [(d.label, d.doc_id) for d in documents], value=ALL,
                                         label="文件", elem_id="ledger-doc", allow_custom_value=True,
                                         num_choices_shown=100_000)
                ledger_unit = gr.Dropdown([ALL_UNITS], value=ALL_UNITS, label="单位（可输入名称的一部分，如“民政局”）",
                                          elem_id="ledger-unit", allow_custom_value=True,
                                          num_choices_shown=100_000)  # by default typing searches the first 100 only
            ledger_summary = gr.Markdown("", elem_id="ledger-summary")
            ledger_table = gr.Dataframe(headers=LEDGER_HEADERS, interactive=False, wrap=True, elem_id="ledger",
                                        max_height=520, column_widths=LEDGER_WIDTHS)
            ledger_viewer = gr.HTML(EMPTY_LEDGER_VIEWER, elem_id="ledger-viewer")
            ledger_viewed = gr.State(None)  # the document in the ledger's viewer, for its download
            with gr.Row():
                ledger_original_button = gr.Button("下载原文件", size="sm", elem_id="ledger-download-original")
                ledger_original_status = gr.Markdown("", elem_id="ledger-original-status")
            ledger_original_file = gr.File(label="原文件", interactive=False, elem_id="ledger-original-file")
            with gr.Row():
                ledger_format = gr.Radio(LEDGER_FORMATS, value=LEDGER_FORMATS[0], label="导出格式（当前筛选的任务）",
                                         elem_id="ledger-format")
                ledger_export = gr.Button("导出台账", elem_id="ledger-export")
            ledger_status = gr.Markdown("", elem_id="ledger-status")
            ledger_file = gr.File(label="下载", interactive=False, elem_id="ledger-file")
            ledger_sources = gr.State([])
            ledger_version = gr.State(-1)  # the library version the ledger was drawn from (-1: not yet)
        # where a click on a marker [n] in the chat lands (see ui/render.py MARKER_SCRIPT); kept off-screen
        marker_target = gr.Textbox("", elem_id="marker-target", show_label=False, container=False)

        filters = [doc_filter, region_filter, year_filter]
        lists_outputs = [version, table, ledger_doc, doc_filter, region_filter, year_filter, delete_choice,
                         library_summary, active_filters, undo_button]
        sync_inputs = [version, *filters, delete_choice, pending_dislike, turns]
        sync_outputs = [*lists_outputs, pending_dislike, feedback_status]
        timer.tick(sync, sync_inputs, sync_outputs, concurrency_limit=None, api_visibility="private", show_progress="hidden")
        app.load(sync, sync_inputs, sync_outputs, api_visibility="private", show_progress="hidden")
        ask_tab.select(sync, sync_inputs, sync_outputs, api_visibility="private", show_progress="hidden")
        library_tab.select(sync, sync_inputs, sync_outputs, api_visibility="private", show_progress="hidden")
        for dropdown in filters:
            dropdown.change(filters_line, filters, active_filters, api_visibility="private", show_progress="hidden")

        ask_inputs = [question, chat, turns, *filters, pending_dislike]
        ask_outputs = [chat, question, turns, source_list, sources, viewer, pending_dislike]
        send.click(answer_turn, ask_inputs, ask_outputs, api_visibility="private")
        question.submit(answer_turn, ask_inputs, ask_outputs, api_visibility="private")
        new_chat_outputs = [chat, turns, source_list, sources, viewer, feedback_status, pending_dislike, export_file]
        reset.click(new_chat, [turns, pending_dislike], new_chat_outputs, api_visibility="private")
        chat.clear(new_chat, [turns, pending_dislike], new_chat_outputs, api_visibility="private")  # the 🗑 icon
        viewer_outputs = [viewer, viewed, original_status, original_file]
        source_list.select(open_source, [sources], viewer_outputs, api_visibility="private").then(
            None, None, None, js=SCROLL_TO_HIGHLIGHT)
        marker_target.change(open_marker, [marker_target, turns], viewer_outputs, api_visibility="private",
                             show_progress="hidden").then(None, None, None, js=SCROLL_TO_HIGHLIGHT)
        original_button.click(download_original, [viewed], [original_status, original_file], api_visibility="private")
        for event in (send.click, question.submit, reset.click, chat.clear):  # these empty the viewer
            event(lambda: NO_DOWNLOAD, None, viewer_outputs[1:], api_visibility="private", show_progress="hidden")
        ledger_outputs = [ledger_table, ledger_summary, ledger_sources, ledger_unit, ledger_viewer, ledger_version,
                          ledger_viewed, ledger_original_status, ledger_original_file]
        timer.tick(sync_ledger, [ledger_version, ledger_doc, ledger_unit], ledger_outputs, concurrency_limit=None,
                   api_visibility="private", show_progress="hidden")
        ledger_tab.select(ledger_view, [ledger_doc, ledger_unit], ledger_outputs, api_visibility="private")
        ledger_doc.input(lambda doc: ledger_view(doc, ALL_UNITS), [ledger_doc], ledger_outputs,
                         api_visibility="private")
        ledger_unit.input(ledger_view, [ledger_doc, ledger_unit], ledger_outputs, api_visibility="private")
        ledger_viewer_outputs = [ledger_viewer, ledger_viewed, ledger_original_status, ledger_original_file]
        ledger_table.select(open_ledger_row, [ledger_sources], ledger_viewer_outputs, api_visibility="private").then(
            None, None, None, js=SCROLL_TO_LEDGER_HIGHLIGHT)
        ledger_original_button.click(download_original, [ledger_viewed], [ledger_original_status, ledger_original_file],
                                     api_visibility="private")
        ledger_export.click(export_ledger, [ledger_doc, ledger_unit, ledger_format], [ledger_status, ledger_file],
                            api_visibility="private")
        chat.like(on_like, [turns, pending_dislike], [feedback_status, pending_dislike, feedback_box, rating],
                  api_visibility="private")
        submit_feedback.click(on_comment, [turns, rating, comment, pending_dislike],
                              [feedback_status, comment, pending_dislike], api_visibility="private")
        export_button.click(export, [turns, export_scope, export_format], [export_status, export_file],
                            api_visibility="private")

        upload_button.click(upload, [upload_file, *filters, delete_choice],
                            [upload_status, *lists_outputs, upload_file], api_visibility="private")
        delete_button.click(ask_delete, [delete_choice], [library_status, confirm_box, confirm_text, pending_delete],
                            api_visibility="private")
        confirm_button.click(confirm_delete, [pending_delete, *filters],
                             [library_status, confirm_box, pending_delete, *lists_outputs], api_visibility="private")
        cancel_button.click(cancel_delete, None, [library_status, confirm_box, pending_delete, delete_choice],
                            api_visibility="private")
        undo_button.click(undo_delete, [*filters, delete_choice], [library_status, *lists_outputs],
                          api_visibility="private")
        gr.api(api_ask, api_name="ask")
    return app


def quarantine_rows(library: Library) -> list[list[str]]:
    """The quarantined files for the library tab: name, reason, when, size (shown as text)."""
    return [[q.name, q.reason, _when(q.quarantined_at), f"{q.size / 1024:.1f} KB"] for q in library.quarantined()]


def quarantine_panel(library: Library, record_event, *, refresh_on=()) -> None:
    """Files whose indexing failed or was interrupted, with the reason, and a way to retry or delete each one.
    Drawn inside the library tab; redrawn by the events in `refresh_on` and after each of its own actions."""
    with gr.Accordion("隔离区（建立索引失败或被中断的文件，不会自动重试）", open=bool(library.quarantined()),
                      elem_id="quarantine"):
        table = gr.Dataframe(quarantine_rows(library), headers=["文件", "原因", "时间", "大小"], datatype="str",
                             interactive=False, wrap=True, elem_id="quarantine-table")
        with gr.Row():
            choice = gr.Dropdown([q.name for q in library.quarantined()], value=None, label="选择文件",
                                 elem_id="quarantine-choice", allow_custom_value=True)
            retry = gr.Button("重新建立索引", elem_id="quarantine-retry")
            delete = gr.Button("永久删除", variant="stop", elem_id="quarantine-delete")
        status = gr.Markdown("", elem_id="quarantine-status")

    def redraw(message: str = "", keep: str | None = None):
        names = [q.name for q in library.quarantined()]
        return message, quarantine_rows(library), gr.update(choices=names, value=keep if keep in names else None)

    def on_retry(name: str | None, request: gr.Request):
        if not name:
            return redraw("请先选择隔离区中的文件。")
        try:
            result = library.retry_quarantined(name)
        except UploadError as exc:
            return redraw(f"❌ “{plain(name)}”仍未能加入文档库：{plain(str(exc))}", name)
        except Exception:
            log.exception("retrying a quarantined file failed")
            return redraw(FAILED, name)
        record_event(request, "quarantine_retry", f"{name}: {'、'.join(d.title for d in result.documents)}")
        titles = "、".join(f"《{plain(d.title)}》" for d in result.documents)
        return redraw(f"✅ 已重新加入文档库：{titles or plain(name)}")

    def on_delete(name: str | None, request: gr.Request):
        if not name:
            return redraw("请先选择隔离区中的文件。")
        try:
            library.delete_quarantined(name)
        except UploadError as exc:
            return redraw(plain(str(exc)))
        except Exception:
            log.exception("deleting a quarantined file failed")
            return redraw(FAILED, name)
        record_event(request, "quarantine_delete", name)
        return redraw(f"已永久删除“{plain(name)}”。")

    outputs = [status, table, choice]
    retry.click(on_retry, [choice], outputs, api_visibility="private")
    delete.click(on_delete, [choice], outputs, api_visibility="private")
    for event in refresh_on:
        event(lambda keep: redraw("", keep), [choice], outputs, api_visibility="private", show_progress="hidden")


def remove_upload_copy(path: str) -> None:
    """Delete Gradio's temporary copy of an upload (and its folder, when empty) as soon as it has been read."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("could not remove the uploaded copy %s", path)
        return
    with contextlib.suppress(OSError):
        Path(path).parent.rmdir()
