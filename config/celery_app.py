"""The Celery app. With no REDIS_URL the tasks run eagerly in-process (the embedded default).

Run in production: `celery -A config worker` and `celery -A config beat` (schedule in settings:
CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import before_task_publish, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("ledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def dispatch_outbox_on_startup(**kwargs) -> None:
    """Jobs written while the broker was down are sent as soon as a worker is up again."""
    from jobs.services import outbox_dispatch

    outbox_dispatch()


@before_task_publish.connect(sender="jobs.heartbeat")
def note_beat_alive(**kwargs) -> None:
    """Only beat sends the heartbeat task: its sending is beat's own heartbeat (checked by /health/)."""
    from django.db import close_old_connections, connection

    from jobs.services import pulse_record

    try:
        if not connection.in_atomic_block:
            close_old_connections()  # beat runs for months: a connection the database dropped is replaced
        pulse_record(name="beat")
    except Exception:  # the heartbeat must still be sent; /health/ will say beat's note is old
        import logging

        logging.getLogger(__name__).exception("beat could not note its heartbeat")
