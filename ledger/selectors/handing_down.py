"""Reads for handing problems down (上级交办): what may be handed down to whom, and how the copies are doing.

Every list is a fixed number of queries, however many units a problem went to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from branches.models import UnitKind
from branches.selectors import Action, scope_for
from ledger.models import (
    OPEN_ITEM_STATUSES,
    CampaignStatus,
    ItemStatus,
    Ledger,
    Problem,
    ProblemStatus,
    RectificationItem,
    overdue_condition,
)

# The hand-down form lists at most this many lower units (a county's towns are tens; more is a deeper tree).
UNITS_ON_FORM = 500


def may_hand_down(user, ledger: Ledger) -> bool:
    """The organization department over the unit of a committee's (not a branch's) ledger in a running campaign."""
    return (ledger.unit.kind != UnitKind.BRANCH and ledger.campaign.status == CampaignStatus.PUBLISHED
            and scope_for(user).can(Action.MANAGE, ledger.unit_path))


def hand_down_problems(ledger: Ledger) -> QuerySet[Problem]:
    """The ledger's active problems, which may be handed down."""
    return (ledger.problems.filter(status=ProblemStatus.ACTIVE).select_related("category")
            .order_by("category__order", "number"))


def hand_down_targets(user, ledger: Ledger) -> QuerySet[Ledger]:
    """The same campaign's ledgers of the units below the ledger's unit that the user manages, in tree order."""
    below = Ledger.objects.filter(campaign_id=ledger.campaign_id, unit_path__startswith=ledger.unit_path).exclude(
        pk=ledger.pk)
    return scope_for(user).filter(below, Action.MANAGE, path_field="unit_path").select_related("unit").order_by(
        "unit_path")[:UNITS_ON_FORM]


def _item_count(condition: Q) -> Coalesce:
    rows = (RectificationItem.objects.filter(condition, problem=OuterRef("pk")).order_by().values("problem")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _with_progress(problems: QuerySet[Problem], today: datetime.date) -> QuerySet[Problem]:
    return problems.annotate(
        n_items=_item_count(Q()),
        n_closed=_item_count(Q(status=ItemStatus.CLOSED)),
        n_overdue=_item_count(overdue_condition(today)),
    )


@dataclass
class CopyRow:
    """One handed-down copy as the original's page shows it."""

    problem: Problem
    visible: bool  # the viewer may open the copy
    ledger_in_place: bool | None  # the copy's ledger by the results rule (None: unknown here)

    @property
    def done(self) -> bool:
        """This problem is rectified in that unit: it has measures and every one is closed."""
        return self.problem.status == ProblemStatus.ACTIVE and 0 < self.problem.n_items == self.problem.n_closed


def _in_place(ledgers: list[Ledger]) -> dict[int, bool]:
    """Whether each ledger's rectification is in place (整改到位), by the results rule of the layer above (reviews),
    reached through a setting as the reminder sweep reaches the reports: {} when it cannot be known here."""
    dotted = settings.LEDGER_IN_PLACE_PROVIDER
    if not ledgers or not dotted:
        return {}
    try:
        provider = import_string(dotted)
    except ImportError:
        return {}
    results = provider(ledger_ids=[ledger.pk for ledger in ledgers], campaign=ledgers[0].campaign)
    return {pk: result.in_place for pk, result in results.items()}


def handed_down_copies(user, problem: Problem, today: datetime.date | None = None) -> list[CopyRow]:
    """The copies of `problem` in the lower units' ledgers with their measures, closed and overdue counts and
    their ledgers' state: three queries (copies, in-place counts, nothing per row)."""
    today = today or timezone.localdate()
    copies = list(_with_progress(problem.handed_down_copies.select_related("ledger__unit", "ledger__campaign"), today)
                  .order_by("unit_path"))
    in_place = _in_place([copy.ledger for copy in copies])
    scope = scope_for(user)
    return [CopyRow(problem=copy, visible=scope.can(Action.VIEW, copy.unit_path),
                    ledger_in_place=in_place.get(copy.ledger_id)) for copy in copies]


def handed_down_summary(ledger: Ledger) -> dict[int, dict[str, int]]:
    """{problem id: {"units": copies, "done": copies with measures all closed}} for the ledger's problems that were
    handed down: one query, none for a branch's ledger (a branch has no units below: nothing is handed down from it,
    `problems_hand_down` refuses)."""
    if ledger.unit.kind == UnitKind.BRANCH:
        return {}
    open_items = RectificationItem.objects.filter(problem=OuterRef("pk"), status__in=OPEN_ITEM_STATUSES)
    any_item = RectificationItem.objects.filter(problem=OuterRef("pk"))
    done = Q(status=ProblemStatus.ACTIVE) & Exists(any_item) & ~Exists(open_items)
    rows = (Problem.objects.filter(handed_down_from__ledger=ledger).annotate(done=done).values("handed_down_from")
            .annotate(units=Count("pk"), n_done=Count("pk", filter=Q(done=True))).order_by())
    return {row["handed_down_from"]: {"units": row["units"], "done": row["n_done"]} for row in rows}


def origin_of(user, problem: Problem) -> tuple[Problem, bool] | None:
    """The problem `problem` was handed down from and whether the viewer may open it (else the page shows its text
    and unit inline), or None."""
    if problem.handed_down_from_id is None:
        return None
    origin = Problem.objects.select_related("ledger__unit", "category").get(pk=problem.handed_down_from_id)
    return origin, scope_for(user).can(Action.VIEW, origin.unit_path)
