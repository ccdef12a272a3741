"""附件2 workbooks: layout, numbering, injection-safe cells, layouts per scope, downloads and jobs."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobs.models import Job, JobStatus
from ledger.exports import ONGOING, ExportSelection, build_workbook_bytes
from ledger.models import Campaign, CampaignStatus, ItemStatus, ProblemStatus
from ledger.selectors.exports import export_ledgers
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

HEADER_ROW = 4


@pytest.fixture
def campaign(tree):
    return make_campaign(tree.root, template=make_template("exp", categories=3), name="潍坊学院党支部对账整改专项行动")


@pytest.fixture
def filled(campaign, tree):
    """b1: category 1 has two problems (2 measures + 1 measure), category 2 none, category 3 one problem
    without measures; plus a withdrawn problem that must not appear."""
    ledger = ledger_of(campaign, tree.b1)
    cat1, cat2, cat3 = campaign.template.categories.order_by("order")
    p1 = make_problem(ledger, category=cat1, description="支部委员会超期未换届")
    make_item(p1, measure="召开支委会研究换届", deadline=datetime.date(2022, 10, 31), responsible_name="张三",
              responsible_leader="李四")
    make_item(p1, measure="报上级党组织审批", ongoing=True, responsible_name="王五")
    p2 = make_problem(ledger, category=cat1, description="=HYPERLINK(\"http://evil\",\"x\")")
    make_item(p2, measure="+cmd|' /C calc'!A0", responsible_name="@SUM(1)", status=ItemStatus.CLOSED,
              closed_at=timezone.make_aware(datetime.datetime(2022, 11, 2, 10, 0)))
    make_problem(ledger, category=cat3, description="-档案不完整")
    withdrawn = make_problem(ledger, category=cat2, description="已撤回的问题")
    withdrawn.status = ProblemStatus.WITHDRAWN
    withdrawn.save()
    return ledger


def open_book(content: bytes):
    return load_workbook(io.BytesIO(content))


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def export(campaign, unit, scope=None) -> bytes:
    return build_workbook_bytes(ExportSelection(campaign=campaign, unit=unit,
                                                ledgers=export_ledgers(scope=scope, campaign=campaign, unit=unit)))


def test_branch_sheet_follows_the_notice_layout(filled, campaign, tree):
    wb = open_book(export(campaign, tree.b1))
    assert len(wb.worksheets) == 1
    ws = wb.worksheets[0]
    assert ws["A1"].value == "潍坊学院党支部对账整改专项行动自查问题、整改与责任清单"
    assert ws["A2"].value == "党总支（党委）：第一党总支"
    assert ws["A3"].value == "党支部名称：第一党支部"
    assert [c.value for c in ws[HEADER_ROW]] == ["查摆内容", "查摆问题", "整改措施", "整改时限", "责任人", "状态", "销号日期"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert rows[0][:5] == ["1. 类别1", "1. 支部委员会超期未换届", "1. 召开支委会研究换届", "2022年10月31日",
                           "张三\n责任领导：李四"]
    assert rows[1][2:6] == ["2. 报上级党组织审批", ONGOING, "王五", "未开始"]
    assert rows[2][1].startswith("2. =HYPERLINK") and rows[2][2] == "1. +cmd|' /C calc'!A0"
    assert rows[2][5:] == ["已销号", "2022年11月2日"]
    assert rows[3][0] == "2. 类别2" and rows[3][1] is None  # listed once, no problem
    assert rows[4][:3] == ["3. 类别3", "1. -档案不完整", None] and rows[4][5] == "未制定措施"
    assert len(rows) == 5  # the withdrawn problem is left out
    # category 1 merged over its three measure rows, problem 1 over its two
    assert {"A5:A7", "B5:B6", "A1:G1"} <= merged(ws)
    assert not any(r.startswith("A8") or r.startswith("A9") for r in merged(ws))


def test_a_merged_text_is_stored_once_with_the_borders_below_it(filled, campaign, tree):
    """As Excel stores a merge: the first cell holds the text, the hidden cells below only their border (the text
    repeated under every measure was a third of a county's sheet to write and compress)."""
    content = export(campaign, tree.b1)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet_xml.count("支部委员会超期未换届") == 1 and sheet_xml.count("类别1") == 1
    ws = load_workbook(io.BytesIO(content), read_only=False).worksheets[0]
    assert ws["A7"].border.bottom.style == "thin" and ws["B6"].border.left.style == "thin"


def test_sheet_prints_on_a4_landscape_with_repeated_header(filled, campaign, tree):
    ws = open_book(export(campaign, tree.b1)).worksheets[0]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$4"
    assert ws.column_dimensions["C"].width == 50
    cell = ws["C5"]
    assert cell.alignment.wrap_text and cell.border.left.style == "thin"
    assert cell.font.name == "仿宋" and ws["A1"].font.bold


def test_formula_like_text_stays_text(filled, campaign, tree):
    ws = open_book(export(campaign, tree.b1)).worksheets[0]
    problem = ws["B7"]
    assert problem.value == '2. =HYPERLINK("http://evil","x")' and problem.data_type == "s"
    responsible = ws["E7"]
    assert responsible.value == "@SUM(1)" and responsible.data_type == "s" and responsible.quotePrefix


def test_formula_text_at_the_start_of_a_cell_is_quoted(tree, tmp_path):
    from openpyxl import Workbook

    from branches.spreadsheets.writer import SheetWriter, safe_cell, save_workbook

    wb = Workbook(write_only=True)
    values = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "正常文本", "控制\x01字符 <&>"]
    sheet = SheetWriter(wb, "t", (10,) * len(values), 1)
    sheet.append([safe_cell(sheet.ws, v) for v in values])
    save_workbook(wb, tmp_path / "t.xlsx")
    row = load_workbook(tmp_path / "t.xlsx")["t"][1]
    assert [c.value for c in row] == values[:-1] + ["控制字符 <&>"]  # a control character XML cannot carry is dropped
    assert all(c.data_type == "s" for c in row)
    assert [bool(c.quotePrefix) for c in row] == [True] * 6 + [False, False]


def test_general_branch_export_has_a_sheet_per_branch_and_a_summary(filled, campaign, tree):
    p = make_problem(ledger_of(campaign, tree.b2), description="第二支部的问题")
    make_item(p, measure="措施", deadline=datetime.date(2022, 10, 1))  # overdue
    wb = open_book(export(campaign, tree.gb1))
    assert wb.sheetnames == ["汇总", "第一党支部", "第二党支部"]
    summary = wb["汇总"]
    assert [c.value for c in summary[3]][:5] == ["序号", "党总支（党委）", "党支部", "台账状态", "问题数"]
    assert [c.value for c in summary[4]] == [1, "第一党总支", "第一党支部", "填报中", 3, 3, 1, 2, 1]
    assert [c.value for c in summary[5]] == [2, "第一党总支", "第二党支部", "填报中", 1, 1, 0, 1, 1]
    assert [c.value for c in summary[6]][4:] == [4, 4, 1, 3, 2]
    assert wb["第二党支部"]["A3"].value == "党支部名称：第二党支部"
    assert wb["第二党支部"]["B5"].value == "1. 第二支部的问题"


def test_campaign_export_has_a_sheet_per_general_branch(filled, campaign, tree):
    wb = open_book(export(campaign, None))
    assert wb.sheetnames == ["汇总", "第一党总支", "第二党总支"]
    ws = wb["第一党总支"]
    labels = [row[0].value for row in ws.iter_rows() if row[0].value and str(row[0].value).startswith("党支部名称")]
    assert labels == ["党支部名称：第一党支部", "党支部名称：第二党支部"]
    assert wb["汇总"].max_row == 3 + 3 + 1  # title, scope, header, three branches, total


def test_export_reads_with_a_fixed_number_of_queries(filled, campaign, tree, django_assert_max_num_queries):
    for n in range(5):
        p = make_problem(ledger_of(campaign, tree.b2), description=f"问题{n}")
        make_item(p)
        make_item(p)
    with django_assert_max_num_queries(12):
        export(campaign, tree.gb1)


def test_command_line_export(filled, campaign, tree, tmp_path):
    out = tmp_path / "gb1.xlsx"
    call_command("export_ledger", campaign=campaign.doc_number, unit="G1", output=str(out))
    assert load_workbook(out).sheetnames == ["汇总", "第一党支部", "第二党支部"]
    call_command("export_ledger", campaign=str(campaign.pk), unit="B1", output=str(out))
    assert load_workbook(out).worksheets[0]["A3"].value == "党支部名称：第一党支部"


def test_command_line_refuses_an_unknown_unit(campaign, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not found"):
        call_command("export_ledger", campaign=str(campaign.pk), unit="NOPE", output=str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_branch_downloads_its_own_ledger_at_once(client, filled, users):
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:ledger_export", args=[filled.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    ws = open_book(b"".join(response.streaming_content)).worksheets[0]
    assert ws["A3"].value == "党支部名称：第一党支部"


def test_ledger_outside_the_scope_is_not_found(client, campaign, tree, users):
    client.force_login(users["secretary"])  # b1's secretary
    other = ledger_of(campaign, tree.b2)
    assert client.get(reverse("ledger:ledger_export", args=[other.pk])).status_code == 404


def test_general_branch_export_runs_as_a_job(client, filled, campaign, tree, users,
                                             django_capture_on_commit_callbacks):
    client.force_login(users["gb_staff"])
    page = client.get(reverse("ledger:campaign_export", args=[campaign.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "第一党总支" in text
    assert reverse("ledger:ledger_export", args=[ledger_of(campaign, tree.b2).pk]) in text  # its branches
    assert reverse("ledger:ledger_export", args=[ledger_of(campaign, tree.b3).pk]) not in text  # not another's
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledger:export_start", args=[campaign.pk]), {"unit": tree.gb1.pk})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.progress == 100  # eager in tests
    detail = client.get(response["Location"])
    assert "下载" in detail.content.decode()
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert open_book(b"".join(download.streaming_content)).sheetnames == ["汇总", "第一党支部", "第二党支部"]


def test_job_export_refuses_units_outside_the_scope(client, campaign, tree, users):
    client.force_login(users["gb_staff"])
    response = client.post(reverse("ledger:export_start", args=[campaign.pk]), {"unit": tree.gb2.pk})
    assert response.status_code == 404
    response = client.post(reverse("ledger:export_start", args=[campaign.pk]))  # the whole campaign
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_job_rechecks_the_scope_when_it_runs(campaign, tree, users):
    from branches.models import RoleAssignment
    from jobs.services import job_run

    staff = users["gb_staff"]
    job = Job.objects.create(owner=staff, kind="ledger_export", title="t",
                             params={"campaign": campaign.pk, "unit": tree.gb1.pk})
    RoleAssignment.objects.filter(user=staff).delete()  # role withdrawn after queueing
    job = job_run(job_id=job.pk)
    assert job.status == JobStatus.FAILED and "无权" in job.message and not job.result


def test_someone_elses_job_is_not_found(client, filled, campaign, tree, users):
    client.force_login(users["gb_staff"])
    client.post(reverse("ledger:export_start", args=[campaign.pk]), {"unit": tree.gb1.pk})
    job = Job.objects.get()
    client.force_login(users["secretary"])
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


def test_campaign_of_another_tree_is_not_found(client, tree, users):
    other = make_campaign(tree.other_root, template=make_template("o"))
    client.force_login(users["org"])
    assert client.get(reverse("ledger:campaign_export", args=[other.pk])).status_code == 404
    assert client.post(reverse("ledger:export_start", args=[other.pk])).status_code == 404


def test_title_leads_with_the_issuing_organization(tree):
    from ledger.exports import workbook_title

    campaign = make_campaign(tree.root, template=make_template("title"), name="党支部对账整改专项行动", publish=False)
    tree.root.name = "潍坊学院党委"
    campaign.issuer = tree.root
    assert workbook_title(campaign) == "潍坊学院党支部对账整改专项行动自查问题、整改与责任清单"
    campaign.name = "潍坊学院党支部对账整改专项行动"
    assert workbook_title(campaign) == "潍坊学院党支部对账整改专项行动自查问题、整改与责任清单"


def test_an_export_over_the_row_limit_is_refused_with_a_message(client, filled, campaign, tree, users, settings):
    client.force_login(users["org"])
    settings.EXPORT_MAX_ROWS = 3  # b1 alone has five rows
    response = client.post(reverse("ledger:export_start", args=[campaign.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ledger:campaign_export", args=[campaign.pk])
    assert "超过一次导出的上限3行。请选择下级单位分别导出。" in response.content.decode()
    assert not Job.objects.exists()
    settings.EXPORT_MAX_ROWS = 200_000
    client.post(reverse("ledger:export_start", args=[campaign.pk]))
    assert Job.objects.count() == 1


def test_the_export_index_lists_the_campaigns_with_a_ledger_in_scope(client, campaign, tree, users):
    empty = make_campaign(tree.root, template=make_template("e"), name="尚无台账的专项行动", publish=False)
    Campaign.objects.filter(pk=empty.pk).update(status=CampaignStatus.PUBLISHED)  # published, no ledger anywhere
    make_campaign(tree.other_root, template=make_template("o"))  # its ledgers lie outside the viewers' subtrees
    for who in ("org", "gb_staff", "secretary"):
        client.force_login(users[who])
        assert list(client.get(reverse("ledger:export_index")).context["campaigns"]) == [campaign], who
