"""Scoped reads for supervision, results, ratings and dashboards.

Every list and every dashboard figure starts from the same scoped base querysets (`items_in`,
`problems_in`, `ledgers_in`), so a number on a dashboard is always the row count of the list it links to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit, Role
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    CampaignStatus,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Problem,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    overdue_condition,
)
from reviews.models import (
    ItemReopening,
    RatingDelegation,
    ResultPolicy,
    StarRating,
    SupervisionRecord,
    SupervisionVisit,
    Tier,
)

HANDED_IN = (LedgerStatus.SUBMITTED, LedgerStatus.ACCEPTED)


# --- campaigns and the unit a page is about -------------------------------------------------------------


def campaign_for(*, scope: Scope, pk: int) -> Campaign:
    """The campaign if the viewer sees its issuer or any of its ledgers; 404 otherwise."""
    campaign = Campaign.objects.select_related("issuer").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    if scope.can(Action.VIEW, campaign.issuer_path):
        return campaign
    if scope.filter(Ledger.objects.filter(campaign=campaign), Action.VIEW, "unit_path").exists():
        return campaign
    raise Http404


def campaigns_for(scope: Scope) -> QuerySet[Campaign]:
    """Published or closed campaigns the viewer sees: issued within their subtree or holding one of their ledgers."""
    ledgers = scope.filter(Ledger.objects.filter(campaign=OuterRef("pk")), Action.VIEW, "unit_path")
    visible = scope.condition(Action.VIEW, "issuer_path") | Q(Exists(ledgers))
    return Campaign.objects.filter(visible).exclude(status=CampaignStatus.DRAFT)


def focus_unit(*, scope: Scope, campaign: Campaign, unit_pk: int | None = None) -> OrgUnit:
    """The unit whose subtree a page shows: the one asked for, else the viewer's highest unit in the campaign."""
    if unit_pk is not None:
        unit = scope.filter(OrgUnit.objects.filter(pk=unit_pk)).first()
        if unit is None or not unit.path.startswith(campaign.issuer_path):
            raise Http404
        return unit
    if scope.can(Action.VIEW, campaign.issuer_path):
        return campaign.issuer
    inside = [unit for path, unit in scope.units.items() if path.startswith(campaign.issuer_path)]
    if not inside:
        raise Http404
    return min(inside, key=lambda unit: len(unit.path))


# --- the scoped lists behind every figure ---------------------------------------------------------------


def ledgers_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    ledgers = Ledger.objects.filter(campaign=campaign, unit_path__startswith=unit.path)
    return scope.filter(ledgers, Action.VIEW, "unit_path")


def problems_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    problems = Problem.objects.filter(
        ledger__campaign=campaign, unit_path__startswith=unit.path, status=ProblemStatus.ACTIVE
    )
    return scope.filter(problems, Action.VIEW, "unit_path")


def items_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    """Items of active problems (a withdrawn problem's measures no longer count anywhere)."""
    items = RectificationItem.objects.filter(
        ledger__campaign=campaign, unit_path__startswith=unit.path, problem__status=ProblemStatus.ACTIVE
    )
    return scope.filter(items, Action.VIEW, "unit_path")


@dataclass
class ItemFilters:
    status: str = ""  # an ItemStatus value, or "open" (anything not closed)
    overdue: bool = False
    category: int | None = None
    closed_week: datetime.date | None = None  # Monday of a week in which the item was closed (销号)

    @classmethod
    def from_query(cls, params) -> ItemFilters:
        status = params.get("status", "")
        if status not in {*ItemStatus.values, "open"}:
            status = ""
        return cls(status=status, overdue=params.get("overdue") == "1", category=int_or_none(params.get("category")),
                   closed_week=date_or_none(params.get("closed_week")))

    def as_query(self) -> dict[str, str]:
        query = {"status": self.status, "overdue": "1" if self.overdue else "",
                 "category": str(self.category or ""), "closed_week": self.closed_week.isoformat() if self.closed_week else ""}
        return {key: value for key, value in query.items() if value}


def items_filtered(items: QuerySet[RectificationItem], filters: ItemFilters,
                   today: datetime.date | None = None) -> QuerySet[RectificationItem]:
    today = today or timezone.localdate()
    if filters.status == "open":
        items = items.exclude(status=ItemStatus.CLOSED)
    elif filters.status:
        items = items.filter(status=filters.status)
    if filters.overdue:
        items = items.filter(overdue_condition(today))
    if filters.category:
        items = items.filter(problem__category_id=filters.category)
    if filters.closed_week:
        start = _local_midnight(filters.closed_week)
        closed_then = LedgerEvent.objects.filter(
            item=OuterRef("pk"), action=EventAction.ITEM_CLOSED, at__gte=start, at__lt=start + datetime.timedelta(days=7)
        )
        items = items.filter(Exists(closed_then))
    return items


def problems_filtered(problems: QuerySet[Problem], *, category: int | None = None, source: str = "") -> QuerySet[Problem]:
    if category:
        problems = problems.filter(category_id=category)
    if source:
        problems = problems.filter(source=source)
    return problems


def ledgers_filtered(ledgers: QuerySet[Ledger], *, state: str = "") -> QuerySet[Ledger]:
    if state == "handed_in":
        return ledgers.filter(status__in=HANDED_IN)
    if state in LedgerStatus.values:
        return ledgers.filter(status=state)
    return ledgers


# --- results: is rectification in place at the results deadline? ---------------------------------------


def policy_of(campaign: Campaign) -> ResultPolicy:
    """The campaign's policy, or the default one (unsaved) when none was set."""
    policy = ResultPolicy.objects.filter(campaign=campaign).first()
    return policy or ResultPolicy(campaign=campaign)


def tier_for(stars: int, policy: ResultPolicy) -> str:
    if stars >= policy.advanced_min_stars:
        return Tier.ADVANCED
    if stars >= policy.middle_min_stars:
        return Tier.MIDDLE
    return Tier.LAGGING


def results_as_of(campaign: Campaign) -> datetime.date:
    return campaign.results_deadline or timezone.localdate()


@dataclass
class LedgerResult:
    ledger_id: int
    as_of: datetime.date
    items: int = 0
    not_closed: int = 0  # dated items not closed by the end of the deadline day
    overdue: int = 0  # of those, past their own time limit
    stale_ongoing: int = 0  # 立行立改 items without progress in the period
    reopened: int = 0  # reopened by a look-back check and not closed again
    period_start: datetime.date | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def in_place(self) -> bool:
        return not (self.not_closed or self.stale_ongoing or self.reopened)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def ledger_results(*, ledger_ids, campaign: Campaign, policy: ResultPolicy | None = None) -> dict[int, LedgerResult]:
    """In-place results for the given ledgers, counted by the database in one grouped query.

    An item is in place when it was closed (销号) before the end of the results-deadline day, or when it is an
    ongoing (立行立改) item with a progress note in the policy's period up to that day. Items reopened by a
    look-back check and not closed again never count as in place.
    """
    policy = policy or policy_of(campaign)
    as_of = results_as_of(campaign)
    end = _local_midnight(as_of + datetime.timedelta(days=1))
    period_start = as_of - datetime.timedelta(days=policy.progress_period_days - 1)
    recent = ProgressNote.objects.filter(item=OuterRef("pk"), created_at__gte=_local_midnight(period_start),
                                         created_at__lt=end)
    reopened = ItemReopening.objects.filter(item=OuterRef("pk"))
    closed_in_time = Q(status=ItemStatus.CLOSED, closed_at__lt=end)
    rows = (
        RectificationItem.objects.filter(ledger_id__in=ledger_ids, problem__status=ProblemStatus.ACTIVE)
        .values("ledger_id")
        .annotate(
            items=Count("pk"),
            not_closed=Count("pk", filter=Q(is_ongoing=False) & ~closed_in_time),
            overdue=Count("pk", filter=Q(is_ongoing=False, deadline__lt=as_of) & ~closed_in_time),
            stale_ongoing=Count("pk", filter=Q(is_ongoing=True) & ~closed_in_time & ~Exists(recent)),
            reopened=Count("pk", filter=Exists(reopened) & ~Q(status=ItemStatus.CLOSED)),
        )
    )
    results = {pk: LedgerResult(ledger_id=pk, as_of=as_of, period_start=period_start) for pk in ledger_ids}
    for row in rows:
        result = results[row.pop("ledger_id")]
        for key, value in row.items():
            setattr(result, key, value)
    for result in results.values():
        result.reasons = _reasons(result)
    return results


def _reasons(result: LedgerResult) -> list[str]:
    reasons = []
    if result.not_closed:
        reasons.append(_("%(n)d 项整改措施截至 %(date)s 未销号") % {"n": result.not_closed, "date": result.as_of})
    if result.overdue:
        reasons.append(_("%(n)d 项整改措施超过整改时限仍未销号（逾期）") % {"n": result.overdue})
    if result.stale_ongoing:
        reasons.append(_("%(n)d 项立行立改措施在 %(start)s 至 %(date)s 期间没有进展记录") % {
            "n": result.stale_ongoing, "start": result.period_start, "date": result.as_of})
    if result.reopened:
        reasons.append(_("%(n)d 项整改措施经“回头看”重新整改，尚未销号") % {"n": result.reopened})
    return reasons


def unit_result(*, campaign: Campaign, unit: OrgUnit, policy: ResultPolicy | None = None) -> LedgerResult | None:
    ledger = Ledger.objects.filter(campaign=campaign, unit=unit).first()
    if ledger is None:
        return None
    return ledger_results(ledger_ids=[ledger.pk], campaign=campaign, policy=policy)[ledger.pk]


# --- ratings -------------------------------------------------------------------------------------------


def ratings_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[StarRating]:
    ratings = StarRating.objects.filter(campaign=campaign, unit_path__startswith=unit.path)
    return scope.filter(ratings, Action.VIEW, "unit_path")


def rating_paths(*, scope: Scope, user) -> list[str]:
    """The subtrees (paths) where `user` may decide ratings: MANAGE grants and active delegations. One query."""
    paths = [grant.path for grant in scope.grants if scope.can(Action.MANAGE, grant.path)]
    if getattr(user, "is_authenticated", False):
        paths += RatingDelegation.objects.filter(user=user, is_active=True).values_list("unit_path", flat=True)
    return paths


def can_rate(*, scope: Scope, user, unit: OrgUnit, paths: list[str] | None = None) -> bool:
    """The organization department (MANAGE) or someone it delegated rating to for this subtree."""
    paths = rating_paths(scope=scope, user=user) if paths is None else paths
    return any(unit.path.startswith(path) for path in paths)


def weak_and_lax_candidates(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> list[tuple[StarRating, LedgerResult]]:
    """Ratings in the 后进 tier whose unit's rectification is not in place (软弱涣散整顿 candidates)."""
    policy = policy_of(campaign)
    lagging = list(ratings_in(scope=scope, campaign=campaign, unit=unit)
                   .filter(stars__lt=policy.middle_min_stars).select_related("unit"))
    ledgers = dict(Ledger.objects.filter(campaign=campaign, unit_id__in=[r.unit_id for r in lagging])
                   .values_list("unit_id", "pk"))
    results = ledger_results(ledger_ids=list(ledgers.values()), campaign=campaign, policy=policy)
    return [(rating, results[ledgers[rating.unit_id]]) for rating in lagging
            if rating.unit_id in ledgers and not results[ledgers[rating.unit_id]].in_place]


# --- supervision ---------------------------------------------------------------------------------------


def supervising_units(scope: Scope) -> list[OrgUnit]:
    """The units in whose name the viewer may run supervision: where they are general-branch staff or org dept."""
    return [scope.units[grant.path] for grant in scope.grants
            if grant.role in (Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT) and grant.path in scope.units]


def supervision_records_for(scope: Scope) -> QuerySet[SupervisionRecord]:
    """Records the viewer's units ran, or that visited a unit the viewer sees."""
    visited = scope.filter(SupervisionVisit.objects.filter(record=OuterRef("pk")), Action.VIEW, "unit_path")
    return SupervisionRecord.objects.filter(scope.condition(Action.VIEW, "author_path") | Q(Exists(visited)))


# --- dashboards ----------------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    unit: OrgUnit
    ledgers: int = 0
    handed_in: int = 0
    accepted: int = 0
    problems: int = 0
    items: int = 0
    closed: int = 0
    overdue: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.closed / self.items) if self.items else 0


def _row_key(focus: OrgUnit, path_field: str = "unit_path"):
    """The path of the focus unit's child that a row lies under (or the focus itself), computed by the database.

    '1/5/' focusing, row '1/5/23/77/' → '1/5/23/': the text up to the first '/' after the focus's own path.
    Grouping by it in SQL keeps the province's dashboard from reading every ledger row (scale bench).
    """
    prefix = len(focus.path)
    rest = Substr(path_field, prefix + 1)
    return Substr(path_field, 1, StrIndex(rest, Value("/")) + prefix, output_field=CharField())


def dashboard(*, scope: Scope, campaign: Campaign, focus: OrgUnit, today: datetime.date | None = None) -> dict:
    """Every dashboard figure, in a fixed number of grouped queries whatever the number of branches."""
    today = today or timezone.localdate()
    ledgers = ledgers_in(scope=scope, campaign=campaign, unit=focus)
    items = items_in(scope=scope, campaign=campaign, unit=focus)
    problems = problems_in(scope=scope, campaign=campaign, unit=focus)

    totals: dict[str, dict[str, int]] = {}
    for row in ledgers.annotate(key=_row_key(focus)).order_by().values("key").annotate(
            ledgers=Count("pk"), handed_in=Count("pk", filter=Q(status__in=HANDED_IN)),
            accepted=Count("pk", filter=Q(status=LedgerStatus.ACCEPTED))):
        totals.setdefault(row.pop("key"), {}).update(row)
    for row in problems.annotate(key=_row_key(focus)).order_by().values("key").annotate(problems=Count("pk")):
        totals.setdefault(row.pop("key"), {}).update(row)
    for row in items.annotate(key=_row_key(focus)).order_by().values("key").annotate(
            items=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
            overdue=Count("pk", filter=overdue_condition(today))):
        totals.setdefault(row.pop("key"), {}).update(row)
    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=list(totals))}
    rows = sorted((DashboardRow(unit=units[path], **counts) for path, counts in totals.items() if path in units),
                  key=lambda row: (row.unit.pk != focus.pk, row.unit.code))
    total = DashboardRow(unit=focus)
    for row in rows:
        for key in ("ledgers", "handed_in", "accepted", "problems", "items", "closed", "overdue"):
            setattr(total, key, getattr(total, key) + getattr(row, key))

    by_category = list(
        problems.values("category_id", "category__order", "category__title").annotate(n=Count("pk"))
        .order_by("category__order")
    )
    weekly = list(
        scope.filter(LedgerEvent.objects.filter(
            ledger__campaign=campaign, ledger__unit_path__startswith=focus.path, action=EventAction.ITEM_CLOSED,
            item__problem__status=ProblemStatus.ACTIVE,
        ), Action.VIEW, "ledger__unit_path")
        .annotate(week=TruncWeek("at")).values("week").annotate(n=Count("item", distinct=True)).order_by("week")
    )
    for row in weekly:
        row["week"] = timezone.localtime(row["week"]).date() if timezone.is_aware(row["week"]) else row["week"].date()
    stars = dict(ratings_in(scope=scope, campaign=campaign, unit=focus).values_list("stars").annotate(n=Count("pk")))
    overdue_items = list(
        items.filter(overdue_condition(today)).select_related("ledger__unit", "problem").order_by("deadline", "pk")[:10]
    )
    return {
        "rows": rows, "total": total, "by_category": by_category, "weekly": weekly,
        "stars": [(n, stars.get(n, 0)) for n in range(5, 0, -1)], "overdue_items": overdue_items, "today": today,
    }


# --- small parsing helpers -----------------------------------------------------------------------------


def int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def date_or_none(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
