"""What the reviews views share: the campaign and the unit a page is about."""

from __future__ import annotations

from django.http import HttpRequest

from branches.selectors import scope_for
from config.http import found_or_404
from reviews.selectors.focus import campaign_find, focus_unit


def campaign_and_focus(request: HttpRequest, pk: int):
    scope = scope_for(request.user)
    campaign = found_or_404(campaign_find(scope=scope, pk=pk))
    unit = request.GET.get("unit", "")  # not a unit id: the viewer's own unit, as without one
    focus = found_or_404(focus_unit(scope=scope, campaign=campaign, unit_pk=int(unit) if unit.isdigit() else None))
    return scope, campaign, focus

