"""Excel imports: upload → preview (every error by row and column, what would change) → confirm.

`import_flow` is shared by the organization tree import here and the problem-list import of a ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from branches import imports
from branches.jobs import BACKGROUND_ROWS, TREE_IMPORT
from branches.selectors import Action, scope_for
from branches.spreadsheets import xlsx_response
from branches.spreadsheets.reader import (
    MAX_IMPORT_BYTES,
    ImportPlan,
    SheetRow,
    pending_discard,
    pending_entry,
    pending_forget,
    pending_load,
    pending_store,
    read_sheet,
)
from jobs.services import job_create

PREVIEW_LIMIT = 200


@dataclass
class ImportKind:
    """What differs between imports: names, the header, how to plan, apply and describe rows."""

    key: str
    title: str
    headers: list[str]
    template_url: str
    back_url: str
    plan: Callable[[list[SheetRow]], ImportPlan]
    apply: Callable[[list[SheetRow]], tuple]
    columns: list[str]
    describe: Callable[[object], list[str]]
    context: dict
    # Large files are confirmed in the background: queue(token, sha256) -> Job
    queue: Callable[[str, str], object] | None = None


def import_flow(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    token = request.POST.get("token") or request.GET.get("token") or ""
    page = {"kind": kind, "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    if request.method == "POST" and "file" in request.FILES:
        return _upload(request, kind, page)
    if not token:
        return render(request, "imports/upload.html", page)
    try:
        rows = pending_load(request, kind=kind.key, token=token, context=kind.context)
    except ValidationError as exc:
        return render(request, "imports/upload.html", {**page, "error": exc.messages[0]}, status=400)
    if request.method == "POST" and "cancel" in request.POST:
        pending_discard(request, token=token)
        return redirect(request.path)
    if request.method == "POST" and "confirm" in request.POST:
        if kind.queue is not None and len(rows) > BACKGROUND_ROWS:
            job = kind.queue(token, pending_entry(request, token)["sha256"])
            pending_forget(request, token=token)
            return redirect("jobs:job_detail", pk=job.pk)
        try:
            plan, extra = kind.apply(rows)
        except ValidationError as exc:
            return _preview(request, kind, page, token, rows, error=exc.messages[0], status=400)
        pending_discard(request, token=token)
        response = render(request, "imports/result.html", {**page, "plan": plan, "extra": extra,
                                                             "rows": _described(kind, plan)})
        response["Cache-Control"] = "no-store"  # may show initial passwords, once
        return response
    return _preview(request, kind, page, token, rows)


def _upload(request: HttpRequest, kind: ImportKind, page: dict) -> HttpResponse:
    upload = request.FILES["file"]
    if upload.size > MAX_IMPORT_BYTES:
        return render(request, "imports/upload.html", {**page, "error": _("文件过大（上限 %(mb)s MB）。") % {
            "mb": page["max_mb"]}}, status=400)
    try:
        rows = read_sheet(upload.read(), kind.headers)  # file-level problems are shown at once, nothing is kept
    except ValidationError as exc:
        return render(request, "imports/upload.html", {**page, "error": exc.messages[0]}, status=400)
    token = pending_store(request, kind=kind.key, rows=rows, context=kind.context)
    return redirect(f"{request.path}?token={token}")


def _described(kind: ImportKind, plan: ImportPlan) -> dict:
    return {
        "creates": [kind.describe(row) for row in plan.creates[:PREVIEW_LIMIT]],
        "updates": [kind.describe(row) for row in plan.updates[:PREVIEW_LIMIT]],
    }


def _preview(request, kind: ImportKind, page: dict, token: str, rows: list[SheetRow], *, error: str = "",
             status: int = 200) -> HttpResponse:
    plan = kind.plan(rows)
    return render(request, "imports/preview.html", {
        **page, "plan": plan, "token": token, "error": error, "rows": _described(kind, plan),
        "errors": sorted(plan.errors, key=lambda e: e.row)[:1000], "preview_limit": PREVIEW_LIMIT,
        "background": kind.queue is not None
        and len(plan.creates) + len(plan.updates) + plan.unchanged > BACKGROUND_ROWS,
    }, status=status)


def _describe_unit(row: imports.UnitRow) -> list[str]:
    changes = ""
    if row.existing is not None and row.changes:
        changes = "、".join(str(imports.OrgUnit._meta.get_field(name).verbose_name) for name in row.changes)
    if row.new_account:
        changes = "、".join(part for part in (changes, _("新建账号 %(login)s") % {"login": row.login}) if part)
    return [row.code, row.name, str(imports.UnitKind(row.kind).label), row.parent_code, changes]


def tree_import_kind(request: HttpRequest) -> ImportKind:
    actor = request.user
    return ImportKind(
        key="tree", title=str(gettext_lazy("导入组织架构与账号")), headers=imports.HEADERS,
        template_url=reverse("branches:tree_import_template"), back_url=reverse("branches:tree"),
        plan=lambda rows: imports.tree_import_plan(actor=actor, content=rows),
        apply=lambda rows: imports.tree_import_apply(actor=actor, content=rows),
        columns=[_("组织代码"), _("名称"), _("类型"), _("上级组织代码"), _("变更")],
        describe=_describe_unit, context={},
        queue=lambda token, sha256: job_create(owner=actor, kind=TREE_IMPORT, title=_("导入组织架构与账号"),
                                               params={"token": token, "sha256": sha256}),
    )


def _require_manager(request: HttpRequest) -> None:
    scope = scope_for(request.user)
    if not request.user.is_superuser and not any(scope.can(Action.MANAGE, path) for path in scope.units):
        raise PermissionDenied


@login_required
def tree_import(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return import_flow(request, tree_import_kind(request))


@login_required
@require_GET
def tree_import_template(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return xlsx_response(imports.tree_template(), "组织架构导入模板.xlsx")
