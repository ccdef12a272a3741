"""Scoped reads for the branch workflow: every object is loaded through the scoping selector.

Outside the viewer's subtree an object does not exist for them (404); inside it, `rights_for` tells the
pages which actions to offer (the services check again). Page data is loaded in a fixed number of queries,
however many problems and items a ledger has.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from ledger.guidance import measure_suggestions
from ledger.models import (
    NO_PHASE_KEY,
    Campaign,
    EventAction,
    Evidence,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerFigures,
    LedgerStatus,
    Manifestation,
    Phase,
    Problem,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    SelfCheckAnswer,
    TemplateCategory,
    overdue_condition,
    self_check_tally,
)
from ledger.models import self_check_by_category as template_checked_by_category
from ledger.selectors.campaigns import campaign_visible_find
from ledger.selectors.common import measures_above


@dataclass(frozen=True)
class Rights:
    """What the viewer may do to one ledger (the services decide again on every write)."""

    fill: bool
    supervise: bool
    status: str

    @property
    def edit(self) -> bool:
        """The branch may change its plan: not while the ledger waits for review."""
        return self.fill and self.status != LedgerStatus.SUBMITTED

    @property
    def submit(self) -> bool:
        return self.fill and self.status in (LedgerStatus.DRAFT, LedgerStatus.RETURNED)

    @property
    def review(self) -> bool:
        return self.supervise and self.status == LedgerStatus.SUBMITTED

    @property
    def comment(self) -> bool:
        return self.fill or self.supervise


def rights_for(user, ledger: Ledger) -> Rights:
    scope = scope_for(user)
    return Rights(fill=scope.can(Action.FILL, ledger.unit_path), supervise=scope.can(Action.SUPERVISE, ledger.unit_path),
                  status=ledger.status)


def visible(user, queryset: QuerySet, action: Action = Action.VIEW) -> QuerySet:
    return scope_for(user).filter(queryset, action, path_field="unit_path")


def ledger_find(user, pk: int) -> Ledger | None:
    """The ledger if the viewer sees it, else None (the view answers 404, as for anything out of scope)."""
    return visible(user, Ledger.objects.select_related("campaign", "unit__parent", "campaign__template")).filter(pk=pk).first()


def problem_find(user, pk: int) -> Problem | None:
    queryset = Problem.objects.select_related("ledger__campaign", "ledger__unit", "category", "manifestation")
    return visible(user, queryset).filter(pk=pk).first()


def item_find(user, pk: int) -> RectificationItem | None:
    queryset = RectificationItem.objects.select_related("problem__category", "ledger__campaign", "ledger__unit__parent")
    return visible(user, queryset).filter(pk=pk).first()


def manifestation_find(pk: int) -> Manifestation | None:
    """A checklist line with its category (the service checks it belongs to the ledger's template)."""
    return Manifestation.objects.select_related("category").filter(pk=pk).first()


def evidence_find(user, pk: int) -> Evidence | None:
    return visible(user, Evidence.objects.all()).filter(pk=pk).first()


def _items_queryset() -> QuerySet:
    """Measures with their phase and, as the list `evidence_list`, their evidence. Prefetched into lists
    (`to_attr`), not related managers: Django clones a queryset per row for a manager, which was a fifth of the
    ledger page of 200 measures (issue 15)."""
    return RectificationItem.objects.select_related("phase").order_by("number").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at"), to_attr="evidence_list")
    )


# What the ledger page shows of a measure and of a file (`ledger_rows`): the other columns (paths, authors, times,
# versions, hashes) are not read, so not built into each of the page's 200 measures and their files (issue 15).
PAGE_ITEM_COLUMNS = ("id", "problem_id", "ledger_id", "number", "measure", "is_ongoing", "deadline",
                     "responsible_name", "responsible_leader", "responsible_unit", "phase_id", "phase__name", "status",
                     "carried_from_id")  # in `PageItem`'s order
PAGE_EVIDENCE_FIELDS = ("id", "item_id", "original_name", "thumbnail", "uploaded_at")


class PhaseName(NamedTuple):
    name: str


class PageItem:
    """A measure as the ledger page reads it (`PAGE_ITEM_COLUMNS`), with its problem and `evidence_list`: plain
    attributes from one `values_list`, not model instances (building 200 of them was a fifth of the page's reads,
    issue 15). Overdue by the model's own rule."""

    __slots__ = ("pk", "id", "problem_id", "ledger_id", "number", "measure", "is_ongoing", "deadline",
                 "responsible_name", "responsible_leader", "responsible_unit", "phase_id", "phase", "status",
                 "carried_from_id", "problem", "evidence_list", "evidence_count")

    is_overdue = RectificationItem.is_overdue
    overdue = RectificationItem.overdue

    def __init__(self, row: tuple, problem: Problem, evidence: list[Evidence]) -> None:
        (self.id, self.problem_id, self.ledger_id, self.number, self.measure, self.is_ongoing, self.deadline,
         self.responsible_name, self.responsible_leader, self.responsible_unit, self.phase_id, phase_name,
         self.status, self.carried_from_id) = row
        self.pk, self.problem, self.evidence_list = self.id, problem, evidence
        self.phase = PhaseName(phase_name) if self.phase_id else None


def _attach_items(ledger: Ledger, problems: list[Problem]) -> None:
    """Each problem's measures in order as `item_list` (`PageItem`), each with its evidence as `evidence_list`: two
    queries by the ledger. A prefetch filtered by `IN` lists of every problem and measure, and cloned a queryset per
    row, took about a third of the ledger page of 200 measures in Django's SQL compiler (issue 15)."""
    evidence = defaultdict(list)
    for ev in Evidence.objects.filter(item__ledger=ledger).only(*PAGE_EVIDENCE_FIELDS).order_by("uploaded_at", "pk"):
        evidence[ev.item_id].append(ev)
    by_problem = {problem.pk: problem for problem in problems}
    for problem in problems:
        problem.item_list = []
    rows = RectificationItem.objects.filter(ledger=ledger).order_by("number").values_list(*PAGE_ITEM_COLUMNS)
    for row in rows:
        problem = by_problem.get(row[1])
        if problem is not None:
            problem.item_list.append(PageItem(row, problem, evidence[row[0]]))


def _attach_links(ledger: Ledger, problems: list[Problem]) -> None:
    """The problems of other ledgers each problem links to — carried from (结转自), recurring from (反弹自) and carried
    to (已结转至) — as `carried_from`, `recurrence_of` and `carried_to_list`: one query, with their ledger and
    campaign. Joined to every problem row they made its query three times as long, for links few problems have."""
    linked = {problem.carried_from_id for problem in problems} | {problem.recurrence_of_id for problem in problems}
    linked.discard(None)
    others = {}
    for problem in problems:
        problem.carried_to_list = []
    by_pk = {problem.pk: problem for problem in problems}
    for other in (Problem.objects.filter(Q(pk__in=linked) | Q(carried_from__ledger=ledger))
                  .select_related("ledger__campaign").order_by("ledger_id", "number")):
        others[other.pk] = other
        if other.carried_from_id in by_pk and other.ledger_id != ledger.pk:
            by_pk[other.carried_from_id].carried_to_list.append(other)
    for problem in problems:
        if problem.carried_from_id:
            problem.carried_from = others.get(problem.carried_from_id) or problem.carried_from
        if problem.recurrence_of_id:
            problem.recurrence_of = others.get(problem.recurrence_of_id) or problem.recurrence_of


@dataclass
class CategoryBlock:
    category: TemplateCategory
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PhaseCount:
    """One row of the ledger's work by phase: its measures, closed and overdue; `key` is its filter value."""

    key: str
    label: str
    items: int = 0
    closed: int = 0
    overdue: int = 0


@dataclass
class LedgerPage:
    ledger: Ledger
    blocks: list[CategoryBlock]
    withdrawn: list[Problem]
    events: list[LedgerEvent]
    counts: dict
    answered: int
    total: int
    more_history: bool = False  # older events than those shown: on the ledger's history page
    phases: list[PhaseCount] = field(default_factory=list)  # empty when the campaign has no phases
    phase_shown: PhaseCount | None = None  # the phase the measures are filtered to, if any
    closable: list[RectificationItem] = field(default_factory=list)  # awaiting 销号 (`_closable`), every nature


def phase_counts(phases: list[Phase], items: list[RectificationItem], today: datetime.date) -> list[PhaseCount]:
    """Measures, closed and overdue per phase in the campaign's order, then those in no phase (when any are).

    Empty while no measure is in a phase: a campaign shows work by phase once its people put measures in phases."""
    if not any(item.phase_id for item in items):
        return []
    rows = {str(phase.pk): PhaseCount(str(phase.pk), phase.name) for phase in phases}
    loose = PhaseCount(NO_PHASE_KEY, str(_("未分阶段")))
    for item in items:
        row = rows.get(str(item.phase_id), loose)
        row.items += 1
        row.closed += item.status == ItemStatus.CLOSED
        row.overdue += item.is_overdue(today)
    return [*rows.values(), *([loose] if loose.items else [])]


# The ledger page shows the latest events, folded; a ledger gathers hundreds in a year (every answer, note and
# closure): the rest are on its history page.
HISTORY_ON_PAGE = 10


def history(ledger: Ledger, *, item: RectificationItem | None = None) -> QuerySet[LedgerEvent]:
    events = LedgerEvent.objects.filter(ledger=ledger).select_related("actor", "item", "problem")
    return events.filter(item=item) if item is not None else events


HISTORY_ORDER = ("at", "pk")  # the order events happened in, by the (ledger, at) index: the history's keyset


def history_oldest_first(ledger: Ledger) -> QuerySet[LedgerEvent]:
    """Every event of the ledger in the order it happened (its history page)."""
    return history(ledger).order_by(*HISTORY_ORDER)


def ledger_page(ledger: Ledger, today: datetime.date | None = None, *, nature: str = "",
                phase: str = "") -> LedgerPage:
    """Problems grouped by category with their items and evidence, the history and the counts: 8 queries.

    `nature` (个性/共性) narrows the problems listed, not the counts. Each problem carries `common_measures`: the
    measures of the units above that answer it (上级专项整治). `phase` (a phase's id, or "none") shows only the
    measures of that phase, and the problems that have some."""
    today = today or timezone.localdate()
    categories = list(TemplateCategory.objects.filter(template_id=ledger.campaign.template_id).order_by("order"))
    problems = list(Problem.objects.filter(ledger=ledger).order_by("number").select_related("manifestation"))
    _attach_links(ledger, problems)
    _attach_items(ledger, problems)
    blocks = {category.pk: CategoryBlock(category) for category in categories}
    withdrawn = []
    answered_above = measures_above(ledger, problems)
    for problem in problems:
        problem.common_measures = answered_above.get(problem.pk, [])
        if problem.status == ProblemStatus.WITHDRAWN:
            withdrawn.append(problem)
        elif problem.category_id in blocks and nature in ("", problem.nature):
            blocks[problem.category_id].problems.append(problem)
    active = [problem for problem in problems if problem.status == ProblemStatus.ACTIVE and problem.category_id in blocks]
    items = [item for problem in active for item in problem.item_list]
    counts = {
        "problems": len(active),
        "items": len(items),
        "closed": sum(1 for item in items if item.status == ItemStatus.CLOSED),
        "requested": sum(1 for item in items if item.status == ItemStatus.CLOSURE_REQUESTED),
        "overdue": sum(1 for item in items if item.is_overdue(today)),
    }
    phases = phase_counts(list(ledger.campaign.phases.order_by("order")), items, today)
    shown = next((row for row in phases if row.key == phase), None)
    for problem in problems:
        problem.shown_items = [item for item in problem.item_list
                               if shown is None or str(item.phase_id or NO_PHASE_KEY) == shown.key]
    if shown is not None:
        for block in blocks.values():
            block.problems = [problem for problem in block.problems if problem.shown_items]
    answered, total = self_check_counts(ledger)
    latest = list(history(ledger).order_by("-at", "-id")[:HISTORY_ON_PAGE + 1])  # one more tells if there are more
    return LedgerPage(ledger=ledger, blocks=list(blocks.values()), withdrawn=withdrawn,
                      events=latest[:HISTORY_ON_PAGE][::-1], counts=counts, answered=answered, total=total,
                      more_history=len(latest) > HISTORY_ON_PAGE, phases=phases, phase_shown=shown,
                      closable=_closable(problems))


def _closable(problems: list[Problem]) -> list[RectificationItem]:
    """Measures waiting for 销号 (the bulk close form), by problem and measure number, each with `evidence_count`:
    taken from the measures the page has read; a query of its own built the featured ledger's 34 again (issue 15)."""
    waiting = [item for problem in problems if problem.status == ProblemStatus.ACTIVE for item in problem.item_list
               if item.status == ItemStatus.CLOSURE_REQUESTED]
    for item in waiting:
        item.evidence_count = len(item.evidence_list)
    return waiting


def self_check_counts(ledger: Ledger) -> tuple[int, int]:
    """(answered, total): "not found", or "found" with a description, counts as answered (`self_check_tally`)."""
    return self_check_tally(ledger)


def self_check_by_category(ledger: Ledger) -> bool:
    """The ledger's template lists no manifestations: each category is one point to answer."""
    return template_checked_by_category(ledger.campaign.template_id)


@dataclass
class SelfCheckRow:
    """One point to answer: a manifestation, or (templates without manifestations) the whole category."""

    manifestation: Manifestation | None
    answer: SelfCheckAnswer | None
    category: TemplateCategory | None = None

    @property
    def key(self) -> str:
        """The row's id part in the page (a manifestation's stays its pk, as before categories were points)."""
        return str(self.manifestation.pk) if self.manifestation else f"c{self.category.pk}"


def self_check_page(ledger: Ledger) -> list[tuple[TemplateCategory, list[SelfCheckRow], list[Problem]]]:
    """Every point grouped by category with the answer so far, and the category's extra problems (延伸自查)."""
    by_category = template_checked_by_category(ledger.campaign.template_id)
    categories = TemplateCategory.objects.filter(template_id=ledger.campaign.template_id).order_by("order")
    categories = categories.prefetch_related(Prefetch("manifestations", queryset=Manifestation.objects.order_by("order")))
    answers = list(SelfCheckAnswer.objects.filter(ledger=ledger))
    by_manifestation = {a.manifestation_id: a for a in answers if a.manifestation_id}
    by_category_id = {a.category_id: a for a in answers if a.category_id}
    backing = {a.problem_id for a in answers if a.problem_id}  # a category answer's problem is not an extra one
    extras: dict[int, list[Problem]] = {}
    for problem in Problem.objects.filter(ledger=ledger, status=ProblemStatus.ACTIVE,
                                          manifestation__isnull=True).order_by("number"):
        if problem.pk not in backing:
            extras.setdefault(problem.category_id, []).append(problem)

    def rows(category: TemplateCategory) -> list[SelfCheckRow]:
        if by_category:
            return [SelfCheckRow(None, by_category_id.get(category.pk), category)]
        return [SelfCheckRow(m, by_manifestation.get(m.pk)) for m in category.manifestations.all()]

    return [(category, rows(category), extras.get(category.pk, [])) for category in categories]


def self_check_answer_current(ledger: Ledger, *, manifestation: Manifestation | None = None,
                              category: TemplateCategory | None = None) -> SelfCheckAnswer | None:
    """The answer to a manifestation or a category as saved now (someone else's save refused this person's)."""
    point = {"manifestation": manifestation} if manifestation is not None else {"category": category}
    return SelfCheckAnswer.objects.filter(ledger=ledger, **point).first()


def suggested_measures(problem: Problem) -> list[str]:
    """The measures the problem's category lists (e.g. the county plan's ①②③), one suggestion each."""
    return measure_suggestions(problem.category.requirements)


def category_find(pk: int) -> TemplateCategory | None:
    """A checklist category (the service checks it belongs to the ledger's template)."""
    return TemplateCategory.objects.filter(pk=pk).first()


def problem_items(problem: Problem) -> list[RectificationItem]:
    """The problem's measures in order, with their evidence (the problem's page)."""
    return list(_items_queryset().filter(problem=problem))


@dataclass
class ItemPage:
    item: RectificationItem
    notes: list[ProgressNote]
    evidence: list[Evidence]
    events: list[LedgerEvent]
    earlier: list[RectificationItem] = field(default_factory=list)  # the measures this one continues, newest first
    earlier_notes: list[ProgressNote] = field(default_factory=list)
    earlier_evidence: list[Evidence] = field(default_factory=list)
    carried_to: list[RectificationItem] = field(default_factory=list)  # where this measure continues
    common_measures: list = field(default_factory=list)  # 上级专项整治 answering the item's problem


def carried_chain(item: RectificationItem) -> list[RectificationItem]:
    """The measures `item` was carried from (结转), back to the first, newest first (same unit, so same scope)."""
    chain, current = [], item
    while current.carried_from_id and len(chain) < 50:
        current = (RectificationItem.objects.select_related("problem", "ledger__campaign")
                   .get(pk=current.carried_from_id))
        chain.append(current)
    return chain


def item_page(item: RectificationItem) -> ItemPage:
    notes = list(ProgressNote.objects.filter(item=item).select_related("author").order_by("created_at"))
    earlier = carried_chain(item)
    # The history and the files of the measures it continues are shown, not copied: the files are stored once.
    earlier_notes = list(ProgressNote.objects.filter(item__in=earlier).select_related("author", "item__ledger__campaign")
                         .order_by("created_at"))
    earlier_evidence = list(Evidence.objects.filter(item__in=earlier).order_by("uploaded_at"))
    carried_to = list(item.carried_to.select_related("problem", "ledger__campaign"))
    return ItemPage(item=item, notes=notes, evidence=list(item.evidence.order_by("uploaded_at")),
                    events=list(history(item.ledger, item=item)), earlier=earlier, earlier_notes=earlier_notes,
                    earlier_evidence=earlier_evidence, carried_to=carried_to,
                    common_measures=measures_above(item.ledger, [item.problem]).get(item.problem_id, []))


def ledger_item_ids(ledger: Ledger, ids: list[str]) -> list[int]:
    """Those of `ids` that are measures of `ledger`: an id from elsewhere is simply not there."""
    return list(ledger.items.filter(pk__in=ids).values_list("pk", flat=True))


def changes_since_acceptance(ledger: Ledger) -> list[LedgerEvent]:
    """The amendments the branch made after the general branch accepted its ledger."""
    if ledger.accepted_at is None:
        return []
    return list(history(ledger).filter(action=EventAction.LEDGER_AMENDED, at__gte=ledger.accepted_at))


# --- the general branch's list --------------------------------------------------------------------------------

# "unit" is the tree's order (branches under their general branch), which the (campaign, unit_path) index
# serves page by page; sorting 274k ledgers by name took the province's list to 200 ms (scale bench).
def _count(model, condition: Q) -> Coalesce:
    rows = (model.objects.filter(condition, ledger=OuterRef("pk")).order_by().values("ledger")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def ledger_list_counts(today: datetime.date) -> dict:
    """The ledger list's per-ledger counts as annotations (correlated subqueries): the live rule that the stored
    figures (`LedgerFigures`, counted by `reviews.figures`) hold for every ledger."""
    live = Q(problem__status=ProblemStatus.ACTIVE)
    return {
        "n_problems": _count(Problem, Q(status=ProblemStatus.ACTIVE)),
        "n_items": _count(RectificationItem, live),
        "n_closed": _count(RectificationItem, live & Q(status=ItemStatus.CLOSED)),
        "n_requested": _count(RectificationItem, live & Q(status=ItemStatus.CLOSURE_REQUESTED)),
        "n_overdue": _count(RectificationItem, live & overdue_condition(today)),
        "last_change": Subquery(LedgerEvent.objects.filter(ledger=OuterRef("pk")).order_by().values("ledger")
                                .annotate(at=Max("at")).values("at")),
    }


# The list's columns read from the stored figures (`LedgerFigures`): sorting by one is an index scan. Their copy
# of the path (`figures_path`) is the tie of a figure's sort (`ledger.filters.ledger_order`).
STORED_COUNTS = {"n_problems": "figures__problems", "n_items": "figures__items", "n_closed": "figures__closed",
                 "n_requested": "figures__requested", "n_overdue": "figures__overdue",
                 "last_change": "figures__last_change", "figures_counted_on": "figures__counted_on",
                 "figures_path": "figures__unit_path"}


def campaign_ledger_rows(user, campaign: Campaign) -> QuerySet[Ledger]:
    """The ledgers of `campaign` the user sees, with their stored figures (one query, no per-row count), in tree
    order (`ledger.filters.CampaignLedgerFilter` narrows and sorts them)."""
    rows = visible(user, Ledger.objects.filter(campaign=campaign)).select_related("unit").annotate(
        **{name: F(path) for name, path in STORED_COUNTS.items()})
    return rows.order_by("unit_path")


def figures_subtree(user, campaign: Campaign):
    """Narrow ledger rows by their figures' own copies of the campaign and path, for a sort by a figure: the
    planner then reads the viewer's subtree from the figures' (campaign, figure, unit_path) indexes instead of
    joining the campaign's every row (in tree order the ledger's own index serves, and the figures of the page's
    50 rows are read by key)."""
    scope = scope_for(user)
    return lambda rows: scope.filter(rows.filter(figures__campaign=campaign), Action.VIEW,
                                     path_field="figures__unit_path")


def figures_older_than_today(rows) -> datetime.date | None:
    """The oldest day the stored figures of `rows` were counted for, when before today (the daily recount has
    not reached them yet, so "overdue" is as of that day); None when they are today's."""
    days = [row.figures_counted_on for row in rows if row.figures_counted_on is not None]
    oldest = min(days, default=None)
    return oldest if oldest is not None and oldest < timezone.localdate() else None


def campaign_find(user, pk: int) -> Campaign | None:
    """The campaign if the viewer sees it (`ledger.selectors.campaigns`): the same rule as the campaign pages."""
    return campaign_visible_find(scope_for(user), pk)


MY_REVIEW_SHOWN = 200  # the ledgers waiting for this viewer listed on "my ledgers"
MY_REVIEW_FIELDS = ("id", "campaign_id", "unit_id", "unit_path", "status", "campaign__name", "campaign__year")


def my_ledgers(user) -> dict:
    """The unit's own ledgers to fill, and the ledgers waiting for this viewer's review or 销号 (`ledgers_awaiting`)."""
    base = Ledger.objects.select_related("campaign", "unit").order_by("-campaign__year", "unit_path")
    return {"own": visible(user, base, Action.FILL)[:100], "review": ledgers_awaiting(user)}


def ledgers_awaiting(user, shown: int = MY_REVIEW_SHOWN) -> list[Ledger]:
    """The first `shown` ledgers the viewer supervises that are submitted or have measures awaiting 销号, newest
    campaign year first, then in tree order; each with `n_requested` (its measures awaiting 销号).

    Read from the stored figures' `awaiting` flag (`reviews.figures`) by its partial index (year, unit_path):
    PostgreSQL reads each year's first `shown` rows of the subtree along the index (a UNION ALL of one bounded
    range per campaign year: the rows read do not grow with the province), then the ledgers by key. "Submitted
    or awaiting 销号" across the join to the figures, sorted by year and path, read every such ledger of the
    province before the limit: 662 ms at 300k units (scale bench). SQLite (small): one ordered query."""
    waiting = visible(user, LedgerFigures.objects.filter(awaiting=True), Action.SUPERVISE)
    order, columns = ("-year", "unit_path", "ledger_id"), ("year", "unit_path", "ledger_id", "requested")
    if connection.features.supports_slicing_ordering_in_compound:
        years = list(Campaign.objects.order_by("-year").values_list("year", flat=True).distinct())
        if not years:
            return []
        parts = [waiting.filter(year=year).order_by(*order).values_list(*columns)[:shown] for year in years]
        rows = parts[0].union(*parts[1:], all=True).order_by(*order)[:shown] if len(parts) > 1 else parts[0]
    else:
        rows = waiting.order_by(*order).values_list(*columns)[:shown]
    requested = {pk: n for _year, _path, pk, n in rows}
    # by key, each table on its own: joined to the units, 200 keys were a hash join over every unit (30k rows)
    ledgers = (Ledger.objects.select_related("campaign").only(*MY_REVIEW_FIELDS).order_by()
               .in_bulk(list(requested)))
    units = OrgUnit.objects.only("id", "name").order_by().in_bulk([ledger.unit_id for ledger in ledgers.values()])
    shown_rows = []
    for pk, n in requested.items():
        if (ledger := ledgers.get(pk)) is not None:
            ledger.unit, ledger.n_requested = units[ledger.unit_id], n
            shown_rows.append(ledger)
    return shown_rows
