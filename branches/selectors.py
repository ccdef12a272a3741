"""Who may see and change what: decided here and nowhere else.

Every role reaches the subtree of the unit it is held at. What it may do there:

- VIEW: every role, over its unit's whole subtree.
- FILL (the branch's own work: self-check, problems, measures, progress, submit, request closure):
  any role but the inspector, at exactly its own unit. Nobody fills another unit's ledger.
- SUPERVISE (review, return, accept, close items, supervision records): general-branch staff and the
  organization department, over the strict descendants of their unit, so nobody closes their own items.
- MANAGE (campaigns, templates, the tree, accounts, ratings): the organization department over its subtree.

What is issued top-down (campaigns) is seen by everyone it reaches: `issued_condition` below.

Views load objects through `Scope.filter` (outside the subtree → 404) and then ask `Scope.can` for
the action (inside but not allowed → 403).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from branches.models import OrgUnit, Role, RoleAssignment, ancestor_paths


class Action(enum.Enum):
    VIEW = "view"
    FILL = "fill"
    SUPERVISE = "supervise"
    MANAGE = "manage"


_SUPERVISING_ROLES = {Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT}
# The roles that FILL their own unit's ledger: every role but the read-only inspector.
FILLING_ROLES = tuple(role for role in Role.values if role != Role.INSPECTOR)


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
            return own_unit and self.role in FILLING_ROLES
        if action is Action.SUPERVISE:
            return not own_unit and self.role in _SUPERVISING_ROLES
        return self.role == Role.ORG_DEPARTMENT  # MANAGE

    def q(self, action: Action, path_field: str) -> Q:
        """The rows whose `path_field` this grant allows `action` on, as a query condition."""
        if action is Action.VIEW:
            return Q(**{f"{path_field}__startswith": self.path})
        if action is Action.FILL:
            return Q(**{path_field: self.path}) if self.role in FILLING_ROLES else Q(pk__in=[])
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

    def paths_above(self) -> list[str]:
        """The paths of every unit above the user's units (not reached by VIEW, but reaching down to them)."""
        return sorted({ancestor for grant in self.grants for ancestor in ancestor_paths(grant.path)})

    def restricted_to(self, roles) -> Scope:
        """The same user acting only through the grants of `roles` (e.g. in the name of a supervising unit)."""
        grants = [grant for grant in self.grants if grant.role in roles]
        return Scope(grants=grants, units={g.path: self.units[g.path] for g in grants if g.path in self.units})


def issued_condition(scope: Scope, *, released: Q, path_field: str = "issuer_path") -> Q:
    """What a viewer sees of things issued top-down (campaigns): all issued inside their subtree (drafts too),
    and those issued above them once `released` (published or closed): a campaign reaches down to every unit
    below its issuer. Index lookups only, whatever the number of ledgers (scale bench).

    The one rule for "campaigns a viewer sees": `ledger.selectors.campaigns.campaigns_visible` applies it.
    """
    return scope.condition(Action.VIEW, path_field) | (released & Q(**{f"{path_field}__in": scope.paths_above()}))


class SystemActor:
    """Who acts when no person does: seeding the demo, management commands, migrations, test set-up.

    Passed explicitly (`actor=SYSTEM`); the services' checks let it through and nothing else without a right:
    a missing actor (None) or an anonymous user is refused like anyone out of scope. It is recorded as
    nobody in audit records and ledger events, as before (it is not an authenticated user).
    """

    is_authenticated = False
    is_active = False
    is_superuser = False
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def outermost_grants(grants: list[Grant]) -> list[Grant]:
    """The grants not inside another one's subtree: counting under each of them counts nothing twice."""
    return [g for g in grants if not any(o.path != g.path and g.path.startswith(o.path) for o in grants)]


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


def unit_find(user, pk: int) -> OrgUnit | None:
    """A unit the user may see, else None."""
    return scope_for(user).filter(OrgUnit.objects.all(), Action.VIEW).filter(pk=pk).first()


def unit_members(unit: OrgUnit) -> QuerySet[RoleAssignment]:
    """Who holds which role at the unit, by role and username."""
    return RoleAssignment.objects.filter(unit=unit).select_related("user").order_by("role", "user__username")


def unit_copy(unit: OrgUnit) -> OrgUnit:
    """The unit loaded afresh: an instance an edit form may change while `unit` stays as it was."""
    return OrgUnit.objects.get(pk=unit.pk)


def subtree(unit: OrgUnit, *, include_self: bool = True) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.filter(path__startswith=unit.path)
    return units if include_self else units.exclude(pk=unit.pk)


def assignments_of(user) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("unit").order_by("unit__path", "role")


# ---- browsing the tree (one level at a time, so it stays cheap at 300,000 units) ---------------------------


def with_child_counts(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    counts = (
        OrgUnit.objects.filter(parent=OuterRef("pk")).order_by().values("parent").annotate(n=Count("pk")).values("n")
    )
    return units.annotate(child_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


def unit_with_child_count(unit: OrgUnit) -> OrgUnit:
    """The unit again, with how many children it has (its page)."""
    return with_child_counts(OrgUnit.objects.filter(pk=unit.pk)).get()


def scope_roots(user) -> list[OrgUnit]:
    """The top units of the user's scope: where they hold a role, leaving out units inside another one."""
    scope = scope_for(user)
    paths = sorted(scope.units)
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(with_child_counts(OrgUnit.objects.filter(path__in=tops)).order_by("path"))


def unit_children(user, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The direct children of `unit` the user can see, with how many children each has."""
    children = scope_for(user).filter(OrgUnit.objects.filter(parent=unit))
    return with_child_counts(children).order_by("kind", "code")


# Trigrams serve a name search of three characters or more; shorter ones look up the name's one- and
# two-character pieces (branches migration 0004).
TRIGRAM = 3
NAME_GRAMS = 'orgunit_name_grams(UPPER("branches_orgunit"."name"::text)) @> ARRAY[UPPER(%s)]'


def name_or_code_condition(query: str) -> Q:
    """A name containing `query` or a code starting with it, both case-insensitive. On PostgreSQL indexes serve
    both (branches migration 0004): a search that finds little does not read the viewer's subtree unit by unit
    (the province's tree search for a missing name: 115 ms at 30k units, ten times that at 300k)."""
    return _name_condition(query) | Q(code__istartswith=query)


def _name_condition(query: str) -> Q:
    if connection.vendor == "postgresql" and len(query) < TRIGRAM:
        # The query is a bound parameter, the SQL a constant (an expression index must match it as written)
        return Q(RawSQL(NAME_GRAMS, [query], output_field=BooleanField()))  # noqa: S611
    return Q(name__icontains=query)


def first_matching(units: QuerySet[OrgUnit], query: str, limit: int) -> list[OrgUnit]:
    """The first `limit` of `units` in tree order whose name contains, or code starts with, `query`.

    Where the database can, the name and the code are looked up apart, each to its first `limit`, and the two
    joined: as one OR condition PostgreSQL checked the name's pieces again for every unit its index found (the
    function in `NAME_GRAMS` once per unit: a province's "党委", 2,880 committees, took 45–64 ms; apart, 3)."""
    units = units.order_by("path")
    if not connection.features.supports_slicing_ordering_in_compound:
        return list(units.filter(name_or_code_condition(query))[:limit])
    by_name = units.filter(_name_condition(query))[:limit]
    by_code = units.filter(code__istartswith=query)[:limit]
    return list(by_name.union(by_code).order_by("path")[:limit])


def unit_search(user, query: str, *, limit: int = 50) -> list[OrgUnit]:
    """Units in the user's scope whose name contains, or code starts with, `query`."""
    query = query.strip()
    if not query:
        return []
    return first_matching(scope_for(user).filter(OrgUnit.objects.all()), query, limit)


# ---- picking units in a form (branches.pickers): a bounded search or one level of the tree -------------------

PICK_LIMIT = 20  # units a picker lists at once; typing narrows the list, never what may be chosen


@dataclass(frozen=True)
class UnitPick:
    """Which units a form may choose: those the viewer may `action` on, optionally only active ones, not of
    `excluded_kinds`, and only under the unit path `under`. The form validates against `pickable_units`; the
    picker's endpoint lists from the same set, so what is listed is what may be chosen."""

    action: Action = Action.VIEW
    active_only: bool = False
    excluded_kinds: tuple[str, ...] = ()
    under: str = ""


def pickable_units(scope: Scope, pick: UnitPick) -> QuerySet[OrgUnit]:
    units = scope.filter(OrgUnit.objects.all(), pick.action)
    if pick.active_only:
        units = units.filter(is_active=True)
    if pick.excluded_kinds:
        units = units.exclude(kind__in=pick.excluded_kinds)
    if pick.under:
        units = units.filter(path__startswith=pick.under)
    return units.order_by("path")


def units_chosen(scope: Scope, pick: UnitPick, ids: list[int]) -> list[OrgUnit]:
    """The chosen units that may be chosen (a form shows them checked again when it comes back)."""
    return list(pickable_units(scope, pick).filter(pk__in=ids)) if ids else []


def units_to_pick(scope: Scope, pick: UnitPick, *, query: str = "", within: int | None = None,
                  limit: int = PICK_LIMIT) -> tuple[list[OrgUnit], bool]:
    """What a picker lists: the first `limit` pickable units matching `query`; without a query the pickable
    children of `within`, or the top of the viewer's scope (their own units and the units right under them).
    And whether there were more. Each is an index range of the scope's paths, read up to `limit` + 1 rows."""
    units = pickable_units(scope, pick)
    query = query.strip()
    if query:
        found = first_matching(units, query, limit + 1)
        return found[:limit], len(found) > limit
    if within is not None:
        units = units.filter(parent_id=within)
    else:
        tops = [unit.pk for unit in scope.units.values()]
        units = units.filter(Q(pk__in=tops) | Q(parent_id__in=tops))
    found = list(units[:limit + 1])
    return found[:limit], len(found) > limit


def unit_ancestors(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user can see, from the top down (one query, from the materialized path)."""
    ids = [int(part) for part in unit.path.split("/") if part][:-1]
    return list(scope_for(user).filter(OrgUnit.objects.filter(pk__in=ids)).order_by("depth"))
