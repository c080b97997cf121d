"""The Gradio app: chat with cited answers, a document viewer, the document library, feedback."""

from __future__ import annotations

import json
import logging
import os
from html import escape
from pathlib import Path

import gradio as gr

from assistant import FeedbackStore, Library, QuestionError, UploadError
from ui.render import EMPTY_VIEWER, SCROLL_TO_HIGHLIGHT, answer_message, document_html, nearby_label, source_label

log = logging.getLogger("policy_qa.ui")

EXAMPLES = ["2020年消费扶贫专柜目标是多少", "2019年易地扶贫搬迁计划搬迁多少人？", "塔城扶贫日研讨会由哪个部门牵头？",
            "山东通过发展生产要实现多少人脱贫？", "重慶定點攻堅的對象分為哪兩類？"]
ALL = "全部"
FAILED = "出错了，请稍后再试。"


def _history(turns: list[dict]) -> list[dict]:
    history: list[dict] = []
    for turn in turns:
        history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["answer"]}]
    return history


def build_app(library: Library, feedback: FeedbackStore) -> gr.Blocks:  # noqa: C901 (one page of wiring)
    """The whole page, wired to a library and a feedback store."""

    def library_rows() -> list[list[str]]:
        assistant = library.assistant
        return [[d.title, d.issuer, d.number, d.region, str(d.year or ""), str(assistant.provision_count(d.doc_id)),
                 d.source_file] for d in assistant.documents()]

    def filter_choices():
        documents = library.documents()
        docs = [(f"《{d.title}》", d.doc_id) for d in documents]
        regions = [ALL] + sorted({d.region for d in documents if d.region})
        years = [ALL] + [str(y) for y in sorted({d.year for d in documents if d.year})]
        files = sorted({d.source_file for d in documents})
        return docs, regions, years, files

    def answer_turn(question: str, chat: list, turns: list, docs: list, region: str, year: str):
        chat, turns = list(chat or []), list(turns or [])
        question = (question or "").strip()
        asked = [{"role": "user", "content": escape(question)}]
        no_sources = gr.update(choices=[], value=None)
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
                    shown = [{"role": "assistant", "content": "（生成中，尚未核对）" + escape(draft)}]
                    yield chat + asked + shown, "", turns, no_sources, [], EMPTY_VIEWER
                else:
                    answer = item
        except QuestionError as exc:
            yield (chat + asked + [{"role": "assistant", "content": escape(str(exc))}], question, turns,
                   no_sources, [], EMPTY_VIEWER)
            return
        except Exception:
            log.exception("answering failed")
            yield chat + asked + [{"role": "assistant", "content": FAILED}], "", turns, no_sources, [], EMPTY_VIEWER
            return
        assert answer is not None  # ask_stream always ends with the Answer
        sources: list[dict] = []
        if answer.abstained:
            for i, passage in enumerate(answer.retrieved[:3], start=1):
                sources.append({"label": nearby_label(i, passage.title, passage.section), "doc_id": passage.doc_id,
                                "start": passage.start, "end": passage.end, "section": passage.section})
        else:
            for c in answer.citations:
                sources.append({"label": source_label(c), "doc_id": c.doc_id, "start": c.start, "end": c.end,
                                "section": c.section})
        chat += asked + [{"role": "assistant", "content": answer_message(answer)}]
        turns.append({"question": question, "answer": answer.text,
                      "citations": [s for s in answer.to_result()["citations"]]})
        labels = [s["label"] for s in sources]
        yield chat, "", turns, gr.update(choices=labels, value=None), sources, EMPTY_VIEWER

    def open_source(sources: list, evt: gr.SelectData):
        label = evt.value
        chosen = next((s for s in sources or [] if s["label"] == label), None)
        if chosen is None:
            return EMPTY_VIEWER
        try:
            document = library.assistant.document(chosen["doc_id"])
        except KeyError:
            return "<div>该文档已不在文档库中。</div>"
        return document_html(document, chosen["start"], chosen["end"], chosen["section"])

    def new_chat():
        return [], [], gr.update(choices=[], value=None), [], EMPTY_VIEWER, ""

    def store_feedback(turn: dict, rating: int, comment: str = "", history: list | None = None) -> None:
        feedback.record(question=turn["question"], history=history or [], answer=turn["answer"],
                        citations=turn["citations"], rating=rating, comment=comment)

    def on_like(turns: list, evt: gr.LikeData):
        turns = turns or []
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn_index = int(index) // 2
        if not 0 <= turn_index < len(turns):
            return "没有可评价的回答。"
        liked = evt.liked if isinstance(evt.liked, bool) else str(evt.liked).lower() in {"like", "true"}
        try:
            store_feedback(turns[turn_index], 1 if liked else -1, history=_history(turns[:turn_index]))
        except Exception:
            log.exception("storing feedback failed")
            return FAILED
        return "已记录您的评价，谢谢。"

    def on_comment(turns: list, rating: str, comment: str):
        turns = turns or []
        if not turns:
            return "请先提问，再对回答进行评价。", comment
        if rating not in ("👍 有帮助", "👎 没帮助"):
            return "请选择 👍 或 👎。", comment
        try:
            store_feedback(turns[-1], 1 if rating.startswith("👍") else -1, comment.strip(),
                           _history(turns[:-1]))
        except Exception:
            log.exception("storing feedback failed")
            return FAILED, comment
        return "已记录您的反馈，谢谢。", ""

    def refresh():
        docs, regions, years, files = filter_choices()
        return (library_rows(), gr.update(choices=docs), gr.update(choices=regions), gr.update(choices=years),
                gr.update(choices=files, value=None))

    def upload(path: str | None, progress=gr.Progress(track_tqdm=True)):
        if not path:
            return ("请先选择要上传的文件。", *refresh())
        name = Path(path).name
        try:
            if os.path.getsize(path) > library.max_upload_bytes:
                raise UploadError(f"文件过大，上限 {library.max_upload_bytes / 1048576:.0f} MB")
            progress(0.1, desc="读取文件")
            data = Path(path).read_bytes()
            progress(0.3, desc="解析并建立索引")
            result = library.add(name, data)
        except UploadError as exc:
            return (f"未能添加“{escape(name)}”：{escape(str(exc))}", *refresh())
        except Exception:
            log.exception("upload failed")
            return (f"未能添加“{escape(name)}”：{FAILED}", *refresh())
        titles = "、".join(f"《{escape(d.title)}》" for d in result.documents)
        return (f"已添加 {titles}（新编码 {result.report.embedded} 段，用时 {result.report.seconds:.1f} 秒）。",
                *refresh())

    def delete(source_file: str | None):
        if not source_file:
            return ("请先选择要删除的文件。", *refresh())
        try:
            library.remove(source_file)
        except UploadError as exc:
            return (escape(str(exc)), *refresh())
        except Exception:
            log.exception("delete failed")
            return (FAILED, *refresh())
        return (f"已删除“{escape(source_file)}”。", *refresh())

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

    docs, regions, years, files = filter_choices()
    with gr.Blocks(title="政策文件问答") as app:
        gr.Markdown("## 政策文件问答\n回答只依据文档库中的文件，每条回答都标注出处；文件中没有的内容会直接说明。")
        turns = gr.State([])
        sources = gr.State([])
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="对话", height=460, elem_id="chat")
                    question = gr.Textbox(label="问题", placeholder="例如：2020年消费扶贫专柜目标是多少", elem_id="question")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary", elem_id="send")
                        reset = gr.Button("新对话", elem_id="new-chat")
                    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
                    with gr.Accordion("筛选范围", open=False):
                        doc_filter = gr.Dropdown(docs, multiselect=True, label="文档", elem_id="doc-filter")
                        region_filter = gr.Dropdown(regions, value=ALL, label="地区", elem_id="region-filter")
                        year_filter = gr.Dropdown(years, value=ALL, label="年份", elem_id="year-filter")
                    with gr.Accordion("对最近一条回答提出反馈", open=False):
                        rating = gr.Radio(["👍 有帮助", "👎 没帮助"], label="评价")
                        comment = gr.Textbox(label="意见（可选）")
                        submit_feedback = gr.Button("提交反馈")
                    feedback_status = gr.Markdown("")
                with gr.Column(scale=2):
                    source_list = gr.Radio([], label="引用来源（点击查看原文）", elem_id="sources", interactive=True)
                    viewer = gr.HTML(EMPTY_VIEWER, elem_id="viewer")
        with gr.Tab("文档库"):
            table = gr.Dataframe(library_rows(), headers=["标题", "发文机关", "文号", "地区", "年份", "条款数", "文件"],
                                 interactive=False, wrap=True, elem_id="library")
            with gr.Row():
                upload_file = gr.File(label="上传文件（.txt / .html / .docx / .pdf）", type="filepath",
                                      file_types=[".txt", ".html", ".htm", ".docx", ".pdf"], elem_id="upload")
                with gr.Column():
                    upload_button = gr.Button("上传并加入文档库", variant="primary", elem_id="upload-button")
                    delete_choice = gr.Dropdown(files, label="删除文件", elem_id="delete-choice")
                    delete_button = gr.Button("删除", variant="stop", elem_id="delete-button")
            library_status = gr.Markdown("", elem_id="library-status")

        ask_inputs = [question, chat, turns, doc_filter, region_filter, year_filter]
        ask_outputs = [chat, question, turns, source_list, sources, viewer]
        send.click(answer_turn, ask_inputs, ask_outputs, api_visibility="private")
        question.submit(answer_turn, ask_inputs, ask_outputs, api_visibility="private")
        reset.click(new_chat, None, [chat, turns, source_list, sources, viewer, feedback_status],
                    api_visibility="private")
        source_list.select(open_source, [sources], viewer, api_visibility="private").then(
            None, None, None, js=SCROLL_TO_HIGHLIGHT)
        chat.like(on_like, [turns], feedback_status, api_visibility="private")
        submit_feedback.click(on_comment, [turns, rating, comment], [feedback_status, comment],
                              api_visibility="private")
        library_outputs = [library_status, table, doc_filter, region_filter, year_filter, delete_choice]
        upload_button.click(upload, [upload_file], library_outputs, api_visibility="private")
        delete_button.click(delete, [delete_choice], library_outputs, api_visibility="private")
        gr.api(api_ask, api_name="ask")
    return app
