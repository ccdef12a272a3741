"""The reminder kinds: each turns the state of the ledgers on one day into reminder drafts.

Every source is a generator of `Draft`s built from a few set-based queries (`values()` and
`.iterator()`), never one query per item. Whether a draft is actually sent is decided afterwards by
`notifications.services.reminders_send`, through the ReminderLog's unique constraint.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Iterator

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from branches.models import OrgUnit, Role, UnitKind, ancestor_paths
from ledger.models import (
    HANDED_IN_REPORT_STATUSES,
    OPEN_ITEM_STATUSES,
    Campaign,
    CampaignStatus,
    Ledger,
    LedgerStatus,
    PeriodicReport,
    Phase,
    PhaseStage,
    ProblemStatus,
    RectificationItem,
    ReportPeriod,
    overdue_condition,
)
from ledger.naming import item_no
from notifications.models import NotificationKind
from notifications.recipients import Directory, parent_path

log = logging.getLogger(__name__)


class Draft:
    """A reminder that may be sent; `key` is what ReminderLog keeps unique (computed once: sweeps make many)."""

    __slots__ = ("recipient_id", "kind", "due_on", "object_key", "title", "body", "link", "key")

    def __init__(self, recipient_id: int, kind: str, due_on: datetime.date, object_key: str, title: str,
                 body: str = "", link: str = "") -> None:
        self.recipient_id, self.kind, self.due_on, self.object_key = recipient_id, kind, due_on, object_key
        self.title, self.body, self.link = title, body, link
        self.key = (recipient_id, kind, due_on, object_key)


Source = Callable[[datetime.date, Directory], Iterable[Draft]]


def due_days() -> tuple[int, ...]:
    return tuple(sorted(settings.REMINDER_DUE_DAYS))


def threshold_for(days_left: int) -> int | None:
    """The reminder step a deadline `days_left` away belongs to: 5 days left → the 7-day reminder.

    Using steps rather than exact days means a sweep that missed a day still sends the reminder
    (once) the next day.
    """
    return next((step for step in due_days() if days_left <= step), None)


def _days_left_text(days_left: int) -> str:
    return _("今天到期") if days_left == 0 else _("还剩 %(days)s 天") % {"days": days_left}


def url_maker(name: str) -> Callable[[int], str]:
    """reverse() once per sweep, not once per row: the URL with the primary key slotted in."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _each(recipients: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(recipients))  # de-duplicated, order kept


def items_due_soon(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """Open dated items due within the largest step → the responsible person and the branch secretary."""
    horizon = today + datetime.timedelta(days=max(due_days()))
    rows = (
        RectificationItem.objects.filter(
            status__in=OPEN_ITEM_STATUSES, is_ongoing=False, deadline__gte=today, deadline__lte=horizon,
            ledger__campaign__status=CampaignStatus.PUBLISHED,
        )
        .order_by("pk")
        .values_list("pk", "deadline", "unit_path", "responsible_user_id", "measure", "ledger__unit__name",
                     "problem__number", "number")
    )
    item_url = url_maker("ledger:item_detail")
    title_text, body_text = _("整改措施将于 %(date)s 到期（%(left)s）"), _("%(unit)s：%(measure)s")
    for pk, deadline, path, responsible_id, measure, unit_name, problem_number, number in rows.iterator(chunk_size=5000):
        days_left = (deadline - today).days
        step = threshold_for(days_left)
        if step is None:
            continue
        responsible = [responsible_id] if directory.covers(responsible_id, path) else []
        title = title_text % {"date": deadline, "left": _days_left_text(days_left)}
        body = body_text % {"unit": unit_name, "measure": f"{item_no(problem_number, number)} {measure[:200]}"}
        link = item_url(pk)
        for user_id in _each(responsible + directory.secretaries(path)):
            yield Draft(user_id, NotificationKind.ITEM_DUE_SOON, deadline, f"item:{pk}:d{step}", title, body, link)


def items_overdue(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """One digest per branch per day → its secretary; after N days overdue also the general branch staff."""
    escalate_before = today - datetime.timedelta(days=settings.REMINDER_ESCALATE_AFTER_DAYS)
    groups = (
        RectificationItem.objects.filter(overdue_condition(today), ledger__campaign__status=CampaignStatus.PUBLISHED)
        .values("unit_path", "ledger__unit__name")
        .annotate(count=Count("pk"), oldest=Min("deadline"), ledger_id=Min("ledger_id"))
        .order_by("unit_path")
    )
    ledger_url = url_maker("ledger:ledger_detail")
    title_text = _("%(unit)s 有 %(count)s 项整改措施已逾期")
    body_text = _("最早的整改时限为 %(oldest)s，请尽快推进整改并报告进展。")
    escalated_text = _("督办：%(unit)s 有整改措施逾期 %(days)s 天")
    for group in groups.iterator(chunk_size=5000):
        path, count, oldest = group["unit_path"], group["count"], group["oldest"]
        values = {"unit": group["ledger__unit__name"], "count": count, "oldest": oldest}
        title = title_text % values
        body = body_text % values
        link = ledger_url(group["ledger_id"])
        key = f"unit:{path}"
        for user_id in _each(directory.secretaries(path)):
            yield Draft(user_id, NotificationKind.ITEMS_OVERDUE, today, key, title, body, link)
        if oldest <= escalate_before:
            days = (today - oldest).days
            escalated = escalated_text % {"unit": values["unit"], "days": days}
            for user_id in _each(directory.general_branch_staff_above(path)):
                yield Draft(user_id, NotificationKind.ITEMS_OVERDUE_ESCALATED, today, key, escalated, title, link)


# A ledger has "reached" a phase when its status is past these (supervision runs throughout: no reminder).
NOT_REACHED = {
    PhaseStage.SELF_CHECK: (LedgerStatus.DRAFT, LedgerStatus.RETURNED),
    PhaseStage.RECTIFICATION: (LedgerStatus.DRAFT, LedgerStatus.RETURNED, LedgerStatus.SUBMITTED),
    PhaseStage.RESULTS: (LedgerStatus.DRAFT, LedgerStatus.RETURNED, LedgerStatus.SUBMITTED),
    PhaseStage.OTHER: (LedgerStatus.DRAFT, LedgerStatus.RETURNED, LedgerStatus.SUBMITTED),
}


def phase_deadlines(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """A phase ending soon → the units whose ledger in that campaign has not reached the phase."""
    horizon = today + datetime.timedelta(days=max(due_days()))
    phases = Phase.objects.filter(
        campaign__status=CampaignStatus.PUBLISHED, ends_on__gte=today, ends_on__lte=horizon, stage__in=NOT_REACHED
    ).values_list("pk", "campaign_id", "name", "stage", "ends_on", "campaign__name")
    ledger_url = url_maker("ledger:ledger_detail")
    body_text = _("%(campaign)s：%(unit)s 的台账当前状态为“%(status)s”，请在截止前完成本阶段工作。")
    status_labels = {value: str(label) for value, label in LedgerStatus.choices}
    for phase_id, campaign_id, phase_name, stage, ends_on, campaign_name in phases:
        days_left = (ends_on - today).days
        step = threshold_for(days_left)
        if step is None:
            continue
        values = {"phase": phase_name, "date": ends_on, "left": _days_left_text(days_left), "campaign": campaign_name}
        title = _("“%(phase)s”阶段将于 %(date)s 截止（%(left)s）") % values
        ledgers = (
            Ledger.objects.filter(campaign_id=campaign_id, status__in=NOT_REACHED[stage])
            .order_by("pk")
            .values_list("pk", "unit_path", "unit__name", "status")
        )
        for ledger_id, path, unit_name, status in ledgers.iterator(chunk_size=5000):
            body = body_text % {**values, "unit": unit_name, "status": status_labels[status]}
            link = ledger_url(ledger_id)
            key = f"phase:{phase_id}:ledger:{ledger_id}:d{step}"
            for user_id in _each(directory.fillers(path)):
                yield Draft(user_id, NotificationKind.PHASE_DEADLINE, ends_on, key, title, body, link)


class ReportsUnavailable(Exception):
    """The reports app (and so the signed state of situation reports) is not part of this deployment."""


def situation_reports_signed(*, campaign_ids: list[int]) -> Iterable[tuple[int, int]]:
    """The default provider: (campaign id, unit id) of every situation report no longer a draft."""
    if not apps.is_installed("reports"):
        raise ReportsUnavailable
    report_model = apps.get_model("reports", "SituationReport")
    # "draft" is ReportStatus.DRAFT, spelt out: reports sits above notifications, which may not import it.
    return report_model.objects.filter(campaign_id__in=campaign_ids).exclude(status="draft").values_list(
        "campaign_id", "unit_id"
    )


def signed_report_units(campaign_ids: list[int]) -> set[tuple[int, int]] | None:
    """(campaign id, unit id) of the situation reports already signed, or None when that is unknowable.

    The reports app is optional: without it (or with a provider that cannot be imported) the
    report-deadline reminder is skipped rather than nagging every general branch.
    """
    dotted = settings.REMINDER_REPORT_SIGNED_PROVIDER
    if not dotted:
        return None
    try:
        return set(import_string(dotted)(campaign_ids=campaign_ids))
    except (ImportError, RuntimeError, ReportsUnavailable):  # RuntimeError: models of an app not installed
        log.info("report reminders skipped: %s unavailable", dotted)
        return None


REPORT_WRITERS = {UnitKind.GENERAL_BRANCH: Role.GENERAL_BRANCH_STAFF, UnitKind.COMMITTEE: Role.ORG_DEPARTMENT}


def reporting_paths(campaign_id: int, issuer_path: str) -> set[str]:
    """The units that owe the campaign a situation report: below the issuer, above a ledger or with one of their
    own, never a branch (one row per parent, not per ledger)."""
    ledgers = Ledger.objects.filter(campaign_id=campaign_id).order_by()
    paths: set[str] = set()
    for parent in ledgers.values_list("unit__parent__path", flat=True).distinct():
        if parent:
            paths.update([parent, *ancestor_paths(parent)])
    paths.update(ledgers.exclude(unit__kind=UnitKind.BRANCH).values_list("unit_path", flat=True))
    return paths - {issuer_path, *ancestor_paths(issuer_path)}


def report_deadlines(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """The situation report's deadline → the units that owe a report (general branches, committees below the
    issuer) and have not signed it."""
    horizon = today + datetime.timedelta(days=max(due_days()))
    campaigns = list(
        Campaign.objects.filter(
            status=CampaignStatus.PUBLISHED, report_deadline__gte=today, report_deadline__lte=horizon
        ).values_list("pk", "name", "report_deadline", "issuer_path")
    )
    if not campaigns:
        return
    signed = signed_report_units([pk for pk, _name, _deadline, _issuer in campaigns])
    if signed is None:
        return
    for campaign_id, campaign_name, deadline, issuer_path in campaigns:
        days_left = (deadline - today).days
        step = threshold_for(days_left)
        if step is None:
            continue
        units = (
            OrgUnit.objects.filter(is_active=True, path__in=reporting_paths(campaign_id, issuer_path))
            .exclude(kind=UnitKind.BRANCH).order_by("path").values_list("pk", "path", "name", "kind")
        )
        values = {"campaign": campaign_name, "date": deadline, "left": _days_left_text(days_left)}
        title = _("情况报告将于 %(date)s 截止报送（%(left)s）") % values
        for unit_id, path, unit_name, kind in units:
            if (campaign_id, unit_id) in signed:
                continue
            body = _("%(campaign)s：%(unit)s 的情况报告尚未签署报送。") % {**values, "unit": unit_name}
            key = f"report:{campaign_id}:unit:{unit_id}:d{step}"
            link = reverse("ledger:campaign_detail", args=[campaign_id])
            for user_id in _each(directory.at(path, REPORT_WRITERS[kind])):
                yield Draft(user_id, NotificationKind.REPORT_DEADLINE, deadline, key, title, body, link)


def term_stage(expires_on: datetime.date, today: datetime.date) -> str | None:
    """'expired+Nm' (N whole months since the term ended: an overdue re-election is reminded every month until the
    new committee's election date is entered), or the smallest 'Nm' window (of REMINDER_TERM_MONTHS) the expiry
    date falls in."""
    if expires_on <= today:
        elapsed = relativedelta(today, expires_on)
        return f"expired+{elapsed.years * 12 + elapsed.months}m"
    for months in sorted(settings.REMINDER_TERM_MONTHS):
        if expires_on <= today + relativedelta(months=months):
            return f"{months}m"
    return None


def committee_terms(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """Committees whose term ends within the largest window, or has ended → the unit and the level above."""
    window_end = today + relativedelta(months=max(settings.REMINDER_TERM_MONTHS))
    # expires_on = elected_on + term years, so "expires by window_end" is one date bound per term length.
    condition = Q(pk__in=[])
    for years in range(1, 6):
        condition |= Q(committee_term_years=years, committee_elected_on__lte=window_end - relativedelta(years=years))
    units = (
        OrgUnit.objects.filter(condition, is_active=True, committee_elected_on__isnull=False)
        .order_by("path")
        .values_list("pk", "path", "name", "kind", "committee_elected_on", "committee_term_years")
    )
    tree_link = reverse("branches:tree")
    expired_text = _("%(unit)s 委员会任期已于 %(date)s 届满，请按期换届")
    expiring_text = _("%(unit)s 委员会任期将于 %(date)s 届满，请做好换届准备")
    body_text = _("本届委员会选举日期 %(elected)s，任期 %(years)s 年。")
    for unit_id, path, name, kind, elected_on, years in units.iterator(chunk_size=5000):
        expires_on = OrgUnit(committee_elected_on=elected_on, committee_term_years=years).committee_expires_on
        stage = term_stage(expires_on, today)
        if stage is None:
            continue
        values = {"unit": name, "date": expires_on}
        if stage.startswith("expired"):
            title = expired_text % values
        else:
            title = expiring_text % values
        body = body_text % {"elected": elected_on, "years": years}
        own = directory.secretaries(path)
        if kind == UnitKind.GENERAL_BRANCH:
            own = own + directory.at(path, Role.GENERAL_BRANCH_STAFF)
        key = f"unit:{unit_id}:term:{stage}"
        for user_id in _each(own + directory.general_branch_staff_above(path)):
            yield Draft(user_id, NotificationKind.COMMITTEE_TERM, expires_on, key, title, body, tree_link)


# How long after its due date a period's missing reports are still reminded (once each): the next period takes over.
PERIODIC_MISSING_WINDOW = datetime.timedelta(days=31)


def _ledgers_not_handed_in(period_id: int, campaign_id: int) -> Iterator[tuple[int, str, str]]:
    """(ledger id, unit path, unit name) of the campaign's ledgers with no report handed in for the period."""
    handed_in = PeriodicReport.objects.filter(period_id=period_id, status__in=HANDED_IN_REPORT_STATUSES)
    return (
        Ledger.objects.filter(campaign_id=campaign_id)
        .exclude(pk__in=handed_in.values("ledger_id"))
        .order_by("pk")
        .values_list("pk", "unit_path", "unit__name")
        .iterator(chunk_size=5000)
    )


def periodic_reports(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """A periodic report due within the cycle's notice → the branch; not handed in after its due date → the branch,
    and the general branch above once per period (one digest listing how many of its branches have not reported)."""
    periods = ReportPeriod.objects.filter(
        cycle__campaign__status=CampaignStatus.PUBLISHED, due_on__gte=today - PERIODIC_MISSING_WINDOW,
        due_on__lte=today + datetime.timedelta(days=30),
    ).values_list("pk", "label", "due_on", "cycle__remind_days_before", "cycle__campaign_id", "cycle__campaign__name")
    report_url = reverse("ledger:periodic_report", args=[987654321, 123456789])
    for period_id, label, due_on, notice, campaign_id, campaign_name in periods:
        days_left = (due_on - today).days
        if 0 <= days_left <= notice:
            kind, key_tail = NotificationKind.PERIODIC_REPORT_DUE, "due"
            title = _("“%(period)s”定期报告将于 %(date)s 截止报送（%(left)s）") % {
                "period": label, "date": due_on, "left": _days_left_text(days_left)}
        elif days_left < 0:
            kind, key_tail = NotificationKind.PERIODIC_REPORT_MISSING, "missing"
            title = _("“%(period)s”定期报告已逾期未报送（截止 %(date)s）") % {"period": label, "date": due_on}
        else:
            continue
        missing_below: dict[str, int] = {}
        for ledger_id, path, unit_name in _ledgers_not_handed_in(period_id, campaign_id):
            body = _("%(campaign)s：%(unit)s 请填写并报送本期整改进展。") % {"campaign": campaign_name, "unit": unit_name}
            link = report_url.replace("987654321", str(ledger_id)).replace("123456789", str(period_id))
            key = f"periodic:{period_id}:ledger:{ledger_id}:{key_tail}"
            for user_id in _each(directory.fillers(path)):
                yield Draft(user_id, kind, due_on, key, title, body, link)
            parent = parent_path(path)
            missing_below[parent] = missing_below.get(parent, 0) + 1
        if kind != NotificationKind.PERIODIC_REPORT_MISSING:
            continue
        table_link = reverse("ledger:periodic_who_reported", args=[campaign_id])
        for parent, count in missing_below.items():
            body = _("%(campaign)s：下属 %(count)s 个单位尚未报送“%(period)s”定期报告。") % {
                "campaign": campaign_name, "count": count, "period": label}
            for user_id in _each(directory.at(parent, Role.GENERAL_BRANCH_STAFF)):
                yield Draft(user_id, kind, due_on, f"periodic:{period_id}:below:{parent}", title, body, table_link)


# How long after a phase ends its open measures are still reported to the unit above (once): a missed sweep catches up.
PHASE_END_WINDOW = datetime.timedelta(days=7)


def _open_in_phase(phase_id: int) -> Iterator[tuple[int, str, str, int]]:
    """(ledger id, unit path, unit name, open measures) of the ledgers with measures still open in the phase."""
    return (
        RectificationItem.objects.filter(phase_id=phase_id, status__in=OPEN_ITEM_STATUSES,
                                         problem__status=ProblemStatus.ACTIVE)
        .values_list("ledger_id", "unit_path", "ledger__unit__name")
        .annotate(n=Count("pk"))
        .order_by("unit_path")
        .iterator(chunk_size=5000)
    )


def phase_work(today: datetime.date, directory: Directory) -> Iterator[Draft]:
    """Measures belong to phases (集中整改, 持续推进 …). REMINDER_PHASE_WORK_DAYS before a phase ends → the fillers of
    each ledger with measures still open in it, once per phase; once the phase has ended → the unit above those
    ledgers (general branch staff, or the organization department of a committee), once per phase, with how many
    measures of how many of its units are still open in it."""
    notice = datetime.timedelta(days=settings.REMINDER_PHASE_WORK_DAYS)
    phases = Phase.objects.filter(
        campaign__status=CampaignStatus.PUBLISHED, ends_on__gte=today - PHASE_END_WINDOW, ends_on__lte=today + notice,
    ).order_by("ends_on", "pk").values_list("pk", "name", "ends_on", "campaign_id", "campaign__name")
    ledger_url, dashboard_url = url_maker("ledger:ledger_detail"), url_maker("reviews:dashboard")
    for phase_id, phase_name, ends_on, campaign_id, campaign_name in phases:
        values = {"phase": phase_name, "date": ends_on, "campaign": campaign_name}
        if ends_on >= today:
            values["left"] = _days_left_text((ends_on - today).days)
            title = _("“%(phase)s”阶段将于 %(date)s 结束（%(left)s），本阶段还有措施未销号") % values
            for ledger_id, path, unit_name, count in _open_in_phase(phase_id):
                body = _("%(campaign)s：%(unit)s 在“%(phase)s”阶段还有 %(count)s 项整改措施未销号，请抓紧推进。") % {
                    **values, "unit": unit_name, "count": count}
                for user_id in _each(directory.fillers(path)):
                    yield Draft(user_id, NotificationKind.PHASE_WORK_DUE, ends_on, f"phasework:{phase_id}:ledger:{ledger_id}",
                                title, body, f"{ledger_url(ledger_id)}?phase={phase_id}")
            continue
        below: dict[str, list[int]] = {}  # parent path → [units, open measures]
        for _ledger_id, path, _unit_name, count in _open_in_phase(phase_id):
            figures = below.setdefault(parent_path(path), [0, 0])
            figures[0] += 1
            figures[1] += count
        title = _("“%(phase)s”阶段已于 %(date)s 结束，仍有措施未销号") % values
        for parent, (units, count) in below.items():
            body = _("%(campaign)s：下属 %(units)s 个单位在“%(phase)s”阶段仍有 %(count)s 项整改措施未销号。") % {
                **values, "units": units, "count": count}
            for user_id in _each(directory.at(parent, Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT)):
                yield Draft(user_id, NotificationKind.PHASE_WORK_OPEN, ends_on, f"phasework:{phase_id}:below:{parent}",
                            title, body, dashboard_url(campaign_id))


SOURCES: dict[str, Source] = {
    "items_due_soon": items_due_soon,
    "items_overdue": items_overdue,
    "phase_deadlines": phase_deadlines,
    "report_deadlines": report_deadlines,
    "committee_terms": committee_terms,
    "periodic_reports": periodic_reports,
    "phase_work": phase_work,
}
