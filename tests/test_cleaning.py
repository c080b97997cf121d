from assistant.ingest.cleaning import clean, clean_blocks
from tests.conftest import FIXTURES, read_bundled


def test_site_chrome_is_dropped_and_text_kept():
    text = clean((FIXTURES / "tiny_plan.txt").read_text(encoding="utf-8"))
    assert "首页 | 政务公开" not in text
    assert "返回顶部" not in text
    assert "版权所有" not in text
    assert "(一)发展目标。全年新建高标准农田5万亩" in text


def test_metadata_block_printed_twice_is_gone():
    text = clean(read_bundled("000_bb060860918b24f5.txt"))
    assert "[ 索引号 ]" not in text and "索引号" not in text
    assert text.count("渝扶组发〔2019〕1号") == 1
    assert "扫一扫" not in text


def test_news_page_loses_pinyin_copyright_and_related_stories():
    text = clean(read_bundled("002_67e2a6f90e19cdf4.txt"))
    assert "(wù)" not in text and "(chǎn)" not in text
    assert "版權" not in text
    assert "延伸閱讀" not in text
    assert "定點攻堅的對象分為兩類" in text


def test_contact_details_and_login_footer_are_dropped():
    text = clean(read_bundled("003_21a7aeb8a96b0289.txt"))
    assert "13809978835" not in text and "@qq.com" not in text
    assert "用户登录" not in text and "关闭窗口" not in text


def test_content_farm_page_splits_at_foreign_copyright_and_drops_forum_trailer():
    blocks = clean_blocks(read_bundled("004_a59cb19528c11c68.txt"))
    assert len(blocks) == 2
    joined = "\n".join(line for block in blocks for line in block)
    assert "我要回帖" not in joined and "随机推荐" not in joined and "中国西藏网" not in joined
