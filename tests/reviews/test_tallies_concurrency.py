"""Two tally recounts at the same moment (a slow one overlapping the next beat) leave one complete set of rows."""

from __future__ import annotations

import pytest
from django.db import connection

from ledger.models import SubtreeTally
from reviews.tallies import tallies_refresh
from tests.concurrency import run_together
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_recounts_leave_one_set(tree, users):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    campaign = make_campaign(tree.root, actor=users["org"])
    make_item(make_problem(ledger_of(campaign, tree.b1)))
    results, errors = run_together(tallies_refresh)

    assert errors == [] and len(results) == 2
    # The recount that comes second finds nothing changed since the first counted (the change marks) and writes
    # nothing, or counts the same again if they overlapped: either way one complete set is left.
    expected = max(result[f"campaign {campaign.pk}"] for result in results)
    assert all(result[f"campaign {campaign.pk}"] in (0, expected) for result in results)
    assert SubtreeTally.objects.filter(campaign=campaign).count() == expected > 0
    root = SubtreeTally.objects.get(campaign=campaign, unit=tree.root)
    assert (root.ledgers, root.items) == (3, 1)
