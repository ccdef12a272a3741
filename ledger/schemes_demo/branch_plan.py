"""城关镇机关党支部's own 党支部抓基层党建述职点评问题整改 plan, started by its secretary."""

from __future__ import annotations

import datetime
import re

from branches.models import OrgUnit
from ledger.demo import _published_on
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    PhaseStage,
    ProblemSource,
    TargetKind,
)
from ledger.schemes_demo.stories import (
    ONGOING,
    Finding,
    LedgerPlan,
    Measure,
    SchemeCalendar,
    Story,
    accepted,
    finish,
    seed_ledgers,
    user,
)
from ledger.services import workflow as wf
from ledger.services.campaigns import PhaseSpec, own_plan_start

BRANCH_PLAN_UNIT, BRANCH_PLAN_SECRETARY, BRANCH_PLAN_REVIEWER = "SF-SX-CG-03", "cgzhishu3", "chengguan"
BRANCH_PLAN_NAME = "党支部抓基层党建述职点评问题整改"
BRANCH_PLAN_START = -30
BRANCH_PLAN_END = 75  # "整改时限：2023年12月底", moved: the end of the month two and a half months from the demo's day
# The plan leaves its figures as ** (a template): this branch's, in the order they appear in each problem's text.
BRANCH_PLAN_FIGURES = {1: ["6", "1", "机关事务管理", "机关事务工作", "机关事务", "24", "90"], 2: ["1", "2"], 3: []}
BRANCH_PLAN_LEADERS = {1: "支部书记", 2: "组织委员", 3: "支部书记"}


def branch_plan_measures(requirements: str, figures: list[str]) -> list[str]:
    """The plan's 一是/二是/三是 measures of one problem, its ** filled with the branch's figures."""
    text = requirements.split("\n责任领导")[0].removeprefix("整改措施：")
    values = iter(figures)
    text = re.sub(r"\*{2,}", lambda _match: next(values), text)
    return [part.strip() for part in re.split("[一二三四五]是", text) if part.strip()]


def _branch_plan_phases(c: SchemeCalendar) -> list[PhaseSpec]:
    return [
        PhaseSpec("梳理问题清单", PhaseStage.SELF_CHECK, starts_on=c.day(-30), ends_on=c.day(-25),
                  note="针对点评出的3个问题逐项梳理，列出问题清单，细化分解任务"),
        PhaseSpec("整改落实", PhaseStage.RECTIFICATION, starts_on=c.day(-24), ends_on=c.month_end(BRANCH_PLAN_END),
                  note="明确整改时限，完成一件、“销号”一件"),
    ]


def branch_plan_findings(calendar: SchemeCalendar) -> dict[int, Finding]:
    template = ChecklistTemplate.objects.get(code="branch-report-review-2022")
    findings = {}
    for category in template.categories.order_by("order"):
        due = ONGOING if "长期坚持" in category.requirements else calendar.month_end(BRANCH_PLAN_END)
        measures = [Measure(text, due, leader=BRANCH_PLAN_LEADERS[category.order])
                    for text in branch_plan_measures(category.requirements, BRANCH_PLAN_FIGURES[category.order])]
        findings[category.order] = Finding(f"述职点评：{category.title.removesuffix('的问题')}。", measures,
                                           source=ProblemSource.REPORT_REVIEW)
    return findings


def _branch_plan_state(story: Story) -> None:
    """Accepted by 城关镇党委; the festival activities done and closed, a study note, the 一线工作法 started."""
    accepted(story)
    by_problem = {}
    for item in story.items:
        by_problem.setdefault(item.problem.category.order, []).append(item)
    finish(story, by_problem[3][2], close=True)
    wf.item_start(actor=story.actor, item=by_problem[3][0])
    wf.progress_note_add(actor=story.actor, item=by_problem[1][0], text="本月集体研讨1次，班子成员讲党课1次。")


def seed_branch_plan(today: datetime.date) -> None:
    unit, secretary = OrgUnit.objects.filter(code=BRANCH_PLAN_UNIT).first(), user(BRANCH_PLAN_SECRETARY)
    if unit is None or secretary is None:
        return
    campaign = Campaign.objects.filter(issuer=unit, name=BRANCH_PLAN_NAME).first()
    if campaign is None:
        calendar = SchemeCalendar(today, BRANCH_PLAN_START)
        campaign = own_plan_start(actor=secretary, unit=unit, name=BRANCH_PLAN_NAME, year=calendar.year,
                                  template=ChecklistTemplate.objects.get(code="branch-report-review-2022"),
                                  phases=_branch_plan_phases(calendar), target_kind=TargetKind.ISSUER)
        _published_on(campaign, calendar.at(BRANCH_PLAN_START - 1))
        campaign.refresh_from_db()
    calendar = SchemeCalendar.of(campaign, BRANCH_PLAN_START)
    seed_ledgers(campaign, calendar, [LedgerPlan(
        BRANCH_PLAN_UNIT, BRANCH_PLAN_SECRETARY, BRANCH_PLAN_REVIEWER, _branch_plan_state,
        branch_plan_findings(calendar), (-29, -22, -2))], ongoing_phase=2)  # 整改落实
