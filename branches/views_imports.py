"""Organization tree imports (Excel)."""

from django.http import Http404


def tree_import(request):
    raise Http404


def tree_import_template(request):
    raise Http404
