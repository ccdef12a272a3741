"""The benchmark: main pages against a trivial page (the floor), exports, the report, the sweep, publishing.

Everything runs in one process on the configured database (normally one made by `generate_scale`), through
Django's test client with `force_login`, so "server time" is the time Django takes for a request: URL
resolving, middleware, the view, its queries and the template, without a network or a WSGI server.
"""

from __future__ import annotations

import datetime
import io
import re
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgUnit, RoleAssignment
from ledger.models import Campaign, Ledger, RectificationItem
from scale.bench_rules import LEVELS, Row, missing_rules, rows, stale_rules
from scale.generator import ROOT_CODE

FLOOR_NAME = "floor"


@dataclass
class PageResult:
    page: str
    account: str
    url: str = ""
    status: str = "ok"  # ok | error
    median_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    target_ms: float | None = None
    meets_target: bool | None = None
    note: str = ""
    floor_ms: float | None = None  # the floor page's median, timed between this row's requests
    slowest_ms: float | None = None  # when the row misses its target: its slowest statement and that one's plan
    slowest_sql: str = ""
    plan: str = ""


@dataclass
class TaskResult:
    name: str
    status: str = "ok"
    figures: dict = field(default_factory=dict)
    target: str = ""
    meets_target: bool | None = None
    note: str = ""


@dataclass
class Context:
    """What the benchmark needs from the generated data: the campaign, the featured chain of units and accounts,
    and one object of each kind a page addresses (made once by `bench_objects` when the generator does not)."""

    campaign: Campaign
    users: dict[str, object]
    units: dict[str, OrgUnit]
    ledger: Ledger
    item: RectificationItem
    problem: object = None
    template: object = None
    category_pk: int = 0
    closed_monday: datetime.date | None = None
    period: object = None
    survey: object = None
    supervision: object = None
    rating: object = None
    jobs: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Context:
        root = OrgUnit.objects.filter(code=ROOT_CODE).first()
        if root is None:
            raise LookupError("no scale data in this database: run `manage.py generate_scale` first")
        campaign = Campaign.objects.select_related("template").filter(issuer=root).order_by("pk").first()
        users, units = {}, {}
        for level in LEVELS:
            assignment = RoleAssignment.objects.select_related("user", "unit").get(user__username=f"scale_{level}")
            users[level], units[level] = assignment.user, assignment.unit
        ledger = Ledger.objects.get(campaign=campaign, unit=units["branch"])
        item = (
            RectificationItem.objects.filter(ledger=ledger).annotate(n=Count("events")).order_by("-n", "pk").first()
        )
        ctx = cls(campaign=campaign, users=users, units=units, ledger=ledger, item=item)
        ctx.problem = item.problem
        ctx.template = campaign.template
        ctx.category_pk = item.problem.category_id
        last_closed = RectificationItem.objects.filter(ledger=ledger, closed_at__isnull=False).order_by("-closed_at")
        closed = (last_closed.first() or item).closed_at or timezone.now()
        day = timezone.localtime(closed).date()
        ctx.closed_monday = day - datetime.timedelta(days=day.weekday())
        from scale.bench_objects import bench_objects

        bench_objects(ctx)
        return ctx


ROW_BUDGET_S = 20  # a row whose one request takes seconds is timed fewer times, not `repeat` times


def floor_row() -> Row:
    return Row(FLOOR_NAME, "", "branch", reverse("password_change"), 200)


class Clients:
    """One logged-in test client per featured account, reused across rows."""

    def __init__(self, ctx: Context) -> None:
        self.ctx, self.clients = ctx, {}

    def __getitem__(self, level: str) -> Client:
        if level not in self.clients:
            client = Client()
            client.force_login(self.ctx.users[level])
            self.clients[level] = client
        return self.clients[level]


def counted_request(client: Client, url: str) -> tuple[int, list[dict]]:
    """(status code, the queries) of one request that did not also refresh the session's last-seen time
    (SessionTimeoutMiddleware writes the session once a minute: three statements that belong to no page)."""
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if not any(query["sql"].startswith('UPDATE "django_session"') for query in captured.captured_queries):
            break
    return response.status_code, captured.captured_queries


def row_queries(clients: Clients, row: Row) -> tuple[int, int]:
    """(status code, query count) of one request: what the tests compare between data sizes."""
    status, queries = counted_request(clients[row.level], row.url)
    return status, len(queries)


def _request_ms(client: Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def measure_row(clients: Clients, row: Row, *, repeat: int, floor: Row | None) -> PageResult:
    """The row's query count and median time; with `floor`, a floor request after each timed one, and the row's
    ratio and target against the median of those: the floor of the same seconds, not of the run's first minute
    (on a shared virtual machine the speed drifts by a third within a run, and every row measured in a slow
    minute missed against a floor measured in a fast one)."""
    result = PageResult(page=row.label, account=row.level, url=row.url)
    client = clients[row.level]
    started = time.perf_counter()
    response = client.get(row.url)
    first_s = time.perf_counter() - started
    if response.status_code != row.status:
        result.status, result.note = "error", f"HTTP {response.status_code}, expected {row.status}"
        return result
    # the first request above warmed the caches (templates, translations); the second is counted
    _, queries = counted_request(client, row.url)
    result.queries = len(queries)
    slowest = max(queries, key=lambda query: float(query["time"]), default=None)
    times, floor_times = [], []
    runs = max(1, min(repeat, int(ROW_BUDGET_S / max(first_s, 0.001))))
    if runs < repeat:
        result.note = f"timed {runs}× (one request took {first_s:.1f} s)"
    for _ in range(runs):
        times.append(_request_ms(client, row.url))
        if floor is not None:
            floor_times.append(_request_ms(clients[floor.level], floor.url))
    result.median_ms = round(statistics.median(times), 1)
    if floor_times:
        floor_ms = result.floor_ms = round(statistics.median(floor_times), 1)
        result.ratio = round(result.median_ms / floor_ms, 2)
        result.target_ms = round(1.5 * floor_ms + 50, 1)
        result.meets_target = result.median_ms <= result.target_ms
        if not result.meets_target and slowest is not None:
            result.slowest_ms = round(float(slowest["time"]) * 1000, 1)
            result.slowest_sql = slowest["sql"]
            result.plan = explain(slowest["sql"])
    return result


SERVER_CURSOR = re.compile(r'^\s*DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR WITH(OUT)? HOLD FOR\s+', re.I)


def explain(sql: str) -> str:
    """The plan of a captured statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, the query plan on SQLite.
    Only reads are explained (ANALYZE runs the statement); a failure is reported, not raised."""
    sql = SERVER_CURSOR.sub("", sql)  # a statement read through .iterator(): explain its SELECT
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return "(not a SELECT: not explained)"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            lines = [" ".join(str(column) for column in line) for line in cursor.fetchall()]
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 — a plan is a diagnosis; the bench goes on without it
        return f"(EXPLAIN failed: {error})"
    return "\n".join(lines)


# -- background work ---------------------------------------------------------------------------------------------

def measure_publish(ctx: Context) -> TaskResult:
    """Publish a copy of the campaign to every branch of the province, then roll it back."""
    from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish

    result = TaskResult(name="publish campaign to all branches", target="≤ 60 s")
    root = ctx.units["province"]
    with transaction.atomic():
        campaign = campaign_create(
            actor=ctx.users["province"], issuer=OrgUnit.objects.get(pk=root.pk), name="发布性能测试", year=ctx.campaign.year,
            template=ctx.campaign.template,
            phases=[PhaseSpec(p.name, p.stage, p.starts_on, p.ends_on) for p in ctx.campaign.phases.all()],
        )
        started = time.perf_counter()
        ledgers = campaign_publish(actor=ctx.users["province"], campaign=campaign)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    result.figures = {"ledgers": ledgers, "seconds": round(seconds, 2), "ledgers_per_s": round(ledgers / seconds)}
    result.meets_target = seconds <= 60
    return result


def measure_export(ctx: Context) -> TaskResult:
    from scale import adapters

    result = TaskResult(name="附件2 export of a county", target="≥ 0.8× bare openpyxl rows/s; memory flat")
    export = adapters.annex2_export()
    county, small = ctx.units["county"], ctx.units["gb"]
    rows = RectificationItem.objects.filter(ledger__campaign=ctx.campaign, unit_path__startswith=county.path).count()
    # interleaved runs, the median of each: both see the same machine (a shared one is noisy)
    runs = [(_timed(lambda: export(ctx, county))[0], _timed(lambda: bare_openpyxl(ctx.campaign, county))[0])
            for _ in range(3)]
    seconds = statistics.median(run[0] for run in runs)
    base_seconds = statistics.median(run[1] for run in runs)
    _, peak = _traced(lambda: export(ctx, county))
    _, small_peak = _traced(lambda: export(ctx, small))
    small_rows = RectificationItem.objects.filter(ledger__campaign=ctx.campaign, unit_path__startswith=small.path).count()
    rate, base_rate = rows / seconds, rows / base_seconds
    result.figures = {
        "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rate),
        "baseline_seconds": round(base_seconds, 2), "baseline_rows_per_s": round(base_rate),
        "ratio": round(rate / base_rate, 2), "peak_mb": _mb(peak),
        "small_rows": small_rows, "small_peak_mb": _mb(small_peak),
    }
    result.meets_target = rate >= 0.8 * base_rate
    return result


def bare_openpyxl(campaign: Campaign, unit: OrgUnit) -> bytes:
    """The baseline: the same rows (category, problem, measure, time limit, person, status, closed) read from
    the database and written by a write-only openpyxl loop, nothing else."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("附件2")
    sheet.append(["查摆内容", "查摆问题", "整改措施", "整改时限", "责任人", "状态", "销号时间"])
    rows = (
        RectificationItem.objects.filter(ledger__campaign=campaign, unit_path__startswith=unit.path)
        .order_by("unit_path", "problem__category__order", "problem__number", "number")
        .values_list("problem__category__title", "problem__description", "measure", "deadline", "is_ongoing",
                     "responsible_name", "status", "closed_at")
    )
    for title, problem, measure, deadline, ongoing, person, status, closed in rows.iterator(chunk_size=5_000):
        limit = "立行立改、长期坚持" if ongoing else deadline
        sheet.append([title, problem, measure, limit, person, status, closed.replace(tzinfo=None) if closed else None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure_report(ctx: Context) -> TaskResult:
    """The report of the featured general branch, saved as a draft (then rolled back) and rendered as the job
    renders it, against the same HTML with every CJK character replaced by a Latin letter in a Latin font."""
    from scale import adapters

    result = TaskResult(name="附件3 report PDF of a general branch", target="≤ 1.3× Latin-font WeasyPrint")
    html_of, render = adapters.annex3_report()
    with transaction.atomic():
        prefill_seconds, html = _timed(lambda: html_of(ctx, ctx.units["gb"]))
        transaction.set_rollback(True)
    latin = latin_twin(html)
    render(html)  # the first rendering loads fonts
    render(latin)
    # interleaved runs, the median of each: a tenth of a second is at the mercy of a shared machine
    runs = [(_timed(lambda: render(html))[0], _timed(lambda: render(latin))[0]) for _ in range(9)]
    seconds = statistics.median(run[0] for run in runs)
    base_seconds = statistics.median(run[1] for run in runs)
    pdf = render(html)
    result.figures = {"pages": page_count(html), "latin_pages": page_count(latin),
                      "seconds": round(seconds, 2), "latin_seconds": round(base_seconds, 2),
                      "ratio": round(seconds / base_seconds, 2), "prefill_seconds": round(prefill_seconds, 2),
                      "pdf_kb": round(len(pdf) / 1024)}
    result.meets_target = seconds <= 1.3 * base_seconds
    return result


CJK_CHARACTERS = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


REPORT_FONTS = re.compile(r'<style id="report-fonts">.*?</style>', re.S)


def page_count(html: str) -> int:
    from weasyprint import HTML

    return len(HTML(string=html).render().pages)


def latin_twin(html: str) -> str:
    """The same report in a Latin font, laid out the same way: every CJK character becomes a Latin letter
    followed by a zero-width space, because Chinese text may break after any character. (Letters alone made
    each paragraph one unbreakable word: far fewer lines and pages than the Chinese, not the same layout.)"""
    html = REPORT_FONTS.sub("", html).replace('"ReportSerif", ', "")  # the Latin font alone, no CJK face loaded
    return CJK_CHARACTERS.sub("M\u200b", html).replace("Noto Serif CJK SC", "DejaVu Serif").replace(
        "Noto Sans CJK SC", "DejaVu Sans")


def measure_sweep(ctx: Context) -> TaskResult:
    """Two runs of the daily sweep over every item in one transaction, rolled back so the bench can be rerun."""
    from scale import adapters

    result = TaskResult(name="daily reminder sweep over all items", target="≤ 60 s; second run sends nothing")
    sweep = adapters.reminder_sweep()
    items = RectificationItem.objects.count()
    today = timezone.localdate()
    with transaction.atomic():
        first_seconds, first_sent = _timed(lambda: sweep(today))
        second_seconds, second_sent = _timed(lambda: sweep(today))
        transaction.set_rollback(True)
    result.figures = {
        "items": items, "seconds": round(first_seconds, 2), "sent": first_sent,
        "second_run_seconds": round(second_seconds, 2), "second_run_sent": second_sent,
    }
    result.meets_target = first_seconds <= 60 and second_sent == 0
    return result


def measure_recount(ctx: Context) -> TaskResult:
    """The beat's tally recount: the day's full count, a run where nothing changed, and one after a change in one
    county (its block alone is counted again). Memory: tracemalloc's peak of the one-change run, and how much the
    process's maximum RSS grew over the full count (0 when it stayed under an earlier peak)."""
    from scale import adapters

    result = TaskResult(name="tally recount", target=f"full ≤ {RECOUNT_FULL_MAX_S} s; nothing changed ≤ 1 s; "
                                                     f"one county changed ≤ 60 s; peak ≤ {RECOUNT_PEAK_MAX_MB} MB")
    recount, change = adapters.tally_recount()
    rss_before = _max_rss_mb()
    full_seconds, _ = _timed(lambda: recount(True))
    rss_growth = _max_rss_mb() - rss_before
    idle_seconds, idle_rows = _timed(recount)
    change(ctx.campaign, ctx.units["county"].path)
    changed_seconds, changed_rows = _timed(recount)
    change(ctx.campaign, ctx.units["county"].path)
    _, peak = _traced(recount)
    result.figures = {
        "full_seconds": round(full_seconds, 1), "max_rss_growth_mb": round(rss_growth, 1),
        "unchanged_seconds": round(idle_seconds, 2), "unchanged_rows": idle_rows,
        "one_county_seconds": round(changed_seconds, 1), "one_county_rows": changed_rows, "peak_mb": _mb(peak),
    }
    result.meets_target = (full_seconds <= RECOUNT_FULL_MAX_S and idle_seconds <= 1 and changed_seconds <= 60
                           and _mb(peak) <= RECOUNT_PEAK_MAX_MB)
    return result


def measure_zip(ctx: Context) -> TaskResult:
    """The whole campaign as one ZIP of per-unit workbooks (the way to get everything): time, rows per second,
    the largest temporary workbook (its temporary disk), and how much the maximum RSS grew."""
    import tempfile
    from pathlib import Path

    from scale import adapters

    result = TaskResult(name="whole-campaign ZIP of per-unit workbooks",
                        target=f"memory flat (max RSS growth ≤ {ZIP_RSS_MAX_MB} MB); progress per workbook")
    rows = RectificationItem.objects.filter(ledger__campaign=ctx.campaign).count()
    largest, heard = 0, 0
    with tempfile.TemporaryDirectory(prefix="bench-zip-") as tmp:
        output = Path(tmp) / "campaign.zip"

        def progress(done: int, total: int, name: str) -> None:
            nonlocal largest, heard
            heard = done
            largest = max([largest, *(f.stat().st_size for f in Path(tmp).glob("ledger-zip-*/*"))])

        rss_before = _max_rss_mb()
        write = adapters.campaign_zip()
        seconds, workbooks = _timed(lambda: write(ctx.campaign, output, progress, Path(tmp)))
        rss_growth = _max_rss_mb() - rss_before
        size = output.stat().st_size
    result.figures = {
        "rows": rows, "workbooks": workbooks, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
        "largest_workbook_kb": round(largest / 1024, 1), "zip_mb": _mb(size), "max_rss_growth_mb": round(rss_growth, 1),
        "progress_reports": heard,
    }
    result.meets_target = rss_growth <= ZIP_RSS_MAX_MB and heard == workbooks
    return result


def _max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def _traced(action: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        value = action()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


# -- the run ---------------------------------------------------------------------------------------------------

@dataclass
class BenchRun:
    database: str
    started_at: str
    data: dict
    machine: dict = field(default_factory=dict)
    pages: list[PageResult] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"database": self.database, "started_at": self.started_at, "data": self.data, "machine": self.machine,
                "pages": [asdict(p) for p in self.pages], "tasks": [asdict(t) for t in self.tasks]}


def machine_now() -> dict:
    """What the run's times depend on besides the code: cores, memory, the load, the database server."""
    import os
    import platform

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        server = cursor.fetchone()[0].split(" on ")[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "memory_gib": round(memory), "python": platform.python_version(),
            "server": server, "load": [round(x, 1) for x in os.getloadavg()]}


TASKS = (measure_export, measure_report, measure_sweep, measure_publish, measure_zip, measure_recount)
RECOUNT_FULL_MAX_S = 600  # the day's full count must end well within the day's first refresh intervals
RECOUNT_PEAK_MAX_MB = 64
ZIP_RSS_MAX_MB = 200


# Names the old bench used for its six pages, still accepted by `--only`.
ALIASES = {"ledger": "ledger:ledger_detail", "item": "ledger:item_detail", "dashboard": "reviews:dashboard",
           "campaign ledgers": "ledger:campaign_ledgers", "campaign_ledgers": "ledger:campaign_ledgers"}


def age_tallies(ctx: Context, *, changed: bool) -> None:
    """Make every tally stale (older than TALLY_MAX_AGE_MINUTES; the tree's too), and with `changed` mark the featured
    county's block changed too, so the pages show what they do when the beat stopped: served as counted
    (stale, unchanged) or the changed county counted live beside the others' stored rows. For real: the next
    `refresh_tallies` makes them fresh again."""
    from ledger.models import SubtreeTally
    from ledger.services.tally_marks import tally_mark_bump

    aged = timezone.now() - datetime.timedelta(minutes=settings.TALLY_MAX_AGE_MINUTES + 1)
    SubtreeTally.objects.update(counted_at=aged)
    if changed:
        with transaction.atomic():
            tally_mark_bump(campaign=ctx.campaign, unit_path=ctx.units["county"].path)


def run_bench(*, repeat: int = 15, log: Callable[[str], None] = lambda message: None,
              only: set[str] | None = None, tallies: str = "as-counted") -> BenchRun:
    missing, stale = missing_rules(), stale_rules()
    if missing or stale:
        raise LookupError("every URL name needs a bench rule (scale/bench_rules.py). "
                          f"Without a rule: {', '.join(missing) or '-'}. Rules for no URL: {', '.join(stale) or '-'}")
    ctx = Context.load()
    if tallies != "as-counted":
        age_tallies(ctx, changed=tallies == "stale-changed")
    run = BenchRun(
        database=f"{connection.vendor} {settings.DATABASES['default'].get('NAME')}",
        started_at=timezone.now().isoformat(timespec="seconds"),
        data=data_size(),
        machine=machine_now(),
    )
    with override_settings(DEBUG=False):
        _run_all(ctx, run, repeat=repeat, log=log, only=only)
    run.machine["load_at_end"] = machine_now()["load"]
    run.machine["finished_at"] = timezone.now().isoformat(timespec="seconds")
    return run


def selected_names(only: set[str] | None) -> set[str] | None:
    """The URL names `--only` asks for: a full name (reviews:item_list), its last part (item_list), a namespace
    (reviews), or an old page name (ledger, item, dashboard, campaign ledgers)."""
    if not only:
        return None
    from scale.bench_rules import RULES

    names = {ALIASES[token] for token in only if token in ALIASES}
    for name in RULES:
        namespace, _, short = name.rpartition(":")
        if {name, short, namespace} & (only - set(ALIASES)):
            names.add(name)
    return names


def _run_all(ctx: Context, run: BenchRun, *, repeat: int, log: Callable[[str], None], only: set[str] | None) -> None:
    clients = Clients(ctx)
    floor = measure_row(clients, floor_row(), repeat=repeat * 2, floor=None)
    run.pages.append(floor)
    log(_page_line(floor))
    for row in rows(ctx, selected_names(only)):
        result = measure_row(clients, row, repeat=repeat, floor=floor_row())
        run.pages.append(result)
        log(_page_line(result))
    for task in TASKS:
        name = task.__name__.removeprefix("measure_")
        if only and name not in only:
            continue
        log(f"{name} …")
        result = task(ctx)
        run.tasks.append(result)
        log(f"  {result.status} {result.figures} {result.note}")


def data_size() -> dict:
    root = OrgUnit.objects.get(code=ROOT_CODE)
    return {
        "units": OrgUnit.objects.filter(path__startswith=root.path).count(),
        "ledgers": Ledger.objects.filter(unit_path__startswith=root.path).count(),
        "items": RectificationItem.objects.filter(unit_path__startswith=root.path).count(),
        "accounts": get_user_model().objects.filter(username__startswith="scale_").count(),
        "date": datetime.date.today().isoformat(),
    }


def _page_line(result: PageResult) -> str:
    if result.status != "ok":
        return f"{result.page:<48} {result.account:<9} {result.status} {result.note}"
    line = f"{result.page:<48} {result.account:<9} {result.median_ms:>8.1f} ms {result.queries:>4} queries"
    if result.meets_target is False:
        line += f"  MISSES {result.target_ms} ms (floor {result.floor_ms} ms); slowest query {result.slowest_ms} ms"
    return line


def render_table(run: BenchRun, *, with_plans: bool = True) -> str:
    """The Markdown table for docs/performance.md, then the slowest query and its plan of each row that misses."""
    lines = [
        f"Data: {run.data['units']:,} units, {run.data['ledgers']:,} ledgers, {run.data['items']:,} items, "
        f"{run.data['accounts']:,} accounts ({run.database}, {run.started_at}).",
        *machine_lines(run),
        "",
        "| page | account | queries | median ms | floor ms | × floor | target ms | meets | slowest query ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for p in run.pages:
        if p.status != "ok":
            lines.append(f"| {_cell(p.page)} | {p.account} | | {p.status} | | | | {p.note} | |")
            continue
        meets = "" if p.meets_target is None else ("yes" if p.meets_target else "**no**")
        lines.append(f"| {_cell(p.page)} | {p.account} | {p.queries} | {p.median_ms} | {p.floor_ms or ''} | {p.ratio or 1.0} | "
                     f"{p.target_ms or ''} | {meets} | {p.slowest_ms or ''} |")
    lines += ["", "| task | result | target | meets |", "| --- | --- | --- | --- |"]
    for t in run.tasks:
        figures = ", ".join(f"{k} {v}" for k, v in t.figures.items()) or t.note
        meets = "" if t.meets_target is None else ("yes" if t.meets_target else "**no**")
        status = "" if t.status == "ok" else f"{t.status}: "
        lines.append(f"| {t.name} | {status}{figures} | {t.target} | {meets} |")
    missed = sorted((p for p in run.pages if p.meets_target is False and with_plans), key=lambda p: -(p.median_ms or 0))
    if missed:
        lines += ["", "Rows that miss their target, slowest first: the slowest statement of one request and its plan.", ""]
    for p in missed:
        lines += [f"- **{p.page}** as {p.account}: {p.median_ms} ms (target {p.target_ms}), "
                  f"slowest statement {p.slowest_ms} ms", "", "  ```sql", f"  {p.slowest_sql}", "  ```",
                  "", "  ```", *(f"  {line}" for line in p.plan.splitlines()), "  ```", ""]
    return "\n".join(lines)


def machine_lines(run: BenchRun) -> list[str]:
    """The machine and its load (1, 5, 15-minute load averages at the start and the end), and the tally of rows."""
    m = run.machine
    if not m:
        return []
    timed = [p for p in run.pages if p.meets_target is not None]
    met = sum(p.meets_target for p in timed)
    return [
        "",
        f"Machine: {m['cpus']} cores, {m['memory_gib']} GiB, Python {m['python']}, {m['server']}; load average "
        f"{' / '.join(map(str, m['load']))} at the start, {' / '.join(map(str, m.get('load_at_end', [])))} at the end "
        f"({m.get('finished_at', '')}). Rows: {len(run.pages)}; {met} of {len(timed)} with a target meet it. Each "
        "row's target is 1.5 × its floor + 50 ms, the floor page timed after each of the row's own requests.",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
