"""Two people of the county handing the same problems down at the same moment: one copy per ledger, no error."""

from __future__ import annotations

import pytest
from django.db import connection

from ledger.models import EventAction, LedgerEvent, Problem
from tests.concurrency import run_together
from tests.ledger.test_handing_down import county, hand_down  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_hand_downs_make_one_copy_each(county):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")

    results, errors = run_together(lambda: hand_down(county, county.towns))

    assert errors == []
    assert sorted((r.created, r.already) for r in results) == [(0, 6), (6, 0)]
    assert Problem.objects.filter(handed_down_from__isnull=False).count() == 6
    assert LedgerEvent.objects.filter(action=EventAction.PROBLEM_HANDED_DOWN).count() == 6
