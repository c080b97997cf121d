"""Versions of one text compared by a question that does not name the text (invented regulation)."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.search.scope import compares_versions
from tests.conftest import assistant_over

OLD = """# 测试市养犬管理条例

2015年3月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 为了规范养犬行为，制定本条例。

第二条 养犬人应当自取得犬只之日起三十日内办理养犬登记。

第三条 本条例自2015年6月1日起施行。
"""

NEW = """# 测试市养犬管理条例

2015年3月1日 测试市人民代表大会常务委员会通过 2023年4月1日 测试市人民代表大会常务委员会修订

<!-- INFO END -->

第一条 为了规范养犬行为，制定本条例。

第二条 养犬人应当自取得犬只之日起十五日内办理养犬登记，并为犬只植入电子标识。

第三条 本条例自2023年7月1日起施行。
"""

OTHER = """# 测试市城市供水条例

2020年5月1日 测试市人民代表大会常务委员会通过

<!-- INFO END -->

第一条 供水企业应当办理供水登记。
"""


def test_a_comparison_of_versions_needs_words_of_versions() -> None:
    assert compares_versions("养犬登记修改前后有什么不一样")
    assert compares_versions("2021版和2024版的手续有什么不同")
    assert not compares_versions("北京和上海的养犬登记有什么不同")
    assert not compares_versions("养犬登记要多久")


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return assistant_over(tmp_path_factory.mktemp("versions"), {
        "测试市养犬管理条例(2015-03-01).md": OLD, "测试市养犬管理条例(2023-04-01).md": NEW,
        "测试市城市供水条例.md": OTHER})


def test_versions_compared_without_naming_the_text_are_answered_each(versions: Assistant) -> None:
    answer = versions.ask("养犬登记的期限，修改前后有什么不一样？")
    assert not answer.abstained
    assert "三十日内" in answer.text and "十五日内" in answer.text
    assert len(answer.citations) == 2


def test_a_question_without_words_of_versions_is_answered_from_the_current_text(versions: Assistant) -> None:
    answer = versions.ask("养犬登记要在多少日内办理？")
    assert "十五日内" in answer.text and "三十日内" not in answer.text
