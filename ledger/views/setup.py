"""Placeholder views: each is replaced by its real implementation on its feature branch."""

from django.http import Http404


def template_list(request, *args, **kwargs):
    raise Http404


def template_create(request, *args, **kwargs):
    raise Http404


def template_detail(request, *args, **kwargs):
    raise Http404


def template_copy(request, *args, **kwargs):
    raise Http404


def campaign_list(request, *args, **kwargs):
    raise Http404


def campaign_create(request, *args, **kwargs):
    raise Http404


def campaign_detail(request, *args, **kwargs):
    raise Http404


def campaign_publish(request, *args, **kwargs):
    raise Http404
