"""The words a campaign's pages, files and messages use: taken from the campaign and the kinds of its units.

The Weifang notice (组织部〔2022〕44号) runs a 党支部对账整改专项行动: its 附件2 is the 自查问题、整改与责任清单 of each
党支部 under its 党总支（党委）, its 附件3 the 开展党支部对账整改专项行动情况的报告. A campaign of that kind (its name
says 对账整改) keeps exactly the notice's words. Any other campaign (a county's 巡视反馈问题整改, a college's 灯下黑
排查, a branch's 述职点评问题整改) is named by its own name, unless the campaign sets its list and report titles, and
its units by their kinds as the tree names them (党支部, 党总支, 二级党委, 镇党委, 县委 …).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from branches.models import OrgUnit, UnitKind

NOTICE_KIND = "对账整改"
ISSUER_SUFFIXES = ("党委", "委员会", "党总支", "党支部", "党工委", "委")  # 潍坊学院党委, 测试县委 → 潍坊学院, 测试县


def follows_notice(campaign) -> bool:
    """A 对账整改 campaign: the notice's 附件2 and 附件3 wording is its own."""
    return NOTICE_KIND in campaign.name


def _led_by_issuer(campaign) -> str:
    """潍坊学院 + 党支部对账整改专项行动: the issuing organization's name (without 党委) leads unless the campaign's
    name already carries it."""
    stem = campaign.issuer.name
    for suffix in ISSUER_SUFFIXES:
        stem = stem.removesuffix(suffix)
    return campaign.name if not stem or stem in campaign.name else f"{stem}{campaign.name}"


def default_list_title(campaign) -> str:
    """测试县基层党建巡视反馈问题整改台账, 潍坊学院党支部对账整改专项行动自查问题、整改与责任清单 …"""
    name = _led_by_issuer(campaign)
    if follows_notice(campaign):
        return _("%(name)s自查问题、整改与责任清单") % {"name": name}
    if name.endswith(("台账", "清单")):
        return name
    if name.endswith("整改"):
        return _("%(name)s台账") % {"name": name}
    return _("%(name)s问题整改台账") % {"name": name}


def list_title(campaign) -> str:
    """The title of the campaign's ledger sheets (附件2 for the notice)."""
    return campaign.list_title or default_list_title(campaign)


def default_report_title(campaign) -> str:
    """What follows the unit's name in its situation report's title."""
    if follows_notice(campaign):
        return _("开展党支部对账整改专项行动情况的报告")
    return _("开展%(name)s情况的报告") % {"name": campaign.name}


def report_title(campaign, unit: OrgUnit) -> str:
    """第一党总支开展党支部对账整改专项行动情况的报告, 测试县委开展基层党建巡视反馈问题整改情况的报告 …"""
    return f"{unit.name}{campaign.report_title or default_report_title(campaign)}"


def parent_label(campaign, unit_kind: str) -> str:
    """The sheet's row naming the unit above the ledger's unit: the notice's 党总支（党委） above a 党支部."""
    if unit_kind == UnitKind.BRANCH and follows_notice(campaign):
        return _("党总支（党委）")
    return _("上级党组织")


def unit_label(unit_kind: str, kind_name: str = "") -> str:
    """党支部名称, 镇党委名称, 县委名称 …: the ledger's unit named by its kind."""
    return _("%(kind)s名称") % {"kind": kind_name or UnitKind(unit_kind).label}


def summary_unit_headers(campaign) -> tuple[str, str]:
    """The summary sheet's columns for the unit above and the ledger's unit."""
    if follows_notice(campaign):
        return _("党总支（党委）"), _("党支部")
    return _("上级党组织"), _("党组织")


def supervisor_label(unit: OrgUnit) -> str:
    """Who reviews a unit's ledger, as its messages and buttons say: 党总支, 镇党委, 二级党委 … (the unit above)."""
    parent = unit.parent
    return parent.kind_label if parent is not None else _("上级党组织")


def ledger_supervisor(ledger) -> str:
    """Who reviews this ledger, for its submit button and messages: the kind of the unit above the ledger's unit,
    which takes part in the campaign (党总支, 镇党委 …). The issuer's own ledger has no unit of its campaign above it:
    it says 上级党组织, never the kind of a unit its campaign does not reach (a county's own ledger is not 市委's to
    review in the county's campaign). A unit's own plan (`own_plan`) is the business of the unit above it too: that
    unit reviews it, and is named."""
    if ledger.unit_path == ledger.campaign.issuer_path and not ledger.campaign.own_plan:
        return _("上级党组织")
    return supervisor_label(ledger.unit)


def target_kind_word(campaign) -> str:
    """What the campaign's ledgers belong to, by its target: 党支部, 党总支, 党委, or the issuer's own kind."""
    from ledger.models import TargetKind  # ledger.models imports nothing from here; a local import keeps it so

    kinds = {TargetKind.BRANCHES: UnitKind.BRANCH, TargetKind.GENERAL_BRANCHES: UnitKind.GENERAL_BRANCH,
             TargetKind.COMMITTEES: UnitKind.COMMITTEE}
    kind = kinds.get(campaign.target_kind)
    return str(UnitKind(kind).label) if kind else campaign.issuer.kind_label


def report_sources(campaign) -> tuple[str, str]:
    """Whose ledgers a unit's situation report is written from, as its page's help and its form say: the branches'
    (各党支部, 所属党支部) where branches keep the campaign's ledgers, else the unit's own and those below it."""
    from ledger.models import TargetKind  # as in target_kind_word

    if campaign.target_kind == TargetKind.BRANCHES:
        return _("各党支部"), _("所属党支部")
    return _("本单位及下属单位"), _("本单位及下属单位")


def export_word(campaign) -> str:
    """What the export page and its jobs call the campaign's ledger workbook: the notice's 附件2, else 台账."""
    return _("附件2") if follows_notice(campaign) else _("台账")
