"""Common problems (共性问题) of a supervising unit and its answers to them (专项整治)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from ledger.selectors.common import common_measure_find, common_problems, is_supervising
from ledger.services import common as services
from reviews.forms import CommonMeasureForm
from reviews.views.common import campaign_and_focus


def _page_url(campaign_pk: int, unit_pk: int) -> str:
    return f"{reverse('reviews:common_problems', args=[campaign_pk])}?unit={unit_pk}"


@login_required
def common_problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the focus unit's common problems; POST: answer one with a measure of the unit's own."""
    scope, campaign, focus = campaign_and_focus(request, pk)
    can_answer = scope.can(Action.FILL, focus) and is_supervising(focus)
    if request.method == "POST" and not can_answer:
        raise PermissionDenied(_("只有本单位的账号可以对共性问题开展专项整治。"))
    common = common_problems(scope=scope, campaign=campaign, unit=focus)
    found = common.problems
    form = CommonMeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((problem for problem in found if problem.key == data["key"]), None)
        try:
            if chosen is None:
                raise ValidationError(_("该问题在下级单位中还不是共性问题，不能开展专项整治。"))
            services.common_measure_create(
                actor=request.user, campaign=campaign, unit=focus, category=chosen.category,
                manifestation=chosen.manifestation, measure=data["measure"], deadline=data["deadline"],
                responsible_name=data["responsible_name"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("专项整治措施已保存，相关下级单位在台账中可以看到。"))
            return redirect(_page_url(campaign.pk, focus.pk))
    elif request.method == "POST":
        messages.error(request, _("请填写专项整治措施、整改时限和责任人。"))
    closable = [problem.key for problem in found if problem.measure and services.may_close(request.user, problem.measure)]
    return render(request, "reviews/common_problems.html", {
        "campaign": campaign, "focus": focus, "common": found, "can_answer": can_answer, "closable": closable,
        "needed": common.needed, "counted_at": common.counted_at,
        "form": CommonMeasureForm() if request.method == "GET" else form,
    })


@login_required
@require_POST
def common_measure_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """request-closure / close / send-back on a supervising unit's common measure."""
    measure = found_or_404(common_measure_find(scope=scope_for(request.user), pk=pk))
    user, text = request.user, request.POST.get("text", "")
    version = request.POST.get("version", "")
    version = int(version) if version.isdigit() else None
    calls = {
        "request-closure": (lambda: services.common_measure_request_closure(
            actor=user, measure=measure, comment=text, version=version), _("已申请销号，等待上级党组织审核。")),
        "close": (lambda: services.common_measure_close(actor=user, measure=measure, comment=text, version=version),
                  _("已销号。")),
        "send-back": (lambda: services.common_measure_send_back(actor=user, measure=measure, reason=text,
                                                                version=version), _("已退回整改。")),
    }
    if action not in calls:
        raise Http404
    call, success = calls[action]
    try:
        call()
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success)
    return redirect(_page_url(measure.campaign_id, measure.unit_id))
