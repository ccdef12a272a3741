"""Results (结果运用): is rectification in place (整改到位) at the results deadline, and why not."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit, UnitKind
from jobs.models import Job, JobStatus
from ledger import wording
from ledger.models import (
    Campaign,
    ItemStatus,
    Ledger,
    LedgerStatus,
    Problem,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    RecurrenceState,
    SelfCheckAnswer,
    answered_condition,
    self_check_points,
    without_measures,
)
from reviews.models import ItemReopening, ResultPolicy, Tier


def policy_of(campaign: Campaign) -> ResultPolicy:
    """The campaign's policy, or the default one (unsaved) when none was set."""
    policy = ResultPolicy.objects.filter(campaign=campaign).select_related("recount_job").first()
    return policy or ResultPolicy(campaign=campaign)


def figures_recount_pending(policy: ResultPolicy) -> Job | None:
    """The job counting the campaign's stored 整改到位 again after its rule changed, while it is not done (queued,
    running, or failed): until then the stored verdicts are of the old rule. None when they are current."""
    job = policy.recount_job if policy.recount_job_id else None
    return job if job is not None and job.status != JobStatus.DONE else None


def results_reader(policy: ResultPolicy):
    """How pages read results: the stored figures, or counted live while a recount under a new rule is pending
    (the stored verdicts are of the old rule until it ends)."""
    return ledger_results if figures_recount_pending(policy) else stored_results


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
    unanswered: int = 0  # self-check points not answered (manifestations, or categories: `self_check_points`)
    unanswered_categories: int = 0  # of those, categories (a template without manifestations)
    period_start: datetime.date | None = None
    in_place: bool = False  # computed by the database with `in_place_condition`
    reasons: list[str] = field(default_factory=list)
    # Confirmed recurring problems (问题反弹): listed in the rating basis; they do not change "in place".
    recurring: int = 0
    recurring_problems: list[Problem] = field(default_factory=list)  # filled for one unit (`unit_result`)


# The per-ledger counts that decide "in place", as annotation names (see `in_place_counts`).
RESULT_COUNTS = ("measures", "not_closed", "overdue", "stale_ongoing", "reopened", "unmeasured", "unanswered",
                 "unanswered_categories")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _count(rows: QuerySet, group: str) -> Coalesce:
    """COUNT of `rows` (correlated to the outer ledger) as a scalar subquery; 0 when there are none."""
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def in_place_counts(*, campaign: Campaign, policy: ResultPolicy) -> dict[str, Coalesce]:
    """The counts deciding "in place" for `campaign` under `policy` (see `_in_place_counts`)."""
    return _in_place_counts(template_id=campaign.template_id, as_of=results_as_of(campaign),
                            period_days=policy.progress_period_days)


def _in_place_counts(*, template_id: int, as_of: datetime.date, period_days: int) -> dict[str, Coalesce]:
    """Per-ledger counts, as annotations for a Ledger queryset, that decide whether rectification is in place
    at the results deadline (结果运用: 整改落实不到位的，取消五星级党支部评选资格). Withdrawn problems never count.

    - not_closed: dated measures not closed (销号) before the end of the results-deadline day (overdue: of those,
      past their own time limit);
    - stale_ongoing: 立行立改、长期坚持 measures, which have no end date, with no progress note in the policy's
      period up to that day (a closed one counts as done);
    - reopened: measures reopened by a look-back check (回头看) and not closed again;
    - unmeasured: active problems without any measure (措施制定到位);
    - unanswered: points of the self-check left unanswered (逐条逐项对照检查, 查摆到位): manifestations, or the
      categories of a template that lists none (`ledger.models.self_check_points`).
    """
    end = _local_midnight(as_of + datetime.timedelta(days=1))
    period_start = as_of - datetime.timedelta(days=period_days - 1)
    recent = ProgressNote.objects.filter(item=OuterRef("pk"), created_at__gte=_local_midnight(period_start),
                                         created_at__lt=end)
    reopened = ItemReopening.objects.filter(item=OuterRef("pk"))
    closed_in_time = Q(status=ItemStatus.CLOSED, closed_at__lt=end)
    items = RectificationItem.objects.filter(ledger=OuterRef("pk"), problem__status=ProblemStatus.ACTIVE)
    manifestations, categories = self_check_points(template_id)
    answers = SelfCheckAnswer.objects.filter(answered_condition(), ledger=OuterRef(OuterRef("pk")))
    unanswered = _count(manifestations.exclude(Exists(answers.filter(manifestation=OuterRef("pk")))),
                        "category__template")
    unanswered_categories = _count(categories.exclude(Exists(answers.filter(category=OuterRef("pk")))), "template")
    return {
        "measures": _count(items, "ledger"),
        "not_closed": _count(items.filter(Q(is_ongoing=False) & ~closed_in_time), "ledger"),
        "overdue": _count(items.filter(Q(is_ongoing=False, deadline__lt=as_of) & ~closed_in_time), "ledger"),
        "stale_ongoing": _count(items.filter(Q(is_ongoing=True) & ~closed_in_time & ~Exists(recent)), "ledger"),
        "reopened": _count(items.filter(Exists(reopened) & ~Q(status=ItemStatus.CLOSED)), "ledger"),
        "unmeasured": _count(without_measures(Problem.objects.filter(ledger=OuterRef("pk"))), "ledger"),
        "unanswered": unanswered + unanswered_categories,
        "unanswered_categories": unanswered_categories,
    }


def in_place_condition() -> Q:
    """THE rule "rectification in place" (整改到位), over a Ledger queryset annotated with `in_place_counts`:
    the ledger was accepted by the general branch, the self-check is fully answered, every active problem has a
    measure, and no measure is left open (not closed, stale, or reopened). Results, ratings, dashboards, tallies
    and the situation report all count by it."""
    return Q(status=LedgerStatus.ACCEPTED, unanswered=0, unmeasured=0, not_closed=0, stale_ongoing=0, reopened=0)


def in_place_filter(*, campaign: Campaign, policy: ResultPolicy) -> RawSQL:
    """`in_place_condition` over `in_place_counts` as one condition on the ledger row of the query it is used in
    (`Count("pk", filter=…)` of a Ledger query, as the dashboards and tallies count), its SQL compiled once per
    process for each template, judging day, period and time zone (`_in_place_sql`): building and compiling the
    eight correlated counts through the ORM was a third of a live dashboard's CPU (~15 ms; the statement takes 1–3).
    The SQL names the outer ledger "ledger_ledger": only for a Ledger query run as itself, not as a subquery."""
    sql, params = _in_place_sql(connection.vendor, timezone.get_current_timezone_name(), campaign.template_id,
                                results_as_of(campaign), policy.progress_period_days)
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 -- compiled by the ORM, values bound


@functools.lru_cache(maxsize=256)
def _in_place_sql(_vendor: str, _zone: str, template_id: int, as_of: datetime.date,
                  period_days: int) -> tuple[str, tuple]:
    """(SQL, params) of `in_place_condition` over a plain Ledger query; a key holds everything the SQL depends on
    (the vendor and the zone through `_local_midnight`), none of it data, so the text never goes stale."""
    counts = _in_place_counts(template_id=template_id, as_of=as_of, period_days=period_days)
    query = Ledger.objects.alias(**counts).filter(in_place_condition()).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, tuple(params)


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
    rows = rows.annotate(recurring=_count(confirmed_recurring(Problem.objects.filter(ledger=OuterRef("pk"))), "ledger"))
    results = {}
    for row in rows.values("pk", "status", "in_place", "recurring", *RESULT_COUNTS):
        pk = row.pop("pk")
        result = results[pk] = LedgerResult(ledger_id=pk, as_of=as_of, period_start=period_start, **row)
        result.in_place = bool(result.in_place)
        result.reasons = _reasons(result, reviewer=wording.parent_label(campaign, UnitKind.BRANCH))
    return results


def _reasons(result: LedgerResult, *, reviewer: str) -> list[str]:
    """Why a ledger is not in place; `reviewer` names who accepts ledgers in the campaign's words."""
    reasons = []
    if result.status != LedgerStatus.ACCEPTED:
        reasons.append(_("台账为“%(status)s”状态，未经%(reviewer)s审核通过") % {
            "status": LedgerStatus(result.status).label, "reviewer": reviewer})
    if result.unanswered_categories:
        reasons.append(_("对照检查还有 %(n)d 个方面未作答") % {"n": result.unanswered_categories})
    if result.unanswered > result.unanswered_categories:
        reasons.append(_("对照检查还有 %(n)d 条表现未作答") % {"n": result.unanswered - result.unanswered_categories})
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


def confirmed_recurring(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """The active problems among `problems` a supervising unit confirmed as recurring (问题反弹)."""
    return problems.filter(status=ProblemStatus.ACTIVE, recurrence_state=RecurrenceState.CONFIRMED)


def unit_result(*, campaign: Campaign, unit: OrgUnit, policy: ResultPolicy | None = None,
                stored: bool = False) -> LedgerResult | None:
    """The unit's result with its confirmed recurring problems listed (the rating pages show them as basis):
    counted live (the services' checks), or read from the stored figures (`stored`: the pages, as the results
    table shows it; building the live count's query was a third of a rating page's time)."""
    ledger = Ledger.objects.filter(campaign=campaign, unit=unit).first()
    if ledger is None:
        return None
    policy = policy or policy_of(campaign)
    read = results_reader(policy) if stored else ledger_results
    result = read(ledger_ids=[ledger.pk], campaign=campaign, policy=policy)[ledger.pk]
    result.recurring_problems = list(confirmed_recurring(ledger.problems.all())
                                     .select_related("recurrence_of__ledger__campaign").order_by("number"))
    return result


def ledgers_in_place(ledgers: QuerySet[Ledger], *, campaign: Campaign,
                     policy: ResultPolicy | None = None) -> QuerySet[Ledger]:
    """The ledgers whose rectification is in place (整改到位) by the results page's rule, counted live (the lists
    read the stored verdict: `ledgers_in_place_stored`)."""
    return ledgers.alias(**in_place_counts(campaign=campaign, policy=policy or policy_of(campaign))).filter(
        in_place_condition())


def ledgers_in_place_stored(ledgers: QuerySet[Ledger]) -> QuerySet[Ledger]:
    """The ledgers in place by their stored figures (`LedgerFigures.in_place`, counted by this rule in the
    transaction of every change and every day: `reviews.figures`): no count per ledger."""
    return ledgers.filter(figures__in_place=True)


def stored_results(*, ledger_ids, campaign: Campaign, policy: ResultPolicy | None = None) -> dict[int, LedgerResult]:
    """`ledger_results` read from the stored figures (one query): the same counts, verdict and reasons."""
    policy = policy or policy_of(campaign)
    rows = (Ledger.objects.filter(pk__in=ledger_ids).annotate(
        recurring=_count(confirmed_recurring(Problem.objects.filter(ledger=OuterRef("pk"))), "ledger"))
        .values("pk", "status", "recurring", *(f"figures__{STORED_NAMES.get(name, name)}" for name in RESULT_COUNTS),
                "figures__in_place", "figures__as_of"))
    reviewer = wording.parent_label(campaign, UnitKind.BRANCH)
    results = {}
    for row in rows:
        as_of = row["figures__as_of"] or results_as_of(campaign)
        counts = {name: row[f"figures__{STORED_NAMES.get(name, name)}"] or 0 for name in RESULT_COUNTS}
        result = results[row["pk"]] = LedgerResult(
            ledger_id=row["pk"], as_of=as_of, status=row["status"], recurring=row["recurring"],
            period_start=as_of - datetime.timedelta(days=policy.progress_period_days - 1),
            in_place=bool(row["figures__in_place"]), **counts)
        result.reasons = _reasons(result, reviewer=reviewer)
    return results


STORED_NAMES = {"overdue": "late"}  # RESULT_COUNTS whose stored field (`LedgerFigures`) is named otherwise
