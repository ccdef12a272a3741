"""附件2 as LibreOffice prints it: every row is as tall as its longest text, so nothing is cut off on paper.

The workbook is converted to PDF by LibreOffice itself (Debian libreoffice-calc-nogui, installed by `make
system`) and every text of the sheet must be found whole in the PDF's text.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from branches.spreadsheets.writer import row_height_for
from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.selectors.exports import export_ledgers
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

SOFFICE = shutil.which("soffice")
EXCEL_LINE = 14.3  # points: a line of 11-point 仿宋 in Excel
LONG_CATEGORY = "对照党章党规和上级要求，检查支部组织设置、班子建设、组织生活、党员教育管理监督等方面的落实情况"
LONG_PROBLEM = ("支部委员会超期未换届，委员调离后长期未按程序补选，支部书记由上级临时指定，"
                "组织生活会、民主评议党员等基本制度执行不到位，会议记录缺少讨论发言和表决情况，"
                "发展党员材料中政治审查、培养考察环节的记录不完整，部分党员组织关系长期未转接。")
LONG_MEASURE = ("召开支委会专题研究换届工作，按照《中国共产党基层组织选举工作条例》的规定，"
                "制定换届选举工作方案，报上级党组织审批后依程序召开党员大会选举产生新一届支部委员会，"
                "同时逐项补齐会议记录和发展党员材料，建立组织关系转接台账，明确专人负责，按月对账销号。")
SHORT_MEASURE = "报上级党组织审批"
LONGER_CATEGORY = ("对照《中国共产党支部工作条例（试行）》，检查支部委员会设置、换届选举、“三会一课”、主题党日、"
                   "组织生活会、民主评议党员、党费收缴使用管理、党员发展和党员档案管理等基本制度的执行情况")


def squeeze(text: str) -> str:
    """Text without any white space: LibreOffice wraps Chinese text anywhere, so only the characters count."""
    return re.sub(r"\s+", "", text)


def soffice_pdf(xlsx, out_dir, profile) -> str:
    """The workbook printed to PDF by headless LibreOffice (a private profile: parallel runs do not clash),
    its text in the order LibreOffice drew it: cell after cell, where a layout would interleave the lines of
    neighbouring cells. A line cut off by the cell's edge is not drawn at all."""
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), str(xlsx)], check=True, capture_output=True, timeout=180)
    pdf = out_dir / (xlsx.stem + ".pdf")
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def long_texts(tree):
    campaign = make_campaign(tree.root, template=make_template("prn", categories=2), name="潍坊学院党支部对账整改专项行动")
    first, second = campaign.template.categories.order_by("order")
    first.title, second.title = LONG_CATEGORY, LONGER_CATEGORY
    first.save(update_fields=["title"])
    second.save(update_fields=["title"])
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger, category=first, description=LONG_PROBLEM)
    make_item(problem, measure=LONG_MEASURE, deadline=datetime.date(2022, 10, 31), responsible_name="张三",
              responsible_leader="李四")
    make_item(problem, measure=SHORT_MEASURE, ongoing=True, responsible_name="王五")
    # a category merged over several one-line rows: its long title needs more than their default heights
    for n in range(3):
        make_problem(ledger, category=first, description=f"短问题{n}")
    make_problem(ledger, category=first, description="档案不完整\n党员花名册未及时更新\n组织关系转接记录缺失")
    # a category whose title needs far more than its two one-line rows
    make_problem(ledger, category=second, description="短问题甲")
    make_problem(ledger, category=second, description="短问题乙")
    return campaign


def export(campaign, unit) -> bytes:
    return build_workbook_bytes(ExportSelection(campaign=campaign, unit=unit,
                                                ledgers=export_ledgers(scope=None, campaign=campaign, unit=unit)))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (make system installs it)")
def test_libreoffice_prints_every_text_of_the_sheet_whole(long_texts, tree, tmp_path):
    xlsx = tmp_path / "附件2.xlsx"
    xlsx.write_bytes(export(long_texts, tree.b1))
    printed = squeeze(soffice_pdf(xlsx, tmp_path, tmp_path / "lo-profile"))
    texts = [cell.value for row in load_workbook(xlsx).worksheets[0].iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert {f"1. {LONG_CATEGORY}", f"2. {LONGER_CATEGORY}", f"1. {LONG_MEASURE}"} <= set(texts)
    missing = [text for text in texts if squeeze(text) not in printed]
    assert not missing, f"cut off in LibreOffice's print: {missing}"


def test_merged_cells_get_the_height_their_text_needs_across_their_rows(long_texts, tree):
    ws = load_workbook(io.BytesIO(export(long_texts, tree.b1))).worksheets[0]
    heights = {n: ws.row_dimensions[n].height for n in range(5, ws.max_row + 1)}
    assert {"A5:A10", "B5:B6", "A11:A12"} <= {str(r) for r in ws.merged_cells.ranges}
    assert heights[5] >= row_height_for([f"1. {LONG_MEASURE}"], [50]) >= 6 * EXCEL_LINE  # ~24 characters a line
    assert heights[5] + heights[6] >= row_height_for([f"1. {LONG_PROBLEM}"], [40])  # the problem, B5:B6
    assert heights[10] >= row_height_for(["5. 档案不完整\n党员花名册未及时更新\n组织关系转接记录缺失"], [40])
    assert heights[10] >= 3 * EXCEL_LINE  # three paragraphs: three lines
    # category 2 (A11:A12): two one-line rows, stretched together to the height of its long title
    assert heights[11] + heights[12] >= row_height_for([f"2. {LONGER_CATEGORY}"], [22])
    assert heights[11] == heights[12] > row_height_for(["短问题甲"], [40])


def test_a_long_branch_name_gets_a_tall_enough_summary_row(long_texts, tree):
    tree.b1.name = "化学化工与环境工程学院教工第一党支部（含分析测试中心）"
    tree.b1.save(update_fields=["name"])
    summary = load_workbook(io.BytesIO(export(long_texts, tree.gb1)))["汇总"]
    assert summary["C4"].value == tree.b1.name and summary["C5"].value == "第二党支部"
    assert summary.row_dimensions[4].height >= 2 * EXCEL_LINE  # two lines in a column of 30
    assert summary.row_dimensions[5].height < 2 * EXCEL_LINE
