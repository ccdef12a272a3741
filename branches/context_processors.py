from __future__ import annotations

from branches.selectors import scope_for


def scope(request) -> dict:
    """Templates ask `scope` what to show (menus); the views still decide what is allowed."""
    if not hasattr(request, "user"):
        return {}
    return {"scope": scope_for(request.user)}
