"""Demo campaigns: the Weifang 2022 campaign, published to every branch, and a draft on another checklist.

Idempotent: each campaign is looked up before it is created, and the published one is published once.
"""

from __future__ import annotations

import datetime

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.builtin_templates import load_builtin_templates
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    Manifestation,
    PhaseStage,
    TargetKind,
    TemplateCategory,
)
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish

WEIFANG_DOC_NUMBER = "组织部〔2022〕44号"
D = datetime.date

WEIFANG_PHASES = [
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


def seed_weifang_campaign(root: OrgUnit) -> None:
    """The 2022 对账整改 campaign of the demo university, published; and a 2023 draft on the 灯下黑 checklist."""
    # The data migration loads them; a flushed test database (live-server tests) has lost them again.
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)
    campaign = Campaign.objects.filter(doc_number=WEIFANG_DOC_NUMBER, issuer=root).first()
    if campaign is None:
        campaign = campaign_create(
            actor=SYSTEM, issuer=root, name="党支部对账整改专项行动", year=2022, doc_number=WEIFANG_DOC_NUMBER,
            template=ChecklistTemplate.objects.get(code="weifang-2022"), phases=WEIFANG_PHASES,
            target_kind=TargetKind.BRANCHES, report_deadline=D(2022, 10, 20), results_deadline=D(2022, 11, 30),
        )
    if campaign.status == CampaignStatus.DRAFT:
        campaign_publish(actor=SYSTEM, campaign=campaign)
    if not Campaign.objects.filter(name=DENGXIAHEI_NAME, issuer=root).exists():
        campaign_create(
            actor=SYSTEM, issuer=root, name=DENGXIAHEI_NAME, year=2023,
            template=ChecklistTemplate.objects.get(code="college-dengxiahei"), phases=DENGXIAHEI_PHASES,
            target_kind=TargetKind.BRANCHES, results_deadline=D(2023, 12, 31),
        )
