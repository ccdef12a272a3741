"""Creating and running jobs. The web request only creates the row and queues it after commit."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.registry import RUNNERS

log = logging.getLogger(__name__)


@transaction.atomic
def job_create(*, owner, kind: str, title: str, params: dict) -> Job:
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(owner=owner, kind=kind, title=title, params=params)
    from jobs.tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


def job_run(*, job_id: int) -> Job:
    """Run a queued job to the end, recording progress as it goes and the failure if any."""
    job = Job.objects.get(pk=job_id)
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    def report_progress(percent: int, message: str = "") -> None:
        Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, int(percent))), message=message[:500])

    try:
        name, content = RUNNERS[job.kind](job, report_progress)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(exc)[:500], finished_at=timezone.now())
        return Job.objects.get(pk=job.pk)
    job.refresh_from_db()
    job.result.save(name, ContentFile(content), save=False)
    job.result_name = name
    job.status = JobStatus.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "result_name", "status", "progress", "finished_at"])
    return job
