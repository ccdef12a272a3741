from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from ledger.navigation import menu_for


def menu(request) -> dict:
    """The main menu for base.html (`ledger.navigation`), decided only if the page renders it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"menu": SimpleLazyObject(lambda: menu_for(user))}
