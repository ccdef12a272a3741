"""Demo periodic reports (定期报告): a quarterly cycle on a campaign with reports in every state.

`seed_demo` calls `seed_periodic` after the workflow demo: the current campaign's cycle, its quarters counted from
the campaign's demo day (`DemoCalendar`). Idempotent: a campaign that already has a report cycle is left as it is.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from branches.selectors import SYSTEM
from ledger.models import Campaign, Ledger, PeriodicReport, ReportCycle, ReportPeriod
from ledger.services.periodic import (
    periodic_report_accept,
    periodic_report_return,
    periodic_report_save,
    periodic_report_submit,
    report_cycle_set,
)

WORK_DONE = [
    "本季度召开支委会2次，逐条对照问题清单推进整改；组织生活会记录已补全，党费收缴情况已按季度公示。",
    "完成“三会一课”台账梳理，补开主题党日1次；剩余措施按时限推进，未发现新的问题。",
    "已落实谈心谈话制度，支部书记与全体党员谈话一轮；按期换届的准备工作已启动。",
]


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _handed_in_on(report: PeriodicReport, day: datetime.date) -> None:
    """Date a demo report's submission before its due date, as a branch would have sent it (demo only)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    PeriodicReport.objects.filter(pk=report.pk).update(submitted_at=moment, figures_as_of=moment)


def seed_periodic_reports(campaign: Campaign, *, today: datetime.date | None = None) -> ReportCycle:
    """A quarterly cycle from two quarters before `today` to the end of the next quarter, and reports: the oldest
    quarter accepted from the first five ledgers (the others missing), the last quarter one of each state
    (accepted, submitted, returned, draft, resubmitted after a return), the current quarter a draft."""
    existing = ReportCycle.objects.filter(campaign=campaign).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    this_quarter = _quarter_start(today)
    cycle = report_cycle_set(actor=SYSTEM, campaign=campaign, frequency="quarterly",
                             starts_on=_months_before(this_quarter, 6),
                             ends_on=_months_before(this_quarter, -6) - datetime.timedelta(days=1))
    oldest, last, current = list(ReportPeriod.objects.filter(cycle=cycle).order_by("due_on"))[:3]
    ledgers = list(Ledger.objects.filter(campaign=campaign).order_by("unit_path")[:5])

    def submit(ledger: Ledger, period: ReportPeriod, text: str) -> PeriodicReport:
        report = periodic_report_submit(actor=SYSTEM, ledger=ledger, period=period, work_done=text)
        _handed_in_on(report, period.due_on - datetime.timedelta(days=2))
        return report

    for n, ledger in enumerate(ledgers):
        submit(ledger, oldest, WORK_DONE[n % len(WORK_DONE)])
        periodic_report_accept(actor=SYSTEM, ledger=ledger, period=oldest, comment="已阅，继续推进。")
    steps = ["accepted", "submitted", "returned", "draft", "resubmitted"]
    for ledger, step in zip(ledgers, steps, strict=False):
        if step == "draft":
            periodic_report_save(actor=SYSTEM, ledger=ledger, period=last, work_done="本季度进展（草稿）")
            continue
        submit(ledger, last, WORK_DONE[1])
        if step == "accepted":
            periodic_report_accept(actor=SYSTEM, ledger=ledger, period=last)
        elif step in ("returned", "resubmitted"):
            periodic_report_return(actor=SYSTEM, ledger=ledger, period=last, reason="请写明已销号措施的数量和佐证材料。")
            if step == "resubmitted":
                submit(ledger, last, WORK_DONE[1] + "已销号措施3项，佐证材料已上传。")
    if ledgers and current.is_open(timezone.localdate()):
        periodic_report_save(actor=SYSTEM, ledger=ledgers[0], period=current, work_done="本季度整改进展（草稿）")
    return cycle


def seed_periodic(root, today: datetime.date | None = None) -> None:
    """The current demo campaign's quarterly reports, counted from the campaign's demo day (`today` is not used).

    A report can only be written once its period has opened by the clock, so a demo seeded for a day still ahead
    counts its quarters from the real date instead."""
    from ledger.demo import DemoCalendar, current_campaign

    campaign = current_campaign(root)
    if campaign is not None:
        day = min(DemoCalendar.of(campaign).today, timezone.localdate())
        seed_periodic_reports(campaign, today=day)
