"""Creating, dispatching and running jobs.

The web request only writes the job and its outbox row (one transaction) and, after commit, tries
to hand it to the broker with bounded timeouts. If the broker is down or stalls, the outbox row stays
pending and `outbox_dispatch` (beat every minute, and each worker on startup) sends it later.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job, JobStatus, OutboxEntry, Pulse
from jobs.registry import RUNNERS, ResultFile

log = logging.getLogger(__name__)


@transaction.atomic
def job_create(*, owner, kind: str, title: str, params: dict) -> Job:
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(owner=owner, kind=kind, title=title, params=params)
    entry = OutboxEntry.objects.create(job=job)
    transaction.on_commit(lambda: outbox_dispatch(entry_ids=[entry.pk]))
    return job


def outbox_dispatch(*, entry_ids: list[int] | None = None, limit: int = 500) -> int:
    """Send pending outbox rows to the broker; returns how many were sent.

    Rows are locked (SKIP LOCKED) while being sent, so two dispatchers never send one job twice; a
    publish failure leaves the row pending (never raises: the caller may be a web request).
    """
    from jobs.tasks import run_job

    sent = 0
    with transaction.atomic():
        pending = OutboxEntry.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if entry_ids is not None:
            pending = pending.filter(pk__in=entry_ids)
        for entry in pending.order_by("created_at", "id")[:limit]:
            entry.attempts += 1
            try:
                # retry=False: with the broker's socket timeouts this fails within seconds, not ~15 s.
                run_job.apply_async((entry.job_id,), retry=False)
            except Exception as exc:
                entry.last_error = f"{type(exc).__name__}: {exc}"[:500]
                entry.save(update_fields=["attempts", "last_error"])
                log.warning("job %s stays in the outbox: %s", entry.job_id, entry.last_error)
                break  # the broker is unreachable: the other rows would fail the same way
            entry.sent_at = timezone.now()
            entry.save(update_fields=["attempts", "sent_at"])
            sent += 1
    return sent


def job_run(*, job_id: int) -> Job:
    """Run a queued job to the end, recording progress as it goes and the failure if any.

    The job is claimed by moving it from queued to running, so a job delivered twice runs once.
    """
    if not Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING,
                                                                           started_at=timezone.now()):
        return Job.objects.get(pk=job_id)
    job = Job.objects.get(pk=job_id)

    def report_progress(percent: int, message: str = "") -> None:
        Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, int(percent))), message=message[:500])

    try:
        name, content = RUNNERS[job.kind](job, report_progress)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(exc)[:500], finished_at=timezone.now())
        return Job.objects.get(pk=job.pk)
    job.refresh_from_db()
    _store_result(job, name, content)
    job.result_name = name
    job.status = JobStatus.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "result_name", "status", "progress", "finished_at"])
    return job


def _store_result(job: Job, name: str, content: bytes | ResultFile) -> None:
    """The result into the private storage; a temporary file is copied in chunks (never read whole) and deleted."""
    if not isinstance(content, ResultFile):
        job.result.save(name, ContentFile(content), save=False)
        return
    try:
        with content.open("rb") as stream:
            job.result.save(name, File(stream, name=name), save=False)
    finally:
        content.unlink(missing_ok=True)


def job_results_expire(*, now=None) -> int:
    """Delete the result files of jobs finished more than JOB_RESULT_DAYS ago; returns how many.

    Exports and import results (these hold new accounts' initial passwords) would otherwise pile up on the
    server for ever. The job stays in its owner's list; its page says the file is gone. The row is cleared
    first and the file deleted once that is committed, so no job ever points at a missing file.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.JOB_RESULT_DAYS)
    expired = 0
    for pk in Job.objects.filter(finished_at__lt=cutoff).exclude(result="").values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=pk).exclude(result="").first()
            if job is None:  # cleared by a sweep running beside this one
                continue
            storage, name = job.result.storage, job.result.name
            Job.objects.filter(pk=pk).update(result="")
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        expired += 1
    return expired


def jobs_fail_stale(*, now=None) -> int:
    """Mark failed the jobs still running JOB_STALE_MINUTES after a worker claimed them; returns how many.

    A worker that died mid-job (killed, out of memory, the machine restarted) leaves its job "running" for
    ever, and its owner watching a progress bar that never moves. Failing it says so and lets them start
    again; it is not re-run by itself, as a half-run import or signing should be looked at first.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=settings.JOB_STALE_MINUTES)
    return Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=cutoff).update(
        status=JobStatus.FAILED, finished_at=now or timezone.now(),
        message=str(_("任务超过%(minutes)s分钟没有完成，后台进程可能已中断，请重新发起。") % {
            "minutes": settings.JOB_STALE_MINUTES}),
    )


def pulse_record(*, name: str, add: int = 1, now=None) -> None:
    """Note that `name` ran now and add `add` to its total (the heartbeats, the reminder sweep's counters)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Pulse.objects.filter(pk=name).update(at=now, total=F("total") + add):
            Pulse.objects.get_or_create(pk=name, defaults={"at": now, "total": 0})
            Pulse.objects.filter(pk=name).update(at=now, total=F("total") + add)
