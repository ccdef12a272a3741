from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from branches.selectors import scope_for, units_visible_to


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    units = units_visible_to(request.user).order_by("path")[:500]
    return render(request, "branches/tree.html", {"units": units, "scope": scope})
