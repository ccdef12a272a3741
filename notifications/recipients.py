"""Who receives a reminder: read once per sweep from RoleAssignment, then looked up by unit path in memory.

A sweep over a million items must not ask the database per item, so the role table is loaded once
(one row per assignment on an active unit held by an active user) and every lookup is a dict access.
Who may fill or view a ledger is not decided here: each assignment becomes a `branches.selectors.Grant`,
and the checks ask it (`Grant.allows`), as every page does through `Scope`.
"""

from __future__ import annotations

from collections import defaultdict

from branches.models import Role, RoleAssignment, parent_path
from branches.selectors import FILLING_ROLES, Action, Grant


class Directory:
    """Role holders by (role, unit path), and every user's granted paths for scope checks."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.grants: dict[int, list[Grant]] = defaultdict(list)
        rows = RoleAssignment.objects.filter(unit__is_active=True, user__is_active=True).values_list(
            "role", "unit__path", "user_id"
        )
        for role, path, user_id in rows.iterator(chunk_size=10000):
            self.holders[(role, path)].append(user_id)
            self.grants[user_id].append(Grant(role, path))

    def at(self, path: str, *roles: str) -> list[int]:
        users: list[int] = []
        for role in roles:
            users.extend(self.holders.get((role, path), ()))
        return users

    def secretaries(self, path: str) -> list[int]:
        return self.at(path, Role.BRANCH_SECRETARY)

    def fillers(self, path: str) -> list[int]:
        """Those who may FILL the ledger at `path`: the roles that fill, held at that very unit."""
        return self.at(path, *FILLING_ROLES)

    def general_branch_staff_above(self, path: str) -> list[int]:
        return self.at(parent_path(path), Role.GENERAL_BRANCH_STAFF)

    def covers(self, user_id: int | None, path: str) -> bool:
        """True when some role of the user may VIEW `path` (the rule of branches.selectors.Grant)."""
        if user_id is None:
            return False
        return any(grant.allows(Action.VIEW, path) for grant in self.grants.get(user_id, ()))
