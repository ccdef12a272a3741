"""Periodic progress reports (定期报告): the cycle's due dates, writing and submitting with a snapshot of the ledger's
figures, review (accept / return with a reason), scoping, the who-reported table, and the reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches.models import Role
from ledger.models import (
    ItemStatus,
    PeriodicReport,
    PeriodicReportEvent,
    PeriodicReportStatus,
    RectificationItem,
    ReportPeriod,
)
from ledger.services.periodic import (
    periodic_report_accept,
    periodic_report_return,
    periodic_report_save,
    periodic_report_submit,
    report_cycle_set,
)
from ledger.services.workflow import item_close
from notifications.models import Notification, NotificationKind
from notifications.services import reminders_send
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem
from tests.tally_marks import marks_sum

D = datetime.date


@pytest.fixture
def campaign(tree, users):
    return make_campaign(tree.root, actor=users["org"])


@pytest.fixture
def quarterly(campaign, users):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="quarterly", starts_on=D(2022, 1, 1),
                     ends_on=D(2022, 12, 31))
    return list(ReportPeriod.objects.filter(cycle__campaign=campaign).order_by("due_on"))


def dues(campaign) -> list[tuple[str, D, D]]:
    return list(ReportPeriod.objects.filter(cycle__campaign=campaign).order_by("due_on")
                .values_list("label", "opens_on", "due_on"))


# --- the cycle ------------------------------------------------------------------------------------------------


def test_quarterly_cycle_is_due_at_each_quarters_end(campaign, quarterly):
    assert dues(campaign) == [
        ("2022年第1季度", D(2022, 1, 1), D(2022, 3, 31)), ("2022年第2季度", D(2022, 4, 1), D(2022, 6, 30)),
        ("2022年第3季度", D(2022, 7, 1), D(2022, 9, 30)), ("2022年第4季度", D(2022, 10, 1), D(2022, 12, 31)),
    ]


def test_monthly_cycle_starting_mid_month_ends_on_the_cycles_end(campaign, users):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="monthly", starts_on=D(2022, 10, 10),
                     ends_on=D(2023, 1, 20))
    assert dues(campaign) == [
        ("2022年10月", D(2022, 10, 10), D(2022, 10, 31)), ("2022年11月", D(2022, 11, 1), D(2022, 11, 30)),
        ("2022年12月", D(2022, 12, 1), D(2022, 12, 31)), ("2023年1月", D(2023, 1, 1), D(2023, 1, 20)),
    ]


def test_custom_cycle_opens_each_period_the_day_after_the_last_due_date(campaign, users):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="custom", starts_on=D(2022, 9, 1),
                     due_dates=[D(2022, 11, 15), D(2022, 10, 10)])
    assert dues(campaign) == [("第1期", D(2022, 9, 1), D(2022, 10, 10)), ("第2期", D(2022, 10, 11), D(2022, 11, 15))]


def test_only_the_issuers_organization_department_sets_the_cycle(campaign, users):
    for who in ("gb_staff", "secretary", "inspector"):
        with pytest.raises(PermissionDenied):
            report_cycle_set(actor=users[who], campaign=campaign, frequency="quarterly", starts_on=D(2022, 1, 1),
                             ends_on=D(2022, 12, 31))
    assert dues(campaign) == []


def test_a_period_with_reports_cannot_be_removed(campaign, quarterly, tree, users):
    periodic_report_save(actor=users["secretary"], ledger=ledger_of(campaign, tree.b1), period=quarterly[0],
                         work_done="开了支委会")
    with pytest.raises(ValidationError) as refused:
        report_cycle_set(actor=users["org"], campaign=campaign, frequency="custom", starts_on=D(2022, 1, 1),
                         due_dates=[D(2022, 5, 1)], version=1)
    assert "已有支部填写报告，不能删除" in refused.value.messages[0]
    assert len(dues(campaign)) == 4


def test_cycle_page_sets_a_cycle_and_shows_a_bad_date_in_chinese(client, campaign, users):
    client.force_login(users["org"])
    url = reverse("ledger:report_cycle", args=[campaign.pk])
    response = client.post(url, {"frequency": "custom", "starts_on": "2022-09-01", "due_dates": "2022-10-10\n十月底",
                                 "remind_days_before": 3})
    assert "“十月底”不是日期" in response.content.decode() and dues(campaign) == []
    response = client.post(url, {"frequency": "quarterly", "starts_on": "2022-01-01", "ends_on": "2022-12-31",
                                 "remind_days_before": 3}, follow=True)
    assert "定期报告安排已保存" in response.content.decode() and len(dues(campaign)) == 4


# --- writing, submitting, the snapshot ------------------------------------------------------------------------


def test_submitted_figures_are_the_ledgers_and_stay_after_later_closures(campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger)
    make_item(problem, deadline=D(2022, 10, 31))  # overdue now
    make_item(problem, ongoing=True)  # in progress
    done = make_item(problem, status=ItemStatus.CLOSURE_REQUESTED, deadline=D(2022, 10, 31))
    make_problem(ledger)  # a second problem without measures yet

    report = periodic_report_submit(actor=users["secretary"], ledger=ledger, period=quarterly[0],
                                    work_done="召开支委会研究整改")
    figures = {"problems": 2, "items": 3, "closed": 0, "overdue": 2, "in_progress": 1}
    assert {name: getattr(report, name) for name in figures} == figures
    assert report.status == PeriodicReportStatus.SUBMITTED and report.submitted_at

    item_close(actor=users["gb_staff"], item=RectificationItem.objects.get(pk=done.pk))
    report.refresh_from_db()
    assert {name: getattr(report, name) for name in figures} == figures  # the snapshot did not move
    next_report = periodic_report_submit(actor=users["secretary"], ledger=ledger, period=quarterly[1], work_done="续")
    assert (next_report.closed, next_report.overdue) == (1, 1)


def test_a_report_needs_its_text_to_be_submitted(campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    with pytest.raises(ValidationError) as refused:
        periodic_report_submit(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="  ")
    assert refused.value.messages == ["请填写本期整改进展情况后再报送。"]
    assert not PeriodicReport.objects.exists()


def test_a_submitted_report_is_no_longer_written_by_the_branch(campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    periodic_report_submit(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="第一稿")
    with pytest.raises(ValidationError) as refused:
        periodic_report_save(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="改")
    assert refused.value.messages == ["本期报告已报送，不能再修改。"]
    assert PeriodicReport.objects.get().work_done == "第一稿"


def test_a_period_not_yet_open_cannot_be_written(campaign, users, tree):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="custom", starts_on=D(2099, 1, 1),
                     due_dates=[D(2099, 3, 1)])
    period = ReportPeriod.objects.get(cycle__campaign=campaign)
    with pytest.raises(ValidationError) as refused:
        periodic_report_save(actor=users["secretary"], ledger=ledger_of(campaign, tree.b1), period=period,
                             work_done="提前")
    assert "2099-01-01 起才能填写" in refused.value.messages[0]
    assert not PeriodicReport.objects.exists()


def test_a_stale_form_is_refused(campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    first = periodic_report_save(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="一")
    periodic_report_save(actor=users["member"], ledger=ledger, period=quarterly[0], work_done="二",
                         version=first.version)
    with pytest.raises(ValidationError):
        periodic_report_save(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="三",
                             version=first.version)
    assert PeriodicReport.objects.get().work_done == "二"


# --- review --------------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    periodic_report_submit(actor=users["secretary"], ledger=ledger, period=quarterly[0], work_done="已整改两项")
    return ledger, quarterly[0]


def test_the_general_branch_accepts(submitted, users):
    ledger, period = submitted
    report = periodic_report_accept(actor=users["gb_staff"], ledger=ledger, period=period, comment="好")
    assert report.status == PeriodicReportStatus.ACCEPTED and report.reviewed_at
    assert list(report.events.values_list("action", "from_status", "to_status")) == [
        ("submitted", "draft", "submitted"), ("accepted", "submitted", "accepted")]


def test_return_needs_a_reason_and_changes_nothing_without_one(submitted, users):
    ledger, period = submitted
    with pytest.raises(ValidationError) as refused:
        periodic_report_return(actor=users["gb_staff"], ledger=ledger, period=period, reason=" ")
    assert refused.value.messages == ["退回定期报告必须填写原因。"]
    report = PeriodicReport.objects.get()
    assert report.status == PeriodicReportStatus.SUBMITTED and report.version == 2
    assert PeriodicReportEvent.objects.count() == 1


def test_returned_report_is_corrected_and_resubmitted(submitted, users):
    ledger, period = submitted
    periodic_report_return(actor=users["gb_staff"], ledger=ledger, period=period, reason="请写明销号情况")
    report = periodic_report_submit(actor=users["secretary"], ledger=ledger, period=period, work_done="补充销号情况")
    assert report.status == PeriodicReportStatus.SUBMITTED and report.work_done == "补充销号情况"
    assert list(report.events.values_list("action", flat=True)) == ["submitted", "returned", "resubmitted"]


def test_a_branch_cannot_review_and_the_inspector_neither(submitted, users):
    ledger, period = submitted
    for who in ("secretary", "member", "inspector"):
        with pytest.raises(PermissionDenied):
            periodic_report_accept(actor=users[who], ledger=ledger, period=period)
    assert PeriodicReport.objects.get().status == PeriodicReportStatus.SUBMITTED


def test_review_page_return_without_reason_shows_the_message(client, submitted, users):
    ledger, period = submitted
    client.force_login(users["gb_staff"])
    url = reverse("ledger:periodic_report_review", args=[ledger.pk, period.pk])
    response = client.post(url, {"decision": "return", "reason": "", "version": 2}, follow=True)
    assert "退回定期报告必须填写原因。" in response.content.decode()
    assert PeriodicReport.objects.get().status == PeriodicReportStatus.SUBMITTED


def test_another_general_branch_gets_404_and_a_branch_403(client, submitted, tree, users):
    ledger, period = submitted
    other = make_user("gb2-staff", tree.gb2, Role.GENERAL_BRANCH_STAFF)
    report_url = reverse("ledger:periodic_report", args=[ledger.pk, period.pk])
    review_url = reverse("ledger:periodic_report_review", args=[ledger.pk, period.pk])
    client.force_login(other)
    assert client.get(report_url).status_code == 404
    assert client.post(review_url, {"decision": "accept", "version": 2}).status_code == 404
    client.force_login(users["secretary"])
    assert client.get(report_url).status_code == 200
    assert client.post(review_url, {"decision": "accept", "version": 2}).status_code == 403
    assert PeriodicReport.objects.get().status == PeriodicReportStatus.SUBMITTED


def test_branch_writes_and_submits_through_the_page(client, campaign, quarterly, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    client.force_login(users["secretary"])
    url = reverse("ledger:periodic_report", args=[ledger.pk, quarterly[0].pk])
    client.post(url, {"work_done": "草稿内容", "action": "save"})
    report = PeriodicReport.objects.get()
    response = client.post(url, {"work_done": "正式报告", "action": "submit", "version": report.version}, follow=True)
    assert "本期报告已报送" in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.work_done) == (PeriodicReportStatus.SUBMITTED, "正式报告")


# --- who reported ---------------------------------------------------------------------------------------------


def test_who_reported_counts_per_period_in_the_viewers_subtree(client, campaign, quarterly, tree, users):
    b1, b2, b3 = (ledger_of(campaign, unit) for unit in (tree.b1, tree.b2, tree.b3))
    periodic_report_submit(actor=users["secretary"], ledger=b1, period=quarterly[0], work_done="一")
    periodic_report_accept(actor=users["gb_staff"], ledger=b1, period=quarterly[0])
    b2_secretary = make_user("b2-secretary", tree.b2, Role.BRANCH_SECRETARY)
    periodic_report_submit(actor=b2_secretary, ledger=b2, period=quarterly[0], work_done="二")
    b3_secretary = make_user("b3-secretary", tree.b3, Role.BRANCH_SECRETARY)
    periodic_report_save(actor=b3_secretary, ledger=b3, period=quarterly[0], work_done="三")

    url = reverse("ledger:periodic_who_reported", args=[campaign.pk])
    client.force_login(users["org"])
    counts = {c.period.label: c.counts for c in client.get(url).context["counts"]}
    assert counts["2022年第1季度"] == {"accepted": 1, "submitted": 1, "returned": 0, "draft": 1, "none": 0}
    assert counts["2022年第2季度"] == {"accepted": 0, "submitted": 0, "returned": 0, "draft": 0, "none": 3}

    client.force_login(users["gb_staff"])  # gb1: b1 and b2 only
    response = client.get(url)
    assert response.context["counts"][0].counts == {"accepted": 1, "submitted": 1, "returned": 0, "draft": 0,
                                                     "none": 0}
    assert [ledger.unit.name for ledger, _cells in response.context["rows"]] == ["第一党支部", "第二党支部"]

    client.force_login(users["org"])
    response = client.get(url, {"period": quarterly[0].pk, "state": "submitted"})
    assert [ledger.unit.name for ledger, _cells in response.context["rows"]] == ["第二党支部"]
    response = client.get(url, {"period": quarterly[1].pk, "state": "none"})
    assert len(response.context["rows"]) == 3


# --- reminders ------------------------------------------------------------------------------------------------


def kinds_for(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", "title"))


def test_reminder_three_days_before_due_reaches_the_branches_once(campaign, quarterly, tree, users):
    assert reminders_send(today=D(2022, 3, 27), kinds=["periodic_reports"]) == {"periodic_reports": 0}
    sent = reminders_send(today=D(2022, 3, 28), kinds=["periodic_reports"])
    again = reminders_send(today=D(2022, 3, 29), kinds=["periodic_reports"])
    assert sent == {"periodic_reports": 2} and again == {"periodic_reports": 0}  # secretary and member of b1
    assert kinds_for(users["secretary"]) == [
        (NotificationKind.PERIODIC_REPORT_DUE, "“2022年第1季度”定期报告将于 2022-03-31 截止报送（还剩 3 天）")]
    assert kinds_for(users["gb_staff"]) == []


def test_no_reminder_for_a_report_handed_in(campaign, quarterly, tree, users):
    periodic_report_submit(actor=users["secretary"], ledger=ledger_of(campaign, tree.b1), period=quarterly[0],
                           work_done="已报")
    assert reminders_send(today=D(2022, 3, 30), kinds=["periodic_reports"]) == {"periodic_reports": 0}


def test_missing_report_after_due_reaches_branch_and_general_branch_once(campaign, quarterly, tree, users):
    periodic_report_save(actor=users["secretary"], ledger=ledger_of(campaign, tree.b1), period=quarterly[0],
                         work_done="只是草稿")
    first = reminders_send(today=D(2022, 4, 2), kinds=["periodic_reports"])
    second = reminders_send(today=D(2022, 4, 2), kinds=["periodic_reports"])
    assert second == {"periodic_reports": 0} and first == {"periodic_reports": 3}  # b1's two, gb1's staff once
    assert kinds_for(users["secretary"]) == [
        (NotificationKind.PERIODIC_REPORT_MISSING, "“2022年第1季度”定期报告已逾期未报送（截止 2022-03-31）")]
    staff = Notification.objects.get(recipient=users["gb_staff"])
    assert "下属 2 个单位尚未报送" in staff.body  # b1 (a draft) and b2 (nothing)
    assert staff.link == reverse("ledger:periodic_who_reported", args=[campaign.pk])


# --- the demo -------------------------------------------------------------------------------------------------


def test_demo_seeds_a_quarterly_cycle_with_reports_in_several_states_once(campaign):
    from ledger.periodic_demo import seed_periodic_reports

    cycle = seed_periodic_reports(campaign)
    assert seed_periodic_reports(campaign) == cycle and ReportPeriod.objects.filter(cycle=cycle).count() == 4
    oldest, last = ReportPeriod.objects.filter(cycle=cycle).order_by("due_on")[:2]
    states = dict(PeriodicReport.objects.filter(period=last).values_list("ledger__unit__code", "status"))
    assert states == {"B1": "accepted", "B2": "submitted", "B3": "returned"}  # the campaign's three ledgers
    assert set(PeriodicReport.objects.filter(period=oldest).values_list("status", flat=True)) == {"accepted"}
    assert all(r.submitted_at.date() < last.due_on for r in PeriodicReport.objects.filter(period=last))


def test_submitted_reports_wait_on_the_general_branchs_review_list_until_reviewed(client, submitted, users):
    ledger, period = submitted
    client.force_login(users["gb_staff"])
    url = reverse("ledger:my_ledgers")
    assert [r.ledger_id for r in client.get(url).context["periodic_review"]] == [ledger.pk]
    periodic_report_accept(actor=users["gb_staff"], ledger=ledger, period=period)
    assert client.get(url).context["periodic_review"] == []
    client.force_login(users["secretary"])  # a branch reviews nothing
    assert client.get(url).context["periodic_review"] == []


def test_a_submitted_report_marks_its_block_changed_for_the_tallies(campaign, quarterly, tree, users):
    before = marks_sum(campaign)
    periodic_report_submit(actor=users["secretary"], ledger=ledger_of(campaign, tree.b1), period=quarterly[0],
                           work_done="召开支委会研究整改")
    assert marks_sum(campaign) > before
