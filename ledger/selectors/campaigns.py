"""Which campaigns a viewer sees: the one rule (`branches.selectors.issued_condition`) applied to campaigns.

Every page, job and list that offers or opens a campaign asks here: the home page and the campaign pages,
the campaign's ledger list, results, dashboards and ratings, and the supervision form.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from branches.models import OrgUnit, UnitKind, ancestor_paths
from branches.selectors import Action, Scope, issued_condition
from ledger.models import Campaign, CampaignStatus, Ledger

RELEASED = ~Q(status=CampaignStatus.DRAFT)  # published or closed: it has reached the units below its issuer
# What reaches the units below its issuer once released: every campaign but a unit's own plan, which is the
# business of that unit and the units above it only (a general branch's own plan is not its branches').
REACHES_DOWN = RELEASED & Q(own_plan=False)


def campaigns_visible(scope: Scope, *, drafts: bool = True) -> QuerySet[Campaign]:
    """Campaigns issued inside the viewer's subtree (drafts too, unless `drafts` is False) and the published or
    closed ones issued above it (but no unit's own plan: that reaches no one below its unit)."""
    campaigns = Campaign.objects.filter(issued_condition(scope, released=REACHES_DOWN))
    return campaigns if drafts else campaigns.filter(RELEASED)


def campaign_visible_find(scope: Scope, pk: int) -> Campaign | None:
    """The campaign if the viewer sees it (`campaigns_visible`), else None (the view answers 404)."""
    return campaigns_visible(scope).select_related("issuer").filter(pk=pk).first()


def paths_above_ledgers(*, scope: Scope, campaign: Campaign, own_units: bool) -> set[str]:
    """The paths of the units the campaign's ledgers in `scope` lie below, and with `own_units` those of the
    ledgers' own units that are not branches: where the campaign reached, for lists of units above branches.

    Read off the ledgers' own rows (their unit's parent's path, and its ancestors from the path itself), one
    row per parent rather than per ledger. Never `ledger.unit_path LIKE unit.path || '%'`: a pattern built
    from another row is served by no index (458 s at 300k units, issue 15). A branch has nothing below it,
    so its own path never names a unit above another ledger.
    """
    own = Value(None, output_field=CharField())
    if own_units:
        own = Case(When(unit__kind=UnitKind.BRANCH, then=own), default=F("unit_path"), output_field=CharField())
    ledgers = scope.filter(Ledger.objects.filter(campaign=campaign), Action.VIEW, path_field="unit_path")
    rows = ledgers.order_by().annotate(own_path=own).values_list("unit__parent__path", "own_path").distinct()
    paths = set()
    for parent, own_path in rows:
        if parent:
            paths.update([parent, *ancestor_paths(parent)])
        if own_path:
            paths.add(own_path)
    return paths


# Above every character of a path (digits and the separator): `path || '~'` bounds its subtree from above, so
# `path <= unit_path < path || '~'` is a subtree as an index range even when `path` is another row's column.
PATH_CEILING = "~"


def reached_units(*, campaign: Campaign, units: QuerySet[OrgUnit], below_only: bool) -> QuerySet[OrgUnit]:
    """Those of `units` the campaign reached: with one of its ledgers in their subtree (strictly below them with
    `below_only`, else their own ledger counts too).

    For a level of tens of units, one index probe each (`ledger_campaign_path`), by a range on the ledgers'
    path between the unit's path and its ceiling: never a pattern built from the unit's row, never a pass over
    every ledger of the subtree (`paths_above_ledgers` reads 274k ledgers for the province)."""
    lower = Q(unit_path__gt=OuterRef("path")) if below_only else Q(unit_path__gte=OuterRef("path"))
    ledgers = Ledger.objects.filter(lower, campaign=campaign,
                                    unit_path__lt=Concat(OuterRef("path"), Value(PATH_CEILING)))
    return units.filter(Exists(ledgers))


def level_below(*, scope: Scope, campaign: Campaign, focus: OrgUnit | None) -> QuerySet[OrgUnit]:
    """The units a campaign page lists at one level: those directly under `focus` (None: the viewer's own
    units, and where the viewer sees the issuer, the units directly under it), in the viewer's scope, below the
    issuer, above branches. Each unit carries `has_level_below` (units above branches under it: a drill-down)."""
    if focus is None:
        level = Q(path__in=[grant.path for grant in scope.grants])
        if scope.can(Action.VIEW, campaign.issuer_path):
            level = Q(parent__path=campaign.issuer_path)
    else:
        level = Q(parent=focus)
    upper_below = OrgUnit.objects.filter(parent=OuterRef("pk")).exclude(kind=UnitKind.BRANCH)
    units = (scope.filter(OrgUnit.objects.filter(level), Action.VIEW)
             .filter(path__startswith=campaign.issuer_path).exclude(path=campaign.issuer_path)
             .exclude(kind=UnitKind.BRANCH).annotate(has_level_below=Exists(upper_below)))
    return units.order_by("path")
