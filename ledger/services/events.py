"""The one way a ledger change is recorded: an event row (who, when, from, to, comment)."""

from __future__ import annotations

from django.apps import apps
from django.utils import timezone

from ledger.models import Ledger, LedgerEvent, Problem, RectificationItem


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

    Review events (returned, accepted, closed, sent back, reopened, opened by supervision) also
    notify the unit once the transaction commits (notifications.services.event_recorded).
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
    if apps.is_installed("notifications"):
        from notifications.services import event_recorded

        event_recorded(event)
    return event
