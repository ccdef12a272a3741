"""Review events notify the unit after commit: secretary, members, the responsible person; never the actor."""

from __future__ import annotations

import pytest
from django.core import mail

from branches.models import Role
from ledger.models import EventAction
from ledger.services.events import event_record
from notifications.models import Notification, NotificationKind
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem


@pytest.fixture
def item(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    return make_item(make_problem(ledger_of(campaign, tree.b1)))


def recipients():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_item_closed_tells_secretary_members_and_responsible_person(item, users, django_capture_on_commit_callbacks):
    item.responsible_user = users["member"]
    item.save()
    users["secretary"].email = "sec@example.org"
    users["secretary"].save()

    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=item.ledger, actor=users["gb_staff"], action=EventAction.ITEM_CLOSED, item=item)

    assert recipients() == ["member", "secretary"]
    notice = Notification.objects.get(recipient=users["secretary"])
    assert notice.kind == NotificationKind.REVIEW_EVENT
    assert notice.title == "整改措施已销号：第一党支部" and notice.link == f"/ledger/items/{item.pk}/"
    assert [m.subject for m in mail.outbox] == ["【整改台账】整改措施已销号：第一党支部"]


def test_nothing_is_sent_before_commit_or_when_rolled_back(item, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event_record(ledger=item.ledger, actor=users["gb_staff"], action=EventAction.LEDGER_RETURNED,
                     comment="请补充整改时限")
    assert recipients() == []  # the transaction has not committed
    for callback in callbacks:
        callback()
    assert recipients() == ["member", "secretary"]
    assert Notification.objects.filter(recipient=users["member"]).get().body == "请补充整改时限"


def test_the_actor_and_people_outside_the_branch_are_not_told(item, tree, users, django_capture_on_commit_callbacks):
    outsider = make_user("outsider", tree.b2, Role.BRANCH_SECRETARY)
    item.responsible_user = outsider
    item.save()

    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=item.ledger, actor=users["secretary"], action=EventAction.ITEM_SENT_BACK, item=item)

    assert recipients() == ["member"]


@pytest.mark.parametrize(
    ("action", "title"),
    [
        (EventAction.LEDGER_ACCEPTED, "台账已通过：第一党支部"),
        (EventAction.PROBLEM_OPENED_BY_SUPERVISION, "督查发现新问题：第一党支部"),
        (EventAction.ITEM_REOPENED, "回头看要求重新整改：第一党支部"),
    ],
)
def test_other_review_events_notify(item, users, action, title, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=item.ledger, actor=users["gb_staff"], action=action, item=item)
    assert set(Notification.objects.values_list("title", flat=True)) == {title}


def test_the_branchs_own_edits_notify_nobody(item, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=item.ledger, actor=users["secretary"], action=EventAction.PROGRESS_NOTED, item=item)
    assert recipients() == []


def test_a_measure_is_named_as_the_ledger_names_it(tree, users, django_capture_on_commit_callbacks):
    """问题2② as on the ledger page, not the bare "2. …" of the measure's own number."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    make_problem(ledger)
    problem = make_problem(ledger, description="组织生活会不规范")
    make_item(problem, measure="制定学习计划")
    item = make_item(problem, measure="召开专题组织生活会")
    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=ledger, actor=users["gb_staff"], action=EventAction.ITEM_SENT_BACK, item=item,
                     comment="佐证材料不全")
    assert Notification.objects.get(recipient=users["secretary"]).body == "问题2② 召开专题组织生活会\n佐证材料不全"
    with django_capture_on_commit_callbacks(execute=True):
        event_record(ledger=ledger, actor=users["gb_staff"], action=EventAction.PROBLEM_OPENED_BY_SUPERVISION,
                     problem=problem)
    assert Notification.objects.filter(recipient=users["secretary"]).order_by("pk").last().body == "问题2：组织生活会不规范"
