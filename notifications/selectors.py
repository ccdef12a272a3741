"""Reads of the notifications app: always the user's own rows, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import AuditRecord, OrgUnit
from branches.selectors import Action, scope_for, unit_find
from notifications.models import Messenger, MessengerDelivery, Notification, NotificationPreference


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    """The bell's number: one COUNT over the partial index of unread rows."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_of(user) -> NotificationPreference:
    """The user's switches, unsaved defaults when they never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


# --- group robots ---------------------------------------------------------------------------------------


def messenger_unit_find(user, pk: int) -> OrgUnit | None:
    """The unit whose robot page the user opens: None outside their subtree (404)."""
    return unit_find(user, pk)


def can_set_messenger(user, unit: OrgUnit) -> bool:
    """Only the organization department (MANAGE over the unit's subtree) sets a unit's robot."""
    return scope_for(user).can(Action.MANAGE, unit)


def messenger_of(unit: OrgUnit) -> Messenger | None:
    return Messenger.objects.filter(unit=unit).first()


def deliveries_of(unit: OrgUnit, *, limit: int = 20) -> list[MessengerDelivery]:
    """The unit's latest robot messages with their state and, when failed, the reason."""
    return list(MessengerDelivery.objects.filter(unit=unit)[:limit])


def messenger_history(messenger: Messenger | None, *, limit: int = 20) -> list[AuditRecord]:
    if messenger is None:
        return []
    return list(AuditRecord.objects.filter(object_type=messenger._meta.label_lower, object_id=str(messenger.pk))
                .select_related("actor").order_by("-id")[:limit])
