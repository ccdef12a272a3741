"""Recurring problems (问题反弹): a problem closed in an earlier campaign that comes back in a later one.

When a problem is recorded or changed, the app looks for a problem of the same unit, in an earlier campaign,
against the same manifestation (the same line of the checklist, followed across template copies), or — when the
category lists no manifestations — the same category, whose measures were all closed. It flags the new problem
(`recurrence_of`, state 疑似反弹); a supervising unit confirms or dismisses the flag with a reason. A carried
problem (结转) is the same problem continued, never a recurrence.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import (
    OPEN_ITEM_STATUSES,
    EventAction,
    Manifestation,
    Problem,
    ProblemStatus,
    RectificationItem,
    RecurrenceState,
    TemplateCategory,
)
from ledger.selectors.lineage import family_ids
from ledger.services.events import event_record
from ledger.services.workflow.guards import locked_ledger, require_supervise


def _same_line(problem: Problem) -> Q | None:
    """The condition "recorded against the same checklist line", or None when the problem has no such line (an
    extended self-check problem in a category that lists manifestations)."""
    if problem.manifestation_id:
        return Q(manifestation_id__in=family_ids(Manifestation, problem.manifestation_id))
    if Manifestation.objects.filter(category_id=problem.category_id).exists():
        return None
    return Q(category_id__in=family_ids(TemplateCategory, problem.category_id))


def closed_problems(problems):
    """Those of `problems` that had measures and all of them closed."""
    items = RectificationItem.objects.filter(problem=OuterRef("pk"))
    return problems.filter(Exists(items)).exclude(Exists(items.filter(status__in=OPEN_ITEM_STATUSES)))


def recurrence_match(problem: Problem) -> Problem | None:
    """The latest closed problem `problem` repeats, if any."""
    campaign = problem.ledger.campaign
    if problem.carried_from_id or problem.status != ProblemStatus.ACTIVE or campaign.published_at is None:
        return None
    line = _same_line(problem)
    if line is None:
        return None
    earlier = Problem.objects.filter(line, ledger__unit_id=problem.ledger.unit_id, status=ProblemStatus.ACTIVE,
                                     ledger__campaign__published_at__lt=campaign.published_at)
    return closed_problems(earlier).order_by("-ledger__campaign__published_at", "-number").first()


def recurrence_refresh(problem: Problem) -> None:
    """Flag, re-flag or clear `problem` after it was recorded or changed (inside the caller's transaction).

    A decision already taken stays while the problem still repeats the same earlier problem.
    """
    match = recurrence_match(problem)
    if match is None:
        fields = {"recurrence_of": None, "recurrence_state": ""}
    elif match.pk != problem.recurrence_of_id:
        fields = {"recurrence_of": match, "recurrence_state": RecurrenceState.FLAGGED}
    else:
        return
    if fields["recurrence_of"] is None and problem.recurrence_of_id is None:
        return
    fields.update(recurrence_reason="", recurrence_decided_by=None, recurrence_decided_at=None)
    Problem.objects.filter(pk=problem.pk).update(**fields)  # derived: no new version of the branch's row
    for name, value in fields.items():
        setattr(problem, name, value)


def _decide(*, actor, problem: Problem, reason: str, state: str, action: str, missing: str) -> Problem:
    ledger = locked_ledger(problem.ledger_id)
    require_supervise(actor, ledger)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.recurrence_of_id is None:
        raise ValidationError(_("该问题没有被标记为问题反弹。"))
    if not (reason or "").strip():
        raise ValidationError(missing)
    if problem.recurrence_state == state:
        raise ValidationError(_("该问题已是“%(state)s”。") % {"state": RecurrenceState(state).label})
    before = problem.recurrence_state
    problem.recurrence_state = state
    problem.recurrence_reason = reason.strip()
    problem.recurrence_decided_by = actor
    problem.recurrence_decided_at = timezone.now()
    problem.save(update_fields=["recurrence_state", "recurrence_reason", "recurrence_decided_by",
                                "recurrence_decided_at", "updated_at"])
    event_record(ledger=ledger, actor=actor, action=action, problem=problem, from_status=before, to_status=state,
                 comment=problem.recurrence_reason)
    return problem


@transaction.atomic
def recurrence_confirm(*, actor, problem: Problem, reason: str) -> Problem:
    """A supervising unit confirms that `problem` is the earlier closed problem come back (问题反弹)."""
    return _decide(actor=actor, problem=problem, reason=reason, state=RecurrenceState.CONFIRMED,
                   action=EventAction.RECURRENCE_CONFIRMED, missing=_("请填写确认问题反弹的理由。"))


@transaction.atomic
def recurrence_dismiss(*, actor, problem: Problem, reason: str) -> Problem:
    """A supervising unit decides the flag was wrong: not the same problem come back."""
    return _decide(actor=actor, problem=problem, reason=reason, state=RecurrenceState.DISMISSED,
                   action=EventAction.RECURRENCE_DISMISSED, missing=_("请填写不属于问题反弹的理由。"))
