"""Demo campaigns of the four other seeds, each run as its document describes, dated around the day of seeding.

- 示范省委's 党支部建设规范提升行动 (template `province-standardization`, the plan's five 推进措施 as phases), for
  every branch of the province → city → county → township → branch tree (`branches.demo.seed_province_tree`);
- 示范县委's 基层党建问题整改专项行动 (`county-inspection-2020`: 集中整改 / 持续推进 / 融入经常), for the county and
  its township committees; the county's own ledger holds the six problems of the inspection with its measures
  ①②③… taken from the plan's text;
- 示范学院党委's 党建“灯下黑”问题排查整治 (`college-dengxiahei`, its three phases), for the college's branches;
- 城关镇机关党支部's own 述职点评问题整改 plan (`branch-report-review-2022`, for the branch itself), started by its
  secretary, with the three problems the report review found, their measures, 责任领导 and 整改时限.

Each has ledgers in several states (a half-answered self-check, submitted, returned, accepted with measures
closed, waiting for closure and overdue), written through the workflow services and re-dated over the campaign's
weeks (`backdate_ledger`), like `ledger.workflow_demo` does for the university's current campaign.

Idempotent, also across days: a campaign is found by its issuer and name; once it exists its dates are read
from it (`SchemeCalendar.of`), never from the clock; a ledger that already has answers is left as it is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.builtin_templates import load_builtin_templates
from ledger.demo import _published_on, backdate_ledger
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    CommonMeasure,
    EventAction,
    ItemStatus,
    Ledger,
    Manifestation,
    PhaseStage,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    TargetKind,
    TemplateCategory,
)
from ledger.services import workflow as wf
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish, own_plan_start
from ledger.services.common import common_measure_create
from ledger.services.handing_down import problems_hand_down

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


def _user(username: str):
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


def _finish(story: Story, item: RectificationItem, *, close: bool) -> None:
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
        _finish(story, item, close=True)
    for item in dated[1:2]:
        _finish(story, item, close=False)
    for item in dated[2:3]:
        wf.item_start(actor=story.actor, item=item)
        wf.progress_note_add(actor=story.actor, item=item, text="已完成一半，剩余工作正在推进。")
    for item in [item for item in story.items if item.is_ongoing][:1]:
        wf.progress_note_add(actor=story.actor, item=item, text="本月已按计划落实，持续坚持。")


def all_closed(story: Story) -> None:
    """已通过，全部销号."""
    accepted(story)
    for item in story.items:
        _finish(story, item, close=True)


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


def _seed_ledgers(campaign: Campaign, calendar: SchemeCalendar, plans: list[LedgerPlan],
                  ongoing_phase: int | None = None) -> None:
    for plan in plans:
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=plan.unit_code).first()
        actor, reviewer = _user(plan.actor), _user(plan.reviewer)
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


def _campaign(*, issuer: OrgUnit, name: str, template: str, start: int, today: datetime.date,
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


def _common_measure(*, campaign: Campaign, unit_code: str, login: str, category_order: int, measure: str,
                    due: int, responsible: str, calendar: SchemeCalendar) -> None:
    """The unit above answers a problem its branches share with one measure of its own (专项整治)."""
    unit, actor = OrgUnit.objects.filter(code=unit_code).first(), _user(login)
    category = campaign.template.categories.filter(order=category_order).first()
    if unit is None or actor is None or category is None:
        return
    if CommonMeasure.objects.filter(campaign=campaign, unit=unit, category=category).exists():
        return
    common_measure_create(actor=actor, campaign=campaign, unit=unit, category=category, manifestation=None,
                          measure=measure, deadline=calendar.day(due), responsible_name=responsible)


# ---- 示范省委: 党支部建设规范提升行动 ------------------------------------------------------------------------------

PROVINCE_START = -50


def _province_phases(c: SchemeCalendar) -> list[PhaseSpec]:
    return [
        PhaseSpec("全面梳理排查", PhaseStage.SELF_CHECK, starts_on=c.day(-50), ends_on=c.day(-30),
                  note="对照党支部工作条例全面自查，党支部梳理列出具体问题清单"),
        PhaseSpec("逐一整改落实", PhaseStage.RECTIFICATION, starts_on=c.day(-30), ends_on=c.day(55),
                  note="对照问题清单立行立改；问题突出的逐个分析、指定专人负责，年底前全部整改到位"),
        PhaseSpec("创新破解难题", PhaseStage.OTHER, starts_on=c.day(-50), ends_on=c.day(55),
                  note="确定一批制约党支部建设的瓶颈难题，进行集中攻关"),
        PhaseSpec("健全长效机制", PhaseStage.SUPERVISION, starts_on=c.day(-50), ends_on=c.day(55),
                  note="建立党支部建设定期梳理排查机制；基层党委每季度至少听取1次党支部工作汇报"),
        PhaseSpec("推动整体提升", PhaseStage.RESULTS, ends_on=c.day(55),
                  note="以县（市、区）为单位建立“先进、中间、后进”党支部工作台账，推出一批先进典型"),
    ]


PROVINCE_FINDINGS = {
    1: Finding("党员分布在3个自然村，未按规定设立党小组，组织设置与党员分布不相适应。", [
        Measure("按自然村设立3个党小组，报镇党委审批后明确党小组长。", 10)]),
    2: Finding("支部委员出现空缺1名，超过3个月未补选；支部书记后备人选未明确。", [
        Measure("召开党员大会补选支部委员，报镇党委审批。", -10),
        Measure("确定1至2名支部书记后备人选，纳入镇党委后备人才库。", ONGOING)]),
    3: Finding("近3年未发展党员，入党积极分子仅1名。", [
        Measure("制定发展党员梯次培养计划，年内确定入党积极分子2名。", 40)]),
    4: Finding("党员量化积分管理未落实，与流动党员联系不经常。", [
        Measure("推行党员量化积分管理，每季度公示一次积分。", ONGOING),
        Measure("建立流动党员联系群，每月推送学习内容并了解思想动态。", 5)]),
    5: Finding("“三会一课”记录不完整，主题党日多以学习文件代替。", [
        Measure("规范填写党支部工作记录本，每次会议当场签到、当场记录。", -5),
        Measure("每月主题党日结合村（社区）重点工作开展志愿服务。", ONGOING)], nature=ProblemNature.COMMON),
    6: Finding("党员活动室兼作仓库，支部活动经费未单独列支。", [
        Measure("腾退党员活动室，按标准布置党员活动阵地。", 20)]),
}


def _province_plans() -> list[LedgerPlan]:
    def pick(*orders: int) -> dict[int, Finding]:
        return {order: PROVINCE_FINDINGS[order] for order in orders}

    return [
        LedgerPlan("SF-SX-CG-01", "cgzhishu1", "chengguan", in_progress, pick(2, 4, 5), (-48, -32, -1)),
        LedgerPlan("SF-SX-CG-02", "cgzhishu2", "chengguan", submitted, pick(1, 3, 5), (-45, -3, -3)),
        LedgerPlan("SF-SX-CG-03", "cgzhishu3", "chengguan", returned, pick(5, 6), (-44, -5, -5)),
        LedgerPlan("SF-SX-DG-01", "dgzhishu1", "dongguan", all_closed, pick(2, 5), (-49, -33, -10)),
        LedgerPlan("SF-SX-DG-02", "dgzhishu2", "dongguan", draft, pick(1, 2), (-40, -6, -6)),
    ]  # 东关镇中心小学党支部 (SF-SX-DG-03) has not started yet


def seed_province(today: datetime.date) -> None:
    issuer = OrgUnit.objects.filter(code="SF").first()
    if issuer is None:
        return
    campaign, calendar = _campaign(
        issuer=issuer, name="党支部建设规范提升行动", template="province-standardization", start=PROVINCE_START,
        today=today, phases=_province_phases, doc_number="示组发〔{year}〕9号", target_kind=TargetKind.BRANCHES,
        report_deadline=40, results_deadline=55)
    _seed_ledgers(campaign, calendar, _province_plans(), ongoing_phase=4)  # 健全长效机制
    # All three branches of 城关镇 found the same thing: the township answers it once for all of them.
    _common_measure(campaign=campaign, unit_code="SF-SX-CG", login="chengguan", category_order=5,
                    measure="镇党委统一印发党支部工作记录本填写规范，组织全镇党支部书记集中培训一次。", due=20,
                    responsible="城关镇组织委员", calendar=calendar)


# ---- 示范县委: 基层党建问题整改专项行动 ----------------------------------------------------------------------------

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
    actor = _user("xianwei")
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
        _finish(story, item, close=True)


def seed_county(today: datetime.date) -> None:
    issuer = OrgUnit.objects.filter(code="SF-SX").first()
    if issuer is None:
        return
    campaign, calendar = _campaign(
        issuer=issuer, name="基层党建问题整改专项行动", template="county-inspection-2020", start=COUNTY_START,
        today=today, phases=_county_phases, doc_number="县组字〔{year}〕3号", target_kind=TargetKind.COMMITTEES,
        report_deadline=20)
    _seed_ledgers(campaign, calendar, [_county_own_plan()], ongoing_phase=3)  # 融入经常阶段
    _hand_down(campaign)
    _seed_ledgers(campaign, calendar, _township_plans(), ongoing_phase=3)


# ---- 示范学院党委: 党建“灯下黑”问题排查整治 ----------------------------------------------------------------------

COLLEGE_START = -60


def _college_phases(c: SchemeCalendar) -> list[PhaseSpec]:
    return [
        PhaseSpec("列出问题清单，建立整改台账", PhaseStage.SELF_CHECK, starts_on=c.day(-60), ends_on=c.day(-35),
                  note="以支部为单位列出问题清单，建立整改台账，明确整改时限和责任人，实行销号管理"),
        PhaseSpec("对标规定规范，集中实施整改", PhaseStage.RECTIFICATION, starts_on=c.day(-34), ends_on=c.day(30),
                  note="围绕整治内容和要求，逐支部抓好整改规范工作落实"),
        PhaseSpec("建立长效机制，严格考核问责", PhaseStage.RESULTS, starts_on=c.day(31), ends_on=c.day(60),
                  note="结合年底工作考核，对党总支“灯下黑”整治工作进行严格考核"),
    ]


COLLEGE_FINDINGS = {
    1: Finding("支部“双述双评”“公开承诺”制度未结合本部门实际细化，落实时限不明确。", [
        Measure("制定支部双述双评、公开承诺实施细则，经支委会讨论通过后执行。", -12),
        Measure("每学期末对照制度清单自查一次落实情况。", ONGOING)]),
    2: Finding("党员大会议事规则不健全，年度工作计划缺少考核安排；发展党员公示材料归档不全。", [
        Measure("修订党员大会和支委会议事规则，明确议事范围和程序。", 4),
        Measure("补齐近三年发展党员公示材料并规范归档。", -6)], nature=ProblemNature.COMMON),
    3: Finding("党员信息库更新不及时，本年度未开展党员组织关系排查。", [
        Measure("开展一次党员组织关系排查，逐人核对并更新党员信息库。", 15),
        Measure("运用情景互动式党课开展党员经常性教育，每季度一次。", ONGOING)]),
    4: Finding("支部未建立党建“三单一账”，支部书记履行第一责任人职责情况无记录。", [
        Measure("建立支部问题清单、任务清单、责任清单和整改台账，逐项销号。", -3),
        Measure("支部书记每季度向党总支报告一次抓党建工作情况。", ONGOING)]),
}


def _college_plans() -> list[LedgerPlan]:
    def pick(*orders: int) -> dict[int, Finding]:
        return {order: COLLEGE_FINDINGS[order] for order in orders}

    return [
        LedgerPlan("SFXY-01-01", "xyzhishu11", "xyzongzhi1", in_progress, pick(1, 2, 4), (-58, -36, -1)),
        LedgerPlan("SFXY-01-02", "xyzhishu12", "xyzongzhi1", submitted, pick(2, 3), (-55, -2, -2)),
        LedgerPlan("SFXY-01-03", "xyzhishu13", "xyzongzhi1", returned, pick(2), (-54, -4, -4)),
        LedgerPlan("SFXY-02-01", "xyzhishu21", "xyzongzhi2", all_closed, pick(3, 4), (-59, -37, -8)),
        LedgerPlan("SFXY-02-02", "xyzhishu22", "xyzongzhi2", draft, pick(1), (-50, -7, -7)),
    ]  # 机电工程系学生第二党支部 (SFXY-02-03) has not started yet


def seed_college(today: datetime.date) -> None:
    issuer = OrgUnit.objects.filter(code="SFXY").first()
    if issuer is None:
        return
    campaign, calendar = _campaign(
        issuer=issuer, name="党建“灯下黑”问题排查整治", template="college-dengxiahei", start=COLLEGE_START,
        today=today, phases=_college_phases, doc_number="院党字〔{year}〕5号", target_kind=TargetKind.BRANCHES,
        report_deadline=30, results_deadline=60)
    _seed_ledgers(campaign, calendar, _college_plans(), ongoing_phase=3)  # 建立长效机制
    _common_measure(campaign=campaign, unit_code="SFXY-01", login="xyzongzhi1", category_order=2,
                    measure="党总支统一修订所属党支部议事规则范本，组织发展党员材料集中互查。", due=15,
                    responsible="机关党总支组织员", calendar=calendar)


# ---- 城关镇机关党支部: 党支部抓基层党建述职点评问题整改 (a plan of its own) ------------------------------------------

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
    _finish(story, by_problem[3][2], close=True)
    wf.item_start(actor=story.actor, item=by_problem[3][0])
    wf.progress_note_add(actor=story.actor, item=by_problem[1][0], text="本月集体研讨1次，班子成员讲党课1次。")


def seed_branch_plan(today: datetime.date) -> None:
    unit, secretary = OrgUnit.objects.filter(code=BRANCH_PLAN_UNIT).first(), _user(BRANCH_PLAN_SECRETARY)
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
    _seed_ledgers(campaign, calendar, [LedgerPlan(
        BRANCH_PLAN_UNIT, BRANCH_PLAN_SECRETARY, BRANCH_PLAN_REVIEWER, _branch_plan_state,
        branch_plan_findings(calendar), (-29, -22, -2))], ongoing_phase=2)  # 整改落实


def seed_schemes(root: OrgUnit, today: datetime.date | None = None) -> None:
    """The four schemes' campaigns and ledgers (a `seed_demo` step; `root`, the university, is not used: the
    schemes run in their own trees, `branches.demo.seed_scheme_trees`)."""
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)
    today = today or timezone.localdate()
    seed_province(today)
    seed_county(today)
    seed_college(today)
    seed_branch_plan(today)
