"""Placeholder views: each is replaced by its real implementation on its feature branch."""

from django.http import Http404


def dashboard(request, *args, **kwargs):
    raise Http404
