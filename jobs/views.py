"""Placeholder views: each is replaced by its real implementation on its feature branch."""

from django.http import Http404


def job_detail(request, *args, **kwargs):
    raise Http404
