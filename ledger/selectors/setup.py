"""Scoped reads for templates, campaigns and the home page. Every answer goes through `scope_for`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import OrgUnit, Role, UnitKind
from branches.selectors import Action, Grant, outermost_grants, scope_for
from ledger.models import (
    TARGET_UNIT_KINDS,
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    ItemStatus,
    Ledger,
    LedgerStatus,
    Manifestation,
    Phase,
    Problem,
    ProblemStatus,
    RectificationItem,
    SubtreeTally,
    TargetKind,
    TemplateCategory,
    overdue_condition,
)
from ledger.selectors.campaigns import campaigns_visible
from ledger.selectors.tallies import tallied_scope_statuses, tallied_statuses, tallies_of_today

TEMPLATE_ROLES = (Role.ORG_DEPARTMENT, Role.INSPECTOR)
BRANCH_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_MEMBER)


def templates_visible_to(user) -> QuerySet[ChecklistTemplate]:
    """Built-in templates, those owned inside the user's subtree, and those owned above it (a lower
    organization department may read and copy what its committee made)."""
    scope = scope_for(user)
    return ChecklistTemplate.objects.filter(
        Q(is_builtin=True) | Q(owner__isnull=True) | scope.condition(Action.VIEW, "owner__path")
        | Q(owner__path__in=scope.paths_above())
    )


def template_find(*, user, pk: int) -> ChecklistTemplate | None:
    """One template the user may read, with its owner and origin, else None."""
    return templates_visible_to(user).select_related("owner", "copied_from").filter(pk=pk).first()


def templates_with_counts(user) -> QuerySet[ChecklistTemplate]:
    """The template list: built-in first, each with how many categories and campaigns it has."""
    return (
        templates_visible_to(user).select_related("owner")
        .annotate(category_count=Count("categories", distinct=True), campaign_count=Count("campaigns", distinct=True))
        .order_by("-is_builtin", "pk")
    )


def template_choices(user) -> QuerySet[ChecklistTemplate]:
    """The templates a campaign may use, built-in first."""
    return templates_visible_to(user).order_by("-is_builtin", "pk")


def template_categories(template: ChecklistTemplate) -> QuerySet[TemplateCategory]:
    """The template's categories in order, each with its manifestations in order (two queries)."""
    return template.categories.order_by("order").prefetch_related(
        Prefetch("manifestations", queryset=Manifestation.objects.order_by("order"))
    )


def template_category(*, template: ChecklistTemplate, pk) -> TemplateCategory | None:
    """A category of `template` (an id posted by the page), else None."""
    return TemplateCategory.objects.filter(pk=pk, template=template).first()


def template_manifestation(*, template: ChecklistTemplate, pk) -> Manifestation | None:
    """A manifestation of `template` (an id posted by the page), else None."""
    return Manifestation.objects.filter(pk=pk, category__template=template).first()


def template_campaigns(*, user, template: ChecklistTemplate) -> QuerySet[Campaign]:
    """The campaigns using `template` that the user sees."""
    return template.campaigns.filter(pk__in=campaigns_visible_to(user).values("pk"))


def manageable_units(user) -> list[OrgUnit]:
    """The units at which the user holds the organization-department role (campaign issuers, template owners)."""
    scope = scope_for(user)
    return [scope.units[g.path] for g in scope.grants if g.role == Role.ORG_DEPARTMENT and g.path in scope.units]


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns issued inside the user's subtree (drafts too), and the published or closed campaigns
    issued above it (`ledger.selectors.campaigns`)."""
    return campaigns_visible(scope_for(user))


def campaign_find(*, user, pk: int) -> Campaign | None:
    """One campaign the user sees, with its issuer and template, else None."""
    return campaigns_visible_to(user).select_related("issuer", "template").filter(pk=pk).first()


def campaigns_latest(user) -> QuerySet[Campaign]:
    """The campaigns the user sees, the latest first (slice it)."""
    return campaigns_visible_to(user).select_related("issuer", "template").order_by("-year", "-created_at")


def campaign_phases(campaign: Campaign) -> QuerySet[Phase]:
    return campaign.phases.order_by("order")


def target_units(campaign: Campaign) -> QuerySet[OrgUnit]:
    """The units that get a ledger: a kind of unit across the issuer's subtree, or the issuer alone."""
    if campaign.target_kind == TargetKind.ISSUER:
        return OrgUnit.objects.filter(pk=campaign.issuer_id)
    return OrgUnit.objects.filter(
        path__startswith=campaign.issuer.path, kind=TARGET_UNIT_KINDS[campaign.target_kind], is_active=True
    )


def ledger_status_counts(user, campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's ledgers the user can see are in each status: from the tallies of the subtrees
    they see (exact: statuses do not depend on the day, and a changed block is counted live), else one query
    (a province's 274k ledgers grouped live was an 80 ms statement at 300k units)."""
    scope = scope_for(user)
    counts = {status: 0 for status in LedgerStatus.values}
    tallied = tallied_scope_statuses(scope=scope, campaign=campaign)
    if tallied is not None:
        counts.update({status: n for status, n in tallied.items() if status in counts})
        return counts
    rows = (
        scope.filter(Ledger.objects.filter(campaign=campaign), Action.VIEW, path_field="unit_path")
        .values("status").annotate(n=Count("pk")).order_by()
    )
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def _count(model, condition: Q | None = None) -> Coalesce:
    """A correlated count of `model` rows of the outer ledger (no join fan-out, no query per row)."""
    subquery = (
        model.objects.filter(condition or Q(), ledger=OuterRef("pk")).order_by().values("ledger")
        .annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def ledgers_with_counts(queryset: QuerySet[Ledger]) -> QuerySet[Ledger]:
    today = timezone.localdate()
    return queryset.select_related("campaign", "unit").annotate(
        problem_count=_count(Problem, Q(status=ProblemStatus.ACTIVE)),
        item_count=_count(RectificationItem),
        closed_count=_count(RectificationItem, Q(status=ItemStatus.CLOSED)),
        overdue_count=_count(RectificationItem, overdue_condition(today)),
    )


@dataclass
class HomeData:
    my_ledgers: list[Ledger] = field(default_factory=list)
    supervised: list[tuple[OrgUnit, list[Ledger]]] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    campaign_counts: dict[int, dict[str, int]] = field(default_factory=dict)
    tree_counts: dict[str, int] = field(default_factory=dict)
    roots: list[OrgUnit] = field(default_factory=list)
    show_branch: bool = False
    show_general_branch: bool = False
    show_overview: bool = False
    # general-branch staff's main work, one tap from home: counts, and the one open campaign they concern (if one)
    awaiting_review: int = 0
    awaiting_closure: int = 0
    review_campaign_id: int | None = None

    @property
    def dashboard_campaign_id(self) -> int | None:
        """The organization department's and the inspector's main page: the dashboard of the one published
        campaign among those listed, if there is exactly one."""
        published = [campaign.pk for campaign in self.campaigns if campaign.status == CampaignStatus.PUBLISHED]
        return published[0] if len(published) == 1 else None


def _grants(scope, roles) -> list[Grant]:
    return [g for g in scope.grants if g.role in roles]


def _paths_condition(grants: list[Grant], field_name: str, *, exact: bool) -> Q:
    condition = Q(pk__in=[])
    for grant in grants:
        condition |= Q(**{field_name if exact else f"{field_name}__startswith": grant.path})
    return condition


def home_data(user, *, campaign_limit: int = 10) -> HomeData:
    """Everything the home page shows, in a fixed number of queries whatever the number of branches."""
    scope = scope_for(user)
    data = HomeData()
    open_ledgers = Ledger.objects.filter(campaign__status=CampaignStatus.PUBLISHED)

    branch_grants = _grants(scope, BRANCH_ROLES)
    if branch_grants:
        data.show_branch = True
        mine = open_ledgers.filter(_paths_condition(branch_grants, "unit_path", exact=True))
        data.my_ledgers = list(ledgers_with_counts(mine).order_by("-campaign__year", "campaign_id", "unit_path"))

    staff_grants = _grants(scope, (Role.GENERAL_BRANCH_STAFF,))
    if staff_grants:
        data.show_general_branch = True
        below = open_ledgers.filter(_paths_condition(staff_grants, "unit_path", exact=False)).exclude(
            _paths_condition(staff_grants, "unit_path", exact=True)
        )
        by_unit: dict[int, tuple[OrgUnit, list[Ledger]]] = {}
        for ledger in ledgers_with_counts(below).order_by("unit_path", "-campaign__year", "campaign_id")[:500]:
            by_unit.setdefault(ledger.unit_id, (ledger.unit, []))[1].append(ledger)
        data.supervised = list(by_unit.values())
        _review_counts(data, below, staff_grants)

    overview_grants = _grants(scope, TEMPLATE_ROLES)
    if overview_grants:
        data.show_overview = True
        data.roots = [scope.units[g.path] for g in outermost_grants(overview_grants) if g.path in scope.units]
        data.campaigns = list(campaigns_latest(user)[:campaign_limit])
        _overview_counts(data, overview_grants)
    return data


def _review_counts(data: HomeData, below: QuerySet[Ledger], grants: list[Grant]) -> None:
    """Ledgers awaiting review and measures awaiting 销号 under the staff's units (two counts, whatever the size),
    and the open campaign they belong to when there is exactly one, so the home page can link straight to its lists."""
    totals = below.order_by().aggregate(
        submitted=Count("pk", filter=Q(status=LedgerStatus.SUBMITTED)), campaigns=Count("campaign", distinct=True),
    )
    data.awaiting_review = totals["submitted"]
    # one campaign among all the ledgers below: any ledger listed on the page belongs to it
    one_campaign = totals["campaigns"] == 1 and data.supervised
    data.review_campaign_id = data.supervised[0][1][0].campaign_id if one_campaign else None
    items = RectificationItem.objects.filter(
        _paths_condition(grants, "unit_path", exact=False), status=ItemStatus.CLOSURE_REQUESTED,
        ledger__campaign__status=CampaignStatus.PUBLISHED,
    ).exclude(_paths_condition(grants, "unit_path", exact=True))
    data.awaiting_closure = items.count()


def open_own_ledger_ids(user, *, limit: int = 2) -> list[int]:
    """The ledgers of open campaigns that the user's branch roles fill (at most `limit`; one query): the menu links
    straight to the ledger when there is exactly one."""
    grants = _grants(scope_for(user), BRANCH_ROLES)
    if not grants:
        return []
    ledgers = Ledger.objects.filter(_paths_condition(grants, "unit_path", exact=True),
                                    campaign__status=CampaignStatus.PUBLISHED)
    return list(ledgers.order_by("-campaign__year", "campaign_id").values_list("pk", flat=True)[:limit])


def _overview_counts(data: HomeData, grants: list[Grant]) -> None:
    """Ledgers by status per campaign, and active units by kind, under the viewer's overview roots.

    A province's or a city's figures come from the background tallies when they are fresh (`ledger.selectors.tallies`),
    whatever else is small enough is counted here.
    """
    today = timezone.localdate()
    found = tallies_of_today(campaign_ids=[None, *(c.pk for c in data.campaigns)], units=data.roots, today=today,
                             any_day=True)  # statuses and units by kind do not depend on the day
    tallies = found[0]

    def tallied(campaign_id: int | None) -> list[SubtreeTally] | None:
        found = [tallies.get((campaign_id, root.pk)) for root in data.roots]
        return found if data.roots and all(found) else None

    live_campaigns = []
    for campaign in data.campaigns:
        # fresh tallies, or (a stale one that changed) its unchanged blocks' rows and the changed ones counted live
        statuses = tallied_statuses(campaign=campaign, units=data.roots, today=today, tallies=found)
        if statuses is None:
            live_campaigns.append(campaign.pk)
            continue
        counts = data.campaign_counts[campaign.pk] = dict.fromkeys(LedgerStatus.values, 0)
        for status, n in statuses.items():
            counts[status] += n
    if live_campaigns:
        rows = (Ledger.objects.filter(campaign__in=live_campaigns).filter(_paths_condition(grants, "unit_path", exact=False))
                .values("campaign_id", "status").annotate(n=Count("pk")).order_by())
        for row in rows:
            data.campaign_counts.setdefault(row["campaign_id"], dict.fromkeys(LedgerStatus.values, 0))[
                row["status"]] = row["n"]

    data.tree_counts = dict.fromkeys(UnitKind.values, 0)
    tree_tallies = tallied(None)
    if tree_tallies:
        for tally in tree_tallies:
            for kind, n in tally.units.items():
                data.tree_counts[kind] += n
        return
    units = OrgUnit.objects.filter(_paths_condition(grants, "path", exact=False), is_active=True)
    data.tree_counts.update(units.values_list("kind").annotate(n=Count("pk")).order_by())
