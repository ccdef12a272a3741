"""The self-check (逐条逐项对照检查): one answer per point (a manifestation, or a category when the template lists
no manifestations: `ledger.models.self_check_points`), kept in step with its problem."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ledger.models import (
    EventAction,
    Ledger,
    Manifestation,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    SelfCheckAnswer,
    TemplateCategory,
    self_check_by_category,
    self_check_tally,
)
from ledger.services.events import event_record
from ledger.services.workflow.guards import (
    StaleEdit,
    check_version,
    fill_ledger,
    plan_fields_apply,
)
from ledger.services.workflow.plan import problem_insert, problem_withdraw_locked


@transaction.atomic
def self_check_answer(*, actor, ledger: Ledger, manifestation: Manifestation | None = None,
                      category: TemplateCategory | None = None, found: bool, description: str = "",
                      version: int | None = None) -> SelfCheckAnswer:
    """Answer one point: a manifestation, or a category of a template without manifestations. "Found" with a
    description keeps a self-check Problem in step with it."""
    ledger = fill_ledger(actor, ledger)
    point_category = _check_point(ledger, manifestation=manifestation, category=category)
    description = description.strip()
    point = {"manifestation": manifestation} if manifestation is not None else {"category": category}
    answer = SelfCheckAnswer.objects.select_for_update().filter(ledger=ledger, **point).first()
    if answer is None:
        if version not in (None, 0):
            raise StaleEdit(_("这条对照检查已被他人重新填写，请刷新页面后再改。"))
        answer = SelfCheckAnswer(ledger=ledger, unit_path=ledger.unit_path, found=found, version=0, **point)
    else:
        check_version(answer, version)
    before = {"found": answer.found if answer.pk else None, "description": answer.description}
    answer.found, answer.description, answer.answered_by = found, description, actor
    answer.problem = _sync_answer_problem(actor=actor, ledger=ledger, answer=answer, category=point_category)
    answer.version += 1
    answer.save()
    if before != {"found": found, "description": description}:
        label = f"{point_category.order}({manifestation.order}) " if manifestation else f"{point_category.order}. "
        label += _("存在问题：%(text)s") % {"text": description} if found else _("未发现问题")
        key = {"manifestation": manifestation.pk} if manifestation else {"category": category.pk}
        event_record(ledger=ledger, actor=actor, action=EventAction.SELF_CHECK_ANSWERED, problem=answer.problem,
                     comment=label, changes={**key, "before": before,
                              "after": {"found": found, "description": description}})
    return answer


def _check_point(ledger: Ledger, *, manifestation: Manifestation | None,
                 category: TemplateCategory | None) -> TemplateCategory:
    """The point's category, once the point is one of this ledger's self-check points."""
    if (manifestation is None) == (category is None):
        raise ValueError("answer exactly one point: a manifestation or a category")
    if manifestation is not None:
        if manifestation.category.template_id != ledger.campaign.template_id:
            raise ValidationError(_("该表现不属于本专项行动的对照清单。"))
        return manifestation.category
    if category.template_id != ledger.campaign.template_id:
        raise ValidationError(_("该类别不属于本专项行动的对照清单。"))
    if not self_check_by_category(ledger.campaign.template_id):
        raise ValidationError(_("本专项行动的对照清单按表现逐条检查，不能按类别作答。"))
    return category


def _sync_answer_problem(*, actor, ledger: Ledger, answer: SelfCheckAnswer,
                         category: TemplateCategory) -> Problem | None:
    problem = Problem.objects.select_for_update().get(pk=answer.problem_id) if answer.problem_id else None
    if answer.found and answer.description:
        if problem is None:
            return problem_insert(actor=actor, ledger=ledger, category=category,
                                   manifestation=answer.manifestation, description=answer.description,
                                   source=ProblemSource.SELF_CHECK, nature=ProblemNature.INDIVIDUAL)
        new = {"description": answer.description, "status": ProblemStatus.ACTIVE}
        plan_fields_apply(ledger=ledger, actor=actor, row=problem, new=new, action=EventAction.PROBLEM_CHANGED,
                          problem=problem)
        return problem
    if problem is not None and problem.status == ProblemStatus.ACTIVE and not answer.found:
        problem_withdraw_locked(actor=actor, ledger=ledger, problem=problem,
                                 reason=_("对照检查改为“未发现问题”"))
    return problem


def self_check_progress(ledger: Ledger) -> tuple[int, int]:
    """(answered, total) points of the ledger's checklist (`ledger.models.self_check_tally`)."""
    return self_check_tally(ledger)
