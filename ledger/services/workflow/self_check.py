"""The self-check (逐条逐项对照检查): one answer per manifestation, kept in step with its problem."""

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
    answered_condition,
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
def self_check_answer(*, actor, ledger: Ledger, manifestation: Manifestation, found: bool, description: str = "",
                      version: int | None = None) -> SelfCheckAnswer:
    """Answer one manifestation. "Found" with a description keeps a self-check Problem in step with it."""
    ledger = fill_ledger(actor, ledger)
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
        check_version(answer, version)
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
            return problem_insert(actor=actor, ledger=ledger, category=answer.manifestation.category,
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
    """(answered, total) manifestations of the ledger's checklist."""
    total = Manifestation.objects.filter(category__template_id=ledger.campaign.template_id).count()
    return SelfCheckAnswer.objects.filter(answered_condition(), ledger=ledger).count(), total
