"""Exports of one answer and of a conversation, as Markdown and .docx."""

from __future__ import annotations

import io

from assistant.exports import conversation_docx, conversation_markdown, turn_markdown, write_export

TURNS = [
    {"question": "2020年消费扶贫专柜目标是多少", "answer": "设立1万个消费扶贫专柜。[1]", "abstained": False, "filters": "",
     "citations": [{"n": 1, "title": "2020年全市脱贫攻坚工作要点", "number": "渝扶组发〔2020〕1号",
                    "section": "二、重点任务 › (三)", "date": "2020-03-06", "text": "全年设立1万个消费扶贫专柜。"}]},
    {"question": "那2019年呢？", "answer": "没有找到2019年的目标。", "abstained": True, "filters": "地区=重庆",
     "citations": [{"n": 1, "title": "2019年全市脱贫攻坚工作要点", "number": "渝扶组发〔2019〕1号", "section": "一、",
                    "date": "2019-02-01", "text": "第一行\n第二行"}]},
]


def test_one_answer_as_markdown_names_every_source():
    text = turn_markdown(TURNS[0])
    for part in ("2020年消费扶贫专柜目标是多少", "设立1万个消费扶贫专柜", "《2020年全市脱贫攻坚工作要点》",
                 "文号：渝扶组发〔2020〕1号", "条款：二、重点任务 › (三)", "日期：2020-03-06", "> 全年设立1万个消费扶贫专柜。"):
        assert part in text


def test_conversation_markdown_numbers_turns_and_keeps_filters():
    text = conversation_markdown(TURNS)
    assert "## 问题1：" in text and "## 问题2：那2019年呢？" in text
    assert "当前筛选：地区=重庆" in text and "可能相关的条款" in text and "> 第一行\n> 第二行" in text


def test_docx_holds_the_same_content(tmp_path):
    import docx

    document = docx.Document(io.BytesIO(conversation_docx(TURNS)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "渝扶组发〔2019〕1号" in text and "全年设立1万个消费扶贫专柜。" in text and "当前筛选：地区=重庆" in text
    path = write_export(TURNS[:1], "docx", tmp_path)
    assert path.suffix == ".docx" and path.stat().st_size > 0
    md = write_export(TURNS, "md", tmp_path, stem="对话")
    assert md.name.startswith("对话_") and "## 问题2" in md.read_text(encoding="utf-8")
