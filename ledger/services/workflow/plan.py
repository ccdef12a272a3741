"""The plan: problems (查摆问题) and their measures (整改措施), added, changed, withdrawn."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from branches.models import RoleAssignment
from branches.selectors import Action, scope_for
from ledger.models import (
    EventAction,
    ItemStatus,
    Ledger,
    Manifestation,
    Phase,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    TemplateCategory,
    phase_running_on,
)
from ledger.services.events import event_record
from ledger.services.recurrence import recurrence_refresh
from ledger.services.workflow.guards import (
    DEADLINE_GRACE,
    SUPERVISION_SOURCES,
    bump,
    check_branch_may_write,
    check_version,
    fill_ledger,
    locked_item,
    locked_ledger,
    plain,
    plan_fields_apply,
    record_plan_change,
)


def _check_problem_fields(ledger: Ledger, *, category: TemplateCategory, manifestation: Manifestation | None,
                          description: str, source: str, nature: str, handed_down: bool = False) -> None:
    if category.template_id != ledger.campaign.template_id:
        raise ValidationError(_("所选类别不属于本专项行动的对照清单。"))
    if manifestation is not None and manifestation.category_id != category.pk:
        raise ValidationError(_("所选表现不属于所选类别。"))
    if not description.strip():
        raise ValidationError(_("请填写查摆出的问题。"))
    if source not in ProblemSource.values:
        raise ValidationError(_("问题来源无效。"))
    if source == ProblemSource.HANDED_DOWN and not handed_down:
        raise ValidationError(_("“上级交办”的问题只能由上级交办生成，请选择其他来源。"))
    if handed_down and source != ProblemSource.HANDED_DOWN:
        raise ValidationError(_("上级交办的问题不能改为其他来源。"))
    if nature not in ProblemNature.values:
        raise ValidationError(_("问题性质无效。"))


# Problems put into a unit's ledger from above: recorded as they are, never as the unit's own amendment.
FROM_ABOVE = (EventAction.PROBLEM_OPENED_BY_SUPERVISION, EventAction.PROBLEM_HANDED_DOWN)


def problem_insert(*, actor, ledger: Ledger, category, manifestation, description: str, source: str,
                   nature: str, action: str = EventAction.PROBLEM_ADDED,
                   handed_down_from: Problem | None = None) -> Problem:
    """Number, write and record a problem in a ledger the caller has locked and checked the right for
    (problem_add, the self-check and handing down)."""
    # The ledger row is locked by the caller, so numbers never collide; withdrawn problems keep theirs.
    number = (ledger.problems.aggregate(n=Max("number"))["n"] or 0) + 1
    problem = Problem.objects.create(
        ledger=ledger, unit_path=ledger.unit_path, category=category, manifestation=manifestation, number=number,
        description=description.strip(), source=source, nature=nature, handed_down_from=handed_down_from,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    after = {"number": number, "category": category.title, "description": problem.description,
             "source": source, "nature": nature}
    if handed_down_from is not None:
        after["handed_down_from"] = {"ledger": handed_down_from.ledger_id, "number": handed_down_from.number}
    if action in FROM_ABOVE:
        event_record(ledger=ledger, actor=actor, action=action, problem=problem, changes={"after": after})
    else:
        record_plan_change(ledger=ledger, actor=actor, action=action, problem=problem, changes={"after": after})
    recurrence_refresh(problem)
    return problem


@transaction.atomic
def problem_add(*, actor, ledger: Ledger, category: TemplateCategory, description: str,
                source: str = ProblemSource.EXTENDED, nature: str = ProblemNature.INDIVIDUAL,
                manifestation: Manifestation | None = None) -> Problem:
    """Record a problem. The branch adds its own at any time; a supervising unit may open one from a finding."""
    ledger = locked_ledger(ledger)
    scope = scope_for(actor)
    if scope.can(Action.FILL, ledger.unit_path):
        check_branch_may_write(ledger)
        action = EventAction.PROBLEM_ADDED
    elif scope.can(Action.SUPERVISE, ledger.unit_path) and source in SUPERVISION_SOURCES:
        action = EventAction.PROBLEM_OPENED_BY_SUPERVISION
    else:
        raise PermissionDenied(_("只有本单位的账号可以填报本台账。"))
    _check_problem_fields(ledger, category=category, manifestation=manifestation, description=description,
                          source=source, nature=nature)
    return problem_insert(actor=actor, ledger=ledger, category=category, manifestation=manifestation,
                           description=description, source=source, nature=nature, action=action)


def _locked_problem(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


@transaction.atomic
def problem_update(*, actor, problem: Problem, version: int | None, category: TemplateCategory,
                   description: str, source: str, nature: str,
                   manifestation: Manifestation | None = None) -> Problem:
    ledger = fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    check_version(problem, version)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已撤回，不能再修改。"))
    _check_problem_fields(ledger, category=category, manifestation=manifestation, description=description,
                          source=source, nature=nature, handed_down=problem.handed_down_from_id is not None)
    new = {"category": category, "manifestation": manifestation, "description": description.strip(),
           "source": source, "nature": nature}
    plan_fields_apply(ledger=ledger, actor=actor, row=problem, new=new, action=EventAction.PROBLEM_CHANGED,
                      problem=problem)
    recurrence_refresh(problem)
    return problem


def problem_withdraw_locked(*, actor, ledger: Ledger, problem: Problem, reason: str) -> None:
    """Withdraw a problem of a ledger the caller has locked and checked the right for (also the self-check's)."""
    if problem.items.filter(status__in=[ItemStatus.CLOSURE_REQUESTED, ItemStatus.CLOSED]).exists():
        raise ValidationError(_("该问题已有措施申请销号或已销号，不能撤回。"))
    problem.status = ProblemStatus.WITHDRAWN
    bump(problem, ["status"])
    record_plan_change(ledger=ledger, actor=actor, action=EventAction.PROBLEM_WITHDRAWN, problem=problem,
                        comment=reason, changes={"before": {"status": ProblemStatus.ACTIVE},
                                                 "after": {"status": ProblemStatus.WITHDRAWN}})


@transaction.atomic
def problem_withdraw(*, actor, problem: Problem, reason: str, version: int | None = None) -> Problem:
    """Withdraw a problem recorded in error. It keeps its number and stays in the history."""
    ledger = fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    check_version(problem, version)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已经撤回。"))
    if not reason.strip():
        raise ValidationError(_("请说明撤回该问题的原因。"))
    problem_withdraw_locked(actor=actor, ledger=ledger, problem=problem, reason=reason.strip())
    return problem




def deadline_bounds(ledger: Ledger) -> tuple[datetime.date, datetime.date]:
    """Dated measures fall between the start of the campaign year and a year after its results deadline."""
    campaign = ledger.campaign
    last = campaign.results_deadline or campaign.phases.aggregate(d=Max("ends_on"))["d"]
    last = last or datetime.date(campaign.year, 12, 31)
    return datetime.date(campaign.year, 1, 1), last + DEADLINE_GRACE


def _item_fields(ledger: Ledger, *, measure: str, deadline: datetime.date | None, is_ongoing: bool,
                 responsible_user, responsible_name: str, responsible_leader: str, responsible_unit: str) -> dict:
    if not measure.strip():
        raise ValidationError(_("请填写整改措施。"))
    if is_ongoing:
        deadline = None
    elif deadline is None:
        raise ValidationError(_("请填写整改时限，或选择“立行立改、长期坚持”。"))
    else:
        first, last = deadline_bounds(ledger)
        if not first <= deadline <= last:
            raise ValidationError(
                _("整改时限应在%(first)s至%(last)s之间；需要长期坚持的措施请选择“立行立改、长期坚持”。")
                % {"first": first.isoformat(), "last": last.isoformat()}
            )
    if responsible_user is not None:
        if not RoleAssignment.objects.filter(user=responsible_user, unit_id=ledger.unit_id).exists():
            raise ValidationError(_("责任人账号不属于本单位；没有账号的责任人请直接填写姓名。"))
        responsible_name = responsible_user.get_full_name() or responsible_user.first_name or responsible_user.username
    responsible_name = responsible_name.strip()
    if not responsible_name:
        raise ValidationError(_("请选择或填写责任人。"))
    if len(responsible_name) > 50 or len(responsible_leader.strip()) > 50 or len(responsible_unit.strip()) > 200:
        raise ValidationError(_("责任人、责任领导或责任单位的名称过长。"))
    return {"measure": measure.strip(), "deadline": deadline, "is_ongoing": is_ongoing,
            "responsible_user": responsible_user, "responsible_name": responsible_name[:50],
            "responsible_leader": responsible_leader.strip(), "responsible_unit": responsible_unit.strip()}


# Phase choices besides a phase or None: the phase running on the measure's deadline (the form's default), or,
# for a change, the phase it already has (callers that change other fields only, such as the problem import).
# Callers that name no phase when adding (imports, the demo) add measures in no phase: a campaign uses phases
# once its people choose them, and only then do its export and pages show work by phase.
PHASE_BY_DEADLINE = "by_deadline"
PHASE_KEEP = "keep"
PhaseArgument = Phase | None | str


def _item_phase(ledger: Ledger, phase: PhaseArgument, deadline: datetime.date | None,
                current: Phase | None = None) -> Phase | None:
    """The phase a measure of `ledger` gets: one of its own campaign's phases, or none."""
    if phase == PHASE_KEEP:
        return current
    if phase == PHASE_BY_DEADLINE:
        return phase_running_on(ledger.campaign.phases.all(), deadline)
    if phase is not None and phase.campaign_id != ledger.campaign_id:
        raise ValidationError(_("所选阶段不属于本专项行动，请从本专项行动的阶段中选择。"))
    return phase


@transaction.atomic
def item_add(*, actor, problem: Problem, measure: str, deadline: datetime.date | None = None,
             is_ongoing: bool = False, responsible_user=None, responsible_name: str = "",
             responsible_leader: str = "", responsible_unit: str = "",
             phase: PhaseArgument = None) -> RectificationItem:
    """Add a measure to a problem, numbered within it (①②③…), in `phase` of its campaign, or
    PHASE_BY_DEADLINE: the phase running on its deadline."""
    ledger = fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已撤回，不能再添加整改措施。"))
    fields = _item_fields(ledger, measure=measure, deadline=deadline, is_ongoing=is_ongoing,
                          responsible_user=responsible_user, responsible_name=responsible_name,
                          responsible_leader=responsible_leader, responsible_unit=responsible_unit)
    fields["phase"] = _item_phase(ledger, phase, fields["deadline"])
    number = (problem.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = RectificationItem.objects.create(problem=problem, ledger=ledger, unit_path=ledger.unit_path,
                                            number=number, created_by=actor, **fields)
    record_plan_change(ledger=ledger, actor=actor, action=EventAction.ITEM_ADDED, problem=problem, item=item,
                        changes={"after": {"number": number, **{k: plain(v) for k, v in fields.items()}}})
    return item


@transaction.atomic
def item_update(*, actor, item: RectificationItem, version: int | None, measure: str,
                deadline: datetime.date | None = None, is_ongoing: bool = False, responsible_user=None,
                responsible_name: str = "", responsible_leader: str = "",
                responsible_unit: str = "", phase: PhaseArgument = PHASE_KEEP) -> RectificationItem:
    """Change a measure; a change of its phase is recorded in its history like any other field."""
    ledger = fill_ledger(actor, item.ledger_id)
    item = locked_item(item)
    check_version(item, version)
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("该措施已销号，不能再修改。"))
    fields = _item_fields(ledger, measure=measure, deadline=deadline, is_ongoing=is_ongoing,
                          responsible_user=responsible_user, responsible_name=responsible_name,
                          responsible_leader=responsible_leader, responsible_unit=responsible_unit)
    fields["phase"] = _item_phase(ledger, phase, fields["deadline"], current=item.phase)
    plan_fields_apply(ledger=ledger, actor=actor, row=item, new=fields, action=EventAction.ITEM_CHANGED,
                      problem=item.problem, item=item)
    return item
