"""示范省委's 党支部建设规范提升行动: every branch of the province → city → county → township → branch tree."""

from __future__ import annotations

import datetime

from branches.models import OrgUnit
from ledger.models import (
    PhaseStage,
    ProblemNature,
    TargetKind,
)
from ledger.schemes_demo.stories import (
    ONGOING,
    Finding,
    LedgerPlan,
    Measure,
    SchemeCalendar,
    all_closed,
    common_measure,
    draft,
    in_progress,
    published_campaign,
    returned,
    seed_ledgers,
    submitted,
)
from ledger.services.campaigns import PhaseSpec

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
    campaign, calendar = published_campaign(
        issuer=issuer, name="党支部建设规范提升行动", template="province-standardization", start=PROVINCE_START,
        today=today, phases=_province_phases, doc_number="示组发〔{year}〕9号", target_kind=TargetKind.BRANCHES,
        report_deadline=40, results_deadline=55)
    seed_ledgers(campaign, calendar, _province_plans(), ongoing_phase=4)  # 健全长效机制
    # All three branches of 城关镇 found the same thing: the township answers it once for all of them.
    common_measure(campaign=campaign, unit_code="SF-SX-CG", login="chengguan", category_order=5,
                    measure="镇党委统一印发党支部工作记录本填写规范，组织全镇党支部书记集中培训一次。", due=20,
                    responsible="城关镇组织委员", calendar=calendar)
