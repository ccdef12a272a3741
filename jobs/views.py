"""A job's progress page and its result download (the job's owner only).

Minimal version written with the 附件2 exports; the reminders/jobs area may replace it with a richer one.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from jobs.models import Job, JobStatus


def _own_job(request: HttpRequest, pk: int) -> Job:
    # A job's result is whatever its owner was allowed to see when it ran: nobody else gets it.
    return get_object_or_404(Job, pk=pk, owner=request.user)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    template = "jobs/_job_status.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, {"job": job, "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)})


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.status != JobStatus.DONE or not job.result:
        raise Http404
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name or "result")
