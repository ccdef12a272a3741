"""Pages of the branch workflow. Thin: load through the scoped selectors, call one service, show the result.

Objects outside the viewer's subtree are 404 (the selectors); an action the viewer may not take is 403
(the services raise PermissionDenied). Bad input is shown in Chinese and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import scope_for
from config.errors import error_text
from config.http import found_or_404
from config.lists import keyset_page_of
from ledger import wording
from ledger.filters import CampaignLedgerFilter
from ledger.forms import EvidenceForm, ItemForm, ProblemForm, TextForm, phase_initial
from ledger.models import ItemStatus, LedgerStatus, ProblemNature, ProblemSource, ProblemStatus
from ledger.selectors import handing_down as hd
from ledger.selectors import workflow as sel
from ledger.selectors.periodic import reports_to_review
from ledger.selectors.tallies import tallied_ledger_total
from ledger.services import recurrence
from ledger.services import workflow as wf
from ledger.services.evidence import evidence_add

LEDGERS_PER_PAGE = 50


HISTORY_PAGE_SIZE = 30  # a page of event cards on a phone stays a few screens tall


def _run(request: HttpRequest, call, success: str) -> bool:
    """Call a service; show its refusal as a message. PermissionDenied is left to become a 403."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


def _require_fill(request: HttpRequest, ledger) -> None:
    if not sel.rights_for(request.user, ledger).fill:
        raise PermissionDenied(_("只有本单位的账号可以填报本台账。"))


# --- the general branch's list and the ledger page ------------------------------------------------------------


@login_required
def my_ledgers(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/my_ledgers.html", {
        **sel.my_ledgers(request.user), "periodic_review": reports_to_review(request.user),
    })


@login_required
def campaign_ledgers(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = found_or_404(sel.campaign_find(request.user, pk))
    filters = CampaignLedgerFilter(request.GET, sel.campaign_ledger_rows(request.user, campaign),
                                   figures_subtree=sel.figures_subtree(request.user, campaign))
    status = filters.values["status"]
    # A county or the province sees thousands of ledgers: one page at a time, and the province's total from
    # the background tallies instead of counting 274k rows at every page turn (scale bench).
    total = tallied_ledger_total(scope=scope_for(request.user), campaign=campaign, status=status)
    # by keyset on (sort key, path, pk), as the review lists: the last page is the reverse order's first rows
    page = keyset_page_of(request, filters.qs, filters.order, per_page=LEDGERS_PER_PAGE, total=total)
    return render(request, "ledger/campaign_ledgers.html", {
        "campaign": campaign, "rows": page.object_list, "page": page, "status": status,
        "figures_counted_on": sel.figures_older_than_today(page.object_list),
        "sort": filters.values["sort"] or "unit",
        "statuses": LedgerStatus.choices,
        "units": wording.target_kind_word(campaign),
        "columns": [("unit", wording.target_kind_word(campaign)), ("status", _("状态")), ("problems", _("问题")), ("items", _("措施")),
                    ("closed", _("已销号")), ("overdue", _("逾期")), ("changed", _("最近变动"))],
    })


@login_required
def ledger_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    rights = sel.rights_for(request.user, ledger)
    nature = request.GET.get("nature", "")
    nature = nature if nature in ProblemNature.values else ""  # an unusable value lists every problem
    page = sel.ledger_page(ledger, nature=nature, phase=request.GET.get("phase", ""))
    closable = page.closable if rights.supervise else []
    return render(request, "ledger/ledger_detail.html", {
        "ledger": ledger, "page": page, "rights": rights, "closable": closable, "text_form": TextForm(),
        "supervisor": wording.ledger_supervisor(ledger), "nature": nature, "natures": ProblemNature.choices,
        "handed_down": hd.handed_down_summary(ledger), "may_hand_down": hd.may_hand_down(request.user, ledger),
    })


@login_required
@require_POST
def ledger_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """submit / return / accept / comment on the whole ledger."""
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    form = TextForm(request.POST)
    form.is_valid()
    text, version = form.cleaned_data.get("text", ""), form.cleaned_data.get("version")
    calls = {
        "submit": (lambda: wf.ledger_submit(actor=request.user, ledger=ledger, version=version), _("台账已提交%(supervisor)s审核。") % {
                       "supervisor": wording.ledger_supervisor(ledger)}),
        "return": (lambda: wf.ledger_return(actor=request.user, ledger=ledger, reason=text, version=version),
                   _("台账已退回，支部可以修改后重新提交。")),
        "accept": (lambda: wf.ledger_accept(actor=request.user, ledger=ledger, comment=text, version=version),
                   _("台账已审核通过。")),
        "comment": (lambda: wf.comment_add(actor=request.user, ledger=ledger, text=text), _("意见已记录。")),
    }
    if action not in calls:
        raise Http404
    call, success = calls[action]
    _run(request, call, success)
    return redirect(ledger)


@login_required
@require_POST
def bulk_close(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    ids = [value for value in request.POST.getlist("items") if value.isdigit()]
    if not sel.rights_for(request.user, ledger).supervise:
        raise PermissionDenied(_("只有上级党组织可以审核台账和销号。"))
    ids = sel.ledger_item_ids(ledger, ids)
    _run(request, lambda: wf.items_close_bulk(actor=request.user, item_ids=ids, comment=request.POST.get("text", "")),
         _("已销号 %(n)s 项措施。") % {"n": len(ids)})
    return redirect(ledger)


@login_required
def ledger_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every event of the ledger, oldest first, a page at a time."""
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    events = keyset_page_of(request, sel.history_oldest_first(ledger), sel.HISTORY_ORDER, per_page=HISTORY_PAGE_SIZE)
    return render(request, "ledger/ledger_history.html", {"ledger": ledger, "events": events})


@login_required
def ledger_changes(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    return render(request, "ledger/ledger_changes.html", {
        "ledger": ledger, "changes": sel.changes_since_acceptance(ledger),
    })


# --- self-check -----------------------------------------------------------------------------------------------


@login_required
def self_check(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    rights = sel.rights_for(request.user, ledger)
    answered, total = sel.self_check_counts(ledger)
    return render(request, "ledger/self_check.html", {
        "ledger": ledger, "rights": rights, "groups": sel.self_check_page(ledger),
        "by_category": sel.self_check_by_category(ledger),
        "answered": answered, "total": total, "supervisor": wording.ledger_supervisor(ledger),
    })


@login_required
@require_POST
def self_check_answer(request: HttpRequest, pk: int, manifestation_pk: int) -> HttpResponse:
    """Save one manifestation's answer. With htmx it answers a small fragment (status, new version, progress)."""
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    _require_fill(request, ledger)  # the right before the input: nobody learns anything from a malformed POST
    manifestation = found_or_404(sel.manifestation_find(manifestation_pk))
    return _save_answer(request, ledger, manifestation=manifestation)


@login_required
@require_POST
def self_check_category_answer(request: HttpRequest, pk: int, category_pk: int) -> HttpResponse:
    """Save one category's answer (a template without manifestations answers each category as one point)."""
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    _require_fill(request, ledger)
    category = found_or_404(sel.category_find(category_pk))
    return _save_answer(request, ledger, category=category)


def _save_answer(request: HttpRequest, ledger, **point) -> HttpResponse:
    found_value = request.POST.get("found", "")
    version = request.POST.get("version", "")
    error, answer, refusal = "", None, None
    if found_value not in ("1", "0"):
        error = _("请选择“存在问题”或“未发现问题”。")
    else:
        try:
            answer = wf.self_check_answer(
                actor=request.user, ledger=ledger, found=found_value == "1", **point,
                description=request.POST.get("description", ""), version=int(version) if version.isdigit() else None,
            )
        except ValidationError as exc:
            error, refusal = error_text(exc), exc
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("ledger:self_check", pk=ledger.pk)
    answered, total = sel.self_check_counts(ledger)
    # A refusal is a 4xx, so the page can tell it from a save (and from a server error, which it retries).
    stale = isinstance(refusal, wf.StaleEdit)
    current = sel.self_check_answer_current(ledger, **point) if stale else None
    row = sel.SelfCheckRow(point.get("manifestation"), answer, point.get("category"))
    return render(request, "ledger/_self_check_saved.html", {
        "row": row, "answer": answer, "error": error, "answered": answered, "total": total,
        "stale": stale, "current": current,
    }, status=409 if stale else 400 if error else 200)


# --- problems and items ---------------------------------------------------------------------------------------


def _stale_context(error: ValidationError, current) -> dict:
    return {"stale": isinstance(error, wf.StaleEdit), "current": current}


def _rebased(post, current) -> dict:
    """The person's input, now carrying the current version: saving again is a deliberate choice."""
    data = post.copy()
    data["version"] = str(current.version)
    return data


@login_required
def problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    ledger = found_or_404(sel.ledger_find(request.user, pk))
    _require_fill(request, ledger)
    initial = {"category": request.GET.get("category"), "source": request.GET.get("source") or ProblemSource.EXTENDED}
    form = ProblemForm(request.POST or None, ledger=ledger, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = wf.problem_add(actor=request.user, ledger=ledger, category=data["category"],
                                     manifestation=data.get("manifestation"), description=data["description"],
                                     source=data["source"], nature=data["nature"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("问题%(n)s已记录，请为它制定整改措施。") % {"n": problem.number})
            return redirect("ledger:item_create", pk=problem.pk)
    return render(request, "ledger/problem_form.html", {"ledger": ledger, "form": form, "problem": None,
                                                        "category": form.chosen_category()})


@login_required
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    problem = found_or_404(sel.problem_find(request.user, pk))
    ledger = problem.ledger
    _require_fill(request, ledger)
    initial = {"category": problem.category_id, "manifestation": problem.manifestation_id,
               "description": problem.description, "source": problem.source, "nature": problem.nature,
               "version": problem.version}
    form = ProblemForm(request.POST or None, ledger=ledger, initial=initial)
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wf.problem_update(actor=request.user, problem=problem, version=data["version"], category=data["category"],
                              manifestation=data.get("manifestation"), description=data["description"],
                              source=data["source"], nature=data["nature"])
        except ValidationError as error:
            problem.refresh_from_db()
            extra = _stale_context(error, problem)
            form = ProblemForm(_rebased(request.POST, problem), ledger=ledger)
            form.is_valid()
            form.add_error(None, error)
        else:
            messages.success(request, _("问题已保存。"))
            return redirect(ledger)
    return render(request, "ledger/problem_form.html", {"ledger": ledger, "form": form, "problem": problem,
                                                        "category": form.chosen_category(), **extra})


@login_required
@require_POST
def problem_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    problem = found_or_404(sel.problem_find(request.user, pk))
    version = request.POST.get("version", "")
    _run(request, lambda: wf.problem_withdraw(actor=request.user, problem=problem, reason=request.POST.get("text", ""),
                                              version=int(version) if version.isdigit() else None),
         _("问题已撤回，仍保留在台账记录中。"))
    return redirect(problem.ledger)


def _recurrence_decide(request: HttpRequest, pk: int, decide, success: str) -> HttpResponse:
    problem = found_or_404(sel.problem_find(request.user, pk))
    _run(request, lambda: decide(actor=request.user, problem=problem, reason=request.POST.get("text", "")), success)
    return redirect(f"{problem.ledger.get_absolute_url()}#problem-{problem.pk}")


@login_required
@require_POST
def recurrence_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervising unit confirms a flagged problem came back (问题反弹)."""
    return _recurrence_decide(request, pk, recurrence.recurrence_confirm, _("已确认为问题反弹。"))


@login_required
@require_POST
def recurrence_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _recurrence_decide(request, pk, recurrence.recurrence_dismiss, _("已认定不属于问题反弹。"))


def _item_values(data: dict) -> dict:
    values = {name: data[name] for name in ("measure", "deadline", "is_ongoing", "responsible_user",
                                            "responsible_name", "responsible_leader", "responsible_unit")}
    if "phase" in data:  # asked only when the campaign has phases
        values["phase"] = data["phase"]
    return values


def _suggestions(request: HttpRequest, problem) -> tuple[list[str], dict]:
    """The category's suggested measures, and the form's prefill when one was adopted without JS (?suggestion=n)."""
    suggestions = sel.suggested_measures(problem)
    chosen = request.GET.get("suggestion", "")
    if chosen.isdigit() and 1 <= int(chosen) <= len(suggestions):
        return suggestions, {"measure": suggestions[int(chosen) - 1]}
    return suggestions, {}


@login_required
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    problem = found_or_404(sel.problem_find(request.user, pk))
    ledger = problem.ledger
    _require_fill(request, ledger)
    suggestions, adopted = _suggestions(request, problem)
    form = ItemForm(request.POST or None, ledger=ledger, initial=adopted)
    if request.method == "POST" and form.is_valid():
        try:
            wf.item_add(actor=request.user, problem=problem, **_item_values(form.cleaned_data))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("整改措施已添加。"))
            return redirect("ledger:item_create", pk=problem.pk) if "another" in request.POST else redirect(ledger)
    return render(request, "ledger/item_form.html", {"ledger": ledger, "problem": problem, "form": form,
                                                     "item": None, "bounds": wf.deadline_bounds(ledger),
                                                     "suggestions": suggestions})


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = found_or_404(sel.item_find(request.user, pk))
    ledger = item.ledger
    _require_fill(request, ledger)
    initial = {name: getattr(item, name) for name in ("measure", "deadline", "is_ongoing", "responsible_name",
                                                      "responsible_leader", "responsible_unit", "version")}
    initial["responsible_user"] = item.responsible_user_id
    initial["phase"] = phase_initial(item.phase_id)
    suggestions, adopted = _suggestions(request, item.problem)
    initial.update(adopted)
    form = ItemForm(request.POST or None, ledger=ledger, initial=initial)
    extra = {}
    if request.method == "POST" and form.is_valid():
        try:
            wf.item_update(actor=request.user, item=item, version=form.cleaned_data["version"],
                           **_item_values(form.cleaned_data))
        except ValidationError as error:
            item.refresh_from_db()
            extra = _stale_context(error, item)
            form = ItemForm(_rebased(request.POST, item), ledger=ledger)
            form.is_valid()
            form.add_error(None, error)
        else:
            messages.success(request, _("整改措施已保存。"))
            return redirect(item)
    return render(request, "ledger/item_form.html", {"ledger": ledger, "problem": item.problem, "form": form,
                                                     "item": item, "bounds": wf.deadline_bounds(ledger),
                                                     "suggestions": suggestions, **extra})


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = found_or_404(sel.item_find(request.user, pk))
    return render(request, "ledger/item_detail.html", {
        "item": item, "ledger": item.ledger, "page": sel.item_page(item), "rights": sel.rights_for(request.user, item.ledger),
        "text_form": TextForm(), "evidence_form": EvidenceForm(), "statuses": ItemStatus,
        "problem_withdrawn": item.problem.status == ProblemStatus.WITHDRAWN, "item_open": item.status != ItemStatus.CLOSED,
        "supervisor": wording.ledger_supervisor(item.ledger),
    })


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """start / progress / evidence / request-closure / close / send-back / comment on one measure."""
    item = found_or_404(sel.item_find(request.user, pk))
    user, text = request.user, request.POST.get("text", "")
    version = request.POST.get("version", "")
    version = int(version) if version.isdigit() else None
    if action == "evidence":
        _require_fill(request, item.ledger)
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("请选择要上传的文件。"))
            return redirect(item)
        upload = form.cleaned_data["file"]
        _run(request, lambda: evidence_add(actor=user, item=item, upload=upload), _("佐证材料已上传。"))
        return redirect(item)
    calls = {
        "start": (lambda: wf.item_start(actor=user, item=item, version=version), _("已开始整改。")),
        "progress": (lambda: wf.progress_note_add(actor=user, item=item, text=text), _("进展已记录。")),
        "request-closure": (lambda: wf.item_request_closure(actor=user, item=item, comment=text, version=version),
                            _("已申请销号，等待%(supervisor)s审核。") % {
                                "supervisor": wording.ledger_supervisor(item.ledger)}),
        "close": (lambda: wf.item_close(actor=user, item=item, comment=text, version=version), _("已销号。")),
        "send-back": (lambda: wf.item_send_back(actor=user, item=item, reason=text, version=version),
                      _("已退回整改。")),
        "comment": (lambda: wf.comment_add(actor=user, ledger=item.ledger, item=item, text=text), _("意见已记录。")),
    }
    if action not in calls:
        raise Http404
    call, success = calls[action]
    _run(request, call, success)
    return redirect(item)


# --- evidence files -------------------------------------------------------------------------------------------


def _file_response(file, *, filename: str, content_type: str, attachment: bool) -> FileResponse:
    response = FileResponse(file.open("rb"), as_attachment=attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = found_or_404(sel.evidence_find(request.user, pk))
    return _file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                          attachment=True)


@login_required
def evidence_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = found_or_404(sel.evidence_find(request.user, pk))
    if not evidence.thumbnail:
        raise Http404
    return _file_response(evidence.thumbnail, filename=f"{evidence.pk}.jpg", content_type="image/jpeg",
                          attachment=False)
