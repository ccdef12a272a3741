"""The unit's record (档案): every campaign it took part in with its figures and whether rectification was in
place, its stars and tiers by year, the supervision visits it had, its committee's term; for a unit above, its
subtree's tiers by year and how they moved from year to year.

A year's tier comes from the finalized yearly survey (摸底排查) that classified the unit (the nearest issuer's
when several did), else from the year's star rating under its campaign's result policy. The page's figures are
counted in a fixed number of queries, however many campaigns the unit took part in (the campaigns' in-place
counts are one UNION query): tests/reviews/test_record.py counts them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from config.lists import PAGE_SIZE
from ledger.models import Campaign, ItemStatus, Ledger, Problem, ProblemStatus, RectificationItem, overdue_condition
from reviews.models import ResultPolicy, StarRating, SupervisionVisit, SurveyStatus, Tier, TierSurveyEntry
from reviews.selectors.results import figures_recount_pending, ledgers_with_results, tier_for

TIER_RANK = {Tier.LAGGING: 1, Tier.MIDDLE: 2, Tier.ADVANCED: 3}


@dataclass
class CampaignRow:
    """One campaign the unit took part in: its ledger's state and figures, and the results rule's verdict."""

    campaign: Campaign
    ledger_id: int
    status: str
    problems: int = 0
    measures: int = 0
    closed: int = 0
    overdue: int = 0
    in_place: bool = False

    @property
    def status_label(self) -> str:
        from ledger.models import LedgerStatus

        return LedgerStatus(self.status).label


@dataclass
class YearRow:
    year: int
    stars: int | None = None
    rating_tier: str = ""
    survey_tier: str = ""
    survey_reason: str = ""
    improvement_ledger_id: int | None = None
    movement: str = ""  # "up", "down", "same" against the year before it on the record, "" for the first

    @property
    def tier(self) -> str:
        """The year's tier: the survey's where there is one, else the star rating's."""
        return self.survey_tier or self.rating_tier

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label if self.tier else ""


@dataclass
class UnitRecord:
    unit: OrgUnit
    campaigns: list[CampaignRow]
    years: list[YearRow]
    visits: list[SupervisionVisit]
    term_expires_on: datetime.date | None
    term_status: str


def record_unit_find(*, scope: Scope, pk: int) -> OrgUnit | None:
    """A unit the viewer sees, with its parent, else None."""
    return scope.filter(OrgUnit.objects.select_related("parent"), Action.VIEW).filter(pk=pk).first()


def movement(before: str, after: str) -> str:
    if not before or not after:
        return ""
    change = TIER_RANK[after] - TIER_RANK[before]
    return "up" if change > 0 else "down" if change < 0 else "same"


def _count(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("ledger").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _policies(campaign_ids) -> dict[int, ResultPolicy]:
    return {policy.campaign_id: policy for policy in ResultPolicy.objects.filter(campaign_id__in=set(campaign_ids)).select_related("recount_job")}


def campaign_rows(unit: OrgUnit, *, policies: dict[int, ResultPolicy],
                  today: datetime.date | None = None) -> list[CampaignRow]:
    """The unit's campaigns, newest first, each counted by the results rule (`in_place_condition`) as of its
    results deadline; problems, measures, closed and overdue as of today. Read from the ledgers' stored figures
    (`LedgerFigures`, counted by these rules at every change) where they were counted today, else counted live
    in one UNION query: building that query for each campaign was most of a branch's record page (issue 15)."""
    ledgers = list(Ledger.objects.filter(unit=unit).select_related("campaign", "figures")
                   .order_by("-campaign__year", "-campaign__created_at", "-pk"))
    if not ledgers:
        return []
    today = today or timezone.localdate()
    # A campaign whose stored verdicts are being counted again under a new rule is counted live meanwhile.
    recounting = {campaign_id for campaign_id, policy in policies.items() if figures_recount_pending(policy)}
    found = {ledger.pk: None if ledger.campaign_id in recounting else _stored_row(ledger, today) for ledger in ledgers}
    found.update(_counted_rows([ledger for ledger in ledgers if found[ledger.pk] is None], policies, today))
    rows = []
    for ledger in ledgers:
        row = found[ledger.pk]
        rows.append(CampaignRow(campaign=ledger.campaign, ledger_id=ledger.pk, status=row["status"],
                                problems=row["problem_count"], measures=row["measures"], closed=row["closed_count"],
                                overdue=row["overdue_now"], in_place=bool(row["in_place"])))
    return rows


def _stored_row(ledger: Ledger, today: datetime.date) -> dict | None:
    """The row from the ledger's stored figures if they were counted for `today` (overdue and the in-place rule
    depend on the day), else None."""
    try:
        figures = ledger.figures
    except ObjectDoesNotExist:
        return None
    if figures.counted_on != today:
        return None
    return {"status": ledger.status, "in_place": figures.in_place, "measures": figures.measures,
            "problem_count": figures.problems, "closed_count": figures.closed, "overdue_now": figures.overdue}


def _counted_rows(ledgers: list[Ledger], policies: dict[int, ResultPolicy], today: datetime.date) -> dict[int, dict]:
    """The rows of `ledgers` counted live, one UNION query (each part needs its own campaign's deadline, template
    and policy)."""
    if not ledgers:
        return {}
    active = RectificationItem.objects.filter(ledger=OuterRef("pk"), problem__status=ProblemStatus.ACTIVE)
    figures = {
        "problem_count": _count(Problem.objects.filter(ledger=OuterRef("pk"), status=ProblemStatus.ACTIVE)),
        "closed_count": _count(active.filter(status=ItemStatus.CLOSED)),
        "overdue_now": _count(active.filter(overdue_condition(today))),
    }
    parts = []
    for ledger in ledgers:
        campaign = ledger.campaign
        policy = policies.get(campaign.pk) or ResultPolicy(campaign=campaign)
        counted = ledgers_with_results(Ledger.objects.filter(pk=ledger.pk).order_by(), campaign=campaign,
                                       policy=policy).annotate(**figures)
        parts.append(counted.values("pk", "status", "in_place", "measures", "problem_count", "closed_count", "overdue_now"))
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {row["pk"]: row for row in union}


def _survey_tiers(entries) -> dict[tuple[int, int], tuple[str, str, int | None]]:
    """(unit id, year) → (tier, reason, improvement ledger id) from finalized survey rows given as
    (unit_id, year, tier, reason, ledger_id, issuer_path); the nearest issuer (longest path) wins."""
    best: dict[tuple[int, int], tuple[int, tuple[str, str, int | None]]] = {}
    for unit_id, year, tier, reason, ledger_id, issuer_path in entries:
        key = (unit_id, year)
        if key not in best or len(issuer_path) > best[key][0]:
            best[key] = (len(issuer_path), (tier, reason, ledger_id))
    return {key: value for key, (_depth, value) in best.items()}


SURVEY_COLUMNS = ("unit_id", "survey__year", "tier", "reason", "improvement_ledger_id", "survey__issuer_path")


def year_rows(unit: OrgUnit, *, ratings: list[StarRating], policies: dict[int, ResultPolicy]) -> list[YearRow]:
    """The unit's years, oldest first: stars, the rating's tier, the survey's tier, the movement from the year
    before."""
    entries = TierSurveyEntry.objects.filter(unit=unit, survey__status=SurveyStatus.FINALIZED)
    surveyed = _survey_tiers(entries.values_list(*SURVEY_COLUMNS))
    years: dict[int, YearRow] = {}
    for rating in ratings:
        policy = policies.get(rating.campaign_id) or ResultPolicy(campaign_id=rating.campaign_id)
        years[rating.year] = YearRow(year=rating.year, stars=rating.stars, rating_tier=tier_for(rating.stars, policy))
    for (_unit_id, year), (tier, reason, ledger_id) in surveyed.items():
        row = years.setdefault(year, YearRow(year=year))
        row.survey_tier, row.survey_reason, row.improvement_ledger_id = tier, reason, ledger_id
    ordered = [years[year] for year in sorted(years)]
    for before, after in zip(ordered, ordered[1:], strict=False):
        after.movement = movement(before.tier, after.tier)
    return ordered


def unit_record(*, unit: OrgUnit, today: datetime.date | None = None) -> UnitRecord:
    """Everything on the unit's record page (the viewer's scope was checked by `record_unit_find`)."""
    ratings = list(StarRating.objects.filter(unit=unit).order_by("year"))
    campaign_ids = list(Ledger.objects.filter(unit=unit).values_list("campaign_id", flat=True))
    policies = _policies(campaign_ids + [rating.campaign_id for rating in ratings])
    visits = list(SupervisionVisit.objects.filter(unit=unit)
                  .select_related("record", "record__author_unit", "record__campaign")
                  .order_by("-record__date", "-record_id"))
    return UnitRecord(
        unit=unit, campaigns=campaign_rows(unit, policies=policies, today=today),
        years=year_rows(unit, ratings=ratings, policies=policies), visits=visits,
        term_expires_on=unit.committee_expires_on, term_status=unit.term_status(today or timezone.localdate()),
    )


# ---- a unit above: its subtree's tiers by year --------------------------------------------------------------


@dataclass
class YearMove:
    """How the units' tiers moved from one year to the next."""

    from_year: int
    to_year: int
    up: int = 0
    down: int = 0
    same: int = 0
    transitions: list[tuple[str, str, int]] = field(default_factory=list)  # (from label, to label, units)


@dataclass
class SubtreeTiers:
    years: list[int]
    page: Page  # of (unit, [(tier, stars) for each year])
    unit_count: int
    by_year: dict[int, dict[str, int]]  # year → tier → units
    moves: list[YearMove]


def subtree_tiers(*, scope: Scope, unit: OrgUnit, page_number: str | None = None) -> SubtreeTiers:
    """Every unit below `unit` (in the viewer's scope) that has a star rating or a finalized survey tier, with
    its tier and stars for each year (one page of units, in tree order); the tier counts by year and the
    movements between consecutive years over all of them. Four queries: ratings, survey rows, policies, the
    page's units (only ids and paths are read for the units off the page)."""
    ratings = list(scope.filter(StarRating.objects.filter(unit_path__startswith=unit.path).exclude(unit=unit),
                                Action.VIEW, "unit_path").values_list("unit_id", "year", "stars", "campaign_id",
                                                                      "unit_path"))
    entries = scope.filter(TierSurveyEntry.objects.filter(unit_path__startswith=unit.path,
                                                          survey__status=SurveyStatus.FINALIZED).exclude(unit=unit),
                           Action.VIEW, "unit_path")
    surveyed_rows = list(entries.values_list(*SURVEY_COLUMNS, "unit_path"))
    surveyed = _survey_tiers(row[:-1] for row in surveyed_rows)
    paths = {row[0]: row[-1] for row in surveyed_rows}
    policies = _policies(row[3] for row in ratings)
    stars: dict[tuple[int, int], int] = {}
    tiers: dict[tuple[int, int], str] = {}
    for unit_id, year, count, campaign_id, path in ratings:
        stars[(unit_id, year)] = count
        tiers[(unit_id, year)] = tier_for(count, policies.get(campaign_id) or ResultPolicy(campaign_id=campaign_id))
        paths[unit_id] = path
    tiers.update({key: tier for key, (tier, _reason, _ledger) in surveyed.items()})
    years = sorted({year for _unit_id, year in tiers})
    ordered = sorted(paths, key=paths.__getitem__)
    page = Paginator(ordered, PAGE_SIZE).get_page(page_number)
    units = {child.pk: child for child in OrgUnit.objects.filter(pk__in=list(page.object_list))}
    page.object_list = [(units[pk], [(tiers.get((pk, year), ""), stars.get((pk, year))) for year in years])
                        for pk in page.object_list]
    by_year = {year: Counter() for year in years}
    for (_unit_id, year), tier in tiers.items():
        by_year[year][tier] += 1
    return SubtreeTiers(years=years, page=page, unit_count=len(ordered),
                        by_year={year: {tier: counts[tier] for tier in Tier.values} for year, counts in by_year.items()},
                        moves=_moves(tiers, years, ordered))


def _moves(tiers: dict[tuple[int, int], str], years: list[int], unit_ids: list[int]) -> list[YearMove]:
    moves = []
    for before, after in zip(years, years[1:], strict=False):
        move = YearMove(from_year=before, to_year=after)
        transitions: Counter = Counter()
        for unit_id in unit_ids:
            was, now = tiers.get((unit_id, before), ""), tiers.get((unit_id, after), "")
            direction = movement(was, now)
            if direction:
                setattr(move, direction, getattr(move, direction) + 1)
                transitions[(was, now)] += 1
        move.transitions = [(Tier(was).label, Tier(now).label, n)
                            for (was, now), n in sorted(transitions.items(),
                                                        key=lambda t: (-TIER_RANK[t[0][0]], -TIER_RANK[t[0][1]]))]
        moves.append(move)
    return moves
