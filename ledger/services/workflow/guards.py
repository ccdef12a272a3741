"""Shared guards of the workflow services: rights, locks, versions, and how plan changes are recorded.

The one public place for what several services (plan, closing, review, self-check, evidence) check alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from branches.selectors import Action, scope_for
from ledger import wording
from ledger.models import (
    CampaignStatus,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
)
from ledger.services.events import event_record

# Sources a supervising unit may open a problem from (督查发现、上级反馈、巡视巡察反馈).
SUPERVISION_SOURCES = (ProblemSource.SUPERVISION, ProblemSource.HIGHER_LEVEL, ProblemSource.INSPECTION)
# How far past the results deadline a dated measure may run; longer work is "立行立改、长期坚持".
DEADLINE_GRACE = datetime.timedelta(days=365)


class StaleEdit(ValidationError):
    """Someone saved the row after this person loaded it: their save is refused, never merged silently."""




def check_version(row, version: int | None) -> None:
    if version is not None and int(version) != row.version:
        raise StaleEdit(
            _("这条记录在您打开之后已被他人修改（当前第%(now)s版，您看到的是第%(seen)s版）。您填写的内容没有保存，"
              "请核对最新内容后重新提交。") % {"now": row.version, "seen": version}
        )


def _require(actor, action: Action, path: str, message: str) -> None:
    if not scope_for(actor).can(action, path):
        raise PermissionDenied(message)


def require_fill(actor, ledger: Ledger) -> None:
    _require(actor, Action.FILL, ledger.unit_path, _("只有本单位的账号可以填报本台账。"))


def require_supervise(actor, ledger: Ledger) -> None:
    _require(actor, Action.SUPERVISE, ledger.unit_path, _("只有上级党组织可以审核台账和销号。"))


def locked_ledger(ledger: Ledger | int) -> Ledger:
    pk = ledger if isinstance(ledger, int) else ledger.pk
    return Ledger.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=pk)


def check_branch_may_write(ledger: Ledger) -> None:
    """The branch's own writes: never while submitted for review, never after the campaign ended."""
    if ledger.campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该专项行动已结束，台账不能再修改。"))
    if ledger.status == LedgerStatus.SUBMITTED:
        raise ValidationError(_("台账已提交%(supervisor)s审核，审核完成前不能修改。") % {
            "supervisor": wording.ledger_supervisor(ledger)})


def fill_ledger(actor, ledger: Ledger | int) -> Ledger:
    """Lock the ledger for a branch write and check the actor's right and the ledger's state."""
    ledger = locked_ledger(ledger)
    require_fill(actor, ledger)
    check_branch_may_write(ledger)
    return ledger


def bump(row, fields: Iterable[str]) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version", "updated_at"] if hasattr(row, "updated_at") else [*fields, "version"])


def plain(value) -> str | int | bool | None:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def diff(row, new_values: dict) -> dict:
    """{"before": …, "after": …} of the fields whose value changes (plain JSON values)."""
    before, after = {}, {}
    for name, value in new_values.items():
        old = getattr(row, name)
        if old != value:
            before[name], after[name] = plain(old), plain(value)
    return {"before": before, "after": after} if after else {}


def record_plan_change(*, ledger: Ledger, actor, action: str, problem=None, item=None, changes=None,
                        comment: str = "") -> LedgerEvent:
    """A change to the plan; once the ledger is accepted it is an amendment the general branch must see."""
    if ledger.status == LedgerStatus.ACCEPTED:
        changes = {"change": action, **(changes or {})}
        action = EventAction.LEDGER_AMENDED
    return event_record(ledger=ledger, actor=actor, action=action, problem=problem, item=item,
                        changes=changes, comment=comment)


def plan_fields_apply(*, ledger: Ledger, actor, row, new: dict, action: str, problem, item=None) -> None:
    """Write `new` onto a locked problem or measure and record what changed (nothing when nothing did)."""
    changes = diff(row, new)
    if not changes:
        return
    for name, value in new.items():
        setattr(row, name, value)
    bump(row, new)
    record_plan_change(ledger=ledger, actor=actor, action=action, problem=problem, item=item, changes=changes)


def locked_item(item: RectificationItem | int) -> RectificationItem:
    """The item row, locked (only its own row: the problem joined alongside is not)."""
    pk = item if isinstance(item, int) else item.pk
    return RectificationItem.objects.select_for_update(of=("self",)).select_related("problem").get(pk=pk)


def branch_item(actor, item: RectificationItem, version: int | None) -> tuple[Ledger, RectificationItem]:
    """The item's ledger (locked, the branch may write) and the item (locked, current, still open) for the branch's own edit."""
    ledger = fill_ledger(actor, item.ledger_id)
    item = locked_item(item)
    check_version(item, version)
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("该措施已销号，不能再修改。"))
    if item.problem.status == ProblemStatus.WITHDRAWN:
        raise ValidationError(_("该措施所属的问题已撤回。"))
    return ledger, item
