"""Exports of answers and conversations, with the quoted provisions and where they come from (document,
文号, section, date), as Markdown or Word (.docx).

A turn is a dict: `question`, `answer`, optional `abstained`, `filters` (a line such as "地区=山东") and
`citations`, each with `n`, `title`, `number` (文号), `section`, `date` (ISO) and `text` (the quoted provision)."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

TITLE = "政策文件问答记录"


def _source_line(citation: dict) -> str:
    parts = [f"《{citation.get('title', '')}》"]
    for key, label in (("number", "文号"), ("section", "条款"), ("date", "日期")):
        if citation.get(key):
            parts.append(f"{label}：{citation[key]}")
    return "，".join(parts)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in (text or "").splitlines() or [""])


def turn_markdown(turn: dict, number: int | None = None) -> str:
    """One question and its answer, with every quoted provision and its source."""
    head = f"## 问题{number}：" if number is not None else "## 问题："
    lines = [head + turn.get("question", ""), "", "**回答：**", "", turn.get("answer", "")]
    if turn.get("filters"):
        lines += ["", f"当前筛选：{turn['filters']}"]
    citations = turn.get("citations") or []
    if citations:
        lines += ["", "**引用的条款：**" if not turn.get("abstained") else "**可能相关的条款：**", ""]
        for citation in citations:
            lines += [f"[{citation.get('n', '')}] {_source_line(citation)}", "", _quote(citation.get("text", "")), ""]
    return "\n".join(lines).rstrip() + "\n"


def _header(title: str) -> str:
    return f"# {title}\n\n导出时间：{time.strftime('%Y-%m-%d %H:%M')}\n"


def conversation_markdown(turns: Sequence[dict], title: str = TITLE) -> str:
    """The whole conversation, every turn numbered."""
    body = "\n".join(turn_markdown(turn, i) for i, turn in enumerate(turns, start=1))
    return _header(title) + "\n" + body


def conversation_docx(turns: Sequence[dict], title: str = TITLE) -> bytes:
    """The same content as a Word document."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    document.add_paragraph(f"导出时间：{time.strftime('%Y-%m-%d %H:%M')}")
    numbered = len(turns) > 1
    for i, turn in enumerate(turns, start=1):
        document.add_heading((f"问题{i}：" if numbered else "问题：") + turn.get("question", ""), level=1)
        answer = document.add_paragraph()
        answer.add_run("回答：").bold = True
        answer.add_run(turn.get("answer", ""))
        if turn.get("filters"):
            document.add_paragraph(f"当前筛选：{turn['filters']}")
        citations = turn.get("citations") or []
        if citations:
            document.add_heading("可能相关的条款" if turn.get("abstained") else "引用的条款", level=2)
        for citation in citations:
            document.add_paragraph(f"[{citation.get('n', '')}] {_source_line(citation)}")
            document.add_paragraph(citation.get("text", ""), style="Intense Quote")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_export(turns: Sequence[dict], fmt: str, folder: str | Path, *, stem: str = "问答记录") -> Path:
    """Write `turns` as `fmt` ("md" or "docx") into `folder`; returns the file."""
    if not turns:
        raise ValueError("nothing to export")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{stem}_{time.strftime('%Y%m%d-%H%M%S')}"
    if fmt == "md":
        path = folder / f"{name}.md"
        path.write_text(conversation_markdown(turns) if len(turns) > 1 else _header(TITLE) + "\n" + turn_markdown(turns[0]),
                        encoding="utf-8")
    elif fmt == "docx":
        path = folder / f"{name}.docx"
        path.write_bytes(conversation_docx(turns))
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return path
