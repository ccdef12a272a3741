"""The reminder task through a real Redis and a real worker: run twice at once, it still sends once."""

from __future__ import annotations

import datetime

import pytest

from config.celery_app import app
from notifications.models import Notification, ReminderLog
from notifications.services import reminders_send
from notifications.tasks import send_reminders
from tests.celery_worker import wait_until
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def idle() -> bool:
    inspect = app.control.inspect(timeout=0.5)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    return bool(active) and not any(active.values()) and not any(reserved.values())


def test_reminders_sent_twice_at_once_by_the_worker_go_out_once(live_broker, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    problem = make_problem(ledger_of(campaign, tree.b1))
    for day in range(10):
        make_item(problem, deadline=datetime.date(2022, 10, 14) + datetime.timedelta(days=day % 7),
                  responsible_user=users["member"])

    send_reminders.delay("2022-10-13")
    send_reminders.delay("2022-10-13")  # the worker runs both at the same time (two threads)

    # 10 items × (secretary, responsible member) + the self-check phase (secretary, member) + the report
    # deadline (general branch staff) = 23.
    wait_until(lambda: Notification.objects.count() >= 23, timeout=30)
    wait_until(idle, timeout=20)
    assert set(reminders_send(today=datetime.date(2022, 10, 13)).values()) == {0}  # and a third run later
    assert Notification.objects.count() == ReminderLog.objects.count() == 23
