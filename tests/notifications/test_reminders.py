"""The reminder sweep on fixed dates: each kind, each recipient, once only, and the Asia/Shanghai date."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from branches.models import Role
from ledger.models import Ledger, LedgerStatus
from notifications.models import Notification, NotificationKind, ReminderLog
from notifications.services import preference_set, reminders_send
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

D = datetime.date


def titles(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("id").values_list("title", flat=True))


@pytest.fixture
def campaign(tree, users):
    return make_campaign(tree.root, actor=users["org"])


@pytest.fixture
def item_in_b1(campaign, tree, users):
    def build(deadline: D, **fields):
        return make_item(make_problem(ledger_of(campaign, tree.b1)), deadline=deadline, **fields)

    return build


# --- items due soon -------------------------------------------------------------------------------


def test_due_in_seven_days_reaches_secretary_and_responsible_person_once(item_in_b1, users):
    item = item_in_b1(D(2022, 10, 20), responsible_user=users["member"])

    sent = reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])
    again = reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])

    assert sent == {"items_due_soon": 2} and again == {"items_due_soon": 0}
    assert titles(users["secretary"]) == ["整改措施将于 2022-10-20 到期（还剩 7 天）"]
    assert titles(users["member"]) == ["整改措施将于 2022-10-20 到期（还剩 7 天）"]
    assert Notification.objects.get(recipient=users["secretary"]).link == f"/ledger/items/{item.pk}/"
    assert titles(users["gb_staff"]) == [] and titles(users["org"]) == []


def test_each_step_is_sent_once_and_a_missed_day_is_caught_up(item_in_b1, users):
    item_in_b1(D(2022, 10, 20))

    for day in (12, 13, 14, 15, 16, 17, 18, 19, 20):  # 8 days before is outside every step
        reminders_send(today=D(2022, 10, day), kinds=["items_due_soon"])

    assert titles(users["secretary"]) == [
        "整改措施将于 2022-10-20 到期（还剩 7 天）",
        "整改措施将于 2022-10-20 到期（还剩 3 天）",
        "整改措施将于 2022-10-20 到期（还剩 1 天）",
    ]


def test_a_sweep_that_skipped_the_seven_day_mark_sends_it_late_once(item_in_b1, users):
    item_in_b1(D(2022, 10, 20))
    reminders_send(today=D(2022, 10, 15), kinds=["items_due_soon"])  # 5 days left: the 7-day step
    reminders_send(today=D(2022, 10, 16), kinds=["items_due_soon"])  # 4 days left: same step, nothing
    assert titles(users["secretary"]) == ["整改措施将于 2022-10-20 到期（还剩 5 天）"]


def test_closed_and_ongoing_items_and_other_trees_get_nothing(item_in_b1, tree, users, campaign):
    item_in_b1(D(2022, 10, 20), status="closed", closed_at=timezone.now())
    item_in_b1(None, ongoing=True)
    stranger = make_user("stranger", tree.other_branch, Role.BRANCH_SECRETARY)

    assert reminders_send(today=D(2022, 10, 13)) == {
        # the self-check phase (secretary, member) and the report due on 10-20 (the general branch)
        "items_due_soon": 0, "items_overdue": 0, "phase_deadlines": 2, "report_deadlines": 1, "committee_terms": 0,
        "periodic_reports": 0, "phase_work": 0,
    }
    assert titles(stranger) == []


def test_responsible_person_outside_the_branch_is_not_told(item_in_b1, tree, users):
    outsider = make_user("outsider", tree.b3, Role.BRANCH_SECRETARY)
    no_role = make_user("norole")
    item_in_b1(D(2022, 10, 20), responsible_user=outsider)
    item_in_b1(D(2022, 10, 20), responsible_user=no_role)

    reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])

    assert titles(outsider) == [] and titles(no_role) == []
    assert len(titles(users["secretary"])) == 2


# --- the time zone edge ----------------------------------------------------------------------------


def test_today_is_the_shanghai_date_just_after_midnight(item_in_b1, users, monkeypatch):
    # 2022-10-30 16:30 UTC is 2022-10-31 00:30 in Shanghai: an item due on the 31st is due "today",
    # one due on the 30th is already overdue, although the UTC date is still the 30th.
    item_in_b1(D(2022, 10, 31))
    item_in_b1(D(2022, 10, 30))
    utc_evening = datetime.datetime(2022, 10, 30, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: utc_evening)

    reminders_send(kinds=["items_due_soon", "items_overdue"])

    assert titles(users["secretary"], NotificationKind.ITEM_DUE_SOON) == ["整改措施将于 2022-10-31 到期（今天到期）"]
    assert titles(users["secretary"], NotificationKind.ITEMS_OVERDUE) == ["第一党支部 有 1 项整改措施已逾期"]
    assert ReminderLog.objects.filter(kind=NotificationKind.ITEMS_OVERDUE).get().due_on == D(2022, 10, 31)


# --- overdue items -----------------------------------------------------------------------------------


def test_overdue_items_make_one_digest_per_branch_per_day(item_in_b1, users, tree, campaign):
    item_in_b1(D(2022, 10, 21))
    item_in_b1(D(2022, 10, 25))
    b2_secretary = make_user("b2sec", tree.b2, Role.BRANCH_SECRETARY)
    make_item(make_problem(ledger_of(campaign, tree.b2)), deadline=D(2022, 10, 26))

    reminders_send(today=D(2022, 10, 27), kinds=["items_overdue"])
    reminders_send(today=D(2022, 10, 27), kinds=["items_overdue"])

    assert titles(users["secretary"]) == ["第一党支部 有 2 项整改措施已逾期"]
    assert titles(b2_secretary) == ["第二党支部 有 1 项整改措施已逾期"]
    assert titles(users["gb_staff"]) == []  # 7 days have not passed yet
    assert Notification.objects.get(recipient=users["secretary"]).body == (
        "最早的整改时限为 2022-10-21，请尽快推进整改并报告进展。"
    )

    reminders_send(today=D(2022, 10, 28), kinds=["items_overdue"])
    assert len(titles(users["secretary"])) == 2  # the next day: a new digest


def test_overdue_longer_than_n_days_escalates_to_general_branch_staff(item_in_b1, users, settings):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 7
    item_in_b1(D(2022, 10, 20))

    reminders_send(today=D(2022, 10, 26), kinds=["items_overdue"])  # 6 days overdue
    assert titles(users["gb_staff"]) == []
    reminders_send(today=D(2022, 10, 27), kinds=["items_overdue"])  # 7 days overdue
    reminders_send(today=D(2022, 10, 27), kinds=["items_overdue"])

    assert titles(users["gb_staff"]) == ["督办：第一党支部 有整改措施逾期 7 天"]
    assert titles(users["org"]) == []


# --- phase and report deadlines ------------------------------------------------------------------------


def test_phase_deadline_reaches_only_branches_that_have_not_reached_the_phase(campaign, tree, users):
    b2_secretary = make_user("b2sec", tree.b2, Role.BRANCH_SECRETARY)
    Ledger.objects.filter(campaign=campaign, unit=tree.b2).update(status=LedgerStatus.SUBMITTED)

    reminders_send(today=D(2022, 10, 12), kinds=["phase_deadlines"])  # self-check ends 10-15
    reminders_send(today=D(2022, 10, 12), kinds=["phase_deadlines"])

    expected = ["“对账查摆”阶段将于 2022-10-15 截止（还剩 3 天）"]
    assert titles(users["secretary"]) == expected and titles(users["member"]) == expected
    assert titles(b2_secretary) == []
    assert titles(users["gb_staff"]) == [] and titles(users["inspector"]) == []
    assert Notification.objects.filter(recipient=users["secretary"]).get().link == (
        f"/ledger/ledgers/{ledger_of(campaign, tree.b1).pk}/"
    )


def test_rectification_deadline_still_reminds_a_submitted_but_not_accepted_ledger(campaign, tree, users):
    Ledger.objects.filter(campaign=campaign, unit=tree.b1).update(status=LedgerStatus.SUBMITTED)
    reminders_send(today=D(2022, 10, 30), kinds=["phase_deadlines"])
    assert titles(users["secretary"]) == ["“立项整改”阶段将于 2022-10-31 截止（还剩 1 天）"]


def settings_apps_without(app_label):
    from unittest import mock

    from django.apps import apps

    real = apps.is_installed
    return mock.patch.object(apps, "is_installed", lambda name: name != app_label and real(name))


def signed_reports(*, campaign_ids):
    return SIGNED


SIGNED: set = set()


def test_report_deadline_reaches_general_branches_that_have_not_signed(campaign, tree, users, settings):
    settings.REMINDER_REPORT_SIGNED_PROVIDER = "tests.notifications.test_reminders.signed_reports"
    gb2_staff = make_user("gb2", tree.gb2, Role.GENERAL_BRANCH_STAFF)
    SIGNED.clear()
    SIGNED.add((campaign.pk, tree.gb2.pk))

    reminders_send(today=D(2022, 10, 17), kinds=["report_deadlines"])  # report due 10-20
    reminders_send(today=D(2022, 10, 17), kinds=["report_deadlines"])

    assert titles(users["gb_staff"]) == ["情况报告将于 2022-10-20 截止报送（还剩 3 天）"]
    assert titles(gb2_staff) == []  # signed
    assert titles(users["secretary"]) == []


def test_report_deadline_uses_the_reports_app_by_default(campaign, tree, users):
    from reports.models import SituationReport

    gb2_staff = make_user("gb2", tree.gb2, Role.GENERAL_BRANCH_STAFF)
    author = {"created_by": users["gb_staff"], "updated_by": users["gb_staff"], "title": "情况报告"}
    SituationReport.objects.create(campaign=campaign, unit=tree.gb1, unit_path=tree.gb1.path, **author)  # a draft
    SituationReport.objects.create(campaign=campaign, unit=tree.gb2, unit_path=tree.gb2.path, status="signed",
                                   signed_at=timezone.now(), verification_code="X1", pdf_sha256="0" * 64, **author)

    reminders_send(today=D(2022, 10, 19), kinds=["report_deadlines"])

    assert titles(users["gb_staff"]) == ["情况报告将于 2022-10-20 截止报送（还剩 1 天）"]
    assert titles(gb2_staff) == []


def test_report_deadline_is_skipped_without_the_reports_app(campaign, users, settings):
    with settings_apps_without("reports"):
        assert reminders_send(today=D(2022, 10, 17), kinds=["report_deadlines"]) == {"report_deadlines": 0}
    settings.REMINDER_REPORT_SIGNED_PROVIDER = "tests.notifications.no_such_module.f"
    assert reminders_send(today=D(2022, 10, 17), kinds=["report_deadlines"]) == {"report_deadlines": 0}
    assert titles(users["gb_staff"]) == []


# --- committee terms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2022, 4, 30), []),
        (D(2022, 5, 2), ["第一党支部 委员会任期将于 2022-11-01 届满，请做好换届准备"]),  # within 6 months
        (D(2022, 10, 2), ["第一党支部 委员会任期将于 2022-11-01 届满，请做好换届准备"]),  # within 1 month
        (D(2022, 11, 1), ["第一党支部 委员会任期已于 2022-11-01 届满，请按期换届"]),
    ],
)
def test_committee_term_reminders(tree, users, today, expected):
    tree.b1.committee_elected_on = D(2019, 11, 1)
    tree.b1.save()

    reminders_send(today=today, kinds=["committee_terms"])
    reminders_send(today=today, kinds=["committee_terms"])

    assert titles(users["secretary"]) == expected
    assert titles(users["gb_staff"]) == expected  # the general branch reminds and urges (提醒督促)
    assert titles(users["member"]) == [] and titles(users["org"]) == []


def test_committee_term_sends_each_window_once_as_time_passes(tree, users):
    tree.b1.committee_elected_on = D(2019, 11, 1)
    tree.b1.save()
    for today in (D(2022, 5, 2), D(2022, 6, 1), D(2022, 8, 2), D(2022, 10, 2), D(2022, 10, 20), D(2022, 11, 1),
                  D(2022, 11, 20), D(2022, 12, 1), D(2022, 12, 15), D(2023, 1, 1)):
        reminders_send(today=today, kinds=["committee_terms"])
    keys = [f"unit:{tree.b1.pk}:term:{stage}" for stage in ("1m", "3m", "6m", "expired+0m", "expired+1m", "expired+2m")]
    assert sorted(ReminderLog.objects.filter(recipient=users["secretary"]).values_list("object_key", flat=True)) == keys


def test_an_overdue_re_election_is_reminded_monthly_until_the_new_committee_is_entered(tree, users):
    tree.b1.committee_elected_on = D(2019, 11, 1)
    tree.b1.save()
    reminders_send(today=D(2022, 12, 1), kinds=["committee_terms"])
    assert titles(users["secretary"]) == ["第一党支部 委员会任期已于 2022-11-01 届满，请按期换届"]
    tree.b1.committee_elected_on = D(2022, 12, 10)  # re-elected: the next term ends in 2025
    tree.b1.save()
    reminders_send(today=D(2023, 1, 1), kinds=["committee_terms"])
    assert len(titles(users["secretary"])) == 1


# --- email and the command -----------------------------------------------------------------------------------


def test_reminders_are_emailed_in_chinese_unless_switched_off(item_in_b1, users, django_capture_on_commit_callbacks):
    users["secretary"].email = "sec@example.org"
    users["secretary"].save()
    users["member"].email = "member@example.org"
    users["member"].save()
    preference_set(user=users["member"], email_enabled=False)
    item_in_b1(D(2022, 10, 20), responsible_user=users["member"])

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])

    assert [m.to for m in mail.outbox] == [["sec@example.org"]]
    assert mail.outbox[0].subject == "【整改台账】整改措施将于 2022-10-20 到期（还剩 7 天）"
    assert "/ledger/items/" in mail.outbox[0].body
    assert Notification.objects.filter(recipient=users["member"]).count() == 1  # still told in the app


def test_send_reminders_command_takes_a_date(item_in_b1, users, capsys):
    item_in_b1(D(2022, 10, 20))
    call_command("send_reminders", "--date", "2022-10-19")
    assert "items_due_soon: 1" in capsys.readouterr().out
    assert titles(users["secretary"], NotificationKind.ITEM_DUE_SOON) == [
        "整改措施将于 2022-10-20 到期（还剩 1 天）"
    ]


def test_send_reminders_command_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "19/10/2022")
    assert not ReminderLog.objects.exists()


def test_a_due_soon_reminder_names_the_measure_as_the_ledger_does(campaign, tree, users):
    problem = make_problem(ledger_of(campaign, tree.b1))
    make_item(problem, measure="建立台账", deadline=D(2022, 10, 31))
    make_item(problem, measure="召开组织生活会", deadline=D(2022, 10, 20))
    reminders_send(today=D(2022, 10, 13), kinds=["items_due_soon"])
    assert Notification.objects.get(recipient=users["secretary"]).body == "第一党支部：问题1② 召开组织生活会"
