"""The bench's rules: for every named URL of the project, how the bench opens it — or why it does not.

Like the authorization walk (tests/security/test_authorization_walk.py), the rows come from the URL
configuration: each URL name has a RULE here. A page rule says how to build its address from the bench
`Context` for an account of a level (`scale_<level>`), which levels open it, and the query strings to try —
the heaviest sensible ones: the last page, each sort, each filter, a search that hits and one that misses.
A skip says why the bench does not time it (POST only, public, a file download measured as a task).
A URL name without a rule stops `manage.py bench` and fails tests/scale/test_bench_rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import URLPattern, URLResolver, get_resolver, reverse

if TYPE_CHECKING:
    from scale.bench import Context

# The featured accounts of the generator, branch up to province, and the province's inspector (巡察).
LEVELS = ("branch", "gb", "committee", "county", "city", "province", "inspector")
ORG = ("committee", "county", "city", "province")  # organization departments (组织部)
SUPERVISORS = ("gb", *ORG)  # who supervises ledgers below them
VIEWERS_ABOVE = (*SUPERVISORS, "inspector")  # everyone who sees more than one ledger
LAST_PAGE = "page=999999"  # past the end: every list shows its last page (Paginator.get_page, or an old link)
KEYSET_LAST = "last=1"  # a keyset list's "last" link (config.lists.keyset_page_of): its deepest page

Builder = Callable[["Context", str], str]
SlugBuilder = Callable[["Context", str, str], str]  # (context, level, slug) → the address, for a rule with slugs
Variant = str | Callable[["Context", str], str]  # (context, level) → query string


@dataclass(frozen=True)
class BenchRule:
    url: Builder | SlugBuilder | None = None  # (context, level) → the address; None: skipped
    levels: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ("",)  # query strings, one row each ("" = the plain page)
    status: int = 200
    skip: str = ""  # why the bench does not open it
    slugs: tuple[str, ...] = ()  # the URL's slug (the 三单一账 kinds), one set of rows each: url(ctx, level, slug)


def page(url: Builder | SlugBuilder, levels: tuple[str, ...], *variants: Variant, status: int = 200,
         slugs: tuple[str, ...] = ()) -> BenchRule:
    return BenchRule(url=url, levels=levels, variants=("", *variants), status=status, slugs=slugs)


def skip(reason: str) -> BenchRule:
    return BenchRule(skip=reason)


def plain(name: str) -> Builder:
    return lambda ctx, level: reverse(name)


def of(name: str, *attributes: str) -> Builder:
    """The URL of `name` with the context's objects as arguments (`campaign`, `ledger`, …: their pk)."""
    def build(ctx: Context, level: str) -> str:
        return reverse(name, args=[getattr(ctx, attribute).pk for attribute in attributes])

    return build


def own_unit(name: str) -> Builder:
    """The URL of `name` for the account's own unit: the heaviest unit a level opens (the province's root)."""
    return lambda ctx, level: reverse(name, args=[ctx.units[level].pk])


def own_job(ctx: Context, level: str) -> str:
    return reverse("jobs:job_detail", args=[ctx.jobs[level].pk])


def report_of_gb(ctx: Context, level: str) -> str:
    return reverse("reports:report_edit", args=[ctx.campaign.pk, ctx.units["gb"].pk])


def stamps_of_gb(ctx: Context, level: str) -> str:
    return reverse("reports:stamps", args=[ctx.units["gb"].pk])


def rating_of_branch(ctx: Context, level: str) -> str:
    return reverse("reviews:rating_edit", args=[ctx.campaign.pk, ctx.units["branch"].pk])


def periodic_report(ctx: Context, level: str) -> str:
    return reverse("ledger:periodic_report", args=[ctx.ledger.pk, ctx.period.pk])


def subtree_lists(ctx: Context, level: str, kind: str) -> str:
    """A 三单一账 list of the account's whole part: the whole campaign for the province and its inspector, the
    own unit's subtree (`?unit=`, as the export page links it) for the others."""
    url = reverse("ledger:campaign_lists", args=[ctx.campaign.pk, kind])
    return url if level in ("province", "inspector") else f"{url}?unit={ctx.units[level].pk}"


def children_of_own_unit(ctx: Context, level: str) -> str:
    return f"unit={ctx.units[level].pk}&{LAST_PAGE}"


def category(ctx: Context, level: str) -> str:
    return f"category={ctx.category_pk}"


def common_problem(ctx: Context, level: str) -> str:
    """The problem list of one common problem ("查看全部 n 个单位" on the common problems page)."""
    problem = ctx.problem
    return f"category={problem.category_id}&manifestation={problem.manifestation_id or 'none'}&below=1"


def common_problem_last(ctx: Context, level: str) -> str:
    return f"{common_problem(ctx, level)}&{KEYSET_LAST}"


def closed_week(ctx: Context, level: str) -> str:
    return f"closed_week={ctx.closed_monday.isoformat()}"


def with_period(state: str, more: str = "") -> Callable[[Context, str], str]:
    return lambda ctx, level: f"period={ctx.period.pk}&state={state}" + (f"&{more}" if more else "")


def children_to_pick(ctx: Context, level: str) -> str:
    return f"{PICK_SUPERVISE}&within={ctx.units[level].pk}"


SEARCH_HIT = "q=党支部"  # every branch's name: the most rows a search can return
SEARCH_MISS = "q=不存在的单位名称"
PICK_SUPERVISE = "action=supervise&active=1&field=visited_units&multiple=1"  # the supervision form's picker
PICK_DELEGATE = "action=manage&exclude=branch&field=unit"  # the policy page's delegation picker
CAMPAIGN_LEDGER_SORTS = ("unit", "status", "problems", "items", "closed", "overdue", "changed")

TRANSITION = "POST only: a transition, measured by its service's tests, not a page"
FILE = "a file download: the files are measured as tasks (export, report) or are stored bytes"

RULES: dict[str, BenchRule] = {
    # accounts and language
    "home": page(plain("home"), LEVELS),
    "login": skip("public: the sign-in form, no data"),
    "logout": skip("signs the bench's account out"),
    "password_change": page(plain("password_change"), LEVELS),  # also the floor
    "password_change_done": page(plain("password_change_done"), ("branch", "province")),
    "set_language": skip("POST only: stores the language in the session"),
    "accounts:two_factor_setup": page(plain("accounts:two_factor_setup"), LEVELS),
    # without a pending sign-in the verify page sends the account home: timed as the redirect it is
    "accounts:two_factor_verify": page(plain("accounts:two_factor_verify"), ("branch", "province"), status=302),
    "accounts:cas_login": skip("off by default (404); it only redirects to the CAS server"),
    # organization tree
    "branches:tree": page(plain("branches:tree"), LEVELS, children_of_own_unit, SEARCH_HIT, SEARCH_MISS),
    "branches:unit_detail": page(own_unit("branches:unit_detail"), LEVELS),
    "branches:unit_create": page(own_unit("branches:unit_create"), ORG),
    "branches:unit_edit": page(own_unit("branches:unit_edit"), ORG),
    "branches:account_create": page(own_unit("branches:account_create"), ORG),
    "branches:unit_pick": page(plain("branches:unit_pick"), LEVELS, f"{PICK_SUPERVISE}&{SEARCH_HIT}",
                               f"{PICK_SUPERVISE}&{SEARCH_MISS}", f"{PICK_DELEGATE}&q=党委", f"{PICK_DELEGATE}&q=不在",
                               children_to_pick),
    "branches:tree_import": page(plain("branches:tree_import"), ORG),
    "branches:tree_import_template": skip(FILE),
    # templates and campaigns
    "ledger:template_list": page(plain("ledger:template_list"), (*ORG, "inspector")),
    "ledger:template_create": page(plain("ledger:template_create"), ORG),
    "ledger:template_detail": page(of("ledger:template_detail", "template"), (*ORG, "inspector")),
    "ledger:template_copy": skip(TRANSITION),
    "ledger:campaign_list": page(plain("ledger:campaign_list"), LEVELS),
    "ledger:campaign_create": page(plain("ledger:campaign_create"), ORG),
    "ledger:campaign_detail": page(of("ledger:campaign_detail", "campaign"), LEVELS),
    "ledger:campaign_publish": skip("the campaign is published; publishing is measured as the publish task"),
    # a published campaign is not edited: the page sends the issuer back to it (timed as that redirect)
    "ledger:campaign_edit": page(of("ledger:campaign_edit", "campaign"), ("province",), status=302),
    "ledger:campaign_close": skip(TRANSITION),
    "ledger:campaign_carry_over": page(of("ledger:campaign_carry_over", "campaign"), ("province",)),
    "ledger:campaign_ledgers": page(
        of("ledger:campaign_ledgers", "campaign"), LEVELS,
        LAST_PAGE, KEYSET_LAST, *(f"sort=-{key}" for key in CAMPAIGN_LEDGER_SORTS),
        # each sort's last page by keyset (the reverse order's first rows), and an old deep link
        *(f"sort=-{key}&{KEYSET_LAST}" for key in CAMPAIGN_LEDGER_SORTS), f"sort=-overdue&{LAST_PAGE}",
        "status=returned",
    ),
    # the branch workflow
    "ledger:my_ledgers": page(plain("ledger:my_ledgers"), LEVELS),
    "ledger:ledger_detail": page(of("ledger:ledger_detail", "ledger"), LEVELS),
    "ledger:ledger_changes": page(of("ledger:ledger_changes", "ledger"), LEVELS),
    "ledger:ledger_history": page(of("ledger:ledger_history", "ledger"), LEVELS, LAST_PAGE, KEYSET_LAST),
    "ledger:self_check": page(of("ledger:self_check", "ledger"), LEVELS),
    "ledger:self_check_answer": skip(TRANSITION),
    "ledger:problem_create": page(of("ledger:problem_create", "ledger"), ("branch",)),
    "ledger:bulk_close": skip(TRANSITION),
    "ledger:problem_edit": page(of("ledger:problem_edit", "problem"), ("branch",)),
    "ledger:problem_detail": page(of("ledger:problem_detail", "problem"), LEVELS),
    "ledger:hand_down": skip("needs a committee's own ledger: the generated campaign gives ledgers to branches only"),
    "ledger:problem_withdraw": skip(TRANSITION),
    "ledger:recurrence_confirm": skip(TRANSITION),
    "ledger:recurrence_dismiss": skip(TRANSITION),
    "ledger:item_create": page(of("ledger:item_create", "problem"), ("branch",)),
    "ledger:item_detail": page(of("ledger:item_detail", "item"), LEVELS),
    "ledger:item_edit": page(of("ledger:item_edit", "item"), ("branch",)),
    "ledger:ledger_action": skip(TRANSITION),
    "ledger:item_action": skip(TRANSITION),
    "ledger:evidence_download": skip(FILE),
    "ledger:evidence_thumbnail": skip(FILE),
    # exports and imports
    "ledger:export_index": page(plain("ledger:export_index"), LEVELS),
    "ledger:campaign_export": page(of("ledger:campaign_export", "campaign"), LEVELS),
    "ledger:export_start": skip("POST only: queues the export job, measured as the export task"),
    "ledger:export_zip_start": skip("POST only: queues the whole-campaign ZIP job (docs/performance.md measures it)"),
    "ledger:ledger_export": skip(FILE),
    "ledger:problem_import": page(of("ledger:problem_import", "ledger"), ("branch", *SUPERVISORS)),
    "ledger:problem_import_template": skip(FILE),
    # periodic progress reports (定期报告)
    "ledger:report_cycle": page(of("ledger:report_cycle", "campaign"), LEVELS),
    "ledger:periodic_who_reported": page(
        of("ledger:periodic_who_reported", "campaign"), LEVELS, LAST_PAGE, KEYSET_LAST, with_period("missing"),
        with_period("submitted"), with_period("missing", KEYSET_LAST)),
    "ledger:periodic_report_list": page(of("ledger:periodic_report_list", "ledger"), LEVELS),
    "ledger:periodic_report": page(periodic_report, LEVELS),
    "ledger:periodic_report_review": skip(TRANSITION),
    # 三单一账 (problem, task and responsibility lists) and a unit's own plan (本单位整改方案)
    "ledger:ledger_lists": page(lambda ctx, level: reverse("ledger:ledger_lists", args=[ctx.ledger.pk, "tasks"]),
                                LEVELS, LAST_PAGE),
    "ledger:ledger_lists_export": skip(FILE),
    "ledger:campaign_lists": page(subtree_lists, LEVELS, LAST_PAGE, KEYSET_LAST,
                                  slugs=("problems", "tasks", "duties")),
    "ledger:campaign_lists_start": skip("POST only: queues the 三单一账 workbook job (an export, like the export task)"),
    "ledger:own_plan_list": page(plain("ledger:own_plan_list"), LEVELS),
    "ledger:own_plan_create": page(plain("ledger:own_plan_create"), ("branch", *SUPERVISORS)),
    "ledger:self_check_category_answer": skip(TRANSITION),
    # supervision, results, ratings, dashboards
    "reviews:index": page(plain("reviews:index"), LEVELS),
    "reviews:dashboard": page(of("reviews:dashboard", "campaign"), LEVELS),
    "reviews:item_list": page(
        of("reviews:item_list", "campaign"), LEVELS,
        LAST_PAGE, KEYSET_LAST, "status=open", f"status=open&{KEYSET_LAST}", "status=closure_requested", "overdue=1",
        category, closed_week),
    "reviews:problem_list": page(
        of("reviews:problem_list", "campaign"), LEVELS,
        LAST_PAGE, KEYSET_LAST, category, "source=extended", f"source=extended&{KEYSET_LAST}", "recurrence=flagged",
        common_problem, common_problem_last),
    "reviews:ledger_list": page(
        of("reviews:ledger_list", "campaign"), LEVELS,
        LAST_PAGE, KEYSET_LAST, "state=handed_in", "state=in_place", f"state=in_place&{KEYSET_LAST}", "state=returned"),
    "reviews:results": page(of("reviews:results", "campaign"), LEVELS, LAST_PAGE, KEYSET_LAST),
    "reviews:rating_list": page(of("reviews:rating_list", "campaign"), LEVELS, LAST_PAGE, "stars=3", "tier=middle"),
    "reviews:policy_edit": page(of("reviews:policy_edit", "campaign"), ("province",)),
    "reviews:common_problems": page(of("reviews:common_problems", "campaign"), VIEWERS_ABOVE),
    "reviews:common_measure_action": skip(TRANSITION),
    "reviews:delegation_grant": skip(TRANSITION),
    "reviews:delegation_revoke": skip(TRANSITION),
    "reviews:rating_edit": page(rating_of_branch, ORG),
    "reviews:rating_detail": page(of("reviews:rating_detail", "rating"), LEVELS),
    "reviews:rating_publish": skip(TRANSITION),
    "reviews:rating_finalise": skip(TRANSITION),
    "reviews:objection_create": skip(TRANSITION),
    "reviews:objection_resolve": skip(TRANSITION),
    "reviews:unit_record": page(own_unit("reviews:unit_record"), LEVELS, LAST_PAGE),
    "reviews:survey_list": page(plain("reviews:survey_list"), LEVELS),
    "reviews:survey_create": skip(TRANSITION),
    "reviews:survey_detail": page(of("reviews:survey_detail", "survey"), ("province", "inspector"),
                                  LAST_PAGE, KEYSET_LAST, SEARCH_HIT, SEARCH_MISS, "tier=none", "tier=lagging",
                                  f"tier=none&{KEYSET_LAST}"),
    "reviews:survey_finalize": skip(TRANSITION),
    "reviews:survey_improvement": skip(TRANSITION),
    "reviews:survey_tier_list": page(of("reviews:survey_tier_list", "survey"), ("province", "inspector"),
                                     "tier=lagging", SEARCH_HIT, SEARCH_MISS),
    "reviews:survey_tier_export": skip(FILE),
    "reviews:supervision_list": page(plain("reviews:supervision_list"), LEVELS, LAST_PAGE, "kind=site_visit"),
    "reviews:supervision_create": page(plain("reviews:supervision_create"), SUPERVISORS),
    "reviews:supervision_detail": page(of("reviews:supervision_detail", "supervision"), LEVELS),
    "reviews:finding_open_problem": skip(TRANSITION),
    "reviews:item_reopen": skip(TRANSITION),
    # background jobs and notifications
    "jobs:job_list": page(plain("jobs:job_list"), LEVELS),
    "jobs:job_detail": page(own_job, LEVELS),
    "jobs:job_download": skip(FILE),
    "notifications:list": page(plain("notifications:list"), LEVELS),
    "notifications:read": skip(TRANSITION),
    "notifications:read_all": skip(TRANSITION),
    "notifications:preferences": page(plain("notifications:preferences"), LEVELS),
    "notifications:messenger": page(own_unit("notifications:messenger"), ORG),
    # monitoring
    "health": skip("public monitoring probe, no data of a unit"),
    "metrics": skip("public monitoring probe, no data of a unit"),
    # the 附件3 report
    "reports:index": page(plain("reports:index"), LEVELS),
    "reports:verify": skip("public: checks one verification code"),
    "reports:report_edit": page(report_of_gb, VIEWERS_ABOVE),
    # the issuer's overview of every general branch's report: who sees the issuing unit
    "reports:campaign_overview": page(of("reports:campaign_overview", "campaign"), ("province", "inspector")),
    "reports:campaign_zip": skip(FILE),
    "reports:report_preview": skip("a PDF rendering: measured as the report task"),
    "reports:report_sign": skip("signing renders the PDF: measured as the report task"),
    "reports:report_retry": skip(TRANSITION),
    "reports:report_pdf": skip(FILE),
    "reports:stamps": page(stamps_of_gb, VIEWERS_ABOVE),
    "reports:stamp_image": skip(FILE),
}


@dataclass(frozen=True)
class Row:
    """One timed request: a URL name with one query string, as one level's account."""

    name: str
    query: str
    level: str
    url: str
    status: int
    variant: int = 0  # which of the rule's query strings (their values may differ between data sets)
    slug: str = ""

    @property
    def label(self) -> str:
        name = f"{self.name}/{self.slug}" if self.slug else self.name
        return f"{name}?{self.query}" if self.query else name


def url_names() -> set[str]:
    """Every named URL of the project except Django's admin (as the authorization walk counts them)."""
    names = set()

    def walk(patterns, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (
                    entry.namespace or namespace)
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns)
    return names


def missing_rules() -> list[str]:
    return sorted(url_names() - set(RULES))


def stale_rules() -> list[str]:
    return sorted(set(RULES) - url_names())


def rows(ctx: Context, names: set[str] | None = None) -> list[Row]:
    """Every row the rules ask for (of `names` only, when given), in URL-name order, level by level."""
    found = []
    for name in sorted(RULES):
        rule = RULES[name]
        if rule.url is None or (names is not None and name not in names):
            continue
        for slug in rule.slugs or ("",):
            for index, variant in enumerate(rule.variants):
                for level in rule.levels:
                    query = variant(ctx, level) if callable(variant) else variant
                    url = rule.url(ctx, level, slug) if slug else rule.url(ctx, level)
                    joined = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
                    found.append(Row(name, query, level, joined, rule.status, index, slug))
    return found
