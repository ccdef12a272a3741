"""Jobs in-process (eager): the owner's pages, live progress, the private download, the outbox."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from jobs.models import Job, JobStatus, OutboxEntry
from jobs.registry import RUNNERS
from jobs.services import job_create, job_run, outbox_dispatch
from jobs.tasks import run_job
from tests.jobs import runners  # noqa: F401  (registers the test job kinds)


@pytest.fixture
def owner_client(client, users):
    client.force_login(users["secretary"])
    return client


def create(user, kind="test_echo", capture=None, **params):
    if capture is None:
        return job_create(owner=user, kind=kind, title="导出台账", params=params)
    with capture(execute=True):
        return job_create(owner=user, kind=kind, title="导出台账", params=params)


def test_a_job_runs_after_commit_and_its_outbox_row_is_sent(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_create(owner=users["secretary"], kind="test_echo", title="导出台账", params={"text": "你好"})
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # nothing is queued before commit
    assert OutboxEntry.objects.get(job=job).sent_at is None
    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100
    assert job.result.read().decode() == "回声：你好"
    assert OutboxEntry.objects.get(job=job).sent_at is not None


def test_a_failing_job_is_marked_failed(users, django_capture_on_commit_callbacks):
    job = create(users["secretary"], kind="test_fail", capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == "故意失败"


def test_a_job_delivered_twice_runs_once(users, monkeypatch):
    job = Job.objects.create(owner=users["secretary"], kind="test_echo", title="t")
    calls = []
    monkeypatch.setitem(RUNNERS, "test_echo",
                        lambda job, progress: calls.append(job.pk) or ("a.txt", b"a"))
    job_run(job_id=job.pk)
    job_run(job_id=job.pk)
    assert calls == [job.pk]


def test_broker_down_the_request_returns_fast_and_the_job_waits_in_the_outbox(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis 不可用")

    monkeypatch.setattr(run_job, "apply_async", broker_down)
    started = time.monotonic()
    job = create(users["secretary"], capture=django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 2
    entry = OutboxEntry.objects.get(job=job)
    assert entry.sent_at is None and entry.attempts == 1 and "Redis 不可用" in entry.last_error
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED

    monkeypatch.undo()  # the broker is back: the next dispatcher run (beat, every minute) sends it
    assert outbox_dispatch() == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert outbox_dispatch() == 0


def test_job_detail_is_the_owners_alone(owner_client, users, client, django_capture_on_commit_callbacks):
    job = create(users["member"], capture=django_capture_on_commit_callbacks)
    assert owner_client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    assert owner_client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404
    assert "导出台账" not in owner_client.get(reverse("jobs:job_list")).text


def test_a_running_job_page_polls_and_a_finished_one_offers_the_download(owner_client, users,
                                                                         django_capture_on_commit_callbacks):
    running = Job.objects.create(owner=users["secretary"], kind="test_echo", title="生成报告", progress=40,
                                 status=JobStatus.RUNNING, message="正在生成")
    page = owner_client.get(reverse("jobs:job_detail", args=[running.pk]))
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in page.text and "40%" in page.text and "正在生成" in page.text

    partial = owner_client.get(reverse("jobs:job_detail", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert partial.text.lstrip().startswith('<div id="job-progress"') and "<html" not in partial.text

    done = create(users["secretary"], capture=django_capture_on_commit_callbacks, text="完成")
    page = owner_client.get(reverse("jobs:job_detail", args=[done.pk]))
    assert "hx-trigger" not in page.text and "下载结果" in page.text

    download = owner_client.get(reverse("jobs:job_download", args=[done.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == "回声：完成"
    assert "attachment" in download["Content-Disposition"]


def test_my_jobs_lists_ones_own(owner_client, users):
    Job.objects.create(owner=users["secretary"], kind="test_echo", title="我的导出")
    Job.objects.create(owner=users["member"], kind="test_echo", title="别人的导出")
    page = owner_client.get(reverse("jobs:job_list"))
    assert "我的导出" in page.text and "别人的导出" not in page.text


def test_results_are_not_under_a_public_url(settings):
    assert not getattr(settings, "MEDIA_URL", "").strip("/") or settings.MEDIA_ROOT == settings.PRIVATE_MEDIA_ROOT
    assert str(Job._meta.get_field("result").storage.location).startswith(str(settings.PRIVATE_MEDIA_ROOT))
