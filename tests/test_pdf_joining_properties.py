"""Property tests of joining a PDF's lines back into sentences: no text is lost or reordered, every provision
start keeps its own line, two provisions are never merged, and chunk offsets point into the display text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunking import chunk_document
from assistant.ingest.parsing import parse_page
from assistant.ingest.readers import _PROVISION_START, join_pdf_lines
from assistant.text.tokens import count_tokens

NUMERALS = "一二三四五六七八九十"
words = st.text(alphabet="城市管理条例规定本部门应当负责组织实施保护环境单位个人违反处罚", min_size=1, max_size=30)
endings = st.sampled_from(["", "", "，", "。", "；", "："])
starts = st.one_of(
    st.integers(1, 99).map(lambda n: f"第{NUMERALS[n % 10]}条 "),
    st.integers(1, 9).map(lambda n: f"（{NUMERALS[n - 1]}）"),
    st.integers(1, 9).map(lambda n: f"{NUMERALS[n - 1]}、"),
)
lines = st.tuples(st.one_of(st.just(""), starts), words, endings).map(lambda t: "".join(t))
pages = st.lists(st.lists(lines, min_size=1, max_size=12), min_size=1, max_size=2)


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


@settings(max_examples=200, deadline=None)
@given(pages)
def test_joining_keeps_every_character_in_order(page_lines):
    # One or two pages: too few for a line to count as a running header, and no line is a page number.
    joined = join_pdf_lines(["\n".join(page) for page in page_lines])
    assert squeeze(joined) == squeeze("".join(line for page in page_lines for line in page))


@settings(max_examples=200, deadline=None)
@given(pages)
def test_provision_starts_keep_their_own_line_and_are_never_merged(page_lines):
    joined = join_pdf_lines(["\n".join(page) for page in page_lines])
    given_starts = [line.strip() for page in page_lines for line in page if _PROVISION_START.match(line)]
    out_starts = [line for line in joined.split("\n") if _PROVISION_START.match(line)]
    # Each provision start begins an output line of its own: as many as were given, in the same order.
    assert len(out_starts) == len(given_starts)
    assert all(line.startswith(start) for line, start in zip(out_starts, given_starts))


@settings(max_examples=60, deadline=None)
@given(st.lists(lines, min_size=3, max_size=20))
def test_chunk_offsets_of_a_joined_pdf_map_back_to_the_display_text(body):
    text = join_pdf_lines(["城市管理条例\n" + "\n".join(body)])
    for parsed in parse_page("条例.pdf", text):
        display = parsed.document.display_text
        for chunk in chunk_document(parsed, max_tokens=200, count_tokens=count_tokens):
            assert display[chunk.start:chunk.end] == chunk.text
