"""The Celery app. With no REDIS_URL the tasks run eagerly in-process (the embedded default).

Run in production: `celery -A config worker` and `celery -A config beat` (schedule in settings:
CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("ledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def dispatch_outbox_on_startup(**kwargs) -> None:
    """Jobs written while the broker was down are sent as soon as a worker is up again."""
    from jobs.services import outbox_dispatch

    outbox_dispatch()
