"""Organization pages: browse the tree one level at a time, a unit's page, create/edit units and accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import services
from branches.forms import UNIT_FIELDS, AccountForm, UnitEditForm, UnitForm, child_kinds
from branches.models import OrgUnit
from branches.pickers import QUERY_SUFFIX, WITHIN_SUFFIX, pick_from_params, results_context
from branches.selectors import (
    Action,
    scope_for,
    scope_roots,
    unit_ancestors,
    unit_children,
    unit_copy,
    unit_find,
    unit_members,
    unit_search,
    unit_with_child_count,
    units_to_pick,
)
from config.errors import error_text
from config.http import found_or_404
from config.lists import page_of

PAGE_SIZE = 50


def _unit_for(user, pk: int, action: Action = Action.VIEW) -> OrgUnit:
    """The unit if the user may see it (else 404) and may do `action` on it (else 403)."""
    scope = scope_for(user)
    unit = found_or_404(unit_find(user, pk))
    if action is not Action.VIEW and not scope.can(action, unit):
        raise PermissionDenied
    return unit


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    unit_id = request.GET.get("unit", "")
    context: dict = {"query": query, "scope": scope_for(request.user)}
    if query:
        context["results"] = unit_search(request.user, query)
    elif unit_id.isdigit():
        unit = _unit_for(request.user, int(unit_id))
        context["unit"] = unit
        context["ancestors"] = unit_ancestors(request.user, unit)
        context["page"] = page_of(request, unit_children(request.user, unit), PAGE_SIZE)
    else:
        context["roots"] = scope_roots(request.user)
    return render(request, "branches/tree.html", context)


@login_required
def unit_pick(request: HttpRequest) -> HttpResponse:
    """A unit picker's list (htmx): at most PICK_LIMIT units of the viewer's scope matching what was typed, or
    one level of the tree. The form still validates what is posted; this only lists."""
    field = request.GET.get("field", "")
    if not field.isidentifier():
        field = "unit"
    within = request.GET.get("within") or request.GET.get(field + WITHIN_SUFFIX, "")
    within_id = int(within) if within.isdigit() else None
    query = "" if within_id is not None else request.GET.get(field + QUERY_SUFFIX, request.GET.get("q", ""))
    pick = pick_from_params(request.GET)
    units, more = units_to_pick(scope_for(request.user), pick, query=query[:100], within=within_id)
    picker = results_context(field, request.GET.get("multiple") == "1", pick, units, more, listed=True)
    return render(request, "branches/_unit_pick_results.html", {"picker": picker})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request.user, pk)
    scope = scope_for(request.user)
    return render(request, "branches/unit_detail.html", {
        "unit": unit_with_child_count(unit),
        "ancestors": unit_ancestors(request.user, unit),
        "members": unit_members(unit),
        "term_status": unit.term_status(timezone.localdate()),
        "committee_problems": unit.committee_problems(),
        "can_manage": scope.can(Action.MANAGE, unit),
        "can_add_child": scope.can(Action.MANAGE, unit) and bool(child_kinds(unit)),
    })


@login_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _unit_for(request.user, pk, Action.MANAGE)
    kinds = child_kinds(parent)
    if not kinds:
        messages.error(request, _("党支部下不能再设下级组织。"))
        return redirect("branches:unit_detail", pk=parent.pk)
    form = UnitForm(request.POST or None)
    form.fields["kind"].choices = kinds
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已创建“%(name)s”。") % {"name": unit.name})
            return redirect("branches:unit_detail", pk=unit.pk)
    return render(request, "branches/unit_form.html", {"form": form, "parent": parent, "unit": None})


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request.user, pk, Action.MANAGE)
    form = UnitEditForm(request.POST or None, instance=unit_copy(unit))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in [*UNIT_FIELDS, "is_active"]}
        try:
            services.unit_update(actor=request.user, unit=unit, **changes)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已保存。"))
            return redirect("branches:unit_detail", pk=unit.pk)
    return render(request, "branches/unit_form.html", {"form": form, "parent": unit.parent, "unit": unit})


@login_required
def account_create(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request.user, pk, Action.MANAGE)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_create(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已创建账号“%(name)s”。") % {"name": user.username})
            return redirect("branches:unit_detail", pk=unit.pk)
    return render(request, "branches/account_form.html", {"form": form, "unit": unit})
