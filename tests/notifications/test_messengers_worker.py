"""Robot messages and heartbeats through a real Redis and a real worker process."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from config.celery_app import app
from jobs.models import Pulse
from ledger.models import EventAction
from ledger.services.events import event_record
from notifications.messengers import messenger_set
from notifications.models import DeliveryStatus, MessengerDelivery, Notification
from tests.celery_worker import wait_until
from tests.conftest import outside_a_running_loop
from tests.factories import ledger_of, make_campaign, make_item, make_problem
from tests.notifications.test_messengers import DINGTALK_SECRET, Robot

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def robot():
    robot = Robot("dingtalk")
    yield robot
    robot.close()


def test_the_worker_posts_the_units_message_after_the_notifications_are_saved(live_broker, robot, tree, users):
    messenger_set(actor=users["org"], unit=tree.b1, platform="dingtalk", webhook_url=robot.url,
                  secret=DINGTALK_SECRET)
    item = make_item(make_problem(ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)))

    with transaction.atomic():
        event_record(ledger=item.ledger, actor=users["gb_staff"], action=EventAction.ITEM_CLOSED, item=item)

    assert Notification.objects.count() == 2  # in the app before the robot was even tried
    wait_until(lambda: MessengerDelivery.objects.filter(status=DeliveryStatus.SENT).exists(), timeout=30)
    assert robot.rejected == [] and len(robot.received) == 1
    assert robot.received[0]["markdown"]["title"] == "整改台账：第一党支部 有 2 条新通知"


def test_beat_and_worker_heartbeats_make_health_pass(live_broker, settings, db):
    settings.REDIS_URL = live_broker.url
    settings.CELERY_TASK_ALWAYS_EAGER = False

    app.send_task("jobs.heartbeat")  # as beat sends it: the sending notes beat, the worker's run notes the worker

    wait_until(lambda: Pulse.objects.filter(name="worker").exists(), timeout=30)
    with outside_a_running_loop():
        response = Client().get("/health/", {"format": "json"})
    checks = json.loads(response.content)
    assert response.status_code == 200, checks
    assert checks["Heartbeat(worker)"] == "OK" and checks["Heartbeat(beat)"] == "OK"
    assert checks[f"Redis(db=0, host='127.0.0.1', port={live_broker.port})"] == "OK"
