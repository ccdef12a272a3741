"""A problem's page (its measures, where it came from, where it went) and handing problems down (上级交办)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from ledger.selectors import handing_down as hd
from ledger.selectors import workflow as sel
from ledger.services.handing_down import problems_hand_down


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = found_or_404(sel.problem_find(request.user, pk))
    ledger = problem.ledger
    return render(request, "ledger/problem_detail.html", {
        "problem": problem, "ledger": ledger, "items": sel.problem_items(problem),
        "rights": sel.rights_for(request.user, ledger), "origin": hd.origin_of(request.user, problem),
        "copies": hd.handed_down_copies(request.user, problem),
        "may_hand_down": hd.may_hand_down(request.user, ledger),
    })


@login_required
def hand_down(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose problems of a committee's ledger and lower units; POST hands them down (the service decides)."""
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    if not scope_for(request.user).can(Action.MANAGE, ledger.unit_path):
        raise PermissionDenied(_("只有“%(unit)s”的组织部门可以向下级交办本台账的问题。") % {"unit": ledger.unit.name})
    chosen_problems = request.POST.getlist("problems") or request.GET.getlist("problem")
    chosen_units = request.POST.getlist("units")
    if request.method == "POST":
        try:
            result = problems_hand_down(actor=request.user, ledger=ledger, problem_ids=chosen_problems,
                                        unit_ids=chosen_units)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            text = _("已在下级台账中新增 %(n)s 个交办问题。") % {"n": result.created}
            if result.already:
                text += _("另有 %(n)s 个此前已交办给所选单位，未重复添加。") % {"n": result.already}
            (messages.success if result.created else messages.warning)(request, text)
            return redirect(ledger)
    return render(request, "ledger/hand_down.html", {
        "ledger": ledger, "allowed": hd.may_hand_down(request.user, ledger),
        "problems": hd.hand_down_problems(ledger), "targets": hd.hand_down_targets(request.user, ledger),
        "chosen_problems": set(chosen_problems), "chosen_units": set(chosen_units),
    })
