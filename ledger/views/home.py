"""The home page: each person's own work, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from branches.selectors import assignments_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"assignments": assignments_of(request.user)})
