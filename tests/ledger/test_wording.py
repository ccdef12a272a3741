"""Words from data: a county's campaign speaks of its own units (县委, 镇党委), never of a 党总支 it does not have;
a 对账整改 campaign keeps the notice's words (the 附件2 and 附件3 tests check those exactly)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role, UnitKind
from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.models import Ledger, LedgerStatus, TargetKind
from ledger.selectors.exports import export_ledgers
from ledger.services.workflow import ledger_submit, problem_add, self_check_answer
from reports.services import report_title
from tests.conftest import make_unit, make_user
from tests.factories import filler_of, ledger_of, make_campaign, make_item, make_problem, make_template


@pytest.fixture
def county(db):
    """测试市委 → 测试县委 → 城关镇党委 → 城关镇第一党支部, kinds named as a county's tree names them."""
    city = make_unit(None, UnitKind.COMMITTEE, "C", "测试市委", kind_name="市委")
    county = make_unit(city, UnitKind.COMMITTEE, "CC", "测试县委", kind_name="县委")
    town = make_unit(county, UnitKind.COMMITTEE, "CCT", "城关镇党委", kind_name="镇党委")
    branch = make_unit(town, UnitKind.BRANCH, "CCTB", "城关镇第一党支部")
    return city, county, town, branch


def _answer_every_point(ledger) -> None:
    """A template without manifestations is answered per category before the ledger can be submitted."""
    for category in ledger.campaign.template.categories.all():
        self_check_answer(actor=filler_of(ledger), ledger=ledger, category=category, found=False)


def _workbook(campaign, unit):
    content = build_workbook_bytes(ExportSelection(campaign=campaign, unit=unit,
                                                   ledgers=export_ledgers(scope=None, campaign=campaign, unit=unit)))
    return load_workbook(io.BytesIO(content))


def _sheet(campaign, unit):
    """The sheet holding `unit`'s own ledger (a committee's export starts with a summary)."""
    return _workbook(campaign, unit)[unit.parent.name]


def test_a_county_committees_own_ledger_is_named_by_its_kind(county):
    city, county_unit, _town, _branch = county
    campaign = make_campaign(city, template=make_template("xs", manifestations=0), name="基层党建巡视反馈问题整改",
                             target_kind=TargetKind.COMMITTEES)
    ws = _sheet(campaign, county_unit)
    assert ws["A1"].value == "测试市基层党建巡视反馈问题整改台账"
    assert ws["A2"].value == "上级党组织：测试市委"
    assert ws["A3"].value == "县委名称：测试县委"
    workbook = _workbook(campaign, county_unit)
    assert workbook["测试县委"]["A3"].value == "镇党委名称：城关镇党委"  # the town committee's ledger below
    summary = [c.value for c in workbook.worksheets[0][3]]
    assert summary[:3] == ["序号", "上级党组织", "党组织"]
    texts = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert not any("党总支" in text or "党支部" in text for text in texts)


def test_a_campaign_sets_its_own_list_title_and_report_title(county):
    city, county_unit, _town, _branch = county
    campaign = make_campaign(city, template=make_template("xs", manifestations=0), name="基层党建巡视反馈问题整改",
                             target_kind=TargetKind.COMMITTEES, list_title="巡视反馈问题整改台账",
                             report_title="关于巡视反馈问题整改进展情况的报告")
    assert _sheet(campaign, county_unit)["A1"].value == "巡视反馈问题整改台账"
    assert report_title(campaign, county_unit) == "测试县委关于巡视反馈问题整改进展情况的报告"


def test_the_report_title_follows_the_campaigns_name(county):
    city, county_unit, _town, _branch = county
    campaign = make_campaign(city, template=make_template("xs", manifestations=0), name="基层党建巡视反馈问题整改",
                             target_kind=TargetKind.COMMITTEES)
    assert report_title(campaign, county_unit) == "测试县委开展基层党建巡视反馈问题整改情况的报告"


def test_a_branch_reviewed_by_a_township_committee_is_told_so(client, county):
    _city, county_unit, town, branch = county
    campaign = make_campaign(county_unit, template=make_template("xs", manifestations=0), name="党支部书记述职点评问题整改")
    ledger = ledger_of(campaign, branch)
    make_item(make_problem(ledger))
    secretary = make_user("town-secretary", branch, Role.BRANCH_SECRETARY)
    _answer_every_point(ledger)
    ledger.refresh_from_db()
    client.force_login(secretary)
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    assert "提交镇党委审核" in page and "党总支" not in page
    answer = client.post(reverse("ledger:ledger_action", args=[ledger.pk, "submit"]),
                         {"version": ledger.version}, follow=True).content.decode()
    assert "台账已提交镇党委审核。" in answer
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED
    with pytest.raises(ValidationError, match="台账已提交镇党委审核，审核完成前不能修改。"):
        problem_add(actor=secretary, ledger=ledger, category=campaign.template.categories.first(), description="新问题")
    assert ledger.problems.count() == 1


def test_the_issuers_own_ledger_names_no_unit_above_its_campaign(client, county):
    """A county's campaign of committees reaches no 市委: the county's own ledger is submitted to 上级党组织, while a
    township's ledger in the same campaign still names the county that reviews it."""
    _city, county_unit, town, _branch = county
    campaign = make_campaign(county_unit, template=make_template("xc", manifestations=0), name="基层党建问题整改",
                             target_kind=TargetKind.COMMITTEES)
    own, township = ledger_of(campaign, county_unit), ledger_of(campaign, town)
    for ledger in (own, township):
        make_item(make_problem(ledger))
        _answer_every_point(ledger)
    client.force_login(filler_of(own))
    page = client.get(reverse("ledger:ledger_detail", args=[own.pk])).content.decode()
    assert "提交上级党组织审核" in page and "市委" not in page
    answer = client.post(reverse("ledger:ledger_action", args=[own.pk, "submit"]),
                         {"version": Ledger.objects.get(pk=own.pk).version}, follow=True).content.decode()
    assert "台账已提交上级党组织审核。" in answer and "市委" not in answer
    client.force_login(filler_of(township))
    page = client.get(reverse("ledger:ledger_detail", args=[township.pk])).content.decode()
    assert "提交县委审核" in page and "上级党组织审核" not in page


def test_a_branch_ledger_names_its_general_branch(client, tree):
    campaign = make_campaign(tree.root, template=make_template("wb", manifestations=0), name="党支部对账整改专项行动")
    ledger = ledger_of(campaign, tree.b1)
    make_item(make_problem(ledger))
    _answer_every_point(ledger)
    client.force_login(filler_of(ledger))
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    assert "提交党总支审核" in page and "上级党组织审核" not in page


def test_the_weifang_words_stay_for_a_branch_under_a_general_branch(tree):
    campaign = make_campaign(tree.root, template=make_template("wf", manifestations=0), name="党支部对账整改专项行动")
    ledger = ledger_of(campaign, tree.b1)
    make_item(make_problem(ledger))
    _answer_every_point(ledger)
    ledger.refresh_from_db()
    ledger_submit(actor=filler_of(ledger), ledger=ledger, version=ledger.version)
    with pytest.raises(ValidationError, match="台账已提交党总支审核，审核完成前不能修改。"):
        problem_add(actor=filler_of(ledger), ledger=ledger, category=campaign.template.categories.first(),
                    description="新问题")


def test_the_campaign_ledger_list_names_the_campaigns_units(client, county):
    city, _county_unit, _town, _branch = county
    campaign = make_campaign(city, template=make_template("xs", manifestations=0), name="基层党建巡视反馈问题整改",
                             target_kind=TargetKind.COMMITTEES)
    client.force_login(make_user("city-org", city, Role.ORG_DEPARTMENT))
    page = client.get(reverse("ledger:campaign_ledgers", args=[campaign.pk])).content.decode()
    assert "各党委台账" in page and "党支部" not in page and "党总支" not in page


def test_a_county_campaigns_pages_name_the_ledgers_it_draws_on_without_a_branch(client, county):
    """The campaign's page and a township's report page say whose ledgers they read: a campaign of committees has
    no branch ledgers, and a county's home counts no 党总支 it does not have."""
    _city, county_unit, town, _branch = county
    org = make_user("county-org", county_unit, Role.ORG_DEPARTMENT)
    campaign = make_campaign(county_unit, template=make_template("xr", manifestations=0),
                             name="基层党建巡视反馈问题整改", target_kind=TargetKind.COMMITTEES)
    client.force_login(org)
    detail = client.get(reverse("ledger:campaign_detail", args=[campaign.pk])).content.decode()
    assert "各党委台账的进度" in detail and "党支部台账" not in detail
    home = client.get(reverse("home")).content.decode()
    assert "党委 2" in home and "党支部 1" in home and "党总支" not in home
    ledgers = client.get(reverse("reviews:ledger_list", args=[campaign.pk])).content.decode()
    assert "各党委台账的填报和审核状态" in ledgers and "点党委名称进入台账审核" in ledgers
    for name in ("reviews:dashboard", "reviews:problem_list", "reviews:item_list", "reviews:ledger_list"):
        assert "党支部" not in client.get(reverse(name, args=[campaign.pk])).content.decode(), name
    client.force_login(make_user("town-org", town, Role.ORG_DEPARTMENT))
    report = client.get(reverse("reports:report_edit", args=[campaign.pk, town.pk])).content.decode()
    assert "来自本单位及下属单位台账" in report and "已根据本单位及下属单位台账自动生成" in report
    assert "党支部" not in report


def test_a_campaign_of_branches_keeps_the_notices_words_on_its_report_page(client, county):
    _city, county_unit, town, _branch = county
    campaign = make_campaign(county_unit, template=make_template("xb", manifestations=0))
    client.force_login(make_user("town-writer", town, Role.ORG_DEPARTMENT))
    report = client.get(reverse("reports:report_edit", args=[campaign.pk, town.pk])).content.decode()
    assert "来自各党支部台账" in report and "已根据所属党支部台账自动生成" in report


def test_a_county_campaigns_export_page_says_台账_not_附件2(client, county):
    _city, county_unit, _town, _branch = county
    campaign = make_campaign(county_unit, template=make_template("xe", manifestations=0),
                             name="基层党建巡视反馈问题整改", target_kind=TargetKind.COMMITTEES)
    client.force_login(make_user("county-exporter", county_unit, Role.ORG_DEPARTMENT))
    page = client.get(reverse("ledger:campaign_export", args=[campaign.pk])).content.decode()
    assert "导出台账 · 基层党建巡视反馈问题整改" in page and "本单位的台账可立即下载" in page
    assert "附件2" not in page and "党支部" not in page
    weifang = make_campaign(county_unit, template=make_template("xw", manifestations=0))
    page = client.get(reverse("ledger:campaign_export", args=[weifang.pk])).content.decode()
    assert "导出附件2 · 对账整改专项行动" in page and "本单位和下属党支部的台账可立即下载" in page
