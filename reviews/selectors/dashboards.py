"""Every dashboard figure, in a fixed number of grouped queries whatever the number of branches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Scope
from ledger.models import (
    NO_PHASE_KEY,
    Campaign,
    ItemStatus,
    LedgerEvent,
    LedgerStatus,
    Phase,
    Problem,
    ProblemNature,
    RecurrenceState,
    SubtreeTally,
    TemplateCategory,
    overdue_condition,
)
from ledger.selectors.tallies import TallyParts, tally_or_parts
from reviews.models import StarRating
from reviews.selectors.results import in_place_filter, policy_of
from reviews.selectors.sets import HANDED_IN, CampaignSets, campaign_sets


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


# The grouped queries behind every figure, one builder each: the live dashboard and the background recount
# (`reviews.tallies`, which streams them ordered by unit) count with the very same queries.
def ledger_groups(sets: CampaignSets, *, key, in_place) -> QuerySet:
    """Rows {key, status, n, in_place}: ledgers per key and status, and how many of them are in place (`in_place`:
    the campaign's `in_place_filter`)."""
    return sets.ledgers.annotate(key=key).order_by().values("key", "status").annotate(
        n=Count("pk"), in_place=Count("pk", filter=in_place))


def problem_groups(sets: CampaignSets, *, key) -> QuerySet:
    """Rows {key, n}: active problems."""
    return sets.problems.annotate(key=key).order_by().values("key").annotate(n=Count("pk"))


PHASE_FIGURES = ("items", "closed", "overdue")  # what the 按阶段 table shows of each phase


def phase_key(phase_id: int | None, figure: str) -> str:
    """A figure's key in the tallies' `phases` map: "<phase id or ''>:<items|closed|overdue>"."""
    return f"{phase_id or ''}:{figure}"


def phases_of(stored: dict[str, int]) -> dict[int | None, dict[str, int]]:
    """A tally's `phases` map as phase id (None: in no phase) → {items, closed, overdue}."""
    counted: dict[int | None, dict[str, int]] = {}
    for key, n in stored.items():
        phase, figure = key.split(":")
        row = counted.setdefault(int(phase) if phase else None, dict.fromkeys(PHASE_FIGURES, 0))
        row[figure] += n
    return counted


def item_phase_groups(sets: CampaignSets, *, key, today: datetime.date) -> QuerySet:
    """Rows {key, phase_id, items, closed, overdue}: measures of active problems per key and phase. The recount
    reads the items' figures and the `phases` map from this one scan (`reviews.tallies`)."""
    return sets.items.annotate(key=key).order_by().values("key", "phase_id").annotate(
        items=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_condition(today)))


def nature_groups(problems: QuerySet[Problem], *, key) -> QuerySet:
    """(key, problem nature 个性/共性, active problems)."""
    return problems.annotate(key=key).order_by().values_list("key", "nature").annotate(n=Count("pk"))


def closure_groups(closures: QuerySet[LedgerEvent], *, key) -> QuerySet:
    """(key, start of the week (see `local_week`), items closed that week)."""
    return closures.annotate(key=key, week=TruncWeek("at")).order_by().values_list("key", "week").annotate(
        n=Count("item", distinct=True))


def star_groups(ratings: QuerySet[StarRating], *, key) -> QuerySet:
    """(key, stars, ratings)."""
    return ratings.annotate(key=key).order_by().values_list("key", "stars").annotate(n=Count("pk"))


Phases = dict[int | None, dict[str, int]]  # phase id (None: in no phase) → {items, closed, overdue}


def grouped_figures(sets: CampaignSets, *, key, today: datetime.date, in_place) -> tuple[dict[str, dict], Phases]:
    """The row figures of `sets` per value of `key` (an expression over the unit path), and the measures per phase
    over them all, in three grouped queries (the measures' per key and phase: a query less than apart).

    Each value: the FIGURES as counts, and "statuses" (ledger status → ledgers). `in_place` is the campaign's
    `in_place_filter`: the ledgers in place are counted by the same rule as the results page.
    """
    totals: dict[str, dict] = {}
    phases: Phases = {}

    def figures(path: str) -> dict:
        return totals.setdefault(path, {**dict.fromkeys(FIGURES, 0), "statuses": {}})

    for row in ledger_groups(sets, key=key, in_place=in_place):
        row_figures, n = figures(row["key"]), row["n"]
        row_figures["statuses"][row["status"]] = n
        row_figures["in_place"] += row["in_place"]
        row_figures["ledgers"] += n
        row_figures["handed_in"] += n if row["status"] in HANDED_IN else 0
        row_figures["accepted"] += n if row["status"] == LedgerStatus.ACCEPTED else 0
    for row in problem_groups(sets, key=key):
        figures(row["key"])["problems"] = row["n"]
    for row in item_phase_groups(sets, key=key, today=today):
        row_figures = figures(row["key"])
        phase = phases.setdefault(row["phase_id"], dict.fromkeys(PHASE_FIGURES, 0))
        for name in PHASE_FIGURES:
            row_figures[name] += row[name]
            phase[name] += row[name]
    return totals, phases


def grouped_kinds(problems: QuerySet[Problem]) -> tuple[dict[int, int], dict[str, int], dict[str, int]]:
    """Active problems per template category, per nature (个性/共性) and per recurrence state, one grouped query
    (for a subtree counted live: the scan the categories need anyway; see `recurring_counts` for big ones)."""
    kinds: tuple[dict, dict, dict] = ({}, {}, {})
    grouped = problems.order_by().values_list("category_id", "nature", "recurrence_state").annotate(n=Count("pk"))
    for *values, n in grouped:
        for counted, value in zip(kinds, values, strict=True):
            counted[value] = counted.get(value, 0) + n
    return kinds


def grouped_closures(closures: QuerySet[LedgerEvent], *, key) -> list[tuple[str, datetime.date, int]]:
    """(key, Monday of the week in local time, items closed that week)."""
    return [(row_key, local_week(week), n) for row_key, week, n in closure_groups(closures, key=key)]


def grouped_stars(ratings: QuerySet[StarRating], *, key) -> list[tuple[str, int, int]]:
    """(key, stars, ratings)."""
    return list(star_groups(ratings, key=key))


def local_week(moment) -> datetime.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _tallied_figures(*, sets: CampaignSets, campaign: Campaign, focus: OrgUnit, today: datetime.date,
                     in_place) -> dict[str, dict]:
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
    for path, figures in grouped_figures(live, key=_row_key(focus), today=today, in_place=in_place)[0].items():
        figures.pop("statuses")
        totals[path] = figures
    return totals


def _live_sets(sets: CampaignSets, parts: TallyParts) -> CampaignSets:
    """What a changed tally's page counts live: the changed blocks, and the own ledgers of the units above."""
    return CampaignSets(ledgers=sets.ledgers.filter(parts.live_condition()),
                        problems=sets.problems.filter(parts.live_condition()),
                        items=sets.items.filter(parts.live_condition()),
                        closures=sets.closures.filter(parts.live_condition("ledger__unit_path")),
                        ratings=sets.ratings.filter(parts.live_condition()))


def _add_stored_parts(parts: TallyParts, *, focus: OrgUnit, totals: dict[str, dict], maps: tuple) -> None:
    """Add the unchanged blocks' stored rows to the live counts of the rest: each into the row of the focus's
    child it lies under, and its keyed counts into the focus's (categories, natures, weeks, stars)."""
    categories, natures, weekly, stars, phases = maps
    for tally in parts.stored:  # read with their units
        child = tally.unit.path[:tally.unit.path.index("/", len(focus.path)) + 1]
        row = totals.setdefault(child, {**dict.fromkeys(FIGURES, 0), "statuses": {}})
        for name in FIGURES:
            row[name] += getattr(tally, name)
        for phase, figures in phases_of(tally.phases).items():
            into = phases.setdefault(phase, dict.fromkeys(PHASE_FIGURES, 0))
            for name, n in figures.items():
                into[name] += n
        for into, stored, key in ((categories, tally.categories, int), (natures, tally.natures, str),
                                  (weekly, tally.weekly, datetime.date.fromisoformat), (stars, tally.stars, int)):
            for value, n in stored.items():
                into[key(value)] = into.get(key(value), 0) + n


def phase_figures(counted: dict[int | None, dict[str, int]], *, campaign: Campaign) -> list[dict]:
    """Measures, closed and overdue per phase of the campaign (its order), then those in no phase; empty while no
    measure is in a phase (as on the ledger page). `counted`: phase id → figures, from the tallies (`phases`) or
    counted live (`grouped_phases`); one query, the campaign's phases."""
    if not set(counted) - {None}:
        return []
    phases = list(Phase.objects.filter(campaign=campaign).order_by("order").values_list("pk", "name"))
    if not phases:
        return []
    empty = dict.fromkeys(PHASE_FIGURES, 0)
    rows = [{"key": str(pk), "label": name, **counted.get(pk, empty)} for pk, name in phases]
    if None in counted:
        rows.append({"key": NO_PHASE_KEY, "label": str(_("未分阶段")), **counted[None]})
    return rows


# What the overdue list's rows show (`reviews.templatetags.review_rows.item_table_rows`): reading every column of
# four models for ten rows was 2–3 ms of CPU.
OVERDUE_FIELDS = ("number", "measure", "is_ongoing", "deadline", "status", "responsible_name", "ledger__unit__name",
                  "problem__number", "problem__description")


RECURRING = (RecurrenceState.FLAGGED, RecurrenceState.CONFIRMED)


def recurring_counts(problems: QuerySet[Problem]) -> dict[str, int]:
    """Recurring problems (问题反弹) among `problems`: flagged (awaiting a decision) and confirmed, one query."""
    # Only the few flagged rows are read (the partial index `problem_recurring`), not every problem of a province.
    counted = dict(problems.filter(recurrence_state__in=RECURRING)
                   .order_by().values_list("recurrence_state").annotate(n=Count("pk")))
    return {state: counted.get(state, 0) for state in RECURRING}


def dashboard(*, scope: Scope, campaign: Campaign, focus: OrgUnit, today: datetime.date | None = None) -> dict:
    """Every dashboard figure, in a fixed number of grouped queries whatever the number of branches.

    A big subtree (a county, a city, the province) reads its background tallies (`reviews.tallies`) when they
    are fresh; the page then says when they were counted. Everything else is counted live.
    """
    today = today or timezone.localdate()
    sets = campaign_sets(campaign=campaign, unit=focus).scoped(scope)
    tally, parts = tally_or_parts(campaign=campaign, unit=focus, today=today)
    in_place = in_place_filter(campaign=campaign, policy=policy_of(campaign))
    recurring = None
    if tally is None:
        counted = _live_sets(sets, parts) if parts else sets
        totals, phases = grouped_figures(counted, key=_row_key(focus), today=today, in_place=in_place)
        whole = Value(focus.path, output_field=CharField())
        categories, natures, states = grouped_kinds(counted.problems)
        if not parts:  # counted all of `sets.problems`: the recurring ones are among these counts
            recurring = {state: states.get(state, 0) for state in RECURRING}
        weekly = {week: n for _key, week, n in grouped_closures(counted.closures, key=whole)}
        stars = {stars: n for _key, stars, n in grouped_stars(counted.ratings, key=whole)}
        if parts:
            _add_stored_parts(parts, focus=focus, totals=totals,
                              maps=(categories, natures, weekly, stars, phases))
    else:
        totals = _tallied_figures(sets=sets, campaign=campaign, focus=focus, today=today, in_place=in_place)
        categories = {int(category): n for category, n in tally.categories.items()}
        natures = dict(tally.natures)
        weekly = {datetime.date.fromisoformat(week): n for week, n in tally.weekly.items()}
        stars = {int(stars): n for stars, n in tally.stars.items()}
        phases = phases_of(tally.phases)

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
    by_phase = phase_figures(phases, campaign=campaign)
    overdue_items = list(sets.items.filter(overdue_condition(today)).select_related("ledger__unit", "problem")
                         .only(*OVERDUE_FIELDS).order_by("deadline", "pk")[:10])
    return {
        "rows": rows, "total": total, "by_category": by_category, "by_phase": by_phase,
        "recurring": recurring_counts(sets.problems) if recurring is None else recurring,
        "by_nature": [(value, label, natures.get(value, 0)) for value, label in ProblemNature.choices],
        "weekly": [{"week": week, "n": n} for week, n in sorted(weekly.items())],
        "stars": [(n, stars.get(n, 0)) for n in range(5, 0, -1)], "overdue_items": overdue_items, "today": today,
        "counted_at": tally.counted_at if tally else parts.counted_at if parts else None,
    }
