"""本单位整改方案: a unit's own leaders start a rectification plan for their own unit (one ledger, theirs)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.selectors import scope_for
from config.errors import error_text
from ledger.selectors.own_plans import (
    own_plan_default_template,
    own_plan_ledger_pk,
    own_plan_units,
    own_plans_visible,
)
from ledger.selectors.setup import template_choices
from ledger.services.campaigns import own_plan_start
from ledger.setup_forms import OwnPlanForm


@login_required
def own_plan_list(request: HttpRequest) -> HttpResponse:
    """The own plans the user sees, and the way to start one for a unit they fill."""
    scope = scope_for(request.user)
    return render(request, "ledger/own_plans/list.html", {
        "plans": own_plans_visible(scope)[:200], "can_start": bool(own_plan_units(scope)),
    })


@login_required
def own_plan_create(request: HttpRequest) -> HttpResponse:
    """Start an own plan: created and published at once, then straight to its ledger."""
    units = own_plan_units(scope_for(request.user))
    if not units:
        raise PermissionDenied
    templates = template_choices(request.user)
    default = own_plan_default_template(templates)
    form = OwnPlanForm(request.POST or None, units=units, templates=templates, initial={
        "unit": units[0].pk, "year": timezone.localdate().year, "template": default.pk if default else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = own_plan_start(actor=request.user, unit=data["unit"], name=data["name"], year=data["year"],
                                      template=data["template"], phases=form.phases())
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("本单位整改方案已制定，请在台账中列出问题、制定整改措施。"))
            return redirect("ledger:ledger_detail", pk=own_plan_ledger_pk(campaign))
    elif request.method == "POST":
        messages.error(request, _("请改正下面标出的错误。"))
    return render(request, "ledger/own_plans/form.html", {"form": form})
