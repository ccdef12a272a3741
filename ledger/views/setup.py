"""Setup pages of the organization department: checklist templates and campaigns.

Reads go through `ledger.selectors.setup` (outside the user's scope → 404), changes ask the scope for
MANAGE (→ 403) and call a service; a service's ValidationError is shown as a message, nothing changed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from jobs.services import job_create
from ledger import wording
from ledger.jobs import CARRY_OVER
from ledger.models import Campaign, CampaignStatus, ChecklistTemplate, LedgerStatus, Manifestation, TemplateCategory
from ledger.selectors.carry_over import carry_over_source_find, carry_over_sources
from ledger.selectors.setup import (
    TEMPLATE_ROLES,
    campaign_find,
    campaign_phases,
    campaigns_latest,
    ledger_status_counts,
    manageable_units,
    target_units,
    template_campaigns,
    template_categories,
    template_category,
    template_choices,
    template_find,
    template_manifestation,
    templates_with_counts,
)
from ledger.services import campaigns as campaign_services
from ledger.services import templates as template_services
from ledger.services.carry_over import campaign_carry_over as carry_over
from ledger.services.carry_over import carry_over_check
from ledger.setup_forms import (
    CampaignForm,
    CarryOverForm,
    CategoryForm,
    PhaseFormSet,
    TemplateForm,
    UnitChoiceForm,
    phase_initial,
)


def _require_template_role(user) -> None:
    if not scope_for(user).has_role(*TEMPLATE_ROLES):
        raise PermissionDenied


def _require_manager(user) -> list:
    units = manageable_units(user)
    if not units:
        raise PermissionDenied
    return units


def _template_for(user, pk: int) -> ChecklistTemplate:
    _require_template_role(user)
    return found_or_404(template_find(user=user, pk=pk))


# ---- checklist templates -------------------------------------------------------------------------------


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    _require_template_role(request.user)
    return render(request, "ledger/template_list.html", {
        "templates": templates_with_counts(request.user), "can_create": bool(manageable_units(request.user)),
    })


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    units = _require_manager(request.user)
    form = TemplateForm(request.POST or None)
    # The owner is asked for only when the user manages more than one unit.
    owner_form = UnitChoiceForm(request.POST or None, units=units) if len(units) > 1 else None
    if request.method == "POST" and form.is_valid() and (owner_form is None or owner_form.is_valid()):
        owner = owner_form.cleaned_data["owner"] if owner_form else units[0]
        try:
            template = template_services.template_create(actor=request.user, owner=owner, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已创建对照清单，请添加类别和表现。"))
            return redirect("ledger:template_detail", pk=template.pk)
    return render(request, "ledger/template_form.html", {"form": form, "owner_form": owner_form})


# What a POST to the template page may ask for, and the service that does it.
def _op_update(request, template):
    form = TemplateForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("清单名称不能为空。"))
    template_services.template_update(actor=request.user, template=template, **form.cleaned_data)


def _op_category_add(request, template):
    form = CategoryForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("类别名称不能为空。"))
    template_services.category_add(actor=request.user, template=template, **form.cleaned_data)


def _category(request, template) -> TemplateCategory:
    return found_or_404(template_category(template=template, pk=request.POST.get("category")))


def _manifestation(request, template) -> Manifestation:
    return found_or_404(template_manifestation(template=template, pk=request.POST.get("manifestation")))


def _op_category_update(request, template):
    form = CategoryForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("类别名称不能为空。"))
    template_services.category_update(actor=request.user, category=_category(request, template), **form.cleaned_data)


def _op_category_remove(request, template):
    template_services.category_remove(actor=request.user, category=_category(request, template))


def _op_category_up(request, template):
    template_services.category_move(actor=request.user, category=_category(request, template), offset=-1)


def _op_category_down(request, template):
    template_services.category_move(actor=request.user, category=_category(request, template), offset=1)


def _op_manifestation_add(request, template):
    template_services.manifestation_add(
        actor=request.user, category=_category(request, template), text=request.POST.get("text", "")
    )


def _op_manifestation_update(request, template):
    template_services.manifestation_update(
        actor=request.user, manifestation=_manifestation(request, template), text=request.POST.get("text", "")
    )


def _op_manifestation_remove(request, template):
    template_services.manifestation_remove(actor=request.user, manifestation=_manifestation(request, template))


def _op_manifestation_up(request, template):
    template_services.manifestation_move(actor=request.user, manifestation=_manifestation(request, template), offset=-1)


def _op_manifestation_down(request, template):
    template_services.manifestation_move(actor=request.user, manifestation=_manifestation(request, template), offset=1)


TEMPLATE_OPS = {
    "update": _op_update,
    "category_add": _op_category_add,
    "category_update": _op_category_update,
    "category_remove": _op_category_remove,
    "category_up": _op_category_up,
    "category_down": _op_category_down,
    "manifestation_add": _op_manifestation_add,
    "manifestation_update": _op_manifestation_update,
    "manifestation_remove": _op_manifestation_remove,
    "manifestation_up": _op_manifestation_up,
    "manifestation_down": _op_manifestation_down,
}


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_for(request.user, pk)
    can_edit = template_services.template_can_edit(user=request.user, template=template)
    if request.method == "POST":
        if not can_edit:  # the right before the input
            raise PermissionDenied
        op = TEMPLATE_OPS.get(request.POST.get("op", ""))
        if op is None:
            return HttpResponse(status=400)
        try:
            op(request, template)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已保存。"))
        return redirect("ledger:template_detail", pk=template.pk)
    categories = template_categories(template)
    frozen = template.is_frozen
    return render(request, "ledger/template_detail.html", {
        "template": template, "categories": categories, "frozen": frozen,
        "editable": can_edit and not frozen,
        "can_copy": bool(manageable_units(request.user)),
        "form": TemplateForm(initial={"name": template.name, "description": template.description}),
        "category_form": CategoryForm(),
        "campaigns": template_campaigns(user=request.user, template=template),
    })


@login_required
@require_POST
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_for(request.user, pk)
    units = _require_manager(request.user)
    copy = template_services.template_copy(actor=request.user, template=template, owner=units[0])
    messages.success(request, _("已复制为“%(name)s”，可在副本上修改。") % {"name": copy.name})
    return redirect("ledger:template_detail", pk=copy.pk)


# ---- campaigns -------------------------------------------------------------------------------------------


def _campaign_for(user, pk: int, action: Action = Action.VIEW) -> Campaign:
    campaign = found_or_404(campaign_find(user=user, pk=pk))
    if action is not Action.VIEW and not scope_for(user).can(action, campaign.issuer_path):
        raise PermissionDenied
    return campaign


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/campaign_list.html", {
        "campaigns": campaigns_latest(request.user)[:200], "can_create": bool(manageable_units(request.user)),
    })


def _campaign_form_page(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    issuers = _require_manager(request.user)
    templates = template_choices(request.user)
    initial = {"issuer": issuers[0].pk}
    if campaign is not None:
        initial = {f: getattr(campaign, f) for f in CampaignForm.Meta.fields if f not in ("issuer", "template")}
        initial.update(issuer=campaign.issuer_id, template=campaign.template_id)
    form = CampaignForm(request.POST or None, issuers=issuers, templates=templates, initial=initial)
    phases = PhaseFormSet(request.POST or None, prefix="phases",
                          initial=phase_initial(campaign) if campaign else None)
    if request.method == "POST" and form.is_valid() and phases.is_valid():
        fields = {f: form.cleaned_data[f] for f in CampaignForm.Meta.fields}
        fields["doc_number"] = fields["doc_number"] or ""
        try:
            if campaign is None:
                campaign = campaign_services.campaign_create(actor=request.user, phases=phases.specs(), **fields)
            else:
                campaign_services.campaign_update(actor=request.user, campaign=campaign, phases=phases.specs(),
                                                  **fields)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("专项行动已保存（草稿）。"))
            return redirect("ledger:campaign_detail", pk=campaign.pk)
    elif request.method == "POST":
        messages.error(request, _("请改正下面标出的错误。"))
    return render(request, "ledger/campaign_form.html", {"form": form, "phases": phases, "campaign": campaign})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form_page(request, None)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request.user, pk, Action.MANAGE)
    if campaign.status != CampaignStatus.DRAFT:
        messages.error(request, _("专项行动已发布，不能再修改。"))
        return redirect("ledger:campaign_detail", pk=campaign.pk)
    return _campaign_form_page(request, campaign)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request.user, pk)
    counts = ledger_status_counts(request.user, campaign)
    return render(request, "ledger/campaign_detail.html", {
        "campaign": campaign,
        "phases": campaign_phases(campaign),
        "status_counts": [(LedgerStatus(s).label, s, n) for s, n in counts.items()],
        "ledger_total": sum(counts.values()),
        "can_manage": scope_for(request.user).can(Action.MANAGE, campaign.issuer_path),
        "units": wording.target_kind_word(campaign),
    })


@login_required
def campaign_publish(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request.user, pk, Action.MANAGE)
    if request.method == "POST":
        try:
            count = campaign_services.campaign_publish(actor=request.user, campaign=campaign)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("专项行动已发布，生成了 %(n)d 本台账。") % {"n": count})
            source = carry_over_source_find(campaign, request.POST.get("carry_from", ""))
            if source is not None:  # the issuer chose to carry an earlier campaign's unfinished measures too
                return _carry_over_after_publish(request, campaign, source)
        return redirect("ledger:campaign_detail", pk=campaign.pk)
    return render(request, "ledger/campaign_publish.html", {
        "campaign": campaign, "target_count": target_units(campaign).count(),
        "sources": carry_over_sources(campaign),
    })


def _carry_over_after_publish(request: HttpRequest, campaign: Campaign, source: Campaign) -> HttpResponse:
    campaign.refresh_from_db()
    try:
        plan = carry_over_check(actor=request.user, campaign=campaign, source_campaign=source)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("ledger:campaign_detail", pk=campaign.pk)
    return _carry_over_run(request, campaign, source, plan.items)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request.user, pk, Action.MANAGE)
    try:
        campaign_services.campaign_close(actor=request.user, campaign=campaign)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("专项行动已结束。"))
    return redirect("ledger:campaign_detail", pk=campaign.pk)


@login_required
def campaign_carry_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick an earlier campaign, preview what its unfinished measures would bring (结转), then confirm."""
    campaign = _campaign_for(request.user, pk, Action.MANAGE)
    data = request.POST if request.method == "POST" else (request.GET if "source" in request.GET else None)
    form = CarryOverForm(data, sources=carry_over_sources(campaign))
    plan, refusal = None, ""
    if form.is_bound and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            plan = carry_over_check(actor=request.user, campaign=campaign, source_campaign=source)
        except ValidationError as error:
            refusal = error_text(error)
        if request.method == "POST" and plan is not None:
            return _carry_over_run(request, campaign, source, plan.items)
    return render(request, "ledger/campaign_carry_over.html", {
        "campaign": campaign, "form": form, "plan": plan, "refusal": refusal,
    })


def _carry_over_run(request: HttpRequest, campaign: Campaign, source: Campaign, items: int) -> HttpResponse:
    if items > settings.CARRY_OVER_JOB_ITEMS:
        # A province's carry-over writes hundreds of thousands of rows: a job with progress, not a request.
        job = job_create(owner=request.user, kind=CARRY_OVER, params={"campaign": campaign.pk, "source": source.pk},
                         title=(_("结转：%(source)s → %(campaign)s") % {"source": source.name,
                                                                      "campaign": campaign.name})[:200])
        return redirect("jobs:job_detail", pk=job.pk)
    try:
        result = carry_over(actor=request.user, campaign=campaign, source_campaign=source)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("ledger:campaign_carry_over", pk=campaign.pk)
    messages.success(request, _("已结转 %(p)d 个问题、%(i)d 项整改措施到 %(l)d 本台账。") % {
        "p": result.problems, "i": result.items, "l": result.ledgers})
    return redirect("ledger:campaign_detail", pk=campaign.pk)
