from __future__ import annotations

from celery import shared_task


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    from jobs.services import job_run

    job_run(job_id=job_id)
