"""Scoped reads for situation reports; the figures of section 二 are counted by the database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit, UnitKind, ancestor_paths
from branches.selectors import Action, Scope
from ledger import wording
from ledger.models import (
    Campaign,
    CampaignStatus,
    ItemStatus,
    Ledger,
    Problem,
    ProblemStatus,
    RectificationItem,
    overdue_condition,
)
from ledger.selectors.campaigns import level_below, reached_units
from reports.models import ReportStatus, SituationReport, StampKind, UnitStamp
from reviews.selectors.results import in_place_filter, policy_of

EXAMPLES_PER_CATEGORY = 3


@dataclass
class CategorySummary:
    order: int
    title: str
    problems: int = 0
    items: int = 0
    closed: int = 0
    overdue: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ProblemSummary:
    branches: int
    ledgers: int
    problems: int
    items: int
    closed: int
    overdue: int
    categories: list[CategorySummary]
    branch_ledgers: int = 0  # every ledger under the unit, with problems or not
    in_place: int = 0  # of those, rectification in place (整改到位) by the results page's rule
    units: str = ""  # what the ledgers belong to, in the campaign's words (党支部, 党委 …)


def reporting_units(scope: Scope, action: Action = Action.VIEW) -> QuerySet[OrgUnit]:
    """The units that write situation reports: any unit above branches (党总支, 二级党委, 镇党委, 县委 …); a branch
    reports through its ledger."""
    return scope.filter(OrgUnit.objects.filter(is_active=True).exclude(kind=UnitKind.BRANCH), action)


def reporting_unit_find(*, scope: Scope, pk: int) -> OrgUnit | None:
    """A unit above branches the viewer sees, else None."""
    return reporting_units(scope).filter(pk=pk).first()


def campaigns_published(scope: Scope) -> QuerySet[Campaign]:
    """The campaigns issued in the viewer's subtree, drafts left out."""
    return scope.filter(Campaign.objects.exclude(status=CampaignStatus.DRAFT), Action.VIEW, path_field="issuer_path")


def campaign_find(*, scope: Scope, pk: int) -> Campaign | None:
    """A campaign issued in the viewer's subtree, else None."""
    return scope.filter(Campaign.objects.all(), Action.VIEW, path_field="issuer_path").filter(pk=pk).first()


def campaign_reaching_find(*, unit: OrgUnit, pk: int) -> Campaign | None:
    """One of `campaigns_reaching(unit)`, else None."""
    return campaigns_reaching(unit).filter(pk=pk).first()


def campaigns_reaching(unit: OrgUnit) -> QuerySet[Campaign]:
    """The campaigns the unit reports on: published or closed, issued above it, with ledgers in its subtree."""
    return (
        Campaign.objects.filter(status__in=[CampaignStatus.PUBLISHED, CampaignStatus.CLOSED],
                                issuer_path__in=ancestor_paths(unit.path))
        .filter(ledgers__unit_path__startswith=unit.path)
        .distinct()
        .order_by("-year", "-created_at")
    )


def report_find(*, scope: Scope, pk: int) -> SituationReport | None:
    """A report in the viewer's subtree with its unit, campaign and signing job, else None."""
    reports = scope.filter(SituationReport.objects.all(), Action.VIEW, path_field="unit_path")
    return reports.select_related("unit", "campaign", "job").filter(pk=pk).first()


def signed_report_by_code(code: str) -> SituationReport | None:
    """The signed report a verification code stands for (the public check: no scope)."""
    return SituationReport.objects.filter(
        verification_code=code, status=ReportStatus.SIGNED
    ).select_related("unit", "campaign").first()


def signed_report_by_sha256(sha256: str) -> SituationReport | None:
    """The signed report whose PDF has this digest (the public check: no scope)."""
    return SituationReport.objects.filter(
        pdf_sha256=sha256, status=ReportStatus.SIGNED
    ).select_related("unit", "campaign").first()


def report_of(*, campaign: Campaign, unit: OrgUnit) -> SituationReport | None:
    return SituationReport.objects.filter(campaign=campaign, unit=unit).first()


def stamp_find(*, scope: Scope, pk: int) -> UnitStamp | None:
    """A signature or seal image of a unit in the viewer's subtree, else None."""
    return scope.filter(UnitStamp.objects.all(), Action.VIEW, path_field="unit_path").filter(pk=pk).first()


def current_stamps(unit: OrgUnit) -> dict[str, UnitStamp | None]:
    """The newest signature and seal image of a unit (what the next signed report will carry)."""
    return {
        kind: UnitStamp.objects.filter(unit=unit, kind=kind).order_by("-uploaded_at", "-id").first()
        for kind in StampKind.values
    }


def problem_summary(*, campaign: Campaign, unit: OrgUnit, today: datetime.date | None = None) -> ProblemSummary:
    """Section 二's figures for a general branch: problems and items of its branches, by category.

    Six queries whatever the size: counts per category of problems, counts per category of items,
    a few examples per category (a window function picks them), the totals, and the results policy and the
    ledgers in place (整改到位), counted by `reviews.selectors.in_place_condition` like the results page (its SQL
    compiled once, `in_place_filter`, as the dashboards count it).
    """
    today = today or timezone.localdate()
    problems = Problem.objects.filter(
        ledger__campaign=campaign, unit_path__startswith=unit.path, status=ProblemStatus.ACTIVE
    )
    items = RectificationItem.objects.filter(problem__in=problems)
    by_category: dict[int, CategorySummary] = {}
    for row in (
        problems.values("category_id", "category__order", "category__title")
        .annotate(n=Count("id"))
        .order_by("category__order")
    ):
        by_category[row["category_id"]] = CategorySummary(
            order=row["category__order"], title=row["category__title"], problems=row["n"]
        )
    for row in items.values("problem__category_id").annotate(
        n=Count("id"),
        closed=Count("id", filter=Q(status=ItemStatus.CLOSED)),
        overdue=Count("id", filter=overdue_condition(today)),
    ):
        summary = by_category.get(row["problem__category_id"])
        if summary is not None:
            summary.items, summary.closed, summary.overdue = row["n"], row["closed"], row["overdue"]
    examples = (
        problems.annotate(
            rank=Window(RowNumber(), partition_by=[F("category_id")], order_by=[F("number"), F("unit_path")])
        )
        .filter(rank__lte=EXAMPLES_PER_CATEGORY)
        .values_list("category_id", "ledger__unit__name", "description")
        .order_by("category__order", "rank")
    )
    for category_id, branch_name, description in examples:
        by_category[category_id].examples.append(f"{branch_name}：{description}")
    totals = problems.aggregate(
        ledgers=Count("ledger", distinct=True),
        branches=Count("ledger__unit", distinct=True),
    )
    ledgers = Ledger.objects.filter(campaign=campaign, unit_path__startswith=unit.path)
    # in_place_filter: the rule's SQL compiled once per process (built through the ORM per request, the eight
    # correlated counts were 11 ms of the report page's CPU; the statement takes 5)
    in_place = in_place_filter(campaign=campaign, policy=policy_of(campaign))
    placed = ledgers.aggregate(n=Count("pk"), in_place=Count("pk", filter=in_place))
    return ProblemSummary(
        units=wording.target_kind_word(campaign),
        branch_ledgers=placed["n"],
        in_place=placed["in_place"],
        branches=totals["branches"],
        ledgers=totals["ledgers"],
        problems=sum(c.problems for c in by_category.values()),
        items=sum(c.items for c in by_category.values()),
        closed=sum(c.closed for c in by_category.values()),
        overdue=sum(c.overdue for c in by_category.values()),
        categories=sorted(by_category.values(), key=lambda c: c.order),
    )


CHINESE_ORDINALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    return CHINESE_ORDINALS[n - 1] if 1 <= n <= len(CHINESE_ORDINALS) else str(n)


def problems_prefill(summary: ProblemSummary) -> str:
    """Section 二 as editable text, written from the ledgers' figures."""
    in_place = _("按结果运用的标准（台账经审核通过、对照检查全部作答、每个问题有措施、措施按期销号），"
                 "目前%(ledgers)d个%(units)s中整改到位的有%(in_place)d个。") % {
        "ledgers": summary.branch_ledgers, "in_place": summary.in_place, "units": summary.units}
    if not summary.problems:
        return "\n".join([_("经对照检查，所属%(units)s暂未查摆出问题。") % {"units": summary.units}, in_place])
    lines = [
        _(
            "经对照检查，共有%(branches)d个%(units)s查摆问题%(problems)d个，制定整改措施%(items)d条，"
            "已销号%(closed)d条，逾期未完成%(overdue)d条。"
        )
        % {
            "units": summary.units,
            "branches": summary.branches,
            "problems": summary.problems,
            "items": summary.items,
            "closed": summary.closed,
            "overdue": summary.overdue,
        }
    ]
    lines.append(in_place)
    for index, category in enumerate(summary.categories, start=1):
        lines.append(
            _("（%(ordinal)s）%(title)s：查摆问题%(problems)d个，整改措施%(items)d条，已销号%(closed)d条，逾期%(overdue)d条。")
            % {
                "ordinal": _ordinal(index),
                "title": category.title,
                "problems": category.problems,
                "items": category.items,
                "closed": category.closed,
                "overdue": category.overdue,
            }
        )
        for number, example in enumerate(category.examples, start=1):
            lines.append(f"{number}. {example}")
    return "\n".join(lines)


@dataclass
class UnitReportRow:
    unit: OrgUnit
    report: SituationReport | None
    signed_in_time: bool
    signed_below: int = 0  # signed reports of the units under this one
    in_time_below: int = 0  # of those, signed by the deadline

    @property
    def is_signed(self) -> bool:
        return self.report is not None and self.report.status != ReportStatus.DRAFT and self.report.signed_at is not None


def overview_focus_find(*, scope: Scope, campaign: Campaign, pk: int) -> OrgUnit | None:
    """A unit of the campaign's subtree the viewer sees, to list the level under it; else None (404)."""
    units = scope.filter(OrgUnit.objects.filter(path__startswith=campaign.issuer_path), Action.VIEW)
    return units.exclude(kind=UnitKind.BRANCH).filter(pk=pk).first()


def overview_trail(*, scope: Scope, campaign: Campaign, focus: OrgUnit) -> list[OrgUnit]:
    """The units from the top of what the viewer sees down to `focus` (below the issuer), for the way back up."""
    paths = [path for path in ancestor_paths(focus.path) if path.startswith(campaign.issuer_path)]
    above = scope.filter(OrgUnit.objects.filter(path__in=paths), Action.VIEW).exclude(path=campaign.issuer_path)
    return [*above.order_by("path"), focus]


def campaign_overview(*, scope: Scope, campaign: Campaign, focus: OrgUnit | None = None) -> list[UnitReportRow]:
    """One level of the units that report on the campaign: those directly under `focus` (None: the top of the
    viewer's part) that the campaign reached (a ledger of their own or below them) and that are not branches,
    each with its report's state and the signed reports below it. A province lists its cities, not its 23,040
    general branches (issue 15); the rest is a drill-down away."""
    level = level_below(scope=scope, campaign=campaign, focus=focus)
    units = list(reached_units(campaign=campaign, units=level, below_only=False))
    reports = {r.unit_id: r for r in SituationReport.objects.filter(campaign=campaign, unit__in=units)}
    below = _signed_below(campaign, units)
    return [
        UnitReportRow(unit=unit, report=reports.get(unit.pk), signed_in_time=_signed_in_time(reports.get(unit.pk), campaign),
                      signed_below=below.get(f"s{unit.pk}") or 0, in_time_below=below.get(f"t{unit.pk}") or 0)
        for unit in units
    ]


def _signed_below(campaign: Campaign, units: list[OrgUnit]) -> dict[str, int]:
    """s<pk>: signed reports strictly under each unit, t<pk>: those signed by the deadline. One statement over
    the campaign's reports (one per reporting unit at most), each subtree a constant prefix."""
    if not units:
        return {}
    in_time = Q()
    if campaign.report_deadline is not None:
        day_after = datetime.datetime.combine(campaign.report_deadline + datetime.timedelta(days=1), datetime.time.min)
        in_time = Q(signed_at__lt=timezone.make_aware(day_after))
    counts = {}
    anywhere = Q()
    for unit in units:
        under = Q(unit_path__startswith=unit.path) & ~Q(unit_path=unit.path)
        anywhere |= under
        counts[f"s{unit.pk}"] = Count("pk", filter=under)
        counts[f"t{unit.pk}"] = Count("pk", filter=under & in_time)
    signed = SituationReport.objects.filter(campaign=campaign, signed_at__isnull=False).exclude(
        status=ReportStatus.DRAFT)
    return signed.filter(anywhere).aggregate(**counts)


def _signed_in_time(report: SituationReport | None, campaign: Campaign) -> bool:
    if report is None or report.status == ReportStatus.DRAFT or report.signed_at is None:
        return False
    if campaign.report_deadline is None:
        return True
    return timezone.localdate(report.signed_at) <= campaign.report_deadline


def signed_reports_in_scope(*, scope: Scope, campaign: Campaign) -> QuerySet[SituationReport]:
    """The campaign's signed reports the viewer sees, in tree order (the campaign's ZIP)."""
    return scope.filter(
        SituationReport.objects.filter(campaign=campaign, status=ReportStatus.SIGNED),
        Action.VIEW,
        path_field="unit_path",
    ).select_related("unit").order_by("unit_path")
