"""Reads of the notifications app: always the user's own rows, nobody else's."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from branches.models import AuditRecord, OrgUnit
from branches.selectors import Action, scope_for, unit_find
from notifications.models import Messenger, MessengerDelivery, Notification, NotificationPreference


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    """The bell's number: one COUNT over the partial index of unread rows. Every page asks it, so it is written
    as SQL: the ORM took 0.75 ms of CPU to build the same statement, the statement itself 0.2 (issue 15)."""
    if not user.is_authenticated:
        return 0
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE recipient_id = %s AND read_at IS NULL",  # noqa: S608
                       [user.pk])
        return cursor.fetchone()[0]


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
