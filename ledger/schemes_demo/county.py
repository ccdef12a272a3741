"""示范县委's 基层党建问题整改专项行动: the county's own ledger of the inspection's six problems, handed down to its
townships."""

from __future__ import annotations

import datetime
import re

from branches.models import OrgUnit
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    ItemStatus,
    Ledger,
    PhaseStage,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    TargetKind,
)
from ledger.schemes_demo.stories import (
    ONGOING,
    Finding,
    LedgerPlan,
    Measure,
    SchemeCalendar,
    Story,
    finish,
    in_progress,
    published_campaign,
    returned,
    seed_ledgers,
    submitted,
    user,
)
from ledger.services.campaigns import PhaseSpec
from ledger.services.handing_down import problems_hand_down

COUNTY_START = -100


def _county_phases(c: SchemeCalendar) -> list[PhaseSpec]:
    return [
        PhaseSpec("集中整改阶段", PhaseStage.RECTIFICATION, starts_on=c.day(-100), ends_on=c.day(-10),
                  note="列出整改清单，建立整改台账；个性问题立刻行动、限期完成，共性问题批次推进、专项整治"),
        PhaseSpec("持续推进阶段", PhaseStage.SUPERVISION, starts_on=c.day(-10), ends_on=c.day(80),
                  note="面上的、共性的问题抓常抓长，坚持立即整改和长期整改相结合"),
        PhaseSpec("融入经常阶段", PhaseStage.RESULTS, starts_on=c.day(80),
                  note="总结经验形成长效常态制度；难以解决的突出问题制定专门工作台账，作为平时党建工作重点"),
    ]


# Per problem of the inspection: 责任领导, 责任单位, the deadline of its first measure (in 集中整改, days from the
# demo's day) and of its second (in 持续推进); the third and later belong to 融入经常 (立行立改、长期坚持). Problems
# 2, 3 and 6 are the plan's 面上的、共性的 problems.
COUNTY_RESPONSIBILITY = {
    1: ("县委常委、组织部部长", "县委组织部、县委党校", -40, 30),
    2: ("县委常委、组织部部长", "县委组织部", -25, 45),
    3: ("县委组织部常务副部长", "县委组织部组织科", -15, 60),
    4: ("县委常委、组织部部长", "县委组织部", -60, 20),
    5: ("县委组织部副部长", "县委组织部组织科", -30, 50),
    6: ("县委组织部副部长", "各镇党委", -20, 70),
}
COUNTY_COMMON = (2, 3, 6)
CIRCLED = "①②③④⑤⑥⑦⑧⑨"


def county_measures(requirements: str) -> list[str]:
    """The plan's ①②③… measures of one problem, without their numbers (the ledger numbers them again)."""
    parts = re.split(f"[{CIRCLED}]", requirements)
    # "①2020年3月上旬前，系统梳理…": the deadline column holds the date now.
    return [re.sub(r"^\d{4}年\d{1,2}月[上中下]旬前，", "", part.strip()).rstrip("；") for part in parts if part.strip()]


def county_findings() -> dict[int, Finding]:
    """The county's own ledger: the six problems the provincial inspection fed back, with the plan's measures."""
    template = ChecklistTemplate.objects.get(code="county-inspection-2020")
    findings = {}
    for category in template.categories.order_by("order"):
        leader, unit, first, second = COUNTY_RESPONSIBILITY[category.order]
        measures = []
        for index, text in enumerate(county_measures(category.requirements)):
            due, phase = (first, 1) if index == 0 else (second, 2) if index == 1 else (ONGOING, 3)
            measures.append(Measure(text, due, leader=leader, unit=unit, phase=phase))
        findings[category.order] = Finding(
            f"省委专项巡视反馈：{category.title}。", measures, source=ProblemSource.INSPECTION,
            nature=ProblemNature.COMMON if category.order in COUNTY_COMMON else ProblemNature.INDIVIDUAL)
    return findings


TOWNSHIP_FINDINGS = {
    "SF-SX-CG": {
        2: Finding("镇党委班子民主生活会相互批评多以工作建议代替，辣味不足。", [
            Measure("会前由镇党委书记与班子成员逐一谈心谈话，每人相互批评意见不少于3条。", 10,
                    leader="镇党委书记")], source=ProblemSource.HIGHER_LEVEL),
        5: Finding("南街村党支部委员出现空缺，未及时补选。", [
            Measure("指导南街村党支部召开党员大会补选支部委员。", -3, leader="镇党委副书记")]),
        6: Finding("南街村“两委”班子不团结，被列为后进村党组织。", [
            Measure("镇党委书记直接领办南街村整顿，选派第一书记驻村。", 40, leader="镇党委书记"),
            Measure("每月召开一次整顿推进会，通报整顿进展。", ONGOING, leader="镇党委副书记")],
            nature=ProblemNature.COMMON),
    },
    "SF-SX-DG": {
        3: Finding("党建与乡村振兴“两张皮”，村级党建项目化管理未落实。", [
            Measure("确定3个村级党建项目，实行项目化管理、清单式推进。", 25, leader="镇党委书记")]),
        6: Finding("李家庄村党支部组织生活不经常，软弱涣散苗头明显。", [
            Measure("镇党委班子成员包村指导，每月参加一次李家庄村主题党日。", ONGOING, leader="镇党委副书记")],
            nature=ProblemNature.COMMON),
    },
}


# The county hands its common problems (2, 3 and 6) down to the townships, which rectify against them
# (各基层党组织要对照问题台账强力推进整改) with measures of their own.
HANDED_DOWN = (2, 3, 6)
TOWNSHIP_HANDED = {
    "SF-SX-CG": {
        2: [Measure("镇党委民主生活会前广泛征求党员群众意见，会后列出问题清单逐项整改。", 20, leader="镇党委书记")],
        3: [Measure("实施“一村一品”党建项目，纳入村党组织书记抓基层党建述职评议。", 35, leader="镇党委副书记")],
        6: [Measure("全面排查全镇村（社区）党组织，建立软弱涣散党组织整顿台账。", 10, leader="镇党委副书记")],
    },
    "SF-SX-DG": {
        2: [Measure("镇党委班子成员全部落实双重组织生活，每季度公示参加组织生活情况。", ONGOING, leader="镇党委书记")],
        3: [Measure("将村党组织党建考核结果与村干部绩效报酬挂钩。", 30, leader="镇党委副书记")],
        6: [Measure("李家庄村党支部列入软弱涣散党组织整顿，选派第一书记驻村。", 15, leader="镇党委书记")],
    },
}


def _county_own_plan() -> LedgerPlan:
    return LedgerPlan("SF-SX", "xianwei", "shiwei", county_state, county_findings(), (-98, -90, -1))


def _township_plans() -> list[LedgerPlan]:
    return [
        LedgerPlan("SF-SX-CG", "chengguan", "xianwei", submitted, TOWNSHIP_FINDINGS["SF-SX-CG"], (-80, -4, -4),
                   handed=TOWNSHIP_HANDED["SF-SX-CG"]),
        LedgerPlan("SF-SX-DG", "dongguan", "xianwei", lambda story: returned(
            story, reason="未对照县委问题台账逐项认领整改任务，请补充后重新提交。"),
            TOWNSHIP_FINDINGS["SF-SX-DG"], (-85, -6, -6), handed=TOWNSHIP_HANDED["SF-SX-DG"]),
    ]


def _hand_down(campaign: Campaign) -> None:
    """示范县委 hands its common problems down to both townships, once (a person may hand down more later)."""
    county = Ledger.objects.filter(campaign=campaign, unit__code="SF-SX").first()
    actor = user("xianwei")
    if county is None or actor is None or Problem.objects.filter(handed_down_from__ledger=county).exists():
        return
    problems = county.problems.filter(category__order__in=HANDED_DOWN, status=ProblemStatus.ACTIVE)
    townships = Ledger.objects.filter(campaign=campaign, unit__code__in=TOWNSHIP_HANDED)
    if problems.exists() and townships.exists():
        problems_hand_down(actor=actor, ledger=county, problem_ids=[p.pk for p in problems],
                           unit_ids=[ledger.unit_id for ledger in townships])


def county_state(story: Story) -> None:
    """The county's ledger, accepted by the city: beyond `in_progress`, two more of its 集中整改 measures closed,
    so that three are closed, one waits for closure and the rest of that phase's are overdue."""
    in_progress(story)
    planned = story.ledger.items.filter(number=1, is_ongoing=False, status=ItemStatus.PLANNED).order_by("deadline")
    for item in list(planned[:2]):
        finish(story, item, close=True)


def seed_county(today: datetime.date) -> None:
    issuer = OrgUnit.objects.filter(code="SF-SX").first()
    if issuer is None:
        return
    campaign, calendar = published_campaign(
        issuer=issuer, name="基层党建问题整改专项行动", template="county-inspection-2020", start=COUNTY_START,
        today=today, phases=_county_phases, doc_number="县组字〔{year}〕3号", target_kind=TargetKind.COMMITTEES,
        report_deadline=20)
    seed_ledgers(campaign, calendar, [_county_own_plan()], ongoing_phase=3)  # 融入经常阶段
    _hand_down(campaign)
    seed_ledgers(campaign, calendar, _township_plans(), ongoing_phase=3)
