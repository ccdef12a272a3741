"""The owner's jobs: a list, a detail page whose progress refreshes itself (htmx), the result download."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from config.http import found_or_404
from config.lists import page_of
from jobs.models import JobStatus
from jobs.selectors import job_of, jobs_of

PAGE_SIZE = 20


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, jobs_of(request.user), PAGE_SIZE)
    return render(request, "jobs/list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Another user's job is a 404. An htmx poll gets only the progress block."""
    job = found_or_404(job_of(request.user, pk))
    template = "jobs/_progress.html" if request.htmx else "jobs/detail.html"
    return render(request, template, {"job": job, "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
                                      "job_result_days": settings.JOB_RESULT_DAYS})


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = found_or_404(job_of(request.user, pk))
    if job.status != JobStatus.DONE or not job.result:
        raise Http404
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name or None)
