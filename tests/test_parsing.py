from assistant.ingest.parsing import parse_page
from tests.conftest import FIXTURES, read_bundled


def _parse(name):
    return parse_page(name, read_bundled(name))


def _shape(parsed):
    parts = [p for p in parsed.provisions if len(p.path) == 1 and p.path[0] not in {"前言", "印发信息"}]
    items = [p for p in parsed.provisions if len(p.path) == 2]
    return len(parts), len(items)


def test_2019_plan_has_11_parts_and_46_items_with_metadata():
    (doc,) = _parse("000_bb060860918b24f5.txt")
    assert _shape(doc) == (11, 46)
    d = doc.document
    assert d.title == "2019年全市脱贫攻坚工作要点"
    assert d.number == "渝扶组发〔2019〕1号"
    assert d.issuer == "重庆市扶贫开发领导小组"
    assert d.region == "重庆" and d.year == 2019
    assert d.date("成文") == "2019-02-13" and d.date("印发") == "2019-02-20" and d.date("发布") == "2019-02-21"


def test_2020_plan_has_11_parts_and_42_items_with_leading_units():
    (doc,) = _parse("001_4eddf58954baa6ae.txt")
    assert _shape(doc) == (11, 42)
    assert doc.document.number == "渝扶组发〔2020〕1号" and doc.document.year == 2020
    item = next(p for p in doc.provisions if p.path[-1].startswith("(十)"))
    assert item.path[0].startswith("三、")
    assert item.responsible == "市商务委、市农业农村委、市扶贫办等牵头负责"


def test_responsible_units_of_2019_items():
    (doc,) = _parse("000_bb060860918b24f5.txt")
    with_units = [p for p in doc.provisions if len(p.path) == 2 and p.responsible]
    assert len(with_units) >= 40
    first = next(p for p in doc.provisions if p.path[-1].startswith("(六)"))
    assert first.responsible.startswith("市委办公厅、市政府办公厅")


def test_tacheng_plan_metadata_and_three_levels():
    (doc,) = _parse("003_21a7aeb8a96b0289.txt")
    d = doc.document
    assert d.title == "塔城地区2020年扶贫日活动方案"
    assert d.number == "塔地扶贫领办字〔2020〕15号"
    assert d.issuer == "塔城地区扶贫开发领导小组办公室"
    assert d.region == "塔城" and d.date("成文") == "2020-07-07"
    deep = [p for p in doc.provisions if len(p.path) == 3]
    assert len(deep) == 8
    assert deep[0].responsible == "地委宣传部负责"


def test_content_farm_page_is_three_documents():
    docs = _parse("004_a59cb19528c11c68.txt")
    regions = [d.document.region for d in docs]
    assert regions == ["河北", "山东", "贵州"]
    hebei, shandong, guizhou = (d.document for d in docs)
    assert hebei.issuer == "河北省人民政府办公厅"
    assert "消费扶贫" in hebei.title and "四个转变" not in hebei.title
    assert "山东" in shandong.issuer
    assert "贵州" in guizhou.title
    assert len({d.doc_id for d in (hebei, shandong, guizhou)}) == 3


def test_headings_that_lost_their_numbers_are_provisions():
    docs = _parse("004_a59cb19528c11c68.txt")
    shandong = docs[1]
    lost = [p for p in shandong.provisions if len(p.path) >= 2 and p.path[1].startswith("()")]
    assert len(lost) >= 10
    assert any("做好基础" in p.path[1] for p in lost)


def test_news_item_is_one_document_in_traditional_script():
    (doc,) = _parse("002_67e2a6f90e19cdf4.txt")
    assert doc.document.region == "重庆"
    assert "定点攻坚" in doc.document.title
    assert "定點攻堅" in doc.document.display_text


def test_provisions_are_ordered_and_inside_the_text():
    for name in ["000_bb060860918b24f5.txt", "003_21a7aeb8a96b0289.txt", "004_a59cb19528c11c68.txt"]:
        for doc in _parse(name):
            spans = [(p.start, p.end) for p in doc.provisions]
            assert spans == sorted(spans)
            assert all(0 <= s < e <= len(doc.document.display_text) for s, e in spans)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_unknown_page_parses_generally():
    (doc,) = parse_page("tiny_plan.txt", (FIXTURES / "tiny_plan.txt").read_text(encoding="utf-8"))
    d = doc.document
    assert d.title == "2021年测试市乡村振兴工作要点" and d.number == "测试府发〔2021〕7号" and d.year == 2021
    paths = [p.path for p in doc.provisions]
    assert ("二、重点任务", "(三)开展技能培训", "1.组织线上课程") in paths
    units = {p.path[-1]: p.responsible for p in doc.provisions}
    assert units["(二)建设冷链物流"] == "市商务委、市交通局"
