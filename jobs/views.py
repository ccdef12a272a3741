"""Job pages. Minimal job detail (owner only, progress polled with htmx) until the reminders branch lands its own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from jobs.models import Job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    return render(request, "jobs/job_detail.html", {"job": job})
