"""Jobs through a real Redis and a real worker process, including Redis being down when the job is queued."""

from __future__ import annotations

import time

import pytest

from jobs.models import Job, JobStatus, OutboxEntry
from jobs.services import job_create, outbox_dispatch
from tests.celery_worker import start_worker, stop_worker, wait_until
from tests.jobs import runners  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def job_status(job: Job) -> str:
    return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def test_a_job_runs_in_the_worker(live_broker, users):
    job = job_create(owner=users["secretary"], kind="test_echo", title="导出", params={"text": "工作进程"})
    wait_until(lambda: job_status(job) == JobStatus.DONE, timeout=20)
    job.refresh_from_db()
    assert job.result.read().decode() == "回声：工作进程"
    assert OutboxEntry.objects.get(job=job).sent_at is not None


def test_a_job_queued_while_redis_is_stopped_runs_after_it_starts_again(live_broker, users):
    live_broker.stop()
    started = time.monotonic()
    job = job_create(owner=users["secretary"], kind="test_echo", title="导出", params={"text": "恢复"})
    assert time.monotonic() - started < 5  # the web request is not held up by the broker
    entry = OutboxEntry.objects.get(job=job)
    assert entry.sent_at is None and entry.last_error
    assert job_status(job) == JobStatus.QUEUED

    live_broker.start()
    # What beat does every minute; the first tries may come before the producer reconnects.
    wait_until(outbox_dispatch, timeout=20, every=0.5)
    wait_until(lambda: job_status(job) == JobStatus.DONE, timeout=30)
    assert Job.objects.get(pk=job.pk).progress == 100


def test_a_starting_worker_sends_what_is_waiting_in_the_outbox(live_broker, users):
    # As if the broker had been down at commit: the job and its pending outbox row, nothing queued.
    job = Job.objects.create(owner=users["secretary"], kind="test_echo", title="导出", params={"text": "启动"})
    OutboxEntry.objects.create(job=job, attempts=1, last_error="ConnectionError")
    time.sleep(1)
    assert job_status(job) == JobStatus.QUEUED  # nobody dispatches it on their own

    second_worker = start_worker(live_broker.url)
    try:
        wait_until(lambda: job_status(job) == JobStatus.DONE, timeout=30)
    finally:
        stop_worker(second_worker)
    assert OutboxEntry.objects.get(job=job).sent_at is not None
