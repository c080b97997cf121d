from hypothesis import given
from hypothesis import strategies as st

from assistant.text.normalize import match_form, normalize, normalize_mapped, readable, remove_pinyin, to_simplified


def test_variants_and_spun_phrase_are_undone():
    assert normalize("供应沝平和质量，全渻") == "供应水平和质量,全省"
    assert readable("打赢脱贫攻坚四个转变战") == "打赢脱贫攻坚战"
    assert normalize("(㈣)构建") == "(四)构建"


def test_pinyin_annotations_are_removed():
    assert remove_pinyin("任務(wù)和產(chǎn)業") == "任務和產業"
    assert remove_pinyin("中【zhōng】国") == "中国"
    assert remove_pinyin("范围(以下简称)") == "范围(以下简称)"


def test_traditional_becomes_simplified_char_for_char():
    source = "重慶開展脫貧攻堅“定點攻堅”工作"
    assert to_simplified(source) == "重庆开展脱贫攻坚“定点攻坚”工作"
    assert len(to_simplified(source)) == len(source)


def test_match_form_drops_quotes_and_space():
    assert match_form("“两不愁 三保障”") == "两不愁三保障"
    assert match_form("設立1萬個") == "设立1万个"


@given(st.text(alphabet=st.sampled_from(list("脱贫攻坚四个转变战沝渻㈣重慶開展，。（）ab 12\n")), max_size=60))
def test_offsets_map_back_into_the_source(text):
    mapped = normalize_mapped(text)
    assert len(mapped.source_offsets) == len(mapped.text)
    assert list(mapped.source_offsets) == sorted(mapped.source_offsets)
    assert all(0 <= o < len(text) for o in mapped.source_offsets)
    for i in range(len(mapped.text)):
        start, end = mapped.source_span(i, i + 1)
        assert 0 <= start < end <= len(text)
        # the normalized character comes from the source character it maps to
        assert mapped.text[i] in normalize_mapped(text[start:end]).text or mapped.text[i] in "脱贫攻坚"


def _fold_char_by_char(text: str) -> str:
    """The definition of the search form, one character at a time (the oracle for the fast table)."""
    import unicodedata

    from assistant.text.normalize import SPUN_PHRASES, VARIANT_CHARS

    out = []
    for char in to_simplified(text):
        char = VARIANT_CHARS.get(char, char)
        out.append(" " if char in "\xa0\u3000" else
                   char.lower() if char.isascii() else unicodedata.normalize("NFKC", char).lower())
    joined = "".join(out)
    for spun, original in SPUN_PHRASES:
        joined = joined.replace(spun, original)
    return joined


@given(st.text(alphabet=st.sampled_from(list("脱贫攻坚四个转变战沝渻㈣重慶開展，。（）ABab 12\n\xa0\u3000ﬁ㍻Σİ①")), max_size=60)
       | st.text(max_size=40))
def test_fast_normalization_equals_the_character_by_character_definition(text):
    assert normalize_mapped(text).text == _fold_char_by_char(text)
    assert normalize(text) == _fold_char_by_char(remove_pinyin(text))


def test_characters_that_fold_to_several_keep_their_offsets():
    mapped = normalize_mapped("第ﬁ条㍻")
    assert mapped.text == "第fi条平成"
    assert [mapped.source_span(i, i + 1)[0] for i in range(len(mapped.text))] == [0, 1, 1, 2, 3, 3]
