"""Result files are kept JOB_RESULT_DAYS, then deleted; a job whose worker died does not run for ever."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from config.storage import private_storage
from jobs.models import Job
from jobs.services import job_create, job_results_expire
from tests.jobs import runners  # noqa: F401  (registers the test job kinds)

pytestmark = pytest.mark.django_db


def finished(user, capture, days_ago: int) -> Job:
    with capture(execute=True):
        job = job_create(owner=user, kind="test_echo", title="导出台账", params={"text": "名单"})
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=days_ago))
    job.refresh_from_db()
    return job


def test_old_results_are_deleted_and_the_page_says_so(client, users, settings, django_capture_on_commit_callbacks):
    settings.JOB_RESULT_DAYS = 7
    old = finished(users["secretary"], django_capture_on_commit_callbacks, days_ago=8)
    recent = finished(users["secretary"], django_capture_on_commit_callbacks, days_ago=6)
    old_file, recent_file = old.result.name, recent.result.name

    with django_capture_on_commit_callbacks(execute=True):
        assert job_results_expire() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.result and not private_storage.exists(old_file)
    assert recent.result and private_storage.exists(recent_file)
    assert job_results_expire() == 0  # nothing left to delete

    client.force_login(users["secretary"])
    page = client.get(reverse("jobs:job_detail", args=[old.pk])).content.decode()
    assert "结果文件保留7天，已经删除；如仍需要，请重新发起。" in page and "下载结果" not in page
    assert client.get(reverse("jobs:job_download", args=[old.pk])).status_code == 404
    assert "导出台账" in client.get(reverse("jobs:job_list")).content.decode()
    assert client.get(reverse("jobs:job_download", args=[recent.pk])).status_code == 200


def test_a_job_whose_worker_died_is_marked_failed(client, users, settings):
    from jobs.models import JobStatus
    from jobs.tasks import dispatch_outbox

    settings.JOB_STALE_MINUTES = 60
    now = timezone.now()
    stuck = Job.objects.create(owner=users["secretary"], kind="test_echo", title="生成报告", progress=40,
                               status=JobStatus.RUNNING, started_at=now - datetime.timedelta(minutes=61))
    busy = Job.objects.create(owner=users["secretary"], kind="test_echo", title="导出台账", progress=10,
                              status=JobStatus.RUNNING, started_at=now - datetime.timedelta(minutes=5))
    dispatch_outbox()  # what beat runs every minute
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and stuck.finished_at is not None
    assert busy.status == JobStatus.RUNNING
    client.force_login(users["secretary"])
    page = client.get(reverse("jobs:job_detail", args=[stuck.pk])).content.decode()
    assert "任务超过60分钟没有完成，后台进程可能已中断，请重新发起。" in page and "hx-trigger" not in page
