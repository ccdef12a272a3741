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
from scale.generator import ROOT_CODE

FLOOR_NAME = "floor"
LEVELS = ("branch", "gb", "county", "province")  # the featured accounts scale_<level>


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
    """What the benchmark needs from the generated data: the campaign and the featured chain of units."""

    campaign: Campaign
    users: dict[str, object]
    units: dict[str, OrgUnit]
    ledger: Ledger
    item: RectificationItem

    @classmethod
    def load(cls) -> Context:
        root = OrgUnit.objects.filter(code=ROOT_CODE).first()
        if root is None:
            raise LookupError("no scale data in this database: run `manage.py generate_scale` first")
        campaign = Campaign.objects.filter(issuer=root).order_by("pk").first()
        users, units = {}, {}
        for level in (*LEVELS, "city", "committee", "inspector"):
            assignment = RoleAssignment.objects.select_related("user", "unit").get(user__username=f"scale_{level}")
            users[level], units[level] = assignment.user, assignment.unit
        ledger = Ledger.objects.get(campaign=campaign, unit=units["branch"])
        item = (
            RectificationItem.objects.filter(ledger=ledger).annotate(n=Count("events")).order_by("-n", "pk").first()
        )
        return cls(campaign=campaign, users=users, units=units, ledger=ledger, item=item)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Context], str]
    accounts: tuple[str, ...]


def _reverse(name: str, *args) -> Callable[[Context], str]:
    def build(ctx: Context) -> str:
        return reverse(name, args=[arg(ctx) if callable(arg) else arg for arg in args])

    return build


PAGES = (
    Page(FLOOR_NAME, _reverse("password_change"), ("branch",)),
    Page("home", _reverse("home"), LEVELS),
    Page("ledger", _reverse("ledger:ledger_detail", lambda ctx: ctx.ledger.pk), LEVELS),
    Page("campaign ledgers", _reverse("ledger:campaign_ledgers", lambda ctx: ctx.campaign.pk), ("gb", "county", "province")),
    Page("dashboard", _reverse("reviews:dashboard", lambda ctx: ctx.campaign.pk), ("gb", "county", "province")),
    Page("item", _reverse("ledger:item_detail", lambda ctx: ctx.item.pk), ("branch", "gb", "province")),
)


def page_queries(ctx: Context, page: Page, account: str) -> tuple[int, int]:
    """(status code, query count) of one request: what the tests compare between data sizes."""
    client = Client()
    client.force_login(ctx.users[account])
    url = page.url(ctx)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


def measure_page(ctx: Context, page: Page, account: str, *, repeat: int, floor_ms: float | None) -> PageResult:
    result = PageResult(page=page.name, account=account)
    result.url = page.url(ctx)
    client = Client()
    client.force_login(ctx.users[account])
    response = client.get(result.url)
    if response.status_code != 200:
        result.status, result.note = "error", f"HTTP {response.status_code}"
        return result
    client.get(result.url)  # warm caches (templates, translations) before timing
    with CaptureQueriesContext(connection) as captured:
        client.get(result.url)
    result.queries = len(captured.captured_queries)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(result.url)
        times.append((time.perf_counter() - started) * 1000)
    result.median_ms = round(statistics.median(times), 1)
    if floor_ms:
        result.ratio = round(result.median_ms / floor_ms, 2)
        result.target_ms = round(1.5 * floor_ms + 50, 1)
        result.meets_target = result.median_ms <= result.target_ms
    return result


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
    pages: list[PageResult] = field(default_factory=list)
    tasks: list[TaskResult] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"database": self.database, "started_at": self.started_at, "data": self.data,
                "pages": [asdict(p) for p in self.pages], "tasks": [asdict(t) for t in self.tasks]}


TASKS = (measure_export, measure_report, measure_sweep, measure_publish)


def run_bench(*, repeat: int = 15, log: Callable[[str], None] = lambda message: None,
              only: set[str] | None = None) -> BenchRun:
    ctx = Context.load()
    run = BenchRun(
        database=f"{connection.vendor} {settings.DATABASES['default'].get('NAME')}",
        started_at=timezone.now().isoformat(timespec="seconds"),
        data=data_size(),
    )
    with override_settings(DEBUG=False):
        _run_all(ctx, run, repeat=repeat, log=log, only=only)
    return run


def _run_all(ctx: Context, run: BenchRun, *, repeat: int, log: Callable[[str], None], only: set[str] | None) -> None:
    floor = measure_page(ctx, PAGES[0], PAGES[0].accounts[0], repeat=repeat * 2, floor_ms=None)
    run.pages.append(floor)
    log(_page_line(floor))
    for page in PAGES[1:]:
        if only and page.name not in only:
            continue
        for account in page.accounts:
            result = measure_page(ctx, page, account, repeat=repeat, floor_ms=floor.median_ms)
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
        return f"{result.page:<18} {result.account:<9} {result.status} {result.note}"
    return f"{result.page:<18} {result.account:<9} {result.median_ms:>8.1f} ms {result.queries:>4} queries"


def render_table(run: BenchRun) -> str:
    """The Markdown table for docs/performance.md."""
    lines = [
        f"Data: {run.data['units']:,} units, {run.data['ledgers']:,} ledgers, {run.data['items']:,} items, "
        f"{run.data['accounts']:,} accounts ({run.database}, {run.started_at}).",
        "",
        "| page | account | median ms | queries | × floor | target ms | meets |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for p in run.pages:
        if p.status != "ok":
            lines.append(f"| {p.page} | {p.account} | {p.status} | | | | {p.note} |")
            continue
        meets = "" if p.meets_target is None else ("yes" if p.meets_target else "**no**")
        lines.append(f"| {p.page} | {p.account} | {p.median_ms} | {p.queries} | {p.ratio or 1.0} | "
                     f"{p.target_ms or ''} | {meets} |")
    lines += ["", "| task | result | target | meets |", "| --- | --- | --- | --- |"]
    for t in run.tasks:
        figures = ", ".join(f"{k} {v}" for k, v in t.figures.items()) or t.note
        meets = "" if t.meets_target is None else ("yes" if t.meets_target else "**no**")
        status = "" if t.status == "ok" else f"{t.status}: "
        lines.append(f"| {t.name} | {status}{figures} | {t.target} | {meets} |")
    return "\n".join(lines)
