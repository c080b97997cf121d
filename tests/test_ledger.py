"""The task ledger (督办台账): units and deadlines read from invented provisions, rows cited, exports."""

import csv

import pytest

from assistant import LedgerEntry, Library, ledger_units, task_ledger, write_ledger
from assistant.ledger import deadlines_in, parse_units, unit_names
from tests.conftest import FakeEmbedder

PLAN = ("关于印发《2031年测试市养老服务工作方案》的通知\n测试府办发〔2031〕9号\n"
        "一、重点任务\n"
        "（一）建设社区食堂。2031年6月底前建成社区食堂40个，由市民政局负责，市财政局配合。\n"
        "（二）开展适老化改造。全年完成改造1200户。（责任单位：市住房城乡建委、各区县人民政府）\n"
        "（三）加强人才培训。市人力社保局牵头，市民政局、市卫生健康委按职责分工负责，每季度组织一次培训。\n"
        "（四）专项检查（开展时间：2031年9月—11月）。市市场监管局会同市消防救援支队开展养老机构安全检查。\n"
        "二、工作要求\n"
        "（一）按时报送。各区县人民政府10月15日前报送进展情况；年底前报送工作总结。\n"
        "（二）办理投诉。接到投诉后十五日内办结，由市民政局负责督办。\n"
        "（三）统筹推进。各地结合实际抓好落实。\n")
OTHER = ("关于印发《2032年测试县河道治理方案》的通知\n一、工作任务\n"
         "（一）清理河道。年内清理河道30公里。（县水利局牵头负责）\n")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    seed = tmp_path_factory.mktemp("seed")
    (seed / "plan.txt").write_text(PLAN, encoding="utf-8")
    (seed / "river.txt").write_text(OTHER, encoding="utf-8")
    library = Library(tmp_path_factory.mktemp("lib") / "lib", seed=seed, embedder=FakeEmbedder())
    library.ensure_index()
    return library.assistant


def _by_text(entries: list[LedgerEntry], words: str) -> LedgerEntry:
    return next(e for e in entries if words in e.text)


def test_units_by_role():
    assert parse_units("牵头单位：市民政局；配合单位：市财政局、市人社局") == {
        "responsible": [], "leading": ["市民政局"], "cooperating": ["市财政局", "市人社局"]}
    assert parse_units("市扶贫办牵头，市级有关部门配合")["leading"] == ["市扶贫办"]
    roles = parse_units("由市教委会同市财政局负责")
    assert roles["leading"] == ["市教委"] and roles["cooperating"] == ["市财政局"]
    assert parse_units("市委组织部、市扶贫办,有关区县党委政府")["responsible"] == [
        "市委组织部", "市扶贫办", "有关区县党委政府"]
    assert parse_units("全年完成改造1200户", default=None) == {"responsible": [], "leading": [], "cooperating": []}
    # a person in charge is not a unit
    assert parse_units("由分管负责同志牵头督办", default=None)["responsible"] == []
    assert unit_names("市财政局、市审计局等有关部门") == ["市财政局", "市审计局"]


def test_deadlines_and_time_frames():
    assert deadlines_in("2031年6月底前建成，年底前总结，十五日内办结，每季度报告") == [
        "2031年6月底前", "年底前", "十五日内", "每季度"]
    assert deadlines_in("（开展时间：2031年9月—11月）") == ["开展时间：2031年9月—11月"]
    assert deadlines_in("30个工作日内答复，10月15日前上报") == ["30个工作日内", "10月15日前"]
    assert deadlines_in("全面做好各项工作") == []


def test_every_task_with_its_units_and_deadline(assistant):
    entries = task_ledger(assistant)
    canteen = _by_text(entries, "社区食堂")
    assert canteen.responsible == ("市民政局",) and canteen.cooperating == ("市财政局",)
    assert canteen.deadlines == ("2031年6月底前",) and canteen.title == "2031年测试市养老服务工作方案"
    assert canteen.number == "测试府办发〔2031〕9号" and "（一）建设社区食堂" in canteen.section
    repair = _by_text(entries, "适老化改造")  # units from the closing parenthesis, the provision quoted
    assert repair.responsible == ("市住房城乡建委", "各区县人民政府") and "责任单位" not in repair.text
    training = _by_text(entries, "每季度")
    assert training.leading == ("市人力社保局",) and training.cooperating == ("市民政局", "市卫生健康委")
    check = _by_text(entries, "安全检查")  # a labelled time frame holds for the provision's tasks
    assert check.leading == ("市市场监管局",) and check.cooperating == ("市消防救援支队",)
    assert check.deadlines == ("开展时间：2031年9月—11月",)
    report = _by_text(entries, "10月15日前")
    summary = _by_text(entries, "年底前报送工作总结")  # the clause after "；" keeps its units
    assert report.responsible == summary.responsible == ("各区县人民政府",)
    complaints = _by_text(entries, "十五日内")
    assert complaints.deadlines == ("十五日内",) and complaints.responsible == ("市民政局",)
    assert not any("抓好落实" in e.text for e in entries)  # neither unit nor deadline: no task
    river = _by_text(entries, "清理河道30公里")
    assert river.leading == ("县水利局",) and river.deadlines == ("年内",)


def test_rows_quote_the_document_at_their_offsets(assistant):
    for entry in task_ledger(assistant):
        document = assistant.document(entry.doc_id)
        assert document.display_text[entry.start:entry.end] == entry.text and entry.text.strip() == entry.text


def test_filter_by_document_and_by_unit(assistant):
    plan = next(d.doc_id for d in assistant.documents() if "养老" in d.title)
    assert {e.doc_id for e in task_ledger(assistant, doc_ids=[plan])} == {plan}
    assert task_ledger(assistant, doc_ids=["no-such-document"]) == []
    civil = task_ledger(assistant, unit="民政局")
    assert civil and all(any("民政局" in u for u in e.units) for e in civil)
    assert len(civil) == 3 and any("督办" in e.text for e in civil)
    assert task_ledger(assistant, unit="水利局")[0].leading == ("县水利局",)
    assert set(ledger_units(task_ledger(assistant))[:2]) == {"市民政局", "各区县人民政府"}  # named most often


def test_exports_read_back(assistant, tmp_path):
    from openpyxl import load_workbook

    entries = task_ledger(assistant)
    xlsx = write_ledger(entries, "xlsx", tmp_path)
    sheet = load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "文件", "文号", "条款", "任务（原文）") and len(rows) == len(entries) + 1
    first = rows[1]
    assert first[1] == f"《{entries[0].title}》" and first[4] == entries[0].text
    path = write_ledger(entries, "csv", tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheet programs read it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][-1] == "时限" and len(table) == len(entries) + 1
    assert any(r[5] == "市民政局" and r[7] == "市财政局" and r[8] == "2031年6月底前" for r in table)
    with pytest.raises(ValueError):
        write_ledger(entries, "pdf", tmp_path)


def test_a_cell_is_never_a_formula(tmp_path):
    entry = LedgerEntry("d", "=HYPERLINK(\"http://x\")", "", "一", "-1+1", 0, 4)
    path = write_ledger([entry], "csv", tmp_path)
    text = path.read_text(encoding="utf-8-sig")
    assert "'-1+1" in text and "《=HYPERLINK" in text
