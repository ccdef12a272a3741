from __future__ import annotations

from celery import shared_task


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    from jobs.services import job_run

    job_run(job_id=job_id)


@shared_task(name="jobs.dispatch_outbox")
def dispatch_outbox() -> int:
    """Beat runs this every minute: jobs whose first hand-off to the broker failed are sent now, and jobs whose
    worker died are marked failed."""
    from jobs.services import jobs_fail_stale, outbox_dispatch

    jobs_fail_stale()
    return outbox_dispatch()


@shared_task(name="jobs.expire_results")
def expire_results() -> int:
    """Beat runs this daily: result files older than JOB_RESULT_DAYS are deleted."""
    from jobs.services import job_results_expire

    return job_results_expire()


@shared_task(name="jobs.heartbeat")
def heartbeat() -> None:
    """Beat sends this every minute (and notes the sending, config/celery_app.py); a worker running it notes that
    it is alive. /health/ fails when either note is older than MONITORING_HEARTBEAT_MAX_MINUTES."""
    from jobs.services import pulse_record

    pulse_record(name="worker")
