"""Problem-list imports (Excel) into one ledger."""

from django.http import Http404


def problem_import(request, pk):
    raise Http404


def problem_import_template(request, pk):
    raise Http404
