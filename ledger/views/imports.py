"""Problem-list imports (Excel) into one ledger: its branch (FILL) or its supervisors (SUPERVISE)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branches.selectors import Action, scope_for
from branches.spreadsheets import xlsx_response
from branches.views_imports import ImportKind, import_flow
from config.http import found_or_404
from ledger import imports
from ledger.models import Ledger
from ledger.selectors.workflow import ledger_find


def _importable_ledger(request: HttpRequest, pk: int) -> Ledger:
    """Outside the user's subtree → 404; inside but neither filling nor supervising it → 403."""
    scope = scope_for(request.user)
    ledger = found_or_404(ledger_find(request.user, pk))
    if not (scope.can(Action.FILL, ledger.unit_path) or scope.can(Action.SUPERVISE, ledger.unit_path)):
        raise PermissionDenied
    return ledger


def _describe(row: imports.ProblemRow) -> list[str]:
    measures = row.new_measures() or row.changed_measures()
    return [f"{row.category.order}. {row.category.title}", row.description,
            _("已有") if row.existing else _("新建"), "；".join(m.measure for m in measures)]


@login_required
def problem_import(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = _importable_ledger(request, pk)
    actor = request.user
    kind = ImportKind(
        key="problems", title=_("导入问题清单：%(unit)s") % {"unit": ledger.unit.name}, headers=imports.HEADERS,
        template_url=reverse("ledger:problem_import_template", args=[ledger.pk]),
        back_url=reverse("ledger:campaign_export", args=[ledger.campaign_id]),
        plan=lambda rows: imports.problem_import_plan(actor=actor, ledger=ledger, content=rows),
        apply=lambda rows: imports.problem_import_apply(actor=actor, ledger=ledger, content=rows),
        columns=[_("查摆内容"), _("查摆问题"), _("问题"), _("整改措施")], describe=_describe,
        context={"ledger": ledger.pk},
    )
    return import_flow(request, kind)


@login_required
@require_GET
def problem_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = _importable_ledger(request, pk)
    return xlsx_response(imports.problem_template(ledger), "问题清单导入模板.xlsx")
