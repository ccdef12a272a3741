"""Placeholder views: each is replaced by its real implementation on its feature branch."""

from django.http import Http404


def campaign_ledgers(request, *args, **kwargs):
    raise Http404


def ledger_detail(request, *args, **kwargs):
    raise Http404


def item_detail(request, *args, **kwargs):
    raise Http404


def evidence_download(request, *args, **kwargs):
    raise Http404
