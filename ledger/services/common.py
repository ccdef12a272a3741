"""A supervising unit's answer to a common problem (专项整治): create it, request its closure, close it, send it back.

Each transition checks the state and the actor's right, locks the row, writes, records an event and an audit row,
in one transaction. The unit's own staff answer and report it done; the unit's own supervisor (the unit above's
staff) closes it, as a branch's measures are closed by the unit above the branch. A unit at the top of a tree
has no supervisor: its own staff close its measures.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from ledger.models import (
    Campaign,
    CampaignStatus,
    CommonMeasure,
    CommonMeasureEvent,
    CommonMeasureStatus,
    Manifestation,
    TemplateCategory,
)
from ledger.selectors.common import common_group_keys, is_supervising
from ledger.services.tally_marks import tally_mark_bump
from ledger.services.workflow.guards import check_version


def _record(*, actor, measure: CommonMeasure, action: str, from_status: str, comment: str = "") -> None:
    tally_mark_bump(campaign=measure.campaign_id, unit_path=measure.unit_path)
    CommonMeasureEvent.objects.create(
        measure=measure, actor=actor if getattr(actor, "is_authenticated", False) else None, action=action,
        from_status=from_status, to_status=measure.status, comment=comment)
    audit(actor=actor, obj=measure, action=f"common_measure_{action}",
          data={"from": from_status, "to": measure.status, "comment": comment})


def _require_own_unit(actor, path: str) -> None:
    if actor is not SYSTEM and not scope_for(actor).can(Action.FILL, path):
        raise PermissionDenied(_("只有本单位的账号可以对共性问题开展专项整治。"))


def may_close(actor, measure: CommonMeasure) -> bool:
    """The unit's supervisor closes its measures; at the top of a tree, the unit itself."""
    if actor is SYSTEM:
        return True
    scope = scope_for(actor)
    if measure.unit.parent_id is None:
        return scope.can(Action.FILL, measure.unit_path)
    return scope.can(Action.SUPERVISE, measure.unit_path)


def _check_fields(*, measure: str, deadline: datetime.date | None, responsible_name: str) -> None:
    if not measure.strip():
        raise ValidationError(_("请填写专项整治措施。"))
    if deadline is None:
        raise ValidationError(_("请填写整改时限。"))
    if not responsible_name.strip():
        raise ValidationError(_("请填写责任人。"))


@transaction.atomic
def common_measure_create(*, actor, campaign: Campaign, unit: OrgUnit, category: TemplateCategory,
                          manifestation: Manifestation | None, measure: str, deadline: datetime.date | None,
                          responsible_name: str) -> CommonMeasure:
    """Answer a common problem of `unit` with one measure of its own (对于共性问题要批次推进、专项整治)."""
    _require_own_unit(actor, unit.path)
    if not is_supervising(unit):
        raise PermissionDenied(_("只有有下级组织的单位可以对共性问题开展专项整治。"))
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)  # one answer per common problem, even when racing
    if campaign.status != CampaignStatus.PUBLISHED:
        raise ValidationError(_("只有进行中的专项行动可以开展专项整治。"))
    if category.template_id != campaign.template_id or (
            manifestation is not None and manifestation.category_id != category.pk):
        raise ValidationError(_("所选问题不属于该专项行动的对照清单。"))
    key = (category.pk, manifestation.pk if manifestation else None)
    if key not in common_group_keys(campaign=campaign, unit=unit):
        raise ValidationError(_("该问题在下级单位中还不是共性问题，不能开展专项整治。"))
    _check_fields(measure=measure, deadline=deadline, responsible_name=responsible_name)
    try:
        with transaction.atomic():
            answer = CommonMeasure.objects.create(
                campaign=campaign, unit=unit, category=category, manifestation=manifestation,
                measure=measure.strip(), deadline=deadline, responsible_name=responsible_name.strip(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None)
    except IntegrityError:
        raise ValidationError(_("该共性问题已有专项整治措施。")) from None
    _record(actor=actor, measure=answer, action="created", from_status="")
    return answer


def _locked(measure: CommonMeasure | int, version: int | None) -> CommonMeasure:
    pk = measure if isinstance(measure, int) else measure.pk
    measure = CommonMeasure.objects.select_for_update(of=("self",)).select_related("unit", "campaign").get(pk=pk)
    check_version(measure, version)
    if measure.campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该专项行动已结束，专项整治不能再修改。"))
    return measure


def _move(*, actor, measure: CommonMeasure, to_status: str, action: str, comment: str = "") -> CommonMeasure:
    from_status = measure.status
    measure.status = to_status
    measure.closed_at = timezone.now() if to_status == CommonMeasureStatus.CLOSED else None
    measure.version += 1
    measure.save(update_fields=["status", "closed_at", "version", "updated_at"])
    _record(actor=actor, measure=measure, action=action, from_status=from_status, comment=comment)
    return measure


@transaction.atomic
def common_measure_request_closure(*, actor, measure: CommonMeasure | int, comment: str = "",
                                   version: int | None = None) -> CommonMeasure:
    """申请销号: the unit reports its measure done; its supervisor verifies it."""
    measure = _locked(measure, version)
    _require_own_unit(actor, measure.unit_path)
    if measure.status != CommonMeasureStatus.IN_PROGRESS:
        raise ValidationError(_("只有整改中的专项整治可以申请销号。"))
    return _move(actor=actor, measure=measure, to_status=CommonMeasureStatus.CLOSURE_REQUESTED,
                 action="closure_requested", comment=comment.strip())


def _require_closer(actor, measure: CommonMeasure) -> None:
    if not may_close(actor, measure):
        raise PermissionDenied(_("只有上级党组织可以为专项整治销号。"))


@transaction.atomic
def common_measure_close(*, actor, measure: CommonMeasure | int, comment: str = "",
                         version: int | None = None) -> CommonMeasure:
    """销号 by the unit's supervisor (the unit above it)."""
    measure = _locked(measure, version)
    _require_closer(actor, measure)
    if measure.status != CommonMeasureStatus.CLOSURE_REQUESTED:
        raise ValidationError(_("只有已申请销号的专项整治可以销号。"))
    return _move(actor=actor, measure=measure, to_status=CommonMeasureStatus.CLOSED, action="closed",
                 comment=comment.strip())


@transaction.atomic
def common_measure_send_back(*, actor, measure: CommonMeasure | int, reason: str,
                             version: int | None = None) -> CommonMeasure:
    """Refuse a closure request, with the reason the unit must act on."""
    measure = _locked(measure, version)
    _require_closer(actor, measure)
    if measure.status != CommonMeasureStatus.CLOSURE_REQUESTED:
        raise ValidationError(_("只有已申请销号的专项整治可以退回整改。"))
    if not reason.strip():
        raise ValidationError(_("退回整改必须填写原因。"))
    return _move(actor=actor, measure=measure, to_status=CommonMeasureStatus.IN_PROGRESS, action="sent_back",
                 comment=reason.strip())
