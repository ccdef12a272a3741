"""示范学院党委's 党建“灯下黑”问题排查整治: the college's branches, reviewed by its general branches."""

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
    campaign, calendar = published_campaign(
        issuer=issuer, name="党建“灯下黑”问题排查整治", template="college-dengxiahei", start=COLLEGE_START,
        today=today, phases=_college_phases, doc_number="院党字〔{year}〕5号", target_kind=TargetKind.BRANCHES,
        report_deadline=30, results_deadline=60)
    seed_ledgers(campaign, calendar, _college_plans(), ongoing_phase=3)  # 建立长效机制
    common_measure(campaign=campaign, unit_code="SFXY-01", login="xyzongzhi1", category_order=2,
                    measure="党总支统一修订所属党支部议事规则范本，组织发展党员材料集中互查。", due=15,
                    responsible="机关党总支组织员", calendar=calendar)
