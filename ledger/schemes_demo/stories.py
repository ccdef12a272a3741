"""What the scheme demos share: a campaign's calendar, a ledger's findings and measures, the states a ledger is
left in (through the workflow services, then re-dated over the campaign's weeks), and the campaign itself."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.demo import _published_on, backdate_ledger
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    CommonMeasure,
    EventAction,
    Ledger,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    TemplateCategory,
)
from ledger.services import workflow as wf
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish
from ledger.services.common import common_measure_create

ONGOING = None  # a measure "立行立改、长期坚持"


@dataclass(frozen=True)
class SchemeCalendar:
    """A campaign's dates as days from the day the demo was seeded; `start` is its first phase's first day."""

    today: datetime.date
    start: int

    @classmethod
    def of(cls, campaign: Campaign, start: int) -> SchemeCalendar:
        first = campaign.phases.order_by("order").first()
        return cls(first.starts_on - datetime.timedelta(days=start), start)

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def at(self, offset: int, hour: int = 9) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.day(offset), datetime.time(hour)))

    @property
    def year(self) -> int:
        return self.day(self.start).year

    def month_end(self, offset: int) -> datetime.date:
        """The last day of the month `offset` days from the demo's day (the seed's "12月底", moved)."""
        first_next = (self.day(offset).replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return first_next - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Measure:
    text: str
    due: int | None | datetime.date  # days from the demo's day, ONGOING, or a date
    leader: str = ""
    unit: str = ""
    phase: int | None = None  # the order of its campaign's phase; by default the phase running on its deadline


@dataclass(frozen=True)
class Finding:
    """What a unit found in one category of its checklist, and how it will put it right."""

    description: str
    measures: list[Measure]
    source: str = ProblemSource.SELF_CHECK
    nature: str = ProblemNature.INDIVIDUAL


@dataclass
class Story:
    """One ledger's part of the demo: who fills and who reviews it, what it found, and its calendar."""

    ledger: Ledger
    actor: object
    reviewer: object
    calendar: SchemeCalendar
    findings: dict[int, Finding]
    ongoing_phase: int | None = None  # the phase (order) of the campaign that 立行立改、长期坚持 measures belong to
    handed: dict[int, list[Measure]] = field(default_factory=dict)  # measures for problems handed down from above
    items: list[RectificationItem] = field(default_factory=list)

    def deadline(self, due) -> datetime.date | None:
        if due is ONGOING or isinstance(due, datetime.date):
            return due
        return self.calendar.day(due)


def user(username: str):
    return get_user_model().objects.filter(username=username).first()


# ---- the states a ledger is left in -------------------------------------------------------------------------------


def _answer(story: Story, *, limit: int | None = None) -> None:
    """The self-check, one answer per category (these templates list no manifestations)."""
    categories = TemplateCategory.objects.filter(template_id=story.ledger.campaign.template_id).order_by("order")
    for category in categories[:limit]:
        finding = story.findings.get(category.order)
        wf.self_check_answer(actor=story.actor, ledger=story.ledger, category=category, found=finding is not None,
                             description=finding.description if finding else "")


def _plan(story: Story) -> None:
    """The problems' source and nature as the scheme has them, and their measures; then the measures for the
    problems the unit above handed down."""
    phases = {phase.order: phase for phase in story.ledger.campaign.phases.all()}
    own = story.ledger.problems.filter(status=ProblemStatus.ACTIVE, handed_down_from__isnull=True)
    for order, finding in story.findings.items():
        problem = own.filter(category__order=order).first()
        if problem is None:
            continue
        if (finding.source, finding.nature) != (problem.source, problem.nature):
            problem = wf.problem_update(actor=story.actor, problem=problem, version=problem.version,
                                        category=problem.category, description=problem.description,
                                        source=finding.source, nature=finding.nature)
        _add_measures(story, problem, finding.measures, phases)
    handed = story.ledger.problems.filter(status=ProblemStatus.ACTIVE, handed_down_from__isnull=False)
    for problem in handed.select_related("category").order_by("number"):
        _add_measures(story, problem, story.handed.get(problem.category.order, []), phases)


def _add_measures(story: Story, problem: Problem, measures: list[Measure], phases: dict) -> None:
    for measure in measures:
        story.items.append(wf.item_add(
            actor=story.actor, problem=problem, measure=measure.text, deadline=story.deadline(measure.due),
            is_ongoing=measure.due is ONGOING, responsible_user=story.actor, responsible_leader=measure.leader,
            responsible_unit=measure.unit, phase=_phase(story, measure, phases)))


def _phase(story: Story, measure: Measure, phases: dict):
    """The measure's own phase, else for a 长期坚持 one the campaign's phase of lasting work, else the phase
    running on its deadline."""
    if measure.phase is not None:
        return phases[measure.phase]
    if measure.due is ONGOING:
        return phases.get(story.ongoing_phase)
    return wf.PHASE_BY_DEADLINE


def draft(story: Story) -> None:
    """填报中: half of the self-check answered."""
    _answer(story, limit=TemplateCategory.objects.filter(template_id=story.ledger.campaign.template_id).count() // 2)


def submitted(story: Story) -> None:
    """已提交, waiting for the unit above."""
    _answer(story)
    _plan(story)
    wf.ledger_submit(actor=story.actor, ledger=story.ledger)


def returned(story: Story, reason: str = "问题查摆不够具体，部分措施缺少时间节点和责任人，请补充后重新提交。") -> None:
    """已退回 with a comment and a reason."""
    submitted(story)
    wf.comment_add(actor=story.reviewer, ledger=story.ledger, text="请对照方案的整治目标逐项说明措施的预期效果。")
    wf.ledger_return(actor=story.reviewer, ledger=story.ledger, reason=reason)


def accepted(story: Story) -> None:
    submitted(story)
    wf.ledger_accept(actor=story.reviewer, ledger=story.ledger, comment="问题查摆准确，措施具体可行，同意。")


def finish(story: Story, item: RectificationItem, *, close: bool) -> None:
    wf.progress_note_add(actor=story.actor, item=item, text="已按措施完成整改，相关记录已归档。")
    wf.item_request_closure(actor=story.actor, item=item, comment="整改完成，申请销号。")
    if close:
        wf.item_close(actor=story.reviewer, item=item, comment="经核实，整改到位，同意销号。")


def in_progress(story: Story) -> None:
    """已通过，整改中: the first dated measure closed, the second waiting for closure, the third started (overdue
    when its deadline has passed), the rest not started; an ongoing one with a progress note."""
    accepted(story)
    dated = [item for item in story.items if not item.is_ongoing]
    for item in dated[:1]:
        finish(story, item, close=True)
    for item in dated[1:2]:
        finish(story, item, close=False)
    for item in dated[2:3]:
        wf.item_start(actor=story.actor, item=item)
        wf.progress_note_add(actor=story.actor, item=item, text="已完成一半，剩余工作正在推进。")
    for item in [item for item in story.items if item.is_ongoing][:1]:
        wf.progress_note_add(actor=story.actor, item=item, text="本月已按计划落实，持续坚持。")


def all_closed(story: Story) -> None:
    """已通过，全部销号."""
    accepted(story)
    for item in story.items:
        finish(story, item, close=True)


@dataclass(frozen=True)
class LedgerPlan:
    """A ledger of the demo: its unit, its filler and reviewer (logins), its state, what it found, and the days
    (from the demo's day) its history is spread over: first entry, last review step, last entry."""

    unit_code: str
    actor: str
    reviewer: str
    state: Callable[[Story], None]
    findings: dict[int, Finding]
    days: tuple[int, int, int]
    handed: dict[int, list[Measure]] = field(default_factory=dict)


def seed_ledgers(campaign: Campaign, calendar: SchemeCalendar, plans: list[LedgerPlan],
                  ongoing_phase: int | None = None) -> None:
    for plan in plans:
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=plan.unit_code).first()
        actor, reviewer = user(plan.actor), user(plan.reviewer)
        if ledger is None or actor is None or reviewer is None:
            continue
        if ledger.problems.filter(handed_down_from__isnull=True).exists() or ledger.self_check_answers.exists():
            continue  # already seeded (or touched by a person): leave it
        plan.state(Story(ledger, actor, reviewer, calendar, plan.findings, ongoing_phase, plan.handed))
        first, reviewed, last = plan.days
        backdate_ledger(ledger, first_day=calendar.day(first), reviewed_on=calendar.day(reviewed),
                        last_day=calendar.day(last))
        for event in ledger.events.filter(action=EventAction.PROBLEM_HANDED_DOWN, problem__isnull=False):
            Problem.objects.filter(pk=event.problem_id).update(created_at=event.at)  # not kept by backdate_ledger


def published_campaign(*, issuer: OrgUnit, name: str, template: str, start: int, today: datetime.date,
              phases: Callable[[SchemeCalendar], list[PhaseSpec]], **fields) -> tuple[Campaign, SchemeCalendar]:
    """The published campaign `name` of `issuer`, created dated around `today` unless it exists."""
    campaign = Campaign.objects.filter(issuer=issuer, name=name).first()
    if campaign is not None:
        return campaign, SchemeCalendar.of(campaign, start)
    calendar = SchemeCalendar(today, start)
    dated = {key: calendar.day(value) if isinstance(value, int) else value.format(year=calendar.year)
             for key, value in fields.items()}
    campaign = campaign_create(actor=SYSTEM, issuer=issuer, name=name, year=calendar.year,
                               template=ChecklistTemplate.objects.get(code=template), phases=phases(calendar),
                               **dated)
    campaign_publish(actor=SYSTEM, campaign=campaign)
    _published_on(campaign, calendar.at(start - 2))
    campaign.refresh_from_db()
    return campaign, calendar


def common_measure(*, campaign: Campaign, unit_code: str, login: str, category_order: int, measure: str,
                    due: int, responsible: str, calendar: SchemeCalendar) -> None:
    """The unit above answers a problem its branches share with one measure of its own (专项整治)."""
    unit, actor = OrgUnit.objects.filter(code=unit_code).first(), user(login)
    category = campaign.template.categories.filter(order=category_order).first()
    if unit is None or actor is None or category is None:
        return
    if CommonMeasure.objects.filter(campaign=campaign, unit=unit, category=category).exists():
        return
    common_measure_create(actor=actor, campaign=campaign, unit=unit, category=category, manifestation=None,
                          measure=measure, deadline=calendar.day(due), responsible_name=responsible)
