"""Situation report pages: thin views over reports.services and reports.selectors, scoped by branches.selectors."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from ledger import wording
from ledger.models import Campaign
from reports import selectors, services
from reports.forms import ReportForm, SignForm, StampForm, VerifyCodeForm, VerifyUploadForm
from reports.models import ReportStatus, SituationReport


def _unit_or_404(request: HttpRequest, unit_pk: int) -> OrgUnit:
    return found_or_404(selectors.reporting_unit_find(scope=scope_for(request.user), pk=unit_pk))


def _report_or_404(request: HttpRequest, pk: int) -> SituationReport:
    return found_or_404(selectors.report_find(scope=scope_for(request.user), pk=pk))


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    return found_or_404(selectors.campaign_find(scope=scope_for(request.user), pk=pk))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    own = []
    for unit in selectors.reporting_units(scope, Action.FILL):
        for campaign in selectors.campaigns_reaching(unit):
            own.append((unit, campaign, selectors.report_of(campaign=campaign, unit=unit)))
    return render(request, "reports/index.html", {"own": own, "campaigns": selectors.campaigns_published(scope)})


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, campaign_pk: int, unit_pk: int) -> HttpResponse:
    unit = _unit_or_404(request, unit_pk)
    campaign = found_or_404(selectors.campaign_reaching_find(unit=unit, pk=campaign_pk))
    scope = scope_for(request.user)
    can_edit = scope.can(Action.FILL, unit)
    report = selectors.report_of(campaign=campaign, unit=unit)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_save(actor=request.user, campaign=campaign, unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                # The form stays bound to what was typed: a refused save loses nothing.
                messages.error(request, error_text(exc))
                report = selectors.report_of(campaign=campaign, unit=unit)
            else:
                messages.success(request, _("草稿已保存（第%(v)d版）。") % {"v": report.version})
                return redirect("reports:report_edit", campaign_pk=campaign.pk, unit_pk=unit.pk)
    elif report is not None:
        problems_found = report.problems_found
        if request.GET.get("refill") and can_edit and not report.is_frozen:
            # Section 二 written again from today's ledgers; nothing is stored until the draft is saved.
            problems_found = services.report_initial_fields(campaign=campaign, unit=unit)["problems_found"]
            messages.info(request, _("第二部分已按最新台账重新生成，保存草稿后生效。"))
        form = ReportForm(initial={
            "version": report.version, "work_done": report.work_done,
            "problems_found": problems_found, "next_steps": report.next_steps,
        })
    else:
        initial = services.report_initial_fields(campaign=campaign, unit=unit) if can_edit else {}
        form = ReportForm(initial={"version": 0, **initial})
    # Section 二 is written from the ledgers of the unit's subtree: the branches' where branches keep them.
    sources, owners = wording.report_sources(campaign)
    form.fields["problems_found"].help_text = _("已根据%(owners)s台账自动生成，可修改。") % {"owners": owners}
    return render(request, "reports/report_edit.html", {
        "unit": unit, "campaign": campaign, "report": report, "form": form,
        "can_fill": can_edit,
        "can_edit": can_edit and (report is None or not report.is_frozen),
        "can_sign": can_edit and report is not None and not report.is_frozen,
        "title": report.title if report else services.report_title(campaign, unit),
        "stamps": selectors.current_stamps(unit),
        "sources": sources,
    })


@login_required
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft through the renderer of the final file, without signature, seal or code (rendered once per
    version and content, then served from the stored file)."""
    report = _report_or_404(request, pk)
    return FileResponse(services.report_preview_open(report=report), content_type="application/pdf",
                        as_attachment=False, filename="preview.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    if not scope_for(request.user).can(Action.FILL, report.unit):
        raise PermissionDenied
    if report.is_frozen:
        messages.info(request, _("报告已签署。"))
        return redirect("reports:report_edit", campaign_pk=report.campaign_id, unit_pk=report.unit_id)
    form = SignForm(request.POST or None, initial={"version": report.version})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_sign(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已签署，正在生成签章PDF。"))
            return redirect("jobs:job_detail", pk=report.job_id)
    return render(request, "reports/report_sign.html", {
        "report": report, "form": form, "stamps": selectors.current_stamps(report.unit),
    })


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    if not scope_for(request.user).can(Action.FILL, report.unit):
        raise PermissionDenied
    try:
        services.report_retry_signing(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("reports:report_edit", campaign_pk=report.campaign_id, unit_pk=report.unit_id)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_or_404(request, pk)
    if report.status != ReportStatus.SIGNED:
        raise PermissionDenied
    return FileResponse(
        report.pdf.open("rb"), as_attachment=True, filename=f"{report.unit.name}-情况报告.pdf",
        content_type="application/pdf",
    )


@login_required
@require_http_methods(["GET", "POST"])
def stamps(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit_or_404(request, unit_pk)
    can_upload = scope_for(request.user).can(Action.FILL, unit)
    form = StampForm()
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = StampForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.stamp_upload(
                    actor=request.user, unit=unit, kind=form.cleaned_data["kind"], upload=form.cleaned_data["image"]
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("图片已上传。"))
                return redirect("reports:stamps", unit_pk=unit.pk)
    return render(request, "reports/stamps.html", {
        "unit": unit, "form": form, "can_upload": can_upload, "stamps": selectors.current_stamps(unit),
    })


@login_required
def stamp_image(request: HttpRequest, pk: int) -> FileResponse:
    stamp = found_or_404(selectors.stamp_find(scope=scope_for(request.user), pk=pk))
    return FileResponse(stamp.file.open("rb"), content_type=stamp.content_type)


@login_required
def campaign_overview(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """One level of the reporting units at a time (`?unit=`: the level under that unit), with a way down."""
    campaign = _campaign_or_404(request, campaign_pk)
    scope = scope_for(request.user)
    focus = None
    unit_pk = request.GET.get("unit", "")
    if unit_pk:
        if not unit_pk.isdigit():
            raise Http404
        focus = found_or_404(selectors.overview_focus_find(scope=scope, campaign=campaign, pk=int(unit_pk)))
    rows = selectors.campaign_overview(scope=scope, campaign=campaign, focus=focus)
    return render(request, "reports/campaign_overview.html", {
        "campaign": campaign, "rows": rows, "missing": [row for row in rows if not row.signed_in_time],
        "focus": focus, "trail": selectors.overview_trail(scope=scope, campaign=campaign, focus=focus) if focus else [],
        "signed_total": sum(row.signed_below + row.is_signed for row in rows),
        "in_time_total": sum(row.in_time_below + row.signed_in_time for row in rows),
        "can_download": scope.can(Action.MANAGE, campaign.issuer_path),
    })


@login_required
def campaign_zip(request: HttpRequest, campaign_pk: int) -> FileResponse:
    """Every signed report of the campaign in the viewer's subtree, as one ZIP (spooled to disk, not memory)."""
    campaign = _campaign_or_404(request, campaign_pk)
    scope = scope_for(request.user)
    if not scope.can(Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied
    archive = tempfile.TemporaryFile()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for report in selectors.signed_reports_in_scope(scope=scope, campaign=campaign):
            with report.pdf.open("rb") as handle:
                bundle.writestr(f"{report.unit.code}-{report.unit.name}-情况报告.pdf", handle.read())
    archive.seek(0)
    return FileResponse(archive, as_attachment=True, filename=f"{campaign.name}-情况报告.zip")


MULTIPART_OVERHEAD = 16 * 1024  # form fields and part headers around the file


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: is this PDF an unaltered signed report of this app? Or: what does this code stand for?

    The CSRF check has parsed the body by now (files stream to disk, memory stays flat); the reverse proxy's
    body-size limit is the first cap, the declared length and the file's size are checked here.
    """
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.REPORT_VERIFY_MAX_BYTES + MULTIPART_OVERHEAD:
        context = _verify_context(request)
        context["upload_error"] = _("文件过大（不超过%(mb)d MB）。") % {"mb": context["max_mb"]}
        return render(request, "reports/verify.html", context, status=413)
    return _verify_checked(request)


def _verify_context(request: HttpRequest) -> dict:
    code_form = VerifyCodeForm(request.GET or None)
    context: dict = {
        "max_mb": settings.REPORT_VERIFY_MAX_BYTES // (1024 * 1024), "code_form": code_form,
        "upload_form": VerifyUploadForm(),
    }
    if code_form.is_bound and code_form.is_valid():
        code = services.normalize_code(code_form.cleaned_data["code"])
        context["code_report"] = selectors.signed_report_by_code(code)
        context["code_searched"] = code
    return context


def _verify_checked(request: HttpRequest) -> HttpResponse:
    from reports.signing import SigningNotConfigured, check_pdf

    context = _verify_context(request)
    if request.method == "POST":
        upload_form = VerifyUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if upload_form.is_valid():
            document = upload_form.cleaned_data["document"]
            if document.size > settings.REPORT_VERIFY_MAX_BYTES:
                context["upload_error"] = _("文件过大（不超过%(mb)d MB）。") % {"mb": context["max_mb"]}
            else:
                data = document.read()
                sha256 = hashlib.sha256(data).hexdigest()
                try:
                    check = check_pdf(data)
                except SigningNotConfigured:
                    check = None
                report = selectors.signed_report_by_sha256(sha256)
                valid = bool(check and check.valid and report)
                context.update({"checked": True, "valid": valid, "file_report": report if valid else None})
    return render(request, "reports/verify.html", context)
