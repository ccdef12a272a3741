from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from branches.selectors import assignments_of, scope_for, units_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's work: their roles and the units they hold them at."""
    return render(request, "home.html", {"assignments": assignments_of(request.user)})


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    units = units_visible_to(request.user).order_by("path")[:500]
    return render(request, "branches/tree.html", {"units": units, "scope": scope})
