from hypothesis import given, strategies as st

from assistant.textnorm import match_form, normalize, normalize_mapped, readable, remove_pinyin, to_simplified


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
