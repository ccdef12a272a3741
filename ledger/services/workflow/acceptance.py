"""The ledger as a whole under the general branch's acceptance (审核): submit, return, accept, comment.

Named for what it holds; the `reviews` app is something else (supervision, results, ratings)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.selectors import Action, scope_for
from ledger.models import (
    CampaignStatus,
    EventAction,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    RectificationItem,
    self_check_by_category,
    without_measures,
)
from ledger.services.events import event_record
from ledger.services.workflow.guards import (
    bump,
    check_version,
    locked_ledger,
    require_fill,
    require_supervise,
)
from ledger.services.workflow.self_check import self_check_progress


def _submission_gaps(ledger: Ledger) -> list[str]:
    answered, total = self_check_progress(ledger)
    gaps = []
    if answered < total and self_check_by_category(ledger.campaign.template_id):
        gaps.append(_("还有%(n)s个方面未完成对照检查。") % {"n": total - answered})
    elif answered < total:
        gaps.append(_("还有%(n)s条表现未完成对照检查。") % {"n": total - answered})
    bare = without_measures(ledger.problems.all()).order_by("number")
    for problem in bare[:5]:
        gaps.append(_("问题%(n)s还没有整改措施。") % {"n": problem.number})
    return gaps


def _ledger_transition(*, actor, ledger: Ledger, to_status: str, action: str, comment: str = "",
                       **extra) -> Ledger:
    from_status = ledger.status
    ledger.status = to_status
    for name, value in extra.items():
        setattr(ledger, name, value)
    bump(ledger, ["status", *extra])
    event_record(ledger=ledger, actor=actor, action=action, from_status=from_status, to_status=to_status,
                 comment=comment)
    return ledger


@transaction.atomic
def ledger_submit(*, actor, ledger: Ledger, version: int | None = None) -> Ledger:
    """Submit to the general branch: the self-check is complete and every problem has a measure."""
    ledger = locked_ledger(ledger)
    require_fill(actor, ledger)
    check_version(ledger, version)
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
    ledger = locked_ledger(ledger)
    require_supervise(actor, ledger)
    check_version(ledger, version)
    if ledger.status != LedgerStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的台账可以退回。"))
    if not reason.strip():
        raise ValidationError(_("退回台账必须填写原因。"))
    return _ledger_transition(actor=actor, ledger=ledger, to_status=LedgerStatus.RETURNED,
                              action=EventAction.LEDGER_RETURNED, comment=reason.strip())


@transaction.atomic
def ledger_accept(*, actor, ledger: Ledger, comment: str = "", version: int | None = None) -> Ledger:
    ledger = locked_ledger(ledger)
    require_supervise(actor, ledger)
    check_version(ledger, version)
    if ledger.status != LedgerStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的台账可以通过。"))
    return _ledger_transition(actor=actor, ledger=ledger, to_status=LedgerStatus.ACCEPTED,
                              action=EventAction.LEDGER_ACCEPTED, comment=comment.strip(),
                              accepted_at=timezone.now())


@transaction.atomic
def comment_add(*, actor, ledger: Ledger, text: str, item: RectificationItem | None = None) -> LedgerEvent:
    """A review comment on the ledger or one item (the general branch), or the branch's reply."""
    ledger = locked_ledger(ledger)
    scope = scope_for(actor)
    if not (scope.can(Action.SUPERVISE, ledger.unit_path) or scope.can(Action.FILL, ledger.unit_path)):
        raise PermissionDenied(_("您只能查看本台账，不能发表意见。"))
    if item is not None and item.ledger_id != ledger.pk:
        raise ValidationError(_("该措施不属于本台账。"))
    if not text.strip():
        raise ValidationError(_("请填写意见内容。"))
    return event_record(ledger=ledger, actor=actor, action=EventAction.COMMENTED, item=item,
                        problem=item.problem if item else None, comment=text.strip())
