"""Importing a problem list into a ledger from Excel."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.imports import HEADERS, problem_import_apply, problem_import_plan, problem_template
from ledger.models import CampaignStatus, EventAction, LedgerEvent, Problem, ProblemSource, RectificationItem
from tests.factories import filler_of, ledger_of, make_campaign, make_item, make_problem, make_template
from tests.tally_marks import marks_sum
from tests.xlsx import load_bytes, xlsx_bytes
from tests.xlsx_bombs import bombs, measured


def rows_ok():
    return [
        [1, "抓党建强理论学习不够经常", "述职评议", "个性问题", "坚持理论武装头脑", "立行立改，长期坚持", "张三", "李四"],
        [1, "抓党建强理论学习不够经常", "述职评议", "个性问题", "强化日常管理和督查", "2023-06-30", "张三", ""],
        [2, "抓党建求创新思路还不够清晰", "", "共性", "以党建推动重点工作", datetime.datetime(2023, 6, 30), "王五", ""],
        [2, "只有问题没有措施", "", "", "", "", "", ""],
    ]


@pytest.fixture
def ledger(tree):
    campaign = make_campaign(tree.root, template=make_template("imp", categories=3))
    return ledger_of(campaign, tree.b1)


def snapshot(ledger):
    return (sorted(Problem.objects.filter(ledger=ledger).values_list("number", "description", "category__order")),
            sorted(RectificationItem.objects.filter(ledger=ledger).values_list("measure", "deadline", "is_ongoing")),
            LedgerEvent.objects.filter(ledger=ledger).count())


def url(ledger):
    return reverse("ledger:problem_import", args=[ledger.pk])


def test_template_lists_the_categories(client, users, ledger):
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:problem_import_template", args=[ledger.pk]))
    wb = load_bytes(b"".join(response.streaming_content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    notes = " ".join(str(row[0].value) for row in wb["说明"].iter_rows())
    assert "1 = 类别1" in notes and "3 = 类别3" in notes


def test_import_creates_problems_measures_and_events(client, users, ledger):
    make_problem(ledger, description="已有问题")
    client.force_login(users["secretary"])
    response = client.post(url(ledger), {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes(HEADERS, rows_ok()))})
    token = response["Location"].split("token=")[1]
    preview = client.get(response["Location"])
    assert "将新建 3 条" in preview.content.decode()
    assert Problem.objects.filter(ledger=ledger).count() == 1
    events = LedgerEvent.objects.filter(ledger=ledger)
    problems_added, items_added = (events.filter(action=a).count() for a in (EventAction.PROBLEM_ADDED, EventAction.ITEM_ADDED))
    result = client.post(url(ledger), {"token": token, "confirm": "1"})
    assert result.status_code == 200 and "已新建 3 条" in result.content.decode()
    study = Problem.objects.get(ledger=ledger, description="抓党建强理论学习不够经常")
    assert study.number == 2 and study.source == ProblemSource.REPORT_REVIEW and study.category.order == 1
    first, second = study.items.order_by("number")
    assert (first.number, first.is_ongoing, first.deadline, first.responsible_leader) == (1, True, None, "李四")
    assert (second.number, second.deadline) == (2, datetime.date(2023, 6, 30))
    assert Problem.objects.get(description="抓党建求创新思路还不够清晰").nature == "common"
    assert not Problem.objects.get(description="只有问题没有措施").items.exists()
    assert events.filter(action=EventAction.PROBLEM_ADDED).count() == problems_added + 3
    assert events.filter(action=EventAction.ITEM_ADDED).count() == items_added + 3


def test_reimport_changes_nothing_and_a_changed_deadline_updates(users, ledger):
    content = xlsx_bytes(HEADERS, rows_ok())
    problem_import_apply(actor=users["secretary"], ledger=ledger, content=content)
    before = snapshot(ledger)
    plan = problem_import_plan(actor=users["secretary"], ledger=ledger, content=content)
    assert plan.ok and plan.changes_nothing and plan.unchanged == 3
    problem_import_apply(actor=users["secretary"], ledger=ledger, content=content)
    assert snapshot(ledger) == before
    rows = rows_ok()
    rows[1][5] = "2023年9月30日"
    rows.append([2, "只有问题没有措施", "", "", "补上的措施", "2023-01-31", "赵六", ""])
    plan, _ = problem_import_apply(actor=users["secretary"], ledger=ledger, content=xlsx_bytes(HEADERS, rows))
    assert len(plan.updates) == 1 and len(plan.creates) == 1
    assert RectificationItem.objects.get(measure="强化日常管理和督查").deadline == datetime.date(2023, 9, 30)
    assert RectificationItem.objects.get(measure="补上的措施").problem.description == "只有问题没有措施"
    assert Problem.objects.filter(ledger=ledger).count() == 3


def assert_refused(client, ledger, content, *messages):
    before = snapshot(ledger)
    response = client.post(url(ledger), {"file": SimpleUploadedFile("p.xlsx", content)})
    if response.status_code == 302:  # the file reads: the preview lists the errors, confirming is refused
        response = client.get(response["Location"])
        assert response.status_code == 200 and "未导入任何数据" in response.content.decode()
        confirm = client.post(url(ledger), {"token": response.wsgi_request.GET["token"], "confirm": "1"})
        assert confirm.status_code == 400
    else:
        assert response.status_code == 400
    text = response.content.decode()
    for message in messages:
        assert message in text, message
    assert snapshot(ledger) == before


def test_bad_rows_are_reported_by_row_and_column(client, users, ledger):
    client.force_login(users["secretary"])
    rows = rows_ok()
    rows[0][0] = 9
    rows[1][5] = "明年"
    rows[2][6] = ""
    rows[3][2] = "道听途说"
    assert_refused(client, ledger, xlsx_bytes(HEADERS, rows), "类别序号应为 1～3 的整数，实为“9”",
                   "整改时限格式不正确：“明年”", "责任人不能为空", "问题来源应为", "第5行")


def test_not_excel_and_wrong_header(client, users, ledger):
    client.force_login(users["secretary"])
    assert_refused(client, ledger, "类别序号,查摆问题".encode(), "不是有效的 Excel")
    assert_refused(client, ledger, xlsx_bytes(HEADERS[:-1], [r[:-1] for r in rows_ok()]), "表头不正确")


@pytest.mark.parametrize(("content", "message"), [pytest.param(c, m, id=n) for n, c, m in bombs(HEADERS)])
def test_hostile_workbooks_are_refused_with_a_message_cheaply(client, users, ledger, content, message):
    """Spreadsheet bombs and broken files: refused at upload with the reason, in bounded time and memory."""
    client.force_login(users["secretary"])
    before = snapshot(ledger)
    response, seconds, peak = measured(
        lambda: client.post(url(ledger), {"file": SimpleUploadedFile("p.xlsx", content)}))
    assert response.status_code == 400 and message in response.content.decode()
    assert seconds < 10 and peak < 60 * 1024 * 1024, (seconds, peak)
    assert snapshot(ledger) == before


def test_reading_a_workbook_is_bounded_in_time(client, users, ledger, settings):
    settings.IMPORT_XLSX_MAX_SECONDS = 0  # every file is then "too slow" at its first row
    client.force_login(users["secretary"])
    response = client.post(url(ledger), {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes(HEADERS, rows_ok()))})
    assert response.status_code == 400 and "文件过于复杂，0 秒内未能读完" in response.content.decode()
    assert not Problem.objects.filter(ledger=ledger).exists()


def test_the_preview_does_not_read_the_file_again(client, users, ledger, monkeypatch):
    """The workbook is parsed once, at upload; showing the preview and confirming use what was read then."""
    client.force_login(users["secretary"])
    response = client.post(url(ledger), {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes(HEADERS, rows_ok()))})
    assert response.status_code == 302

    def no_second_parse(*args, **kwargs):
        raise AssertionError("the upload was parsed again")
    monkeypatch.setattr("branches.spreadsheets.reader.load_workbook", no_second_parse)
    for _ in range(2):
        assert "将新建 3 条" in client.get(response["Location"]).content.decode()
    token = response["Location"].split("token=")[1]
    result = client.post(url(ledger), {"token": token, "confirm": "1"})
    assert result.status_code == 200 and Problem.objects.filter(ledger=ledger).count() == 3


def test_other_ledgers_are_refused(client, users, ledger, tree):
    client.force_login(users["secretary"])  # b1's secretary
    other = ledger_of(ledger.campaign, tree.b2)
    assert client.get(url(other)).status_code == 404
    client.force_login(users["inspector"])  # sees it, may not change it
    assert client.get(url(ledger)).status_code == 403
    client.force_login(users["gb_staff"])  # supervises b1
    assert client.get(url(ledger)).status_code == 200


def test_closed_campaign_refuses_imports(users, ledger):
    ledger.campaign.status = CampaignStatus.CLOSED
    ledger.campaign.save()
    plan = problem_import_plan(actor=users["secretary"], ledger=ledger, content=xlsx_bytes(HEADERS, rows_ok()))
    assert plan.errors[0].message == "该专项行动已结束，不能再导入问题。"


def test_problem_import_keeps_existing_items_numbering(users, ledger):
    problem = make_problem(ledger, category=ledger.campaign.template.categories.get(order=1),
                           description="抓党建强理论学习不够经常")
    make_item(problem, measure="原有措施")
    problem_import_apply(actor=users["secretary"], ledger=ledger, content=xlsx_bytes(HEADERS, rows_ok()))
    assert list(problem.items.order_by("number").values_list("number", "measure")) == [
        (1, "原有措施"), (2, "坚持理论武装头脑"), (3, "强化日常管理和督查")]


def test_deadline_outside_the_campaign_window(client, users, ledger):
    client.force_login(users["secretary"])
    rows = rows_ok()
    rows[1][5] = "2030-01-01"
    assert_refused(client, ledger, xlsx_bytes(HEADERS, rows), "整改时限应在2022-01-01至2023-11-30之间")


def test_supervisors_import_findings_without_measures(users, ledger):
    staff = users["gb_staff"]
    plan = problem_import_plan(actor=staff, ledger=ledger, content=xlsx_bytes(HEADERS, rows_ok()))
    messages = {e.message for e in plan.errors}
    assert "上级党组织只能导入督查发现、上级反馈或巡视巡察反馈的问题。" in messages
    assert "整改措施由党支部自己填写，上级党组织导入问题时请留空。" in messages
    rows = [[3, "督查发现档案不全", "督查发现", "个性问题", "", "", "", ""]]
    plan, _ = problem_import_apply(actor=staff, ledger=ledger, content=xlsx_bytes(HEADERS, rows))
    problem = Problem.objects.get(ledger=ledger, description="督查发现档案不全")
    assert problem.events.get().action == EventAction.PROBLEM_OPENED_BY_SUPERVISION


def test_submitted_ledger_refuses_the_branchs_import(users, ledger):
    from ledger.models import LedgerStatus

    ledger.status = LedgerStatus.SUBMITTED
    ledger.save()
    before = snapshot(ledger)
    plan = problem_import_plan(actor=users["secretary"], ledger=ledger, content=xlsx_bytes(HEADERS, rows_ok()))
    assert plan.errors[0].message == "台账已提交党总支审核，审核完成前不能导入。"
    assert snapshot(ledger) == before


def test_the_template_imports_as_it_is_into_a_campaign_of_another_year(tree):
    """The example rows' time limits fall within the ledger's campaign: a newcomer trying the template on this
    year's demo ledger is not refused for a 2022 date they never typed."""
    campaign = make_campaign(tree.root, template=make_template("imp", categories=3), year=2026,
                             report_deadline=datetime.date(2026, 10, 20),
                             results_deadline=datetime.date(2026, 11, 30))
    ledger = ledger_of(campaign, tree.b1)
    plan = problem_import_plan(actor=filler_of(ledger), ledger=ledger, content=problem_template(ledger))
    assert plan.ok, [error.message for error in plan.errors]
    notes = " ".join(str(row[0].value) for row in load_bytes(problem_template(ledger))["说明"].iter_rows())
    assert "2026-" in notes and "2022" not in notes


def test_an_import_marks_the_ledger_changed_for_the_tallies(users, ledger):
    before = marks_sum(ledger.campaign)
    problem_import_apply(actor=users["secretary"], ledger=ledger, content=xlsx_bytes(HEADERS, rows_ok()))
    assert marks_sum(ledger.campaign) > before
