"""Scoped reads of the periodic progress reports (定期报告): the cycle, a ledger's reports, who reported.

A report is addressed by its ledger and its period, so a period's page exists before anything is written: the ledger
is found through the scoping selector (outside the subtree: None → 404) and the period must be one of the ledger's
campaign's periods. A report not yet written reads as "未填写".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.selectors import Action, scope_for
from ledger.models import (
    HANDED_IN_REPORT_STATUSES,
    Campaign,
    ItemStatus,
    Ledger,
    PeriodicReport,
    PeriodicReportEvent,
    PeriodicReportStatus,
    Problem,
    ProblemStatus,
    RectificationItem,
    ReportCycle,
    ReportPeriod,
    overdue_condition,
)
from ledger.selectors.tallies import tallied_ledger_count
from ledger.selectors.workflow import ledger_find, visible

NOT_WRITTEN = "none"
# The states of one cell of the who-reported table, in the order the table's counts and chart show them.
CELL_STATES = [
    (PeriodicReportStatus.ACCEPTED.value, PeriodicReportStatus.ACCEPTED.label),
    (PeriodicReportStatus.SUBMITTED.value, PeriodicReportStatus.SUBMITTED.label),
    (PeriodicReportStatus.RETURNED.value, PeriodicReportStatus.RETURNED.label),
    (PeriodicReportStatus.DRAFT.value, PeriodicReportStatus.DRAFT.label),
    (NOT_WRITTEN, _("未填写")),
]
CELL_LABELS = dict(CELL_STATES)


def ledger_figures(ledger_id: int, today: datetime.date) -> dict[str, int]:
    """The ledger's figures now, as a report keeps them: active problems, their measures, closed, overdue, and
    in progress (open and not overdue). Two queries."""
    live = RectificationItem.objects.filter(ledger_id=ledger_id, problem__status=ProblemStatus.ACTIVE)
    counts = live.aggregate(items=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
                            overdue=Count("pk", filter=overdue_condition(today)))
    problems = Problem.objects.filter(ledger_id=ledger_id, status=ProblemStatus.ACTIVE).count()
    return {"problems": problems, "items": counts["items"], "closed": counts["closed"], "overdue": counts["overdue"],
            "in_progress": counts["items"] - counts["closed"] - counts["overdue"]}


def cycle_of(campaign: Campaign) -> ReportCycle | None:
    return ReportCycle.objects.filter(campaign=campaign).first()


def periods_of(campaign: Campaign) -> list[ReportPeriod]:
    return list(ReportPeriod.objects.filter(cycle__campaign=campaign).order_by("due_on"))


def current_period(periods: list[ReportPeriod], today: datetime.date) -> ReportPeriod | None:
    """The latest period that has opened (the one being reported now), else the first."""
    opened = [period for period in periods if period.is_open(today)]
    return opened[-1] if opened else (periods[0] if periods else None)


@dataclass(frozen=True)
class PeriodicRights:
    fill: bool
    supervise: bool
    status: str  # the report's status, NOT_WRITTEN when there is none

    @property
    def write(self) -> bool:
        return self.fill and self.status in (NOT_WRITTEN, PeriodicReportStatus.DRAFT, PeriodicReportStatus.RETURNED)

    @property
    def review(self) -> bool:
        return self.supervise and self.status == PeriodicReportStatus.SUBMITTED


@dataclass
class ReportPage:
    ledger: Ledger
    period: ReportPeriod
    report: PeriodicReport | None
    rights: PeriodicRights
    figures: dict  # the snapshot once handed in, the ledger's figures now while a draft
    events: list[PeriodicReportEvent] = field(default_factory=list)
    late: bool = False


def periodic_report_find(user, ledger_pk: int, period_pk: int) -> tuple[Ledger, ReportPeriod] | None:
    """The ledger (if the viewer sees it) and one of its campaign's periods, else None (the view answers 404)."""
    ledger = ledger_find(user, ledger_pk)
    if ledger is None:
        return None
    period = ReportPeriod.objects.select_related("cycle").filter(pk=period_pk, cycle__campaign_id=ledger.campaign_id)
    period = period.first()
    return (ledger, period) if period else None


def report_of(ledger: Ledger, period: ReportPeriod) -> PeriodicReport | None:
    return PeriodicReport.objects.filter(ledger=ledger, period=period).first()


def _late(period: ReportPeriod, report: PeriodicReport | None, today: datetime.date) -> bool:
    """Not handed in by the due date (a report handed in after it stays late)."""
    if report is not None and report.submitted_at is not None:
        return timezone.localdate(report.submitted_at) > period.due_on
    return today > period.due_on


def report_page(user, ledger: Ledger, period: ReportPeriod) -> ReportPage:
    today = timezone.localdate()
    report = report_of(ledger, period)
    scope = scope_for(user)
    rights = PeriodicRights(fill=scope.can(Action.FILL, ledger.unit_path),
                            supervise=scope.can(Action.SUPERVISE, ledger.unit_path),
                            status=report.status if report else NOT_WRITTEN)
    if report is not None and report.figures_as_of is not None:
        figures = {name: getattr(report, name) for name in ("problems", "items", "closed", "overdue", "in_progress")}
    else:
        figures = ledger_figures(ledger.pk, today)
    events = list(report.events.select_related("actor").order_by("at", "id")) if report else []
    return ReportPage(ledger=ledger, period=period, report=report, rights=rights, figures=figures, events=events,
                      late=_late(period, report, today))


@dataclass
class PeriodRow:
    period: ReportPeriod
    report: PeriodicReport | None
    is_open: bool
    late: bool

    @property
    def state(self) -> str:
        return self.report.status if self.report else NOT_WRITTEN

    @property
    def state_label(self) -> str:
        return CELL_LABELS[self.state]


def ledger_periodic_rows(ledger: Ledger) -> list[PeriodRow]:
    """Every period of the ledger's campaign with the ledger's report in it (or none yet)."""
    today = timezone.localdate()
    reports = {report.period_id: report for report in PeriodicReport.objects.filter(ledger=ledger)}
    return [PeriodRow(period, reports.get(period.pk), period.is_open(today), _late(period, reports.get(period.pk), today))
            for period in periods_of(ledger.campaign)]


# --- who reported: units × periods ----------------------------------------------------------------------------


WHO_REPORTED_ORDER = ("unit_path", "pk")  # tree order, by the (campaign, unit_path) index: the keyset of the table


def who_reported_ledgers(user, campaign: Campaign) -> QuerySet[Ledger]:
    """The campaign's ledgers the viewer sees, in tree order (the table's rows)."""
    return visible(user, Ledger.objects.filter(campaign=campaign)).select_related("unit").order_by(*WHO_REPORTED_ORDER)


def in_state(ledgers: QuerySet[Ledger], period_id: int, state: str) -> QuerySet[Ledger]:
    """The ledgers whose report for the period is in `state` (NOT_WRITTEN: no report at all)."""
    reports = PeriodicReport.objects.filter(ledger=OuterRef("pk"), period_id=period_id)
    if state == NOT_WRITTEN:
        return ledgers.exclude(Exists(reports))
    return ledgers.filter(Exists(reports.filter(status=state)))


@dataclass
class Cell:
    period_pk: int
    state: str
    late: bool
    opened: bool

    @property
    def label(self) -> str:
        return CELL_LABELS[self.state]


@dataclass
class PeriodCounts:
    period: ReportPeriod
    opened: bool
    counts: dict[str, int]  # cell state → ledgers
    total: int

    @property
    def handed_in(self) -> int:
        return sum(self.counts[state] for state in HANDED_IN_REPORT_STATUSES)

    @property
    def in_order(self) -> list[tuple[str, str, int]]:
        return [(state, label, self.counts[state]) for state, label in CELL_STATES]


def period_counts(user, campaign: Campaign, periods: list[ReportPeriod]) -> list[PeriodCounts]:
    """Per period, how many of the viewer's ledgers are in each state (over the whole subtree, not one page)."""
    today = timezone.localdate()
    total = tallied_ledger_count(scope=scope_for(user), campaign=campaign)  # a province's 274k: from the tallies
    if total is None:
        total = visible(user, Ledger.objects.filter(campaign=campaign)).count()
    rows = (visible(user, PeriodicReport.objects.filter(period__in=periods, ledger__campaign=campaign))
            .order_by().values_list("period_id", "status").annotate(n=Count("pk")))
    found: dict[int, dict[str, int]] = {}
    for period_id, status, n in rows:
        found.setdefault(period_id, {})[status] = n
    result = []
    for period in periods:
        counts = {state: found.get(period.pk, {}).get(state, 0) for state, _label in CELL_STATES}
        counts[NOT_WRITTEN] = total - sum(counts.values())
        result.append(PeriodCounts(period=period, opened=period.is_open(today), counts=counts, total=total))
    return result


def who_reported_cells(ledgers: list[Ledger], periods: list[ReportPeriod]) -> list[tuple[Ledger, list[Cell]]]:
    """The cells of one page of rows: one query for all their reports."""
    today = timezone.localdate()
    reports = {(r.ledger_id, r.period_id): r for r in
               PeriodicReport.objects.filter(ledger__in=ledgers, period__in=periods).only(
                   "ledger_id", "period_id", "status", "submitted_at")}
    rows = []
    for ledger in ledgers:
        cells = []
        for period in periods:
            report = reports.get((ledger.pk, period.pk))
            opened = period.is_open(today)
            cells.append(Cell(period_pk=period.pk, state=report.status if report else NOT_WRITTEN,
                              late=opened and _late(period, report, today), opened=opened))
        rows.append((ledger, cells))
    return rows


def reports_to_review(user, *, limit: int = 100) -> list[PeriodicReport]:
    """The submitted reports waiting for this viewer's review (SUPERVISE over their unit), oldest period first."""
    reports = visible(user, PeriodicReport.objects.filter(status=PeriodicReportStatus.SUBMITTED), Action.SUPERVISE)
    return list(reports.select_related("ledger__unit", "ledger__campaign", "period")
                .order_by("period__due_on", "unit_path")[:limit])
