"""Scoped reads for supervision, results, ratings and dashboards.

Every list and every dashboard figure starts from the same scoped base querysets (`items_in`,
`problems_in`, `ledgers_in`), so a number on a dashboard is always the row count of the list it links to.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, StrIndex, Substr, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit, Role
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    Problem,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    SelfCheckAnswer,
    SubtreeTally,
    TemplateCategory,
    answered_condition,
    overdue_condition,
    without_measures,
)
from ledger.selectors.campaigns import campaign_visible_get, campaigns_visible
from ledger.selectors.tallies import usable_tally
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
    """The campaign if the viewer sees it (`ledger.selectors.campaigns`); 404 otherwise."""
    return campaign_visible_get(scope, pk)


def campaigns_for(scope: Scope) -> QuerySet[Campaign]:
    """Published or closed campaigns the viewer sees: issued within their subtree or above it."""
    return campaigns_visible(scope, drafts=False)


def campaigns_listed(scope: Scope) -> QuerySet[Campaign]:
    """The reviews home page: the campaigns the viewer follows, newest first."""
    return campaigns_for(scope).select_related("issuer").order_by("-year", "-pk")


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


@dataclass(frozen=True)
class CampaignSets:
    """A campaign's rows under one unit that the lists and dashboards count, all from the same filters."""

    ledgers: QuerySet[Ledger]
    problems: QuerySet[Problem]
    items: QuerySet[RectificationItem]
    closures: QuerySet[LedgerEvent]
    ratings: QuerySet[StarRating]

    def scoped(self, scope: Scope) -> CampaignSets:
        return CampaignSets(
            ledgers=scope.filter(self.ledgers, Action.VIEW, "unit_path"),
            problems=scope.filter(self.problems, Action.VIEW, "unit_path"),
            items=scope.filter(self.items, Action.VIEW, "unit_path"),
            closures=scope.filter(self.closures, Action.VIEW, "ledger__unit_path"),
            ratings=scope.filter(self.ratings, Action.VIEW, "unit_path"),
        )


def campaign_sets(*, campaign: Campaign, unit: OrgUnit) -> CampaignSets:
    """Unscoped: for the background tallies, and through `.scoped()` for everything a viewer sees.

    Problems and items count only while their problem is active (a withdrawn problem's measures no longer
    count anywhere); closures are the item-closed events of such items.
    """
    under = {"unit_path__startswith": unit.path}
    active = ProblemStatus.ACTIVE
    return CampaignSets(
        ledgers=Ledger.objects.filter(campaign=campaign, **under),
        problems=Problem.objects.filter(ledger__campaign=campaign, status=active, **under),
        items=RectificationItem.objects.filter(ledger__campaign=campaign, problem__status=active, **under),
        closures=LedgerEvent.objects.filter(ledger__campaign=campaign, ledger__unit_path__startswith=unit.path,
                                            action=EventAction.ITEM_CLOSED, item__problem__status=active),
        ratings=StarRating.objects.filter(campaign=campaign, **under),
    )


def ledgers_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).ledgers, Action.VIEW, "unit_path")


def problems_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).problems, Action.VIEW, "unit_path")


def items_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).items, Action.VIEW, "unit_path")


def items_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    """The measures list behind the dashboard, in tree order (a FilterSet narrows it: `reviews.filters`)."""
    items = items_in(scope=scope, campaign=campaign, unit=unit).select_related("ledger__unit", "problem__category")
    return items.order_by("unit_path", "problem__number", "number")


def problems_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    problems = problems_in(scope=scope, campaign=campaign, unit=unit).select_related("ledger__unit", "category")
    return problems.order_by("unit_path", "number")


def ledgers_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    return ledgers_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by("unit_path")


def ledgers_in_place(ledgers: QuerySet[Ledger], *, campaign: Campaign,
                     policy: ResultPolicy | None = None) -> QuerySet[Ledger]:
    """The ledgers whose rectification is in place (整改到位) by the results page's rule."""
    return ledgers.alias(**in_place_counts(campaign=campaign, policy=policy or policy_of(campaign))).filter(
        in_place_condition())


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
    status: str = LedgerStatus.DRAFT  # the ledger's own state: only an accepted (已通过) ledger can be in place
    measures: int = 0  # measures of active problems
    not_closed: int = 0  # dated items not closed by the end of the deadline day
    overdue: int = 0  # of those, past their own time limit
    stale_ongoing: int = 0  # 立行立改 items without progress in the period
    reopened: int = 0  # reopened by a look-back check and not closed again
    unmeasured: int = 0  # active problems without any measure
    unanswered: int = 0  # checklist manifestations the self-check has not answered
    period_start: datetime.date | None = None
    in_place: bool = False  # computed by the database with `in_place_condition`
    reasons: list[str] = field(default_factory=list)


# The per-ledger counts that decide "in place", as annotation names (see `in_place_counts`).
RESULT_COUNTS = ("measures", "not_closed", "overdue", "stale_ongoing", "reopened", "unmeasured", "unanswered")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _count(rows: QuerySet, group: str) -> Coalesce:
    """COUNT of `rows` (correlated to the outer ledger) as a scalar subquery; 0 when there are none."""
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def in_place_counts(*, campaign: Campaign, policy: ResultPolicy) -> dict[str, Coalesce]:
    """Per-ledger counts, as annotations for a Ledger queryset, that decide whether rectification is in place
    at the results deadline (结果运用: 整改落实不到位的，取消五星级党支部评选资格). Withdrawn problems never count.

    - not_closed: dated measures not closed (销号) before the end of the results-deadline day (overdue: of those,
      past their own time limit);
    - stale_ongoing: 立行立改、长期坚持 measures, which have no end date, with no progress note in the policy's
      period up to that day (a closed one counts as done);
    - reopened: measures reopened by a look-back check (回头看) and not closed again;
    - unmeasured: active problems without any measure (措施制定到位);
    - unanswered: checklist manifestations the self-check left unanswered (逐条逐项对照检查, 查摆到位).
    """
    as_of = results_as_of(campaign)
    end = _local_midnight(as_of + datetime.timedelta(days=1))
    period_start = as_of - datetime.timedelta(days=policy.progress_period_days - 1)
    recent = ProgressNote.objects.filter(item=OuterRef("pk"), created_at__gte=_local_midnight(period_start),
                                         created_at__lt=end)
    reopened = ItemReopening.objects.filter(item=OuterRef("pk"))
    closed_in_time = Q(status=ItemStatus.CLOSED, closed_at__lt=end)
    items = RectificationItem.objects.filter(ledger=OuterRef("pk"), problem__status=ProblemStatus.ACTIVE)
    answered = SelfCheckAnswer.objects.filter(answered_condition(), ledger=OuterRef(OuterRef("pk")),
                                              manifestation=OuterRef("pk"))
    unanswered = Manifestation.objects.filter(category__template_id=campaign.template_id).exclude(Exists(answered))
    return {
        "measures": _count(items, "ledger"),
        "not_closed": _count(items.filter(Q(is_ongoing=False) & ~closed_in_time), "ledger"),
        "overdue": _count(items.filter(Q(is_ongoing=False, deadline__lt=as_of) & ~closed_in_time), "ledger"),
        "stale_ongoing": _count(items.filter(Q(is_ongoing=True) & ~closed_in_time & ~Exists(recent)), "ledger"),
        "reopened": _count(items.filter(Exists(reopened) & ~Q(status=ItemStatus.CLOSED)), "ledger"),
        "unmeasured": _count(without_measures(Problem.objects.filter(ledger=OuterRef("pk"))), "ledger"),
        "unanswered": _count(unanswered, "category__template"),
    }


def in_place_condition() -> Q:
    """THE rule "rectification in place" (整改到位), over a Ledger queryset annotated with `in_place_counts`:
    the ledger was accepted by the general branch, the self-check is fully answered, every active problem has a
    measure, and no measure is left open (not closed, stale, or reopened). Results, ratings, dashboards, tallies
    and the situation report all count by it."""
    return Q(status=LedgerStatus.ACCEPTED, unanswered=0, unmeasured=0, not_closed=0, stale_ongoing=0, reopened=0)


def ledgers_with_results(ledgers: QuerySet[Ledger], *, campaign: Campaign,
                         policy: ResultPolicy | None = None) -> QuerySet[Ledger]:
    """`ledgers` annotated with the result counts and `in_place` (a boolean computed by the database)."""
    policy = policy or policy_of(campaign)
    return ledgers.annotate(**in_place_counts(campaign=campaign, policy=policy)).annotate(
        in_place=ExpressionWrapper(in_place_condition(), output_field=BooleanField()))


def ledger_results(*, ledger_ids, campaign: Campaign, policy: ResultPolicy | None = None) -> dict[int, LedgerResult]:
    """In-place results for the given ledgers, with the reasons why not, counted by the database in one query."""
    policy = policy or policy_of(campaign)
    as_of = results_as_of(campaign)
    period_start = as_of - datetime.timedelta(days=policy.progress_period_days - 1)
    rows = ledgers_with_results(Ledger.objects.filter(pk__in=ledger_ids), campaign=campaign, policy=policy)
    results = {}
    for row in rows.values("pk", "status", "in_place", *RESULT_COUNTS):
        pk = row.pop("pk")
        result = results[pk] = LedgerResult(ledger_id=pk, as_of=as_of, period_start=period_start, **row)
        result.in_place = bool(result.in_place)
        result.reasons = _reasons(result)
    return results


def _reasons(result: LedgerResult) -> list[str]:
    reasons = []
    if result.status != LedgerStatus.ACCEPTED:
        reasons.append(_("台账为“%(status)s”状态，未经党总支（党委）审核通过") % {
            "status": LedgerStatus(result.status).label})
    if result.unanswered:
        reasons.append(_("对照检查还有 %(n)d 条表现未作答") % {"n": result.unanswered})
    if result.unmeasured:
        reasons.append(_("%(n)d 个查摆问题没有制定整改措施") % {"n": result.unmeasured})
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
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).ratings, Action.VIEW, "unit_path")


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


SUPERVISING_ROLES = (Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT)


def supervising_units(scope: Scope) -> list[OrgUnit]:
    """The units in whose name the viewer may run supervision: where they are general-branch staff or org dept."""
    return [scope.units[grant.path] for grant in scope.grants
            if grant.role in SUPERVISING_ROLES and grant.path in scope.units]


def supervisable_campaigns(scope: Scope) -> QuerySet[Campaign]:
    """The published or closed campaigns the viewer's supervising units see: what a supervision record may be
    about (the service accepts a campaign issued above or inside the author unit)."""
    return campaigns_visible(scope.restricted_to(SUPERVISING_ROLES), drafts=False)


def supervision_records_for(scope: Scope) -> QuerySet[SupervisionRecord]:
    """Records the viewer's units ran, or that visited a unit the viewer sees."""
    visited = scope.filter(SupervisionVisit.objects.filter(record=OuterRef("pk")), Action.VIEW, "unit_path")
    return SupervisionRecord.objects.filter(scope.condition(Action.VIEW, "author_path") | Q(Exists(visited)))


def supervision_records_listed(scope: Scope) -> QuerySet[SupervisionRecord]:
    return supervision_records_for(scope).select_related("author_unit", "campaign")


def supervision_record_find(*, scope: Scope, pk: int) -> SupervisionRecord | None:
    """A record the viewer sees (`supervision_records_for`), with its author unit and campaign; else None."""
    return supervision_records_listed(scope).filter(pk=pk).first()


def supervising_units_listed(scope: Scope) -> QuerySet[OrgUnit]:
    """`supervising_units` as a queryset: the choices of a new record's author unit."""
    return OrgUnit.objects.filter(pk__in=[unit.pk for unit in supervising_units(scope)])


def visitable_units(scope: Scope) -> QuerySet[OrgUnit]:
    """The active units the viewer may supervise: what a new record may visit."""
    return scope.filter(OrgUnit.objects.filter(is_active=True), Action.SUPERVISE).order_by("path")


def supervised_visits(*, scope: Scope, record: SupervisionRecord) -> list[SupervisionVisit]:
    """The record's visits to units the viewer may supervise: where they may open a problem or reopen an item."""
    return [visit for visit in record.visits.select_related("unit") if scope.can(Action.SUPERVISE, visit.unit_path)]


@dataclass(frozen=True)
class FindingChoices:
    """What a finding may open a problem in: a visited unit, a campaign it has a ledger in, its checklist's
    categories (only the record's campaign when it names one)."""

    units: QuerySet[OrgUnit]
    campaigns: QuerySet[Campaign]
    categories: QuerySet[TemplateCategory]


def finding_choices(*, record: SupervisionRecord, visits: list[SupervisionVisit]) -> FindingChoices:
    units = OrgUnit.objects.filter(pk__in=[visit.unit_id for visit in visits])
    campaigns = Campaign.objects.filter(ledgers__unit__in=units).distinct()
    if record.campaign_id:
        campaigns = campaigns.filter(pk=record.campaign_id)
    categories = TemplateCategory.objects.filter(template__campaigns__in=campaigns).distinct().select_related("template")
    return FindingChoices(units=units, campaigns=campaigns, categories=categories)


def supervision_record_details(record: SupervisionRecord) -> dict:
    """What the record's page shows besides the record: its visits, the problems it opened, the items it reopened."""
    return {
        "visits": record.visits.select_related("unit"),
        "findings": record.opened_findings.select_related("problem__ledger__unit", "problem__category"),
        "reopenings": record.reopenings.select_related("item__ledger__unit", "actor"),
    }


# A look-back page lists this many closed items at once; a search narrows the list, never what may be chosen.
REOPEN_LIST_SIZE = 50
_CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# "3-2", "3.2", "问题3②", "问题3": a problem number, optionally with its measure's number.
_ITEM_NUMBER = re.compile(rf"(?:问题)?(\d+)(?:[-－.．]\s*(\d+)|([{_CIRCLED_DIGITS}]))?")


def reopenable_items(visits) -> QuerySet[RectificationItem]:
    """Every closed item of the visited units; `visits` are only those the viewer may SUPERVISE. Not sliced:
    a form validating against a slice refuses every choice (Django cannot filter a sliced query)."""
    return RectificationItem.objects.filter(status=ItemStatus.CLOSED, unit_path__in=[v.unit_path for v in visits])


def _number_condition(term: str) -> Q | None:
    match = _ITEM_NUMBER.fullmatch(term)
    if match is None:
        return None
    condition = Q(problem__number=int(match[1]))
    if match[2]:
        condition &= Q(number=int(match[2]))
    elif match[3]:
        condition &= Q(number=_CIRCLED_DIGITS.index(match[3]) + 1)
    return condition


def reopen_list(*, visits: list[SupervisionVisit], query: str, chosen: str = "") -> tuple[list, bool]:
    """The closed items a look-back page lists: the first REOPEN_LIST_SIZE matches of the search, plus the item
    just chosen (so a refused post does not lose the choice); and whether more matched."""
    items = reopenable_items(visits)
    matches = list(items_searched(items, query)[:REOPEN_LIST_SIZE + 1])
    shown = matches[:REOPEN_LIST_SIZE]
    if chosen.isdigit() and all(item.pk != int(chosen) for item in shown):
        shown += list(items_searched(items.filter(pk=int(chosen)), ""))
    return shown, len(matches) > REOPEN_LIST_SIZE


def items_searched(items: QuerySet[RectificationItem], query: str) -> QuerySet[RectificationItem]:
    """Items matching every word of `query` in their measure, their problem, their unit's name or number."""
    for term in query.split():
        condition = (Q(measure__icontains=term) | Q(problem__description__icontains=term)
                     | Q(ledger__unit__name__icontains=term))
        number = _number_condition(term)
        items = items.filter(condition | number if number is not None else condition)
    return items.select_related("ledger__unit", "problem").order_by("unit_path", "problem__number", "number")


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
    in_place: int = 0  # ledgers whose rectification is in place (整改到位), by `in_place_condition`

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


FIGURES = ("ledgers", "handed_in", "accepted", "problems", "items", "closed", "overdue", "in_place")


def grouped_figures(sets: CampaignSets, *, key, today: datetime.date, results: dict) -> dict[str, dict]:
    """The row figures of `sets` per value of `key` (an expression over the unit path), in three grouped queries.

    Each value: the FIGURES as counts, and "statuses" (ledger status → ledgers). `results` are the campaign's
    `in_place_counts`: the ledgers in place are counted by the same rule as the results page.
    """
    totals: dict[str, dict] = {}

    def figures(path: str) -> dict:
        return totals.setdefault(path, {**dict.fromkeys(FIGURES, 0), "statuses": {}})

    ledgers = sets.ledgers.alias(**results).annotate(key=key).order_by().values("key", "status")
    for row in ledgers.annotate(n=Count("pk"), in_place=Count("pk", filter=in_place_condition())):
        row_figures, n = figures(row["key"]), row["n"]
        row_figures["statuses"][row["status"]] = n
        row_figures["in_place"] += row["in_place"]
        row_figures["ledgers"] += n
        row_figures["handed_in"] += n if row["status"] in HANDED_IN else 0
        row_figures["accepted"] += n if row["status"] == LedgerStatus.ACCEPTED else 0
    for row in sets.problems.annotate(key=key).order_by().values("key").annotate(n=Count("pk")):
        figures(row["key"])["problems"] = row["n"]
    for row in sets.items.annotate(key=key).order_by().values("key").annotate(
            items=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
            overdue=Count("pk", filter=overdue_condition(today))):
        figures(row.pop("key")).update(row)
    return totals


def grouped_categories(problems: QuerySet[Problem], *, key) -> list[tuple[str, int, int]]:
    """(key, template category id, active problems)."""
    return list(problems.annotate(key=key).order_by().values_list("key", "category_id").annotate(n=Count("pk")))


def grouped_closures(closures: QuerySet[LedgerEvent], *, key) -> list[tuple[str, datetime.date, int]]:
    """(key, Monday of the week in local time, items closed that week)."""
    rows = closures.annotate(key=key, week=TruncWeek("at")).order_by().values_list("key", "week").annotate(
        n=Count("item", distinct=True))
    return [(row_key, _local_day(week), n) for row_key, week, n in rows]


def grouped_stars(ratings: QuerySet[StarRating], *, key) -> list[tuple[str, int, int]]:
    """(key, stars, ratings)."""
    return list(ratings.annotate(key=key).order_by().values_list("key", "stars").annotate(n=Count("pk")))


def _local_day(moment) -> datetime.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _tallied_figures(*, sets: CampaignSets, campaign: Campaign, focus: OrgUnit, today: datetime.date,
                     results: dict) -> dict[str, dict]:
    """Row figures of a big focus: its children's tallies, plus, counted live, its own ledger and the children
    that have nothing below them (branches directly under it, which get no tally)."""
    totals = {}
    tallied = []
    children = SubtreeTally.objects.filter(campaign=campaign, unit__parent=focus).only("unit_id", *FIGURES)
    for tally in children.select_related("unit"):
        totals[tally.unit.path] = {name: getattr(tally, name) for name in FIGURES}
        tallied.append(tally.unit_id)

    untallied = [focus.path, *OrgUnit.objects.filter(parent=focus).exclude(pk__in=tallied).values_list("path", flat=True)]
    live = CampaignSets(ledgers=sets.ledgers.filter(unit_path__in=untallied),
                        problems=sets.problems.filter(unit_path__in=untallied),
                        items=sets.items.filter(unit_path__in=untallied), closures=sets.closures, ratings=sets.ratings)
    for path, figures in grouped_figures(live, key=_row_key(focus), today=today, results=results).items():
        figures.pop("statuses")
        totals[path] = figures
    return totals


def dashboard(*, scope: Scope, campaign: Campaign, focus: OrgUnit, today: datetime.date | None = None) -> dict:
    """Every dashboard figure, in a fixed number of grouped queries whatever the number of branches.

    A big subtree (a county, a city, the province) reads its background tallies (`reviews.tallies`) when they
    are fresh; the page then says when they were counted. Everything else is counted live.
    """
    today = today or timezone.localdate()
    sets = campaign_sets(campaign=campaign, unit=focus).scoped(scope)
    tally = usable_tally(campaign=campaign, unit=focus, today=today)
    results = in_place_counts(campaign=campaign, policy=policy_of(campaign))
    if tally is None:
        totals = grouped_figures(sets, key=_row_key(focus), today=today, results=results)
        whole = Value(focus.path, output_field=CharField())
        categories = {category: n for _key, category, n in grouped_categories(sets.problems, key=whole)}
        weekly = {week: n for _key, week, n in grouped_closures(sets.closures, key=whole)}
        stars = {stars: n for _key, stars, n in grouped_stars(sets.ratings, key=whole)}
    else:
        totals = _tallied_figures(sets=sets, campaign=campaign, focus=focus, today=today, results=results)
        categories = {int(category): n for category, n in tally.categories.items()}
        weekly = {datetime.date.fromisoformat(week): n for week, n in tally.weekly.items()}
        stars = {int(stars): n for stars, n in tally.stars.items()}

    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=list(totals))}
    rows = sorted((DashboardRow(unit=units[path], **{name: counts[name] for name in FIGURES})
                   for path, counts in totals.items() if path in units),
                  key=lambda row: (row.unit.pk != focus.pk, row.unit.code))
    total = DashboardRow(unit=focus, **{name: sum(getattr(row, name) for row in rows) for name in FIGURES})
    by_category = [
        {"category_id": category.pk, "category__order": category.order, "category__title": category.title,
         "n": categories[category.pk]}
        for category in TemplateCategory.objects.filter(pk__in=list(categories)).order_by("order")
    ]
    overdue_items = list(
        sets.items.filter(overdue_condition(today)).select_related("ledger__unit", "problem").order_by("deadline", "pk")[:10]
    )
    return {
        "rows": rows, "total": total, "by_category": by_category,
        "weekly": [{"week": week, "n": n} for week, n in sorted(weekly.items())],
        "stars": [(n, stars.get(n, 0)) for n in range(5, 0, -1)], "overdue_items": overdue_items, "today": today,
        "counted_at": tally.counted_at if tally else None,
    }
