"""Periodic progress reports (定期报告): the campaign's report cycle, and each ledger's report per period.

The issuer (Action.MANAGE over the campaign's issuer) sets how often ledgers report: quarterly, monthly or at dates
it lists. Each ledger's branch (Action.FILL) writes what was done and submits; the ledger's figures are copied onto
the report at that moment (a snapshot). The unit above (Action.SUPERVISE) accepts it or returns it with a reason;
a returned report is submitted again. Every transition: right, lock, version, state, write, event row.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from ledger.models import (
    Campaign,
    CampaignStatus,
    Ledger,
    PeriodicReport,
    PeriodicReportAction,
    PeriodicReportEvent,
    PeriodicReportStatus,
    ReportCycle,
    ReportFrequency,
    ReportPeriod,
)
from ledger.selectors.periodic import ledger_figures
from ledger.services.tally_marks import tally_mark_bump
from ledger.services.workflow.guards import check_version, locked_ledger

MAX_PERIODS = 60  # five years of months: more is a typing mistake, not a plan
WRITABLE = (PeriodicReportStatus.DRAFT, PeriodicReportStatus.RETURNED)


@dataclass(frozen=True)
class PeriodSpec:
    number: int
    label: str
    opens_on: datetime.date
    due_on: datetime.date


def _may(actor, action: Action, path: str) -> bool:
    """A person needs the right; the demo and commands, acting without one, pass SYSTEM."""
    return actor is SYSTEM or scope_for(actor).can(action, path)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _calendar_periods(starts_on: datetime.date, ends_on: datetime.date, months: int) -> list[PeriodSpec]:
    """Calendar quarters (months=3) or months (months=1) that overlap [starts_on, ends_on]: each opens on its first
    day (or the cycle's start) and is due on its last day (or the cycle's end)."""
    specs: list[PeriodSpec] = []
    year, month = starts_on.year, (starts_on.month - 1) // months * months + 1
    while datetime.date(year, month, 1) <= ends_on and len(specs) <= MAX_PERIODS:
        last_month = month + months - 1
        opens_on = max(datetime.date(year, month, 1), starts_on)
        due_on = min(_month_end(year, last_month), ends_on)
        if months == 3:
            label = _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": (month - 1) // 3 + 1}
        else:
            label = _("%(year)s年%(month)s月") % {"year": year, "month": month}
        specs.append(PeriodSpec(len(specs) + 1, label, opens_on, due_on))
        month += months
        if month > 12:
            year, month = year + 1, month - 12
    return specs


def _custom_periods(starts_on: datetime.date, due_dates: Iterable[datetime.date]) -> list[PeriodSpec]:
    """One period per due date: the first opens on the cycle's start, each next one the day after the last due."""
    dates = sorted(set(due_dates))
    if not dates:
        raise ValidationError(_("请至少填写一个报送日期。"))
    if dates[0] < starts_on:
        raise ValidationError(_("报送日期不能早于首期开始日期。"))
    specs, opens_on = [], starts_on
    for number, due_on in enumerate(dates, start=1):
        specs.append(PeriodSpec(number, _("第%(n)s期") % {"n": number}, opens_on, due_on))
        opens_on = due_on + datetime.timedelta(days=1)
    return specs


def cycle_periods(*, frequency: str, starts_on: datetime.date, ends_on: datetime.date | None,
                  due_dates: Iterable[datetime.date] = ()) -> list[PeriodSpec]:
    """The periods a cycle makes, with their due dates (the same rule for the page's preview and the service)."""
    if frequency == ReportFrequency.CUSTOM:
        specs = _custom_periods(starts_on, due_dates)
    elif frequency in (ReportFrequency.QUARTERLY, ReportFrequency.MONTHLY):
        if ends_on is None or ends_on < starts_on:
            raise ValidationError(_("末期截止日期不能早于首期开始日期。"))
        specs = _calendar_periods(starts_on, ends_on, 3 if frequency == ReportFrequency.QUARTERLY else 1)
    else:
        raise ValidationError(_("请选择报告周期。"))
    if len(specs) > MAX_PERIODS:
        raise ValidationError(_("报告期不能超过%(n)s期，请缩短时间范围。") % {"n": MAX_PERIODS})
    return specs


def _sync_periods(cycle: ReportCycle, specs: list[PeriodSpec]) -> None:
    """Make the cycle's periods those of `specs`, matched by due date; a period that has reports stays."""
    wanted = {spec.due_on: spec for spec in specs}
    existing = {period.due_on: period for period in cycle.periods.all()}
    for due_on, period in existing.items():
        if due_on not in wanted:
            if period.reports.exists():
                raise ValidationError(_("“%(period)s”已有支部填写报告，不能删除这一期（截止日期 %(date)s）。")
                                      % {"period": period.label, "date": due_on})
            period.delete()
    for due_on, spec in wanted.items():
        period = existing.get(due_on) or ReportPeriod(cycle=cycle, due_on=due_on)
        period.number, period.label, period.opens_on = spec.number, spec.label, spec.opens_on
        period.save()


@transaction.atomic
def report_cycle_set(*, actor, campaign: Campaign, frequency: str, starts_on: datetime.date,
                     ends_on: datetime.date | None = None, due_dates: Iterable[datetime.date] = (),
                     remind_days_before: int = 3, version: int | None = None) -> ReportCycle:
    """Set (or change) how often the campaign's ledgers report; the periods follow."""
    if not _may(actor, Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied(_("只有发文单位的组织部可以设置定期报告。"))
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该专项行动已结束，不能再设置定期报告。"))
    if not 0 <= remind_days_before <= 30:
        raise ValidationError(_("提前提醒天数应在0到30天之间。"))
    specs = cycle_periods(frequency=frequency, starts_on=starts_on, ends_on=ends_on, due_dates=due_dates)
    cycle = ReportCycle.objects.select_for_update().filter(campaign=campaign).first()
    before = None
    if cycle is None:
        cycle = ReportCycle(campaign=campaign)
    else:
        check_version(cycle, version)
        before = {"frequency": cycle.frequency, "starts_on": cycle.starts_on.isoformat(),
                  "ends_on": cycle.ends_on.isoformat()}
        cycle.version += 1
    cycle.frequency, cycle.starts_on, cycle.ends_on = frequency, starts_on, specs[-1].due_on
    cycle.remind_days_before = remind_days_before
    cycle.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    cycle.save()
    _sync_periods(cycle, specs)
    audit(actor=actor, obj=cycle, action="report_cycle_set", data={
        "campaign": campaign.pk, "before": before, "frequency": frequency,
        "due_dates": [spec.due_on.isoformat() for spec in specs],
    })
    return cycle


# --- one ledger's report for one period ------------------------------------------------------------------------


def _record(report: PeriodicReport, *, actor, action: str, from_status: str, comment: str = "") -> None:
    tally_mark_bump(campaign=report.ledger.campaign_id, unit_path=report.unit_path)
    PeriodicReportEvent.objects.create(
        report=report, actor=actor if getattr(actor, "is_authenticated", False) else None, at=timezone.now(),
        action=action, from_status=from_status, to_status=report.status, comment=comment,
    )


def _check_period(ledger: Ledger, period: ReportPeriod) -> None:
    if period.cycle.campaign_id != ledger.campaign_id:
        raise ValidationError(_("该报告期不属于本台账所在的专项行动。"))


def _branch_report(actor, ledger: Ledger, period: ReportPeriod, version: int | None) -> PeriodicReport:
    """The report the branch writes (made on first save), locked, after checking right, campaign, period, state."""
    ledger = locked_ledger(ledger)  # serialises the first save of a period's report
    if not _may(actor, Action.FILL, ledger.unit_path):
        raise PermissionDenied(_("只有本单位的账号可以填写本单位的定期报告。"))
    _check_period(ledger, period)
    if ledger.campaign.status != CampaignStatus.PUBLISHED:
        raise ValidationError(_("专项行动未在进行中，不能填写定期报告。"))
    if not period.is_open(timezone.localdate()):
        raise ValidationError(_("“%(period)s”自 %(date)s 起才能填写。") % {"period": period.label, "date": period.opens_on})
    report, created = PeriodicReport.objects.get_or_create(
        period=period, ledger=ledger, defaults={"unit_path": ledger.unit_path})
    report = PeriodicReport.objects.select_for_update().get(pk=report.pk)
    check_version(report, None if created else version)
    if report.status not in WRITABLE:
        raise ValidationError(_("本期报告已报送，不能再修改。"))
    return report


def _save(report: PeriodicReport, fields: list[str]) -> None:
    report.version += 1
    report.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def periodic_report_save(*, actor, ledger: Ledger, period: ReportPeriod, work_done: str,
                         version: int | None = None) -> PeriodicReport:
    """Keep what the branch has written so far (a draft, or a returned report being corrected)."""
    report = _branch_report(actor, ledger, period, version)
    from_status = report.status
    report.work_done = work_done.strip()
    _save(report, ["work_done"])
    _record(report, actor=actor, action=PeriodicReportAction.SAVED, from_status=from_status)
    return report


@transaction.atomic
def periodic_report_submit(*, actor, ledger: Ledger, period: ReportPeriod, work_done: str,
                           version: int | None = None) -> PeriodicReport:
    """Hand the report in: the ledger's figures as of now are copied onto it and no longer change."""
    report = _branch_report(actor, ledger, period, version)
    if not work_done.strip():
        raise ValidationError(_("请填写本期整改进展情况后再报送。"))
    from_status = report.status
    now = timezone.now()
    figures = ledger_figures(report.ledger_id, timezone.localdate())
    for name, value in figures.items():
        setattr(report, name, value)
    report.work_done, report.status = work_done.strip(), PeriodicReportStatus.SUBMITTED
    report.figures_as_of = report.submitted_at = now
    _save(report, ["work_done", "status", "figures_as_of", "submitted_at", *figures])
    action = (PeriodicReportAction.RESUBMITTED if from_status == PeriodicReportStatus.RETURNED
              else PeriodicReportAction.SUBMITTED)
    _record(report, actor=actor, action=action, from_status=from_status)
    return report


def _report_to_review(actor, ledger: Ledger, period: ReportPeriod, version: int | None) -> PeriodicReport:
    if not _may(actor, Action.SUPERVISE, ledger.unit_path):
        raise PermissionDenied(_("只有上级党组织可以审核定期报告。"))
    _check_period(ledger, period)
    report = PeriodicReport.objects.select_for_update().filter(period=period, ledger=ledger).first()
    if report is None or report.status != PeriodicReportStatus.SUBMITTED:
        raise ValidationError(_("只有已报送的定期报告可以审核。"))
    check_version(report, version)
    return report


@transaction.atomic
def periodic_report_accept(*, actor, ledger: Ledger, period: ReportPeriod, comment: str = "",
                           version: int | None = None) -> PeriodicReport:
    report = _report_to_review(actor, ledger, period, version)
    report.status, report.reviewed_at = PeriodicReportStatus.ACCEPTED, timezone.now()
    _save(report, ["status", "reviewed_at"])
    _record(report, actor=actor, action=PeriodicReportAction.ACCEPTED, from_status=PeriodicReportStatus.SUBMITTED,
            comment=comment.strip())
    return report


@transaction.atomic
def periodic_report_return(*, actor, ledger: Ledger, period: ReportPeriod, reason: str,
                           version: int | None = None) -> PeriodicReport:
    """Send the report back with the reason; the branch corrects it and submits it again."""
    report = _report_to_review(actor, ledger, period, version)
    if not reason.strip():
        raise ValidationError(_("退回定期报告必须填写原因。"))
    report.status, report.reviewed_at = PeriodicReportStatus.RETURNED, timezone.now()
    report.return_reason = reason.strip()
    _save(report, ["status", "reviewed_at", "return_reason"])
    _record(report, actor=actor, action=PeriodicReportAction.RETURNED, from_status=PeriodicReportStatus.SUBMITTED,
            comment=report.return_reason)
    return report
