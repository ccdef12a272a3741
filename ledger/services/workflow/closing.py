"""Carrying out measures and closing them (销号): start, progress, request closure, close, send back."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import wording
from ledger.models import (
    EventAction,
    ItemStatus,
    Ledger,
    ProgressNote,
    RectificationItem,
)
from ledger.services.events import event_record
from ledger.services.workflow.guards import (
    branch_item,
    bump,
    check_version,
    locked_item,
    require_supervise,
)


def _item_transition(*, actor, item, ledger, to_status: str, action: str, comment: str = "",
                     **extra) -> RectificationItem:
    from_status = item.status
    item.status = to_status
    for name, value in extra.items():
        setattr(item, name, value)
    bump(item, ["status", *extra])
    event_record(ledger=ledger, actor=actor, action=action, problem=item.problem, item=item,
                 from_status=from_status, to_status=to_status, comment=comment)
    return item


@transaction.atomic
def item_start(*, actor, item: RectificationItem, version: int | None = None) -> RectificationItem:
    ledger, item = branch_item(actor, item, version)
    if item.status != ItemStatus.PLANNED:
        raise ValidationError(_("只有“未开始”的措施可以开始整改。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.IN_PROGRESS,
                            action=EventAction.ITEM_STARTED)


@transaction.atomic
def progress_note_add(*, actor, item: RectificationItem, text: str) -> ProgressNote:
    """Report progress. Reporting on a measure not yet started starts it (边查边改)."""
    ledger, item = branch_item(actor, item, None)
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
    ledger, item = branch_item(actor, item, version)
    if item.status not in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS):
        raise ValidationError(_("该措施已申请销号，请等待%(supervisor)s审核。") % {
            "supervisor": wording.ledger_supervisor(ledger)})
    if not item.evidence.exists() and not item.progress_notes.exists():
        raise ValidationError(_("申请销号前请上传佐证材料或填写整改进展。"))
    return _item_transition(actor=actor, item=item, ledger=ledger, to_status=ItemStatus.CLOSURE_REQUESTED,
                            action=EventAction.CLOSURE_REQUESTED, comment=comment.strip())


def _supervised_item(actor, item: RectificationItem | int, version: int | None) -> tuple[Ledger, RectificationItem]:
    item = locked_item(item)
    ledger = Ledger.objects.get(pk=item.ledger_id)
    require_supervise(actor, ledger)
    check_version(item, version)
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
