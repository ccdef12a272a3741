"""The branch workflow: self-check, problems, measures, closing items (销号) and the ledger's review.

Every transition is one function: it checks the actor's right through the scoping selector, locks the row,
checks the state (and the version the person saw, so a stale form never overwrites a newer save), writes,
and records a history row with `event_record` — all in one transaction.

Rights: the branch's own work needs Action.FILL on the ledger's unit (its own accounts, never the inspector);
review and closing need Action.SUPERVISE (general branch and organization department above it), so a branch
secretary can never close its own items. While a ledger is submitted it is locked for the branch.
After acceptance the branch may still amend its plan; each amendment is recorded as LEDGER_AMENDED with
before/after values, which is what the general branch's "changed since accepted" view lists.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import RoleAssignment
from branches.selectors import Action, scope_for
from ledger.models import (
    CampaignStatus,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    SelfCheckAnswer,
    TemplateCategory,
)
from ledger.services.events import event_record

# Sources a supervising unit may open a problem from (督查发现、上级反馈、巡视巡察反馈).
SUPERVISION_SOURCES = (ProblemSource.SUPERVISION, ProblemSource.HIGHER_LEVEL, ProblemSource.INSPECTION)
# How far past the results deadline a dated measure may run; longer work is "立行立改、长期坚持".
DEADLINE_GRACE = datetime.timedelta(days=365)


class StaleEdit(ValidationError):
    """Someone saved the row after this person loaded it: their save is refused, never merged silently."""


# --- guards -------------------------------------------------------------------------------------------------


def _check_version(row, version: int | None) -> None:
    if version is not None and int(version) != row.version:
        raise StaleEdit(
            _("这条记录在您打开之后已被他人修改（当前第%(now)s版，您看到的是第%(seen)s版）。您填写的内容没有保存，"
              "请核对最新内容后重新提交。") % {"now": row.version, "seen": version}
        )


def _require(actor, action: Action, path: str, message: str) -> None:
    if not scope_for(actor).can(action, path):
        raise PermissionDenied(message)


def _require_fill(actor, ledger: Ledger) -> None:
    _require(actor, Action.FILL, ledger.unit_path, _("只有本单位的账号可以填报本台账。"))


def _require_supervise(actor, ledger: Ledger) -> None:
    _require(actor, Action.SUPERVISE, ledger.unit_path, _("只有上级党组织（党总支、组织部）可以审核台账和销号。"))


def _locked_ledger(ledger: Ledger | int) -> Ledger:
    pk = ledger if isinstance(ledger, int) else ledger.pk
    return Ledger.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=pk)


def _check_branch_may_write(ledger: Ledger) -> None:
    """The branch's own writes: never while submitted for review, never after the campaign ended."""
    if ledger.campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该专项行动已结束，台账不能再修改。"))
    if ledger.status == LedgerStatus.SUBMITTED:
        raise ValidationError(_("台账已提交党总支审核，审核完成前不能修改。"))


def _fill_ledger(actor, ledger: Ledger | int) -> Ledger:
    """Lock the ledger for a branch write and check the actor's right and the ledger's state."""
    ledger = _locked_ledger(ledger)
    _require_fill(actor, ledger)
    _check_branch_may_write(ledger)
    return ledger


def _bump(row, fields: Iterable[str]) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version", "updated_at"] if hasattr(row, "updated_at") else [*fields, "version"])


def _plain(value) -> str | int | bool | None:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _diff(row, new_values: dict) -> dict:
    """{"before": …, "after": …} of the fields whose value changes (plain JSON values)."""
    before, after = {}, {}
    for name, value in new_values.items():
        old = getattr(row, name)
        if old != value:
            before[name], after[name] = _plain(old), _plain(value)
    return {"before": before, "after": after} if after else {}


def _record_plan_change(*, ledger: Ledger, actor, action: str, problem=None, item=None, changes=None,
                        comment: str = "") -> LedgerEvent:
    """A change to the plan; once the ledger is accepted it is an amendment the general branch must see."""
    if ledger.status == LedgerStatus.ACCEPTED:
        changes = {"change": action, **(changes or {})}
        action = EventAction.LEDGER_AMENDED
    return event_record(ledger=ledger, actor=actor, action=action, problem=problem, item=item,
                        changes=changes, comment=comment)


# --- self-check ---------------------------------------------------------------------------------------------


@transaction.atomic
def self_check_answer(*, actor, ledger: Ledger, manifestation: Manifestation, found: bool, description: str = "",
                      version: int | None = None) -> SelfCheckAnswer:
    """Answer one manifestation. "Found" with a description keeps a self-check Problem in step with it."""
    ledger = _fill_ledger(actor, ledger)
    if manifestation.category.template_id != ledger.campaign.template_id:
        raise ValidationError(_("该表现不属于本专项行动的对照清单。"))
    description = description.strip()
    answer = SelfCheckAnswer.objects.select_for_update().filter(ledger=ledger, manifestation=manifestation).first()
    if answer is None:
        if version not in (None, 0):
            raise StaleEdit(_("这条对照检查已被他人重新填写，请刷新页面后再改。"))
        answer = SelfCheckAnswer(ledger=ledger, manifestation=manifestation, unit_path=ledger.unit_path,
                                 found=found, version=0)
    else:
        _check_version(answer, version)
    before = {"found": answer.found if answer.pk else None, "description": answer.description}
    answer.found, answer.description, answer.answered_by = found, description, actor
    answer.problem = _sync_answer_problem(actor=actor, ledger=ledger, answer=answer)
    answer.version += 1
    answer.save()
    if before != {"found": found, "description": description}:
        label = f"{manifestation.category.order}({manifestation.order}) "
        label += _("存在问题：%(text)s") % {"text": description} if found else _("未发现问题")
        event_record(ledger=ledger, actor=actor, action=EventAction.SELF_CHECK_ANSWERED, problem=answer.problem,
                     comment=label, changes={"manifestation": manifestation.pk, "before": before,
                              "after": {"found": found, "description": description}})
    return answer


def _sync_answer_problem(*, actor, ledger: Ledger, answer: SelfCheckAnswer) -> Problem | None:
    problem = Problem.objects.select_for_update().get(pk=answer.problem_id) if answer.problem_id else None
    if answer.found and answer.description:
        if problem is None:
            return _problem_create(actor=actor, ledger=ledger, category=answer.manifestation.category,
                                   manifestation=answer.manifestation, description=answer.description,
                                   source=ProblemSource.SELF_CHECK, nature=ProblemNature.INDIVIDUAL)
        new = {"description": answer.description, "status": ProblemStatus.ACTIVE}
        changes = _diff(problem, new)
        if changes:
            for name, value in new.items():
                setattr(problem, name, value)
            _bump(problem, new)
            _record_plan_change(ledger=ledger, actor=actor, action=EventAction.PROBLEM_CHANGED, problem=problem,
                                changes=changes)
        return problem
    if problem is not None and problem.status == ProblemStatus.ACTIVE and not answer.found:
        _problem_withdraw_locked(actor=actor, ledger=ledger, problem=problem,
                                 reason=_("对照检查改为“未发现问题”"))
    return problem


def self_check_progress(ledger: Ledger) -> tuple[int, int]:
    """(answered, total) manifestations of the ledger's checklist."""
    total = Manifestation.objects.filter(category__template_id=ledger.campaign.template_id).count()
    answers = SelfCheckAnswer.objects.filter(ledger=ledger).only("found", "description")
    return sum(1 for answer in answers if answer.is_complete), total


# --- problems -----------------------------------------------------------------------------------------------


def _check_problem_fields(ledger: Ledger, *, category: TemplateCategory, manifestation: Manifestation | None,
                          description: str, source: str, nature: str) -> None:
    if category.template_id != ledger.campaign.template_id:
        raise ValidationError(_("所选类别不属于本专项行动的对照清单。"))
    if manifestation is not None and manifestation.category_id != category.pk:
        raise ValidationError(_("所选表现不属于所选类别。"))
    if not description.strip():
        raise ValidationError(_("请填写查摆出的问题。"))
    if source not in ProblemSource.values:
        raise ValidationError(_("问题来源无效。"))
    if nature not in ProblemNature.values:
        raise ValidationError(_("问题性质无效。"))


def _problem_create(*, actor, ledger: Ledger, category, manifestation, description: str, source: str,
                    nature: str, action: str = EventAction.PROBLEM_ADDED) -> Problem:
    # The ledger row is locked by the caller, so numbers never collide; withdrawn problems keep theirs.
    number = (ledger.problems.aggregate(n=Max("number"))["n"] or 0) + 1
    problem = Problem.objects.create(
        ledger=ledger, unit_path=ledger.unit_path, category=category, manifestation=manifestation, number=number,
        description=description.strip(), source=source, nature=nature, created_by=actor,
    )
    after = {"number": number, "category": category.title, "description": problem.description,
             "source": source, "nature": nature}
    if action == EventAction.PROBLEM_OPENED_BY_SUPERVISION:
        event_record(ledger=ledger, actor=actor, action=action, problem=problem, changes={"after": after})
    else:
        _record_plan_change(ledger=ledger, actor=actor, action=action, problem=problem, changes={"after": after})
    return problem


@transaction.atomic
def problem_add(*, actor, ledger: Ledger, category: TemplateCategory, description: str,
                source: str = ProblemSource.EXTENDED, nature: str = ProblemNature.INDIVIDUAL,
                manifestation: Manifestation | None = None) -> Problem:
    """Record a problem. The branch adds its own at any time; a supervising unit may open one from a finding."""
    ledger = _locked_ledger(ledger)
    scope = scope_for(actor)
    if scope.can(Action.FILL, ledger.unit_path):
        _check_branch_may_write(ledger)
        action = EventAction.PROBLEM_ADDED
    elif scope.can(Action.SUPERVISE, ledger.unit_path) and source in SUPERVISION_SOURCES:
        action = EventAction.PROBLEM_OPENED_BY_SUPERVISION
    else:
        raise PermissionDenied(_("只有本单位的账号可以填报本台账。"))
    _check_problem_fields(ledger, category=category, manifestation=manifestation, description=description,
                          source=source, nature=nature)
    return _problem_create(actor=actor, ledger=ledger, category=category, manifestation=manifestation,
                           description=description, source=source, nature=nature, action=action)


def _locked_problem(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


@transaction.atomic
def problem_update(*, actor, problem: Problem, version: int | None, category: TemplateCategory,
                   description: str, source: str, nature: str,
                   manifestation: Manifestation | None = None) -> Problem:
    ledger = _fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    _check_version(problem, version)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已撤回，不能再修改。"))
    _check_problem_fields(ledger, category=category, manifestation=manifestation, description=description,
                          source=source, nature=nature)
    new = {"category": category, "manifestation": manifestation, "description": description.strip(),
           "source": source, "nature": nature}
    changes = _diff(problem, new)
    if not changes:
        return problem
    for name, value in new.items():
        setattr(problem, name, value)
    _bump(problem, new)
    _record_plan_change(ledger=ledger, actor=actor, action=EventAction.PROBLEM_CHANGED, problem=problem,
                        changes=changes)
    return problem


def _problem_withdraw_locked(*, actor, ledger: Ledger, problem: Problem, reason: str) -> None:
    if problem.items.filter(status__in=[ItemStatus.CLOSURE_REQUESTED, ItemStatus.CLOSED]).exists():
        raise ValidationError(_("该问题已有措施申请销号或已销号，不能撤回。"))
    problem.status = ProblemStatus.WITHDRAWN
    _bump(problem, ["status"])
    _record_plan_change(ledger=ledger, actor=actor, action=EventAction.PROBLEM_WITHDRAWN, problem=problem,
                        comment=reason, changes={"before": {"status": "active"}, "after": {"status": "withdrawn"}})


@transaction.atomic
def problem_withdraw(*, actor, problem: Problem, reason: str, version: int | None = None) -> Problem:
    """Withdraw a problem recorded in error. It keeps its number and stays in the history."""
    ledger = _fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    _check_version(problem, version)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已经撤回。"))
    if not reason.strip():
        raise ValidationError(_("请说明撤回该问题的原因。"))
    _problem_withdraw_locked(actor=actor, ledger=ledger, problem=problem, reason=reason.strip())
    return problem


# --- rectification items ------------------------------------------------------------------------------------


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


@transaction.atomic
def item_add(*, actor, problem: Problem, measure: str, deadline: datetime.date | None = None,
             is_ongoing: bool = False, responsible_user=None, responsible_name: str = "",
             responsible_leader: str = "", responsible_unit: str = "") -> RectificationItem:
    """Add a measure to a problem, numbered within it (①②③…)."""
    ledger = _fill_ledger(actor, problem.ledger_id)
    problem = _locked_problem(problem)
    if problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该问题已撤回，不能再添加整改措施。"))
    fields = _item_fields(ledger, measure=measure, deadline=deadline, is_ongoing=is_ongoing,
                          responsible_user=responsible_user, responsible_name=responsible_name,
                          responsible_leader=responsible_leader, responsible_unit=responsible_unit)
    number = (problem.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = RectificationItem.objects.create(problem=problem, ledger=ledger, unit_path=ledger.unit_path,
                                            number=number, created_by=actor, **fields)
    _record_plan_change(ledger=ledger, actor=actor, action=EventAction.ITEM_ADDED, problem=problem, item=item,
                        changes={"after": {"number": number, **{k: _plain(v) for k, v in fields.items()}}})
    return item


def _locked_item(item: RectificationItem | int) -> RectificationItem:
    pk = item if isinstance(item, int) else item.pk
    return RectificationItem.objects.select_for_update(of=("self",)).select_related("problem").get(pk=pk)


@transaction.atomic
def item_update(*, actor, item: RectificationItem, version: int | None, measure: str,
                deadline: datetime.date | None = None, is_ongoing: bool = False, responsible_user=None,
                responsible_name: str = "", responsible_leader: str = "",
                responsible_unit: str = "") -> RectificationItem:
    ledger = _fill_ledger(actor, item.ledger_id)
    item = _locked_item(item)
    _check_version(item, version)
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("该措施已销号，不能再修改。"))
    fields = _item_fields(ledger, measure=measure, deadline=deadline, is_ongoing=is_ongoing,
                          responsible_user=responsible_user, responsible_name=responsible_name,
                          responsible_leader=responsible_leader, responsible_unit=responsible_unit)
    changes = _diff(item, fields)
    if not changes:
        return item
    for name, value in fields.items():
        setattr(item, name, value)
    _bump(item, fields)
    _record_plan_change(ledger=ledger, actor=actor, action=EventAction.ITEM_CHANGED, problem=item.problem,
                        item=item, changes=changes)
    return item


def _item_transition(*, actor, item, ledger, to_status: str, action: str, comment: str = "",
                     **extra) -> RectificationItem:
    from_status = item.status
    item.status = to_status
    for name, value in extra.items():
        setattr(item, name, value)
    _bump(item, ["status", *extra])
    event_record(ledger=ledger, actor=actor, action=action, problem=item.problem, item=item,
                 from_status=from_status, to_status=to_status, comment=comment)
    return item


def _branch_item(actor, item: RectificationItem, version: int | None) -> tuple[Ledger, RectificationItem]:
    ledger = _fill_ledger(actor, item.ledger_id)
    item = _locked_item(item)
    _check_version(item, version)
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("该措施已销号，不能再修改。"))
    if item.problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该措施所属的问题已撤回。"))
    return ledger, item


@transaction.atomic
def item_start(*, actor, item: RectificationItem, version: int | None = None) -> RectificationItem:
    ledger, item = _branch_item(actor, item, version)
    if item.status != ItemStatus.PLANNED:
        raise ValidationError(_("只有“未开始”的措施可以开始整改。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.IN_PROGRESS,
                            action=EventAction.ITEM_STARTED)


@transaction.atomic
def progress_note_add(*, actor, item: RectificationItem, text: str) -> ProgressNote:
    """Report progress. Reporting on a measure not yet started starts it (边查边改)."""
    ledger, item = _branch_item(actor, item, None)
    if not text.strip():
        raise ValidationError(_("请填写进展情况。"))
    note = ProgressNote.objects.create(item=item, text=text.strip(), author=actor)
    if item.status == ItemStatus.PLANNED:
        _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.IN_PROGRESS,
                         action=EventAction.ITEM_STARTED)
    event_record(ledger=ledger, actor=actor, action=EventAction.PROGRESS_NOTED, problem=item.problem, item=item,
                 comment=note.text)
    return note


@transaction.atomic
def item_request_closure(*, actor, item: RectificationItem, comment: str = "",
                         version: int | None = None) -> RectificationItem:
    """申请销号: the measure is done; evidence or a progress note must show it."""
    ledger, item = _branch_item(actor, item, version)
    if item.status not in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS):
        raise ValidationError(_("该措施已申请销号，请等待党总支审核。"))
    if not item.evidence.exists() and not item.progress_notes.exists():
        raise ValidationError(_("申请销号前请上传佐证材料或填写整改进展。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.CLOSURE_REQUESTED,
                            action=EventAction.CLOSURE_REQUESTED, comment=comment.strip())


def _supervised_item(actor, item: RectificationItem | int, version: int | None) -> tuple[Ledger, RectificationItem]:
    item = _locked_item(item)
    ledger = Ledger.objects.get(pk=item.ledger_id)
    _require_supervise(actor, ledger)
    _check_version(item, version)
    return ledger, item


@transaction.atomic
def item_close(*, actor, item: RectificationItem, comment: str = "", version: int | None = None) -> RectificationItem:
    """销号: the general branch verifies the evidence and closes the measure; it is read-only afterwards."""
    ledger, item = _supervised_item(actor, item, version)
    if item.status != ItemStatus.CLOSURE_REQUESTED:
        raise ValidationError(_("只有已申请销号的措施可以销号。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.CLOSED,
                            action=EventAction.ITEM_CLOSED, comment=comment.strip(),
                            closed_at=timezone.now(), closed_by=actor)


@transaction.atomic
def item_send_back(*, actor, item: RectificationItem, reason: str, version: int | None = None) -> RectificationItem:
    """Refuse a closure request: back to in progress, with the reason the branch must act on."""
    ledger, item = _supervised_item(actor, item, version)
    if item.status != ItemStatus.CLOSURE_REQUESTED:
        raise ValidationError(_("只有已申请销号的措施可以退回整改。"))
    if not reason.strip():
        raise ValidationError(_("退回整改必须填写原因。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.IN_PROGRESS,
                            action=EventAction.ITEM_SENT_BACK, comment=reason.strip())


@transaction.atomic
def items_close_bulk(*, actor, item_ids: Iterable[int], comment: str = "") -> int:
    """Close several verified measures at once: all of them or none (a refused one is named)."""
    ids = sorted({int(pk) for pk in item_ids})
    if not ids:
        raise ValidationError(_("请先选择要销号的措施。"))
    for pk in ids:  # locks in key order, so two bulk closes cannot deadlock
        try:
            item_close(actor=actor, item=pk, comment=comment)
        except RectificationItem.DoesNotExist:
            raise ValidationError(_("所选措施不存在。")) from None
        except ValidationError as error:
            item = RectificationItem.objects.select_related("problem").get(pk=pk)
            raise ValidationError(
                _("措施%(problem)s-%(number)s：%(message)s")
                % {"problem": item.problem.number, "number": item.number, "message": " ".join(error.messages)}
            ) from None
    return len(ids)


# --- the ledger as a whole ----------------------------------------------------------------------------------


def _submission_gaps(ledger: Ledger) -> list[str]:
    answered, total = self_check_progress(ledger)
    gaps = []
    if answered < total:
        gaps.append(_("还有%(n)s条表现未完成对照检查。") % {"n": total - answered})
    bare = ledger.problems.filter(status=ProblemStatus.ACTIVE, items__isnull=True).order_by("number")
    for problem in bare[:5]:
        gaps.append(_("问题%(n)s还没有整改措施。") % {"n": problem.number})
    return gaps


def _ledger_transition(*, actor, ledger: Ledger, to_status: str, action: str, comment: str = "",
                       **extra) -> Ledger:
    from_status = ledger.status
    ledger.status = to_status
    for name, value in extra.items():
        setattr(ledger, name, value)
    _bump(ledger, ["status", *extra])
    event_record(ledger=ledger, actor=actor, action=action, from_status=from_status, to_status=to_status,
                 comment=comment)
    return ledger


@transaction.atomic
def ledger_submit(*, actor, ledger: Ledger, version: int | None = None) -> Ledger:
    """Submit to the general branch: the self-check is complete and every problem has a measure."""
    ledger = _locked_ledger(ledger)
    _require_fill(actor, ledger)
    _check_version(ledger, version)
    if ledger.status not in (LedgerStatus.DRAFT, LedgerStatus.RETURNED):
        raise ValidationError(_("只有填报中或已退回的台账可以提交。"))
    if ledger.campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该专项行动已结束，台账不能再提交。"))
    gaps = _submission_gaps(ledger)
    if gaps:
        raise ValidationError(gaps)
    return _ledger_transition(actor=actor, ledger=ledger, to_status=LedgerStatus.SUBMITTED,
                              action=EventAction.LEDGER_SUBMITTED, submitted_at=timezone.now())


@transaction.atomic
def ledger_return(*, actor, ledger: Ledger, reason: str, version: int | None = None) -> Ledger:
    """Return a submitted ledger with the reason; the branch can edit it again."""
    ledger = _locked_ledger(ledger)
    _require_supervise(actor, ledger)
    _check_version(ledger, version)
    if ledger.status != LedgerStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的台账可以退回。"))
    if not reason.strip():
        raise ValidationError(_("退回台账必须填写原因。"))
    return _ledger_transition(actor=actor, ledger=ledger, to_status=LedgerStatus.RETURNED,
                              action=EventAction.LEDGER_RETURNED, comment=reason.strip())


@transaction.atomic
def ledger_accept(*, actor, ledger: Ledger, comment: str = "", version: int | None = None) -> Ledger:
    ledger = _locked_ledger(ledger)
    _require_supervise(actor, ledger)
    _check_version(ledger, version)
    if ledger.status != LedgerStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的台账可以通过。"))
    return _ledger_transition(actor=actor, ledger=ledger, to_status=LedgerStatus.ACCEPTED,
                              action=EventAction.LEDGER_ACCEPTED, comment=comment.strip(),
                              accepted_at=timezone.now())


@transaction.atomic
def comment_add(*, actor, ledger: Ledger, text: str, item: RectificationItem | None = None) -> LedgerEvent:
    """A review comment on the ledger or one item (the general branch), or the branch's reply."""
    ledger = _locked_ledger(ledger)
    scope = scope_for(actor)
    if not (scope.can(Action.SUPERVISE, ledger.unit_path) or scope.can(Action.FILL, ledger.unit_path)):
        raise PermissionDenied(_("您只能查看本台账，不能发表意见。"))
    if item is not None and item.ledger_id != ledger.pk:
        raise ValidationError(_("该措施不属于本台账。"))
    if not text.strip():
        raise ValidationError(_("请填写意见内容。"))
    return event_record(ledger=ledger, actor=actor, action=EventAction.COMMENTED, item=item,
                        problem=item.problem if item else None, comment=text.strip())

