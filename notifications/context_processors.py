from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def bell(request) -> dict:
    """The unread count for the bell in base.html: one COUNT query, run only if the page renders it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
