"""Builders for the reviews tests: a published campaign with ledgers for every branch of the tree."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ledger.models import ItemStatus, ProgressNote
from tests.factories import ledger_of, make_campaign, make_item, make_problem

DEADLINE = datetime.date(2022, 11, 30)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def close(item, day: datetime.date, hour: int = 12):
    item.status = ItemStatus.CLOSED
    item.closed_at = at(day, hour)
    item.save()
    return item


def note(item, day: datetime.date, author):
    progress = ProgressNote.objects.create(item=item, text="进展", author=author)
    ProgressNote.objects.filter(pk=progress.pk).update(created_at=at(day))
    return progress


@pytest.fixture
def campaign(tree, users):
    return make_campaign(tree.root, actor=users["org"], results_deadline=DEADLINE)


@pytest.fixture
def b1_ledger(campaign, tree):
    return ledger_of(campaign, tree.b1)


@pytest.fixture
def b1_item(b1_ledger):
    return make_item(make_problem(b1_ledger), deadline=datetime.date(2022, 10, 31))
