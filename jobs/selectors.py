"""A job is its owner's alone: every read goes through here."""

from __future__ import annotations

from django.db.models import QuerySet

from jobs.models import Job


def jobs_of(user) -> QuerySet[Job]:
    return Job.objects.filter(owner=user)


def job_of(user, pk: int) -> Job | None:
    """One of the user's jobs, else None (another user's job does not exist for them)."""
    return jobs_of(user).filter(pk=pk).first()
