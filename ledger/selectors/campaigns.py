"""Which campaigns a viewer sees: the one rule (`branches.selectors.issued_condition`) applied to campaigns.

Every page, job and list that offers or opens a campaign asks here: the home page and the campaign pages,
the campaign's ledger list, results, dashboards and ratings, and the supervision form.
"""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from branches.models import UnitKind, ancestor_paths
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
