"""Chinese numerals: reading them (chinese_number, small_number) and writing them (cn_numeral)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.text.numbers import chinese_number, cn_numeral, small_number


@pytest.mark.parametrize("text, value", [
    ("七", 7.0),
    ("十", 10.0),
    ("十二", 12.0),
    ("二十", 20.0),
    ("三十五", 35.0),
    ("一百零五", 105.0),
    ("两千三百", 2300.0),
    ("一万二千", 12000.0),
    ("三万五千", 35000.0),
    ("五亿", 5e8),
    ("零", 0.0),
    ("三点五", 3.5),
    ("二点零五", 2.05),
])
def test_chinese_number_reads_numerals_units_and_decimals(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "1.5", "扶贫", "点"])
def test_chinese_number_is_none_without_chinese_numerals(text):
    assert chinese_number(text) is None


@pytest.mark.parametrize("text, value", [("7", 7), ("12", 12), ("十二", 12), ("三", 3), ("二十一", 21)])
def test_small_number_reads_digits_and_numerals(text, value):
    assert small_number(text) == value


@pytest.mark.parametrize("text", ["三点五", "专柜", ""])
def test_small_number_is_none_for_fractions_and_words(text):
    assert small_number(text) is None


@pytest.mark.parametrize("value, text", [(0, "零"), (3, "三"), (10, "十"), (11, "十一"), (20, "二十"),
                                         (46, "四十六"), (99, "九十九")])
def test_cn_numeral_writes_as_headings_do(value, text):
    assert cn_numeral(value) == text


@given(st.integers(min_value=0, max_value=99))
def test_cn_numeral_round_trips_through_the_readers(value):
    written = cn_numeral(value)
    assert chinese_number(written) == value
    assert small_number(written) == value
