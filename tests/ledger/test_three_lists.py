"""三单一账: the problem, task and responsibility lists of a ledger or of a unit's subtree, as pages and as an
Excel workbook (a sheet each, then the ledger sheets), beside the untouched 附件2 export."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jobs.models import Job, JobStatus
from ledger.exports import ONGOING
from ledger.models import ItemStatus, ProblemNature
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

pytestmark = pytest.mark.django_db

PROBLEM_HEADERS = ["序号", "单位", "查摆内容", "查摆问题", "来源", "性质", "状态"]
TASK_HEADERS = ["序号", "单位", "查摆问题", "整改措施", "整改时限", "阶段", "状态", "销号日期"]
DUTY_HEADERS = ["序号", "单位", "整改措施", "责任单位", "责任人", "责任领导", "整改时限"]


@pytest.fixture
def campaign(tree):
    return make_campaign(tree.root, template=make_template("lists", categories=2, manifestations=1))


@pytest.fixture
def filled(campaign, tree):
    """b1: a common problem from the report review with an ongoing and a closed dated measure, a problem without
    measures; b2 and b3 one problem each."""
    first, second = campaign.template.categories.order_by("order")
    phases = {phase.name: phase for phase in campaign.phases.all()}
    ledger = ledger_of(campaign, tree.b1)
    study = make_problem(ledger, category=first, description="理论学习不够经常", source="report_review",
                         nature=ProblemNature.COMMON)
    make_item(study, measure="坚持理论武装头脑", ongoing=True, responsible_name="李四", responsible_leader="王书记",
              responsible_unit="支部委员会")
    # due in 立项整改's time, but its people put it in 督查落实: the lists show the phase the measure is in
    make_item(study, measure="完善学习计划", deadline=datetime.date(2022, 10, 31), responsible_name="赵六",
              status=ItemStatus.CLOSED, closed_at=timezone.make_aware(datetime.datetime(2022, 11, 2, 10)),
              phase=phases["督查落实"])
    make_problem(ledger, category=second, description="创新思路还不够清晰", source="self_check")
    make_item(make_problem(ledger_of(campaign, tree.b2), description="第二支部的问题"), measure="第二支部的措施")
    make_problem(ledger_of(campaign, tree.b3), description="第三支部的问题")
    return ledger


def rows_of(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=3, values_only=True)]


def book_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_a_ledgers_three_lists_as_sheets(client, filled, campaign, users):
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:ledger_lists_export", args=[filled.pk]))
    assert response.status_code == 200
    book = book_of(response)
    assert book.sheetnames[:3] == ["问题清单", "任务清单", "责任清单"]
    assert book.sheetnames[3:] == ["第一党支部"]  # the 台账 itself, as the ledger export writes it
    first, second = (f"{c.order}. {c.title}" for c in campaign.template.categories.order_by("order"))
    assert rows_of(book["问题清单"]) == [
        tuple(PROBLEM_HEADERS),
        (1, "第一党支部", first, "理论学习不够经常", "述职评议", "共性问题", "整改中"),
        (2, "第一党支部", second, "创新思路还不够清晰", "对照检查", "个性问题", "未制定措施"),
    ]
    assert rows_of(book["任务清单"]) == [
        tuple(TASK_HEADERS),
        (1, "第一党支部", "理论学习不够经常", "1. 坚持理论武装头脑", ONGOING, None, "未开始", None),
        (2, "第一党支部", "理论学习不够经常", "2. 完善学习计划", "2022年10月31日", "督查落实", "已销号",
         "2022年11月2日"),
    ]
    assert rows_of(book["责任清单"]) == [
        tuple(DUTY_HEADERS),
        (1, "第一党支部", "1. 坚持理论武装头脑", "支部委员会", "李四", "王书记", ONGOING),
        (2, "第一党支部", "2. 完善学习计划", None, "赵六", None, "2022年10月31日"),
    ]
    assert book["问题清单"]["A1"].value.endswith("问题清单")


def test_the_pages_show_one_list_each(client, filled, users):
    client.force_login(users["secretary"])
    pages = {kind: client.get(reverse("ledger:ledger_lists", args=[filled.pk, kind])).content.decode()
             for kind in ("problems", "tasks", "duties")}
    assert "创新思路还不够清晰" in pages["problems"] and "共性问题" in pages["problems"]
    assert "完善学习计划" in pages["tasks"] and "2022年11月2日" in pages["tasks"] and "督查落实" in pages["tasks"]
    assert "立项整改" not in pages["tasks"]  # the phase its deadline falls in is not the measure's
    assert "王书记" in pages["duties"] and "支部委员会" in pages["duties"]
    assert "第二支部的问题" not in pages["problems"]
    assert client.get(reverse("ledger:ledger_lists", args=[filled.pk, "ledgers"])).status_code == 404


def test_the_pages_are_scoped(client, filled, campaign, tree, users):
    from tests.conftest import make_user

    client.force_login(make_user("b2-secretary", tree.b2, "branch_secretary"))
    assert client.get(reverse("ledger:ledger_lists", args=[filled.pk, "problems"])).status_code == 404
    assert client.get(reverse("ledger:ledger_lists_export", args=[filled.pk])).status_code == 404
    client.force_login(users["gb_staff"])
    url = reverse("ledger:campaign_lists", args=[campaign.pk, "problems"])
    page = client.get(url, {"unit": tree.gb1.pk}).content.decode()
    assert "理论学习不够经常" in page and "第二支部的问题" in page and "第三支部的问题" not in page
    assert client.get(url, {"unit": tree.gb2.pk}).status_code == 404  # another general branch
    assert client.get(url).status_code == 404  # the whole campaign is the committee's
    assert client.get(url, {"unit": "x"}).status_code == 404
    client.force_login(users["org"])
    assert "第三支部的问题" in client.get(url).content.decode()


def test_a_subtree_workbook_is_a_job(client, filled, campaign, tree, users, django_capture_on_commit_callbacks):
    client.force_login(users["gb_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledger:campaign_lists_start", args=[campaign.pk]), {"unit": tree.gb1.pk})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.progress == 100
    book = book_of(client.get(reverse("jobs:job_download", args=[job.pk])))
    assert book.sheetnames == ["问题清单", "任务清单", "责任清单", "汇总", "第一党支部", "第二党支部"]
    units = {row[1] for row in rows_of(book["问题清单"])[1:]}
    assert units == {"第一党支部", "第二党支部"}
    assert client.post(reverse("ledger:campaign_lists_start", args=[campaign.pk]),
                       {"unit": tree.gb2.pk}).status_code == 404
    assert Job.objects.count() == 1


def cells_of(response) -> list[list[str]]:
    """The list's rows as the page shows them (cell texts)."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_whole_campaigns_lists_in_tree_order_with_each_measures_own_phase(client, filled, campaign, tree,
                                                                                users):
    """As the committee: every unit's rows in tree order, no 序号 (a page by keyset does not know its place),
    each problem's state from its measures, each measure's phase its own — an ongoing one too, and none where
    its people chose none."""
    ongoing = filled.items.get(measure="坚持理论武装头脑")
    ongoing.phase = campaign.phases.get(name="结果运用")
    ongoing.save(update_fields=["phase"])
    client.force_login(users["org"])

    problems = client.get(reverse("ledger:campaign_lists", args=[campaign.pk, "problems"]))
    tasks = client.get(reverse("ledger:campaign_lists", args=[campaign.pk, "tasks"]))
    duties = client.get(reverse("ledger:campaign_lists", args=[campaign.pk, "duties"]), {"unit": tree.gb1.pk})

    first, second = (f"{c.order}. {c.title}" for c in campaign.template.categories.order_by("order"))
    assert [th for th in re.findall(r"<th>(.*?)</th>", problems.content.decode())] == PROBLEM_HEADERS[1:]
    assert cells_of(problems) == [
        ["第一党支部", first, "理论学习不够经常", "述职评议", "共性问题", "整改中"],
        ["第一党支部", second, "创新思路还不够清晰", "对照检查", "个性问题", "未制定措施"],
        ["第二党支部", first, "第二支部的问题", "延伸自查", "个性问题", "整改中"],
        ["第三党支部", first, "第三支部的问题", "延伸自查", "个性问题", "未制定措施"],
    ]
    assert cells_of(tasks) == [
        ["第一党支部", "理论学习不够经常", "1. 坚持理论武装头脑", ONGOING, "结果运用", "未开始", ""],
        ["第一党支部", "理论学习不够经常", "2. 完善学习计划", "2022年10月31日", "督查落实", "已销号", "2022年11月2日"],
        ["第二党支部", "第二支部的问题", "1. 第二支部的措施", "2022年10月31日", "", "未开始", ""],
    ]
    assert [row[:2] for row in cells_of(duties)] == [["第一党支部", "1. 坚持理论武装头脑"],
                                                     ["第一党支部", "2. 完善学习计划"],
                                                     ["第二党支部", "1. 第二支部的措施"]]
    assert "共 4 条" in problems.content.decode()


@pytest.mark.parametrize("kind", ["problems", "tasks", "duties"])
def test_a_subtree_list_runs_as_many_queries_however_big(client, campaign, tree, users, kind):
    """The first page, the last and one after a cursor run the same queries with one problem as with many, with
    measures in phases and closed (no query per row: the counts are one read of the page's problems)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("ledger:campaign_lists", args=[campaign.pk, kind])
    client.force_login(users["org"])

    def counts() -> list[int]:
        found = []
        after_first = client.get(url).context["page"].previous_cursor  # the first row's place
        for query in ({}, {"last": "1"}, {"after": after_first}, {"unit": tree.gb1.pk, "last": "1"}):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, query).status_code == 200
            found.append(len(queries))
        return found

    for unit in (tree.b1, tree.b2):
        make_item(make_problem(ledger_of(campaign, unit)))
    small = counts()
    phases = list(campaign.phases.all())
    for n, unit in enumerate((tree.b1, tree.b2, tree.b3) * 18):
        problem = make_problem(ledger_of(campaign, unit), description=f"问题{n}")
        make_item(problem, phase=phases[n % len(phases)])
        make_item(problem, ongoing=True, status=ItemStatus.CLOSED, closed_at=timezone.now())
    assert counts() == small
