"""Reminders that know a phase's end: the fillers of ledgers with measures open in a phase before it ends, the unit
above once it has ended; each once per phase, however many sweeps run."""

from __future__ import annotations

import datetime

from branches.models import Role
from ledger.models import ItemStatus, Phase, ProblemStatus, RectificationItem
from notifications.models import Notification, NotificationKind
from notifications.services import reminders_send
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

D = datetime.date
KINDS = ["phase_work"]


def titles(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("id").values_list("title", flat=True))


def in_phase(ledger, phase, *, status=None):
    item = make_item(make_problem(ledger), deadline=D(2022, 10, 25))
    fields = {"status": status} if status else {}
    if status == ItemStatus.CLOSED:
        fields["closed_at"] = "2022-10-20T10:00:00+08:00"
    RectificationItem.objects.filter(pk=item.pk).update(phase=phase, **fields)
    return item


def rectification(campaign):
    return Phase.objects.get(campaign=campaign, name="立项整改")  # ends 2022-10-31


def test_fillers_of_ledgers_with_open_measures_are_reminded_once_before_the_phase_ends(tree, users, settings):
    settings.REMINDER_PHASE_WORK_DAYS = 3
    campaign = make_campaign(tree.root, actor=users["org"])
    phase = rectification(campaign)
    b2_secretary = make_user("b2sec", tree.b2, Role.BRANCH_SECRETARY)
    b3_secretary = make_user("b3sec", tree.b3, Role.BRANCH_SECRETARY)
    b1 = ledger_of(campaign, tree.b1)
    in_phase(b1, phase)
    in_phase(b1, phase)
    in_phase(ledger_of(campaign, tree.b2), phase, status=ItemStatus.CLOSED)  # b2: all closed
    in_phase(ledger_of(campaign, tree.b3), None)  # b3: open, but in no phase

    early = reminders_send(today=D(2022, 10, 27), kinds=KINDS)  # four days before: not yet
    first = reminders_send(today=D(2022, 10, 28), kinds=KINDS)
    again = reminders_send(today=D(2022, 10, 28), kinds=KINDS)
    next_day = reminders_send(today=D(2022, 10, 29), kinds=KINDS)

    assert (early, first, again, next_day) == ({"phase_work": 0}, {"phase_work": 2}, {"phase_work": 0},
                                               {"phase_work": 0})
    expected = ["“立项整改”阶段将于 2022-10-31 结束（还剩 3 天），本阶段还有措施未销号"]
    assert titles(users["secretary"]) == expected and titles(users["member"]) == expected
    note = Notification.objects.get(recipient=users["secretary"])
    assert "第一党支部 在“立项整改”阶段还有 2 项整改措施未销号" in note.body
    assert note.link == f"/ledger/ledgers/{b1.pk}/?phase={phase.pk}"
    assert titles(b2_secretary) == [] and titles(b3_secretary) == []
    assert titles(users["gb_staff"]) == [] and titles(users["inspector"]) == []


def test_the_unit_above_hears_once_how_many_measures_are_still_open_after_the_phase(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    phase = rectification(campaign)
    b2_secretary = make_user("b2sec", tree.b2, Role.BRANCH_SECRETARY)
    gb2_staff = make_user("gb2staff", tree.gb2, Role.GENERAL_BRANCH_STAFF)
    in_phase(ledger_of(campaign, tree.b1), phase)
    in_phase(ledger_of(campaign, tree.b1), phase, status=ItemStatus.CLOSURE_REQUESTED)  # still open
    in_phase(ledger_of(campaign, tree.b2), phase)
    withdrawn = in_phase(ledger_of(campaign, tree.b2), phase)
    withdrawn.problem.status = ProblemStatus.WITHDRAWN
    withdrawn.problem.save()
    in_phase(ledger_of(campaign, tree.b3), phase, status=ItemStatus.CLOSED)  # gb2's only branch: done

    on_the_last_day = reminders_send(today=D(2022, 10, 31), kinds=KINDS)
    after = reminders_send(today=D(2022, 11, 1), kinds=KINDS)
    twice = reminders_send(today=D(2022, 11, 1), kinds=KINDS)
    later = reminders_send(today=D(2022, 11, 3), kinds=KINDS)

    assert on_the_last_day == {"phase_work": 3}  # b1's two fillers and b2's secretary: 今天到期
    assert (after, twice, later) == ({"phase_work": 1}, {"phase_work": 0}, {"phase_work": 0})
    assert titles(users["gb_staff"], NotificationKind.PHASE_WORK_OPEN) == [
        "“立项整改”阶段已于 2022-10-31 结束，仍有措施未销号"]
    body = Notification.objects.get(recipient=users["gb_staff"]).body
    assert "下属 2 个单位在“立项整改”阶段仍有 3 项整改措施未销号" in body
    assert titles(gb2_staff) == [] and titles(b2_secretary, NotificationKind.PHASE_WORK_OPEN) == []


def test_a_draft_or_closed_campaign_and_a_long_ended_phase_remind_no_one(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    in_phase(ledger_of(campaign, tree.b1), rectification(campaign))

    assert reminders_send(today=D(2022, 11, 9), kinds=KINDS) == {"phase_work": 0}  # more than 7 days after
    campaign.status = "closed"
    campaign.save()
    assert reminders_send(today=D(2022, 10, 30), kinds=KINDS) == {"phase_work": 0}
