"""Counting the stored per-ledger figures (`ledger.models.LedgerFigures`, docs/performance.md "Stored figures").

Lists filter and sort by a ledger's figures (its problems, measures, closed, overdue; 整改到位) without counting
them per row. Each figure is counted by its live rule, never a second one: the ledger list's counts
(`ledger.selectors.workflow.ledger_list_counts`) and the results page's `in_place_counts`, with the stored
`in_place` computed by the database from `in_place_condition` (`ledgers_with_results`).

- One ledger, in the transaction of the change (`on_ledger_event_recorded`, and the writers past `event_record`):
  its figures row is locked first, so of two concurrent changes the second counts after the first committed.
- A campaign in bulk (publishing, a new results period — a background job, `reviews.jobs` —, the daily recount:
  `overdue` and the in-place rule depend on the day): chunks of ledgers in tree order, each counted by one grouped statement of correlated
  subqueries over the chunk and written by one upsert, in its own transaction, in flat memory.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ledger.models import Campaign, Ledger, LedgerEvent, LedgerFigures, LedgerStatus
from ledger.selectors.workflow import ledger_list_counts
from reviews.selectors.results import ledgers_with_results, policy_of, results_as_of

CHUNK = 2_000  # ledgers counted and written per statement
LIST_FIGURES = {"problems": "n_problems", "items": "n_items", "closed": "n_closed", "requested": "n_requested",
                "overdue": "n_overdue", "last_change": "last_change"}
RULE_FIGURES = {"measures": "measures", "not_closed": "not_closed", "late": "overdue",
                "stale_ongoing": "stale_ongoing", "reopened": "reopened", "unmeasured": "unmeasured",
                "unanswered": "unanswered", "unanswered_categories": "unanswered_categories",
                "in_place": "in_place"}
UPDATED = ["campaign", "unit_path", *LIST_FIGURES, *RULE_FIGURES, "year", "awaiting", "as_of", "counted_on",
           "counted_at"]


def figures_recount(ledger_ids: Iterable[int], *, campaign: Campaign, today: datetime.date | None = None) -> int:
    """Count the figures of these ledgers of `campaign` again and store them; call it inside the change's
    transaction. Returns the rows written."""
    ledger_ids = sorted(set(ledger_ids))
    if not ledger_ids:
        return 0
    today = today or timezone.localdate()
    with transaction.atomic():  # the caller's transaction (a savepoint in it), or its own when called alone
        # Lock the rows first: a concurrent change to the same ledger waits here until this transaction commits,
        # and then counts with this one's change included (READ COMMITTED: a later statement sees the commit).
        list(LedgerFigures.objects.select_for_update().filter(pk__in=ledger_ids).order_by("pk").values_list("pk"))
        rows = figures_counted(Ledger.objects.filter(pk__in=ledger_ids, campaign=campaign), campaign, today)
        return _store(rows, today, as_of=results_as_of(campaign), year=campaign.year)


def figures_recount_campaign(campaign: Campaign, *, today: datetime.date | None = None,
                             stale_only: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Count every ledger of `campaign` again (or, `stale_only`, those not counted for `today` or never), chunk by
    chunk in tree order, each chunk in its own transaction; `progress(rows written so far)` after each chunk.
    Returns the rows written."""
    today = today or timezone.localdate()
    ledgers = Ledger.objects.filter(campaign=campaign)
    if stale_only:
        ledgers = ledgers.exclude(figures__counted_on=today)
    written, after = 0, ""
    while True:
        chunk = list(ledgers.filter(unit_path__gt=after).order_by("unit_path").values_list("pk", "unit_path")[:CHUNK])
        if not chunk:
            _analyze_after(written)
            return written
        with transaction.atomic():
            _without_jit()
            written += figures_recount([pk for pk, _path in chunk], campaign=campaign, today=today)
        after = chunk[-1][1]
        if progress is not None:
            progress(written)


def _analyze_after(written: int) -> None:
    """Fresh planner statistics after a bulk count (the first fill after migrating, a publish): estimating the
    new table at one row, the planner sorted the province's 27k rows instead of reading a figure's index."""
    if written >= CHUNK and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(LedgerFigures._meta.db_table)}")


def _without_jit() -> None:
    """A chunk's statement (a dozen correlated subqueries over 2,000 ledgers) is costed above PostgreSQL's JIT
    thresholds, and compiling it took 15 s of a 16 s chunk at 30k units (0.5 s without): no JIT for this
    transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def figures_fill_fresh(campaign: Campaign, *, today: datetime.date | None = None) -> int:
    """Figures for the ledgers just published (hundreds of thousands, all alike: no problem, no answer, one
    event): the rules count the first one, and the database copies its figures to the others (INSERT … SELECT,
    like publishing itself; counting each would take minutes at a province's size)."""
    today = today or timezone.localdate()
    fresh = Ledger.objects.filter(campaign=campaign, figures__isnull=True).order_by("unit_path")
    first = fresh.values_list("pk", flat=True).first()
    if first is None:
        return 0
    figures_recount([first], campaign=campaign, today=today)
    model = LedgerFigures.objects.get(pk=first)
    constants = [name for name in UPDATED if name not in ("campaign", "unit_path", "last_change")]
    select_sql, params = fresh.values(lid=F("pk"), cid=F("campaign_id"), upath=F("unit_path")).query.sql_with_params()
    events = LedgerEvent._meta.db_table
    columns = ", ".join(LedgerFigures._meta.get_field(name).column for name in constants)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only table and column names and Django's own compiled query are interpolated; values are parameters.
            f"INSERT INTO {LedgerFigures._meta.db_table} (ledger_id, campaign_id, unit_path, last_change, {columns}) "  # noqa: S608
            f"SELECT fresh.lid, fresh.cid, fresh.upath, "
            f"(SELECT MAX(e.at) FROM {events} e WHERE e.ledger_id = fresh.lid), "
            f"{', '.join(['%s'] * len(constants))} FROM ({select_sql}) fresh",
            [*(_adapted(model, name) for name in constants), *params])
        return cursor.rowcount + 1


def _adapted(figures: LedgerFigures, name: str):
    field = LedgerFigures._meta.get_field(name)
    return field.get_db_prep_save(getattr(figures, name), connection)


def figures_counted(ledgers, campaign: Campaign, today: datetime.date) -> list[dict]:
    """The figures of `ledgers` counted by the live rules, one statement."""
    policy = policy_of(campaign)
    rows = ledgers_with_results(ledgers.order_by(), campaign=campaign, policy=policy).annotate(
        **ledger_list_counts(today))
    return list(rows.values("pk", "campaign_id", "unit_path", "status", *LIST_FIGURES.values(),
                            *RULE_FIGURES.values()))


def _store(rows: list[dict], today: datetime.date, *, as_of: datetime.date, year: int) -> int:
    now = timezone.now()
    figures = []
    for row in rows:
        figures.append(LedgerFigures(
            ledger_id=row["pk"], campaign_id=row["campaign_id"], unit_path=row["unit_path"],
            **{name: row[source] for name, source in LIST_FIGURES.items()},
            **{name: row[source] for name, source in RULE_FIGURES.items()},
            # waiting for the level above: to review (submitted) or to close (measures awaiting 销号)
            year=year, awaiting=row["status"] == LedgerStatus.SUBMITTED or row["n_requested"] > 0,
            as_of=as_of, counted_on=today, counted_at=now))
    for figure in figures:
        figure.in_place = bool(figure.in_place)
    LedgerFigures.objects.bulk_create(figures, update_conflicts=True, unique_fields=["ledger"],
                                      update_fields=UPDATED)
    return len(figures)


# --- the receivers (connected in ReviewsConfig.ready) ----------------------------------------------------------


def on_ledger_event_recorded(sender, *, event, **kwargs) -> None:
    """Every ledger change goes through `event_record`: count that ledger's figures again, in its transaction."""
    ledger = event.ledger
    campaign = ledger.campaign if Ledger.campaign.is_cached(ledger) else Campaign.objects.get(pk=ledger.campaign_id)
    figures_recount([ledger.pk], campaign=campaign)


def on_ledger_figures_stale(sender, *, campaign, ledger_ids=None, fresh: bool = False, **kwargs) -> None:
    """A writer past `event_record` changed these ledgers (None: all the campaign's; `fresh`: the ledgers it
    just published): count them again."""
    campaign = campaign if isinstance(campaign, Campaign) else Campaign.objects.get(pk=campaign)
    if fresh:
        figures_fill_fresh(campaign)
    elif ledger_ids is None:
        figures_recount_campaign(campaign)
    else:
        figures_recount(ledger_ids, campaign=campaign)
