from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunking import chunk_document
from assistant.ingest.parsing import parse_page
from assistant.text.sentences import sentence_spans
from assistant.text.tokens import count_tokens
from tests.conftest import read_bundled

NAMES = ["000_bb060860918b24f5.txt", "001_4eddf58954baa6ae.txt", "002_67e2a6f90e19cdf4.txt",
         "003_21a7aeb8a96b0289.txt", "004_a59cb19528c11c68.txt"]


def _all_chunks(max_tokens=400):
    for name in NAMES:
        for parsed in parse_page(name, read_bundled(name)):
            yield parsed, chunk_document(parsed, max_tokens=max_tokens, count_tokens=count_tokens)


def test_chunks_cover_the_document_in_order_and_point_into_it():
    for parsed, chunks in _all_chunks():
        display = parsed.document.display_text
        assert chunks
        position = 0
        for chunk in chunks:
            assert display[chunk.start:chunk.end] == chunk.text
            assert not display[position:chunk.start].strip(), "text between chunks was lost"
            position = chunk.end
        assert not display[position:].strip()


def test_no_chunk_crosses_a_provision_boundary():
    for parsed, chunks in _all_chunks(max_tokens=64):
        bounds = [(p.start, p.end) for p in parsed.provisions]
        for chunk in chunks:
            assert any(s <= chunk.start and chunk.end <= e for s, e in bounds)


def test_long_provisions_are_split_at_sentence_ends_within_the_budget():
    for parsed, chunks in _all_chunks(max_tokens=64):
        for chunk in chunks:
            sentences = sentence_spans(chunk.text)
            assert chunk.tokens <= 64 or len(sentences) == 1
            assert chunk.text[-1] in "。；;！!？?)）〕”" or chunk.end == len(parsed.document.display_text) \
                or parsed.document.display_text[chunk.end:chunk.end + 1] in "\n"


def test_item_chunk_carries_its_heading_path():
    for parsed, chunks in _all_chunks():
        if parsed.document.year == 2020 and parsed.document.region == "重庆" and parsed.document.number:
            target = next(c for c in chunks if "设立1万个消费扶贫专柜" in c.text)
            assert target.section[0].startswith("三、") and target.section[1].startswith("(十)")
            return
    raise AssertionError("2020 plan not found")


@settings(max_examples=60)
@given(st.text(alphabet=st.sampled_from(list("政策文件规定。；！？\n 12")), max_size=80))
def test_sentence_spans_cover_text(text):
    spans = sentence_spans(text)
    joined = "".join(text[s:e] for s, e in spans)
    assert joined.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "") or not text.strip()
