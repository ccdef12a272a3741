"""The demo's earlier years: the Weifang 2022 campaign filled before it closed, and a 2023 campaign that carried
2022's unfinished measures (结转) and met problems that came back (问题反弹).

All through the services, then re-dated into the campaigns' own weeks (`backdate_ledger`), like the current
campaign's ledgers (`ledger.workflow_demo`). The earlier years use the third general branch's branches, which the
current campaign's workflow demo leaves alone, and one of the first's (`WFU-01-04`), so that the current campaign
meets a problem that branch closed in 2022 (flagged 疑似反弹 when the workflow demo records it again). One 2023
measure stays unfinished: the current campaign carries it on (`carry_into_current`).

Idempotent: 2022 is filled only while it is still published (it is closed right after); the 2023 campaign is made
once, found by its document number.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.demo import WEIFANG_TEMPLATE, DemoCalendar, backdate_ledger
from ledger.models import (
    OPEN_ITEM_STATUSES,
    Campaign,
    ChecklistTemplate,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    Manifestation,
    PhaseStage,
    Problem,
    ProblemStatus,
    RectificationItem,
    TargetKind,
)
from ledger.services import workflow as wf
from ledger.services.campaigns import PhaseSpec, campaign_close, campaign_create, campaign_publish
from ledger.services.carry_over import campaign_carry_over
from ledger.services.recurrence import recurrence_confirm
from ledger.workflow_demo import Story, _finish, _measures, _self_check

D = datetime.date
CARRIED_NAME = "2023年党支部对账整改专项行动"
CARRIED_DOC_NUMBER = "组织部〔2023〕18号"

# The 2022 campaign seen from 16 November 2022 (its 督查落实 weeks): deadlines in FINDINGS count from that day.
CALENDAR_2022 = DemoCalendar(D(2022, 11, 16))
# 2022's branches: (general branch, branch) → the findings recorded (keys of workflow_demo.FINDINGS) and which of
# their measures (by finding) are closed; the others are left unfinished when the campaign ends.
STORIES_2022 = {
    (3, 1): ([(2, 1), (6, 2)], {(6, 2)}),  # (2,1)'s 立行立改 measure unfinished; (6,2) closed, comes back in 2023
    (3, 2): ([(2, 6), (3, 2)], {(2, 6)}),  # (3,2) begun, not finished; (2,6) closed, comes back in 2023
    (3, 3): ([(4, 1)], set()),  # never started: carried to 2023, and from 2023 to the current campaign
    (3, 4): ([(2, 2)], {(2, 2)}),  # all closed
    (1, 4): ([(6, 2)], {(6, 2)}),  # closed; the current campaign records it again
}
REVIEWED_2022 = (D(2022, 10, 6), D(2022, 10, 28), D(2022, 11, 25))

PHASES_2023 = [
    PhaseSpec("对账查摆", PhaseStage.SELF_CHECK, starts_on=D(2023, 4, 3), ends_on=D(2023, 4, 14),
              note="对照附件1逐条逐项开展对照检查，2022年未完成的整改措施结转续改"),
    PhaseSpec("立项整改", PhaseStage.RECTIFICATION, ends_on=D(2023, 4, 28),
              note="台账式整改，实行销号管理；对反弹问题从严从实整改"),
    PhaseSpec("督查落实", PhaseStage.SUPERVISION, starts_on=D(2023, 4, 3), ends_on=D(2023, 6, 30),
              note="贯穿全程：现场调研、集中督导、整改“回头看”"),
    PhaseSpec("结果运用", PhaseStage.RESULTS, ends_on=D(2023, 6, 30),
              note="作为评星定级的重要依据"),
]
CALENDAR_2023 = DemoCalendar(D(2023, 5, 22))
# 2023: the manifestations recorded again (flagged as recurring, the first confirmed by the general branch).
RECURRING_2023 = {
    (3, 1): ((6, 2), "党支部工作记录本再次出现缺项，部分会议记录无参会人员签字。"),
    (3, 2): ((2, 6), "本年度第一季度未公示党费缴纳情况。"),
}
CONFIRMED_REASON = "2022年已整改销号的“工作记录本缺项”问题在本年度再次出现，属于问题反弹，须从严整改。"
UNFINISHED_2023 = (3, 3)  # its carried measure is still in progress when 2023 ends
REVIEWED_2023 = (D(2023, 4, 4), D(2023, 4, 27), D(2023, 6, 20))


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _ledger(campaign: Campaign, g: int, b: int) -> Ledger | None:
    return Ledger.objects.filter(campaign=campaign, unit__code=f"WFU-{g:02d}-{b:02d}").first()


def _story(campaign: Campaign, g: int, b: int, calendar: DemoCalendar) -> Story | None:
    ledger, actor, staff = _ledger(campaign, g, b), _user(f"zhishu{g}{b}"), _user(f"zongzhi{g}")
    if ledger is None or actor is None or staff is None:
        return None
    return Story(ledger, actor, staff, calendar)


def fill_2022(campaign: Campaign) -> None:
    """The 2022 ledgers, before the campaign is closed: accepted, some measures closed, some left unfinished."""
    if Problem.objects.filter(ledger__campaign=campaign).exists():
        return
    for (g, b), (findings, closed) in STORIES_2022.items():
        story = _story(campaign, g, b, CALENDAR_2022)
        if story is None:
            continue
        _self_check(story, findings)
        _measures(story, findings, extended=False)
        wf.ledger_submit(actor=story.actor, ledger=Ledger.objects.get(pk=story.ledger.pk))
        wf.ledger_accept(actor=story.staff, ledger=Ledger.objects.get(pk=story.ledger.pk),
                         comment="问题查摆准确，措施具体可行，同意。")
        for item in RectificationItem.objects.filter(ledger=story.ledger).select_related("problem__manifestation__category"):
            m = item.problem.manifestation
            if (m.category.order, m.order) in closed:
                _finish(story, item, close=True)
            elif not item.is_ongoing and (g, b) != UNFINISHED_2023:
                wf.item_start(actor=story.actor, item=item)
                wf.progress_note_add(actor=story.actor, item=item, text="已完成部分工作，剩余工作延至明年继续推进。")
        backdate_ledger(story.ledger, first_day=REVIEWED_2022[0], reviewed_on=REVIEWED_2022[1],
                        last_day=REVIEWED_2022[2])


def seed_carried_2023(root: OrgUnit, history: Campaign) -> Campaign | None:
    """The 2023 campaign on the same checklist: published in April 2023, 2022's unfinished measures carried on,
    two problems come back (one confirmed by the general branch), closed at the end of June."""
    existing = Campaign.objects.filter(issuer=root, doc_number=CARRIED_DOC_NUMBER).first()
    if existing is not None or not Problem.objects.filter(ledger__campaign=history).exists():
        return existing  # made already, or 2022 was closed empty by an earlier demo: nothing to carry
    org = _user("zuzhibu") or SYSTEM
    campaign = campaign_create(
        actor=SYSTEM, issuer=root, name=CARRIED_NAME, year=2023, doc_number=CARRIED_DOC_NUMBER,
        template=ChecklistTemplate.objects.get(code=WEIFANG_TEMPLATE), phases=PHASES_2023,
        target_kind=TargetKind.BRANCHES, report_deadline=D(2023, 4, 20), results_deadline=D(2023, 6, 30),
    )
    campaign_publish(actor=SYSTEM, campaign=campaign)
    published = timezone.make_aware(datetime.datetime(2023, 4, 1, 9))
    Campaign.objects.filter(pk=campaign.pk).update(published_at=published, created_at=published)
    Ledger.objects.filter(campaign=campaign).update(created_at=published)
    LedgerEvent.objects.filter(ledger__campaign=campaign, action=EventAction.LEDGER_CREATED).update(at=published)
    campaign.refresh_from_db()
    campaign_carry_over(actor=org, campaign=campaign, source_campaign=history)
    for g, b in (*RECURRING_2023, UNFINISHED_2023):
        story = _story(campaign, g, b, CALENDAR_2023)
        if story is not None:
            _work_2023(story, (g, b))
            backdate_ledger(story.ledger, first_day=REVIEWED_2023[0], reviewed_on=REVIEWED_2023[1],
                            last_day=REVIEWED_2023[2])
    _decided_on_event_day(campaign)
    campaign_close(actor=SYSTEM, campaign=campaign)
    return campaign


def _work_2023(story: Story, key: tuple[int, int]) -> None:
    """Self-check (recording the recurring problem), hand in, then close the carried and new measures, except the
    branch whose carried measure runs on; the general branch confirms the first recurrence."""
    recurring = RECURRING_2023.get(key)
    _self_check(story, [])
    if recurring:
        (category, order), description = recurring
        manifestation = Manifestation.objects.get(category__template_id=story.ledger.campaign.template_id,
                                                  category__order=category, order=order)
        answer = wf.self_check_answer(actor=story.actor, ledger=story.ledger, manifestation=manifestation,
                                      found=True, description=description)
        wf.item_add(actor=story.actor, problem=answer.problem,
                    measure="组织委员每月检查落实情况，支委会每季度通报检查结果。", deadline=D(2023, 6, 15),
                    responsible_user=story.actor)
    wf.ledger_submit(actor=story.actor, ledger=Ledger.objects.get(pk=story.ledger.pk))
    wf.ledger_accept(actor=story.staff, ledger=Ledger.objects.get(pk=story.ledger.pk),
                     comment="结转措施和反弹问题均已列入台账，同意。")
    for item in RectificationItem.objects.filter(ledger=story.ledger).order_by("pk"):
        if key == UNFINISHED_2023:
            if item.status == ItemStatus.PLANNED:
                wf.item_start(actor=story.actor, item=item)
            wf.progress_note_add(actor=story.actor, item=RectificationItem.objects.get(pk=item.pk),
                                 text="已起草年度工作计划初稿，待支委会讨论。")
        else:
            _finish(story, RectificationItem.objects.get(pk=item.pk), close=True)
    if key == next(iter(RECURRING_2023)):
        problem = story.ledger.problems.filter(recurrence_of__isnull=False).first()
        if problem is not None:
            recurrence_confirm(actor=story.staff, problem=problem, reason=CONFIRMED_REASON)


def _decided_on_event_day(campaign: Campaign) -> None:
    """The recurrence decisions carry the (re-dated) day of their event."""
    for event in LedgerEvent.objects.filter(ledger__campaign=campaign, action=EventAction.RECURRENCE_CONFIRMED):
        Problem.objects.filter(pk=event.problem_id).update(recurrence_decided_at=event.at)


def carry_into_current(campaign: Campaign, calendar: DemoCalendar) -> None:
    """The current campaign carries 2023's unfinished measure on, at its publication, and the branch gives it a new
    time limit in this campaign's weeks."""
    source = Campaign.objects.filter(doc_number=CARRIED_DOC_NUMBER, issuer=campaign.issuer).first()
    if source is None or Problem.objects.filter(ledger__campaign=campaign, carried_from__isnull=False).exists():
        return
    if not Problem.objects.filter(ledger__campaign=source, status=ProblemStatus.ACTIVE,
                                  items__status__in=OPEN_ITEM_STATUSES).exists():
        return
    campaign_carry_over(actor=_user("zuzhibu") or SYSTEM, campaign=campaign, source_campaign=source)
    published = campaign.published_at or calendar.at(calendar.START - 2, hour=9)
    carried = Problem.objects.filter(ledger__campaign=campaign, carried_from__isnull=False)
    carried.update(created_at=published)
    RectificationItem.objects.filter(problem__in=carried).update(created_at=published)
    LedgerEvent.objects.filter(ledger__campaign=campaign, action=EventAction.CARRIED_OVER).update(at=published)
    g, b = UNFINISHED_2023
    actor = _user(f"zhishu{g}{b}")
    ledger = Ledger.objects.filter(campaign=campaign, unit__code=f"WFU-{g:02d}-{b:02d}").first()
    if actor is None or ledger is None:
        return
    for item in RectificationItem.objects.filter(problem__in=carried, ledger=ledger):
        if not item.is_ongoing:
            item = wf.item_update(actor=actor, item=item, version=item.version, measure=item.measure,
                                  deadline=calendar.day(15), responsible_user=actor,
                                  responsible_leader=item.responsible_leader)
        wf.progress_note_add(actor=actor, item=item, text="年度工作计划初稿已修改完善，提交支委会讨论。")
        wf.progress_note_add(actor=actor, item=item, text="支委会已讨论通过，待党员大会审议。")
    # From the publication (the carry-over, first) to a week ago, over the campaign's weeks.
    backdate_ledger(ledger, first_day=calendar.day(calendar.START - 2), reviewed_on=calendar.day(-6),
                    last_day=calendar.day(-6))
