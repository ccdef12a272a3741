"""The one way a ledger change is recorded: an event row (who, when, from, to, comment)."""

from __future__ import annotations

from django.utils import timezone

from ledger.models import Ledger, LedgerEvent, Problem, RectificationItem
from ledger.services.tally_marks import tally_mark_bump
from ledger.signals import ledger_event_recorded


def event_record(
    *,
    ledger: Ledger,
    actor,
    action: str,
    problem: Problem | None = None,
    item: RectificationItem | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    changes: dict | None = None,
) -> LedgerEvent:
    """Write one history row. Call it inside the transaction that makes the change it records.

    Bumps the change mark of the ledger's block (`tally_marks`): the tally recount redoes what changed.
    Sends `ledger_event_recorded` before returning: the notifications app (when installed) listens and
    notifies the unit of review events once the transaction commits.
    """
    event = LedgerEvent.objects.create(
        ledger=ledger,
        problem=problem,
        item=item,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=timezone.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        changes=changes or {},
    )
    campaign = ledger.campaign if Ledger.campaign.is_cached(ledger) else ledger.campaign_id
    tally_mark_bump(campaign=campaign, unit_path=ledger.unit_path)
    ledger_event_recorded.send(sender=LedgerEvent, event=event)
    return event
