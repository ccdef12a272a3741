"""Who may see and change what: decided here and nowhere else.

Every role reaches the subtree of the unit it is held at. What it may do there:

- VIEW: every role, over its unit's whole subtree.
- FILL (the branch's own work: self-check, problems, measures, progress, submit, request closure):
  any role but the inspector, at exactly its own unit. Nobody fills another unit's ledger.
- SUPERVISE (review, return, accept, close items, supervision records): general-branch staff and the
  organization department, over the strict descendants of their unit, so nobody closes their own items.
- MANAGE (campaigns, templates, the tree, accounts, ratings): the organization department over its subtree.

Views load objects through `Scope.filter` (outside the subtree → 404) and then ask `Scope.can` for
the action (inside but not allowed → 403).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from branches.models import OrgUnit, Role, RoleAssignment


class Action(enum.Enum):
    VIEW = "view"
    FILL = "fill"
    SUPERVISE = "supervise"
    MANAGE = "manage"


_SUPERVISING_ROLES = {Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT}


@dataclass(frozen=True)
class Grant:
    role: str
    path: str

    def allows(self, action: Action, target_path: str) -> bool:
        if not target_path.startswith(self.path):
            return False
        own_unit = target_path == self.path
        if action is Action.VIEW:
            return True
        if action is Action.FILL:
            return own_unit and self.role != Role.INSPECTOR
        if action is Action.SUPERVISE:
            return not own_unit and self.role in _SUPERVISING_ROLES
        return self.role == Role.ORG_DEPARTMENT  # MANAGE

    def q(self, action: Action, path_field: str) -> Q:
        """The rows whose `path_field` this grant allows `action` on, as a query condition."""
        if action is Action.VIEW:
            return Q(**{f"{path_field}__startswith": self.path})
        if action is Action.FILL:
            return Q(**{path_field: self.path}) if self.role != Role.INSPECTOR else Q(pk__in=[])
        if action is Action.SUPERVISE:
            if self.role not in _SUPERVISING_ROLES:
                return Q(pk__in=[])
            return Q(**{f"{path_field}__startswith": self.path}) & ~Q(**{path_field: self.path})
        if self.role != Role.ORG_DEPARTMENT:
            return Q(pk__in=[])
        return Q(**{f"{path_field}__startswith": self.path})


@dataclass
class Scope:
    """The grants of one user, loaded once per request."""

    grants: list[Grant] = field(default_factory=list)
    units: dict[str, OrgUnit] = field(default_factory=dict)

    def can(self, action: Action, target: OrgUnit | str) -> bool:
        path = target if isinstance(target, str) else target.path
        return any(grant.allows(action, path) for grant in self.grants)

    def condition(self, action: Action, path_field: str = "path") -> Q:
        condition = Q(pk__in=[])
        for grant in self.grants:
            condition |= grant.q(action, path_field)
        return condition

    def filter(self, queryset: QuerySet, action: Action = Action.VIEW, path_field: str = "path") -> QuerySet:
        """`queryset` narrowed to the rows this user may `action` on (by their unit path)."""
        return queryset.filter(self.condition(action, path_field))

    def roles(self) -> set[str]:
        return {grant.role for grant in self.grants}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def is_empty(self) -> bool:
        return not self.grants


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    cached = getattr(user, "_ledger_scope", None)
    if cached is not None:
        return cached
    scope = Scope()
    if user.is_authenticated and user.is_active:
        if user.is_superuser:
            for root in OrgUnit.objects.filter(parent__isnull=True):
                scope.grants.append(Grant(Role.ORG_DEPARTMENT, root.path))
                scope.units[root.path] = root
        for assignment in RoleAssignment.objects.filter(user=user).select_related("unit"):
            if not assignment.unit.is_active:
                continue
            scope.grants.append(Grant(assignment.role, assignment.unit.path))
            scope.units[assignment.unit.path] = assignment.unit
    user._ledger_scope = scope
    return scope


def units_visible_to(user, action: Action = Action.VIEW) -> QuerySet[OrgUnit]:
    return scope_for(user).filter(OrgUnit.objects.all(), action)


def subtree(unit: OrgUnit, *, include_self: bool = True) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.filter(path__startswith=unit.path)
    return units if include_self else units.exclude(pk=unit.pk)


def assignments_of(user) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("unit").order_by("unit__path", "role")
