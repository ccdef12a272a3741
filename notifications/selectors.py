"""Reads of the notifications app: always the user's own rows, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference


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
