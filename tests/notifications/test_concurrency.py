"""Two sweeps at the same moment, each on its own database connection, still send each reminder once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from notifications.models import Notification, ReminderLog
from notifications.services import reminders_send
from tests.concurrency import run_together
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_sweeps_send_once(tree, users):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks on the unique index)")
    campaign = make_campaign(tree.root, actor=users["org"])
    problem = make_problem(ledger_of(campaign, tree.b1))
    for day in range(20):  # several batches' worth of keys in the same order for both sweeps
        make_item(problem, deadline=datetime.date(2022, 10, 14) + datetime.timedelta(days=day % 7),
                  responsible_user=users["member"])
        make_item(problem, deadline=datetime.date(2022, 10, 1))
    results, errors = run_together(lambda: reminders_send(today=datetime.date(2022, 10, 13)))

    assert errors == []
    total = {key: results[0][key] + results[1][key] for key in results[0]}
    # 20 items due soon × (secretary + responsible member); the overdue digest to the secretary and,
    # 12 days overdue, to the general branch; the self-check phase to secretary and member; the report
    # due on 10-20 to the general branch.
    assert total == {"items_due_soon": 40, "items_overdue": 2, "phase_deadlines": 2, "report_deadlines": 1,
                     "committee_terms": 0, "periodic_reports": 0, "phase_work": 0}
    assert Notification.objects.count() == ReminderLog.objects.count() == 45
