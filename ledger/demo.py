"""Demo campaigns: the current 对账整改 campaign, dated around the day the demo is seeded; the Weifang 2022
campaign as history (filled, then closed), the 2023 campaign that carried its unfinished measures on (closed; see
`ledger.history_demo`); and a draft on the 灯下黑 checklist.

The current campaign is the Weifang notice (组织部〔2022〕44号: template `weifang-2022`, its phases and wording)
moved to the present: every date is computed from the day of seeding (`today`, `timezone.localdate()` unless a
test passes one), so a newcomer sees a campaign in its 督查落实 phase, some measures due in the next days, some
overdue, and reminders that speak of this week.

Idempotent, also across days: the current campaign is found by its document number's pattern
(`组织部〔<year>〕44号`, any year but 2022), not by today's dates. Once it exists it is left as it is, so seeding
again a week or a year later changes nothing (start from a fresh database for a demo dated today again). Every
later demo step reads its dates from the campaign (`DemoCalendar.of`), never from the clock, for the same reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.builtin_templates import load_builtin_templates
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    EventAction,
    Evidence,
    Ledger,
    LedgerEvent,
    Manifestation,
    PhaseStage,
    Problem,
    ProgressNote,
    RectificationItem,
    SelfCheckAnswer,
    TargetKind,
    TemplateCategory,
)
from ledger.services.campaigns import PhaseSpec, campaign_close, campaign_create, campaign_publish

D = datetime.date
WEIFANG_TEMPLATE = "weifang-2022"
CURRENT_NAME = "{year}年党支部对账整改专项行动"
CURRENT_DOC_NUMBER = "组织部〔{year}〕44号"
HISTORY_DOC_NUMBER = "组织部〔2022〕44号"


@dataclass(frozen=True)
class DemoCalendar:
    """The current campaign's dates, as days before (negative) or after the day the demo was seeded.

    The Weifang notice's rhythm: self-check for ten days, rectification planned by the end of the month,
    supervision throughout until the results deadline. Placed so that on the demo's day 对账查摆 ended four weeks
    ago, 立项整改 a week ago, 督查落实 runs for another three and a half weeks and 结果运用 is ahead.
    """

    today: datetime.date

    START = -42
    SELF_CHECK_ENDS = -28
    RECTIFICATION_ENDS = -7
    REPORT_DUE = 5  # the general branches' situation reports: a reminder goes out today
    RESULTS_DUE = 25

    @classmethod
    def of(cls, campaign: Campaign) -> DemoCalendar:
        """The calendar the campaign was seeded with (its results deadline is RESULTS_DUE days after that day)."""
        return cls(campaign.results_deadline - datetime.timedelta(days=cls.RESULTS_DUE))

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def at(self, offset: int, hour: int = 10) -> datetime.datetime:
        """A moment on the day `offset` days from the demo's day (Asia/Shanghai office hours)."""
        return timezone.make_aware(datetime.datetime.combine(self.day(offset), datetime.time(hour)))

    @property
    def year(self) -> int:
        """The campaign year: the year it started (in January the campaign began the previous autumn)."""
        return self.day(self.START).year

    def phases(self) -> list[PhaseSpec]:
        return [
            PhaseSpec("对账查摆", PhaseStage.SELF_CHECK, starts_on=self.day(self.START),
                      ends_on=self.day(self.SELF_CHECK_ENDS),
                      note="对照附件1逐条逐项开展对照检查和延伸自查"),
            PhaseSpec("立项整改", PhaseStage.RECTIFICATION, ends_on=self.day(self.RECTIFICATION_ENDS),
                      note="台账式整改，实行销号管理，边查边改、立行立改"),
            PhaseSpec("督查落实", PhaseStage.SUPERVISION, starts_on=self.day(self.START),
                      ends_on=self.day(self.RESULTS_DUE),
                      note="贯穿全程：现场调研、集中督导、调阅材料、整改“回头看”"),
            PhaseSpec("结果运用", PhaseStage.RESULTS, ends_on=self.day(self.RESULTS_DUE),
                      note="作为评星定级的重要依据，整改落实不到位的取消五星级评选资格"),
        ]


HISTORY_PHASES = [
    PhaseSpec("对账查摆", PhaseStage.SELF_CHECK, starts_on=D(2022, 10, 5), ends_on=D(2022, 10, 15),
              note="10月中旬前：对照附件1逐条逐项开展对照检查和延伸自查"),
    PhaseSpec("立项整改", PhaseStage.RECTIFICATION, ends_on=D(2022, 10, 31),
              note="10月底前：台账式整改，实行销号管理，边查边改、立行立改"),
    PhaseSpec("督查落实", PhaseStage.SUPERVISION, starts_on=D(2022, 10, 5), ends_on=D(2022, 11, 30),
              note="贯穿全程：现场调研、集中督导、调阅材料、整改“回头看”"),
    PhaseSpec("结果运用", PhaseStage.RESULTS, ends_on=D(2022, 11, 30),
              note="11月底前：作为评星定级的重要依据，整改落实不到位的取消五星级评选资格"),
]

DENGXIAHEI_NAME = "党建“灯下黑”问题排查整治"
DENGXIAHEI_PHASES = [
    PhaseSpec("列出问题清单，建立整改台账", PhaseStage.SELF_CHECK, starts_on=D(2023, 3, 1), ends_on=D(2023, 4, 30)),
    PhaseSpec("对标规定规范，集中实施整改", PhaseStage.RECTIFICATION, starts_on=D(2023, 5, 1), ends_on=D(2023, 10, 31)),
    PhaseSpec("建立长效机制，严格考核问责", PhaseStage.RESULTS, starts_on=D(2023, 11, 1), ends_on=D(2023, 12, 31)),
]


def current_campaign(root: OrgUnit) -> Campaign | None:
    """The demo's current campaign under `root`, whatever day it was seeded on (see the module's docstring)."""
    return (
        Campaign.objects.filter(issuer__path__startswith=root.path, doc_number__startswith="组织部〔",
                                doc_number__endswith="〕44号")
        .exclude(doc_number=HISTORY_DOC_NUMBER).order_by("-year", "-pk").first()
    )


def seed_campaigns(root: OrgUnit, today: datetime.date | None = None) -> None:
    """The current campaign (published, dated around `today`, carrying 2023's unfinished measure), the 2022 and
    2023 ones closed, and a 2023 draft."""
    # The data migration loads them; a flushed test database (live-server tests) has lost them again.
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)
    from ledger import history_demo  # it builds on this module (and the workflow demo's stories)

    history = _seed_history(root)
    history_demo.seed_carried_2023(root, history)
    campaign = current_campaign(root)
    if campaign is None:
        campaign = _seed_current(root, DemoCalendar(today or timezone.localdate()))
        history_demo.carry_into_current(campaign, DemoCalendar.of(campaign))
    if not Campaign.objects.filter(name=DENGXIAHEI_NAME, issuer=root).exists():
        campaign_create(
            actor=SYSTEM, issuer=root, name=DENGXIAHEI_NAME, year=2023,
            template=ChecklistTemplate.objects.get(code="college-dengxiahei"), phases=DENGXIAHEI_PHASES,
            target_kind=TargetKind.BRANCHES, results_deadline=D(2023, 12, 31),
        )


def _seed_current(root: OrgUnit, calendar: DemoCalendar) -> Campaign:
    campaign = campaign_create(
        actor=SYSTEM, issuer=root, name=CURRENT_NAME.format(year=calendar.year), year=calendar.year,
        doc_number=CURRENT_DOC_NUMBER.format(year=calendar.year),
        template=ChecklistTemplate.objects.get(code=WEIFANG_TEMPLATE), phases=calendar.phases(),
        target_kind=TargetKind.BRANCHES, report_deadline=calendar.day(calendar.REPORT_DUE),
        results_deadline=calendar.day(calendar.RESULTS_DUE),
    )
    campaign_publish(actor=SYSTEM, campaign=campaign)
    _published_on(campaign, calendar.at(calendar.START - 2, hour=9))
    return campaign


def _published_on(campaign: Campaign, when: datetime.datetime) -> None:
    """Date the publication (and the ledgers it made) on the day the notice went out, not the seeding moment."""
    Campaign.objects.filter(pk=campaign.pk).update(published_at=when, created_at=when)
    Ledger.objects.filter(campaign=campaign).update(created_at=when)
    LedgerEvent.objects.filter(ledger__campaign=campaign, action=EventAction.LEDGER_CREATED).update(at=when)


def _seed_history(root: OrgUnit) -> Campaign:
    """The Weifang 2022 campaign, published, filled (`ledger.history_demo.fill_2022`) and closed: the demo's
    history."""
    from ledger.history_demo import fill_2022

    campaign = Campaign.objects.filter(doc_number=HISTORY_DOC_NUMBER, issuer=root).first()
    if campaign is None:
        campaign = campaign_create(
            actor=SYSTEM, issuer=root, name="党支部对账整改专项行动", year=2022, doc_number=HISTORY_DOC_NUMBER,
            template=ChecklistTemplate.objects.get(code=WEIFANG_TEMPLATE), phases=HISTORY_PHASES,
            target_kind=TargetKind.BRANCHES, report_deadline=D(2022, 10, 20), results_deadline=D(2022, 11, 30),
        )
    if campaign.status == CampaignStatus.DRAFT:
        campaign_publish(actor=SYSTEM, campaign=campaign)
        _published_on(campaign, timezone.make_aware(datetime.datetime(2022, 10, 3, 9)))
        campaign.refresh_from_db()
    if campaign.status == CampaignStatus.PUBLISHED:
        fill_2022(campaign)
        campaign_close(actor=SYSTEM, campaign=campaign)
        campaign.refresh_from_db()
    return campaign


# Writes go through the services, which stamp everything "now"; a demo where every event happened the second
# it was seeded reads wrong (submitted, accepted and closed within a second, after the phases ended). These
# re-date a seeded ledger's history over the campaign's weeks, in the order it happened.
REVIEW_ACTIONS = (EventAction.LEDGER_SUBMITTED, EventAction.LEDGER_RETURNED, EventAction.LEDGER_ACCEPTED)


def backdate_ledger(ledger: Ledger, *, first_day: datetime.date, reviewed_on: datetime.date,
                    last_day: datetime.date) -> None:
    """Spread the ledger's events (pk order) over office hours: up to its last review step (submission, return or
    acceptance) from `first_day` to `reviewed_on`, the rest after that until `last_day`; then give the rows that
    keep their own time (submitted/accepted/closed, notes, evidence, problems, measures, answers) their event's."""
    events = list(ledger.events.exclude(action=EventAction.LEDGER_CREATED).order_by("pk"))
    reviews = [index for index, event in enumerate(events) if event.action in REVIEW_ACTIONS]
    split = reviews[-1] + 1 if reviews else len(events)
    last_day = max(last_day, reviewed_on)
    on_day: dict[datetime.date, int] = {}  # events already placed on a day (shared: both parts may meet)
    _spread(events[:split], first_day, reviewed_on, on_day)
    _spread(events[split:], min(reviewed_on + datetime.timedelta(days=1), last_day), last_day, on_day)
    LedgerEvent.objects.bulk_update(events, ["at"])
    _sync_own_times(ledger, events)


def _spread(events: list[LedgerEvent], first_day: datetime.date, last_day: datetime.date,
            on_day: dict[datetime.date, int]) -> None:
    """The first event on `first_day`, the last on `last_day`, the others evenly between; within a day a few
    minutes apart from 9:00."""
    span = (last_day - first_day).days
    for index, event in enumerate(events):
        day = first_day + datetime.timedelta(days=index * span // max(len(events) - 1, 1))
        on_day[day] = on_day.get(day, -1) + 1
        start = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(minutes=3 * on_day[day])
        event.at = timezone.make_aware(start)


def _sync_own_times(ledger: Ledger, events: list[LedgerEvent]) -> None:
    def last(action):
        return max((event.at for event in events if event.action == action), default=None)

    ledger_times = {"submitted_at": last(EventAction.LEDGER_SUBMITTED), "accepted_at": last(EventAction.LEDGER_ACCEPTED)}
    Ledger.objects.filter(pk=ledger.pk).update(**{k: v for k, v in ledger_times.items() if v is not None})
    if answered := last(EventAction.SELF_CHECK_ANSWERED):
        SelfCheckAnswer.objects.filter(ledger=ledger).update(answered_at=answered)
    for event in events:
        if event.action == EventAction.PROBLEM_ADDED and event.problem_id:
            Problem.objects.filter(pk=event.problem_id).update(created_at=event.at)
        elif event.action == EventAction.ITEM_ADDED and event.item_id:
            RectificationItem.objects.filter(pk=event.item_id).update(created_at=event.at)
        elif event.action == EventAction.ITEM_CLOSED and event.item_id:
            RectificationItem.objects.filter(pk=event.item_id).update(closed_at=event.at)
    for model, column, action in ((ProgressNote, "created_at", EventAction.PROGRESS_NOTED),
                                  (Evidence, "uploaded_at", EventAction.EVIDENCE_ADDED)):
        rows = {}
        for row in model.objects.filter(item__ledger=ledger).order_by("pk"):
            rows.setdefault(row.item_id, []).append(row)
        for event in events:
            if event.action == action and rows.get(event.item_id):
                row = rows[event.item_id].pop(0)
                model.objects.filter(pk=row.pk).update(**{column: event.at})
