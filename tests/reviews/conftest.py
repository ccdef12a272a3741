"""Builders for the reviews tests: a published campaign with ledgers for every branch of the tree."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from branches.models import Role, UnitKind
from ledger.models import EventAction, ItemStatus, LedgerEvent, LedgerStatus, Manifestation, ProgressNote
from ledger.services.events import event_record
from ledger.services.workflow import self_check_answer
from reviews import services
from tests.conftest import make_unit, make_user
from tests.factories import figures_refresh, filler_of, ledger_of, make_campaign, make_item, make_problem

DEADLINE = datetime.date(2022, 11, 30)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def close(item, day: datetime.date, hour: int = 12):
    item.status = ItemStatus.CLOSED
    item.closed_at = at(day, hour)
    item.save()
    figures_refresh(item.ledger)
    return item


def note(item, day: datetime.date, author):
    progress = ProgressNote.objects.create(item=item, text="进展", author=author)
    ProgressNote.objects.filter(pk=progress.pk).update(created_at=at(day))
    figures_refresh(item.ledger)
    return progress


def answer_all(ledger, *, except_for: int = 0):
    """Answer the ledger's self-check ("未发现问题" to every manifestation but the last `except_for`)."""
    manifestations = list(Manifestation.objects.filter(category__template_id=ledger.campaign.template_id)
                          .order_by("category__order", "order"))
    for manifestation in manifestations[:len(manifestations) - except_for]:
        self_check_answer(actor=filler_of(ledger), ledger=ledger, manifestation=manifestation, found=False)


def accept(ledger):
    """The general branch accepted the ledger (状态 已通过); the tests build the rows before or after."""
    type(ledger).objects.filter(pk=ledger.pk).update(status=LedgerStatus.ACCEPTED, accepted_at=timezone.now())
    ledger.refresh_from_db()
    figures_refresh(ledger)
    return ledger


def ready(ledger):
    """A ledger whose self-check is answered and which the general branch accepted: in place unless its
    measures say otherwise."""
    answer_all(ledger)
    return accept(ledger)


@pytest.fixture
def campaign(tree, users):
    return make_campaign(tree.root, actor=users["org"], results_deadline=DEADLINE)


@pytest.fixture
def b1_ledger(campaign, tree):
    return ready(ledger_of(campaign, tree.b1))


@pytest.fixture
def b1_item(b1_ledger):
    return make_item(make_problem(b1_ledger), deadline=datetime.date(2022, 10, 31))


def closed_with_event(item, day, actor):
    close(item, day)
    event = event_record(ledger=item.ledger, actor=actor, action=EventAction.ITEM_CLOSED, item=item, to_status="closed")
    LedgerEvent.objects.filter(pk=event.pk).update(at=at(day))
    figures_refresh(item.ledger)


@pytest.fixture
def busy_campaign(tree, users):
    """Ledgers in several states, problems in two categories, open, closed and overdue items, ratings."""
    campaign = make_campaign(tree.root, actor=users["org"])
    first, second = campaign.template.categories.all()
    b1, b2, b3 = (ledger_of(campaign, unit) for unit in (tree.b1, tree.b2, tree.b3))
    p1 = make_problem(b1, category=first)
    closed_with_event(make_item(p1), datetime.date(2022, 10, 20), users["gb_staff"])
    closed_with_event(make_item(p1), datetime.date(2022, 10, 27), users["gb_staff"])
    make_item(p1)  # overdue
    make_item(make_problem(b1, category=second), ongoing=True)
    make_item(make_problem(b2, category=second), deadline=datetime.date(2023, 6, 30))  # overdue by now
    closed_with_event(make_item(make_problem(b3, category=first)), datetime.date(2022, 10, 21), users["org"])
    withdrawn = make_item(make_problem(b3, category=first)).problem  # counts nowhere once withdrawn
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    other = make_campaign(tree.other_root)
    make_item(make_problem(ledger_of(other, tree.other_branch)))  # another tree, never counted
    type(b1).objects.filter(pk=b1.pk).update(status=LedgerStatus.ACCEPTED)
    type(b2).objects.filter(pk=b2.pk).update(status=LedgerStatus.SUBMITTED)
    figures_refresh(b1, b2, b3)
    ready(b3)  # closed in time, answered and accepted: in place, so it may have five stars
    services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=3, basis="一般")
    services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b3, stars=5, basis="优秀")
    return campaign


def campaign_with_branches(count: int):
    root = make_unit(None, UnitKind.COMMITTEE, f"Q{count}")
    branches = []
    for g in range(3):
        gb = make_unit(root, UnitKind.GENERAL_BRANCH, f"Q{count}-{g}")
        branches += [make_unit(gb, UnitKind.BRANCH, f"Q{count}-{g}-{b}") for b in range(count // 3)]
    org = make_user(f"org{count}", root, Role.ORG_DEPARTMENT)
    campaign = make_campaign(root, actor=org)
    for n, unit in enumerate(branches):
        item = make_item(make_problem(ledger_of(campaign, unit)))
        if n % 2:
            closed_with_event(item, datetime.date(2022, 10, 20), org)
        services.rating_decide(actor=org, campaign=campaign, unit=unit, stars=1 + n % 4, basis="依据")
    return campaign, org
