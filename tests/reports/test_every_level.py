"""Situation reports at every supervising level: a county and a township committee report on a city's campaign,
with figures from their own subtree; the overview never calls an empty list "all signed"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Role, UnitKind
from ledger.models import TargetKind
from reports.models import ReportStatus, SituationReport
from tests.conftest import make_unit, make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_tree():
    city = make_unit(None, UnitKind.COMMITTEE, "C", "测试市委", kind_name="市委")
    county = make_unit(city, UnitKind.COMMITTEE, "CC", "测试县委", kind_name="县委")
    town = make_unit(county, UnitKind.COMMITTEE, "CCT", "城关镇党委", kind_name="镇党委")
    branch = make_unit(town, UnitKind.BRANCH, "CCTB", "城关镇第一党支部")
    other_town = make_unit(county, UnitKind.COMMITTEE, "CCU", "东关镇党委", kind_name="镇党委")
    other_branch = make_unit(other_town, UnitKind.BRANCH, "CCUB", "东关镇第一党支部")
    return city, county, town, branch, other_town, other_branch


@pytest.fixture
def campaign(city_tree):
    city, _county, _town, branch, _other_town, other_branch = city_tree
    campaign = make_campaign(city, template=make_template("p", manifestations=0), name="党支部建设规范提升行动")
    make_item(make_problem(ledger_of(campaign, branch), description="组织生活不经常"))
    make_problem(ledger_of(campaign, other_branch), description="换届不及时")
    return campaign


def test_a_county_and_a_township_committee_each_write_their_report(client, city_tree, campaign):
    _city, county, town, _branch, _other_town, _other_branch = city_tree
    for unit, login in ((county, "county-org"), (town, "town-org")):
        client.force_login(make_user(login, unit, Role.ORG_DEPARTMENT))
        url = reverse("reports:report_edit", args=[campaign.pk, unit.pk])
        page = client.get(url).content.decode()
        assert f"{unit.name}开展党支部建设规范提升行动情况的报告" in page
        assert "党总支" not in page
        index = client.get(reverse("reports:index")).content.decode()
        assert url in index
        response = client.post(url, {"version": 0, "work_done": "召开推进会", "problems_found": "见台账",
                                     "next_steps": "继续整改"})
        assert response.status_code == 302
        assert SituationReport.objects.get(campaign=campaign, unit=unit).work_done == "召开推进会"


def test_the_figures_come_from_the_units_own_subtree(client, city_tree, campaign):
    _city, county, town, _branch, _other_town, _other_branch = city_tree
    client.force_login(make_user("town-org", town, Role.ORG_DEPARTMENT))
    town_text = client.get(reverse("reports:report_edit", args=[campaign.pk, town.pk])).context["form"]["problems_found"].value()
    assert "共有1个党支部查摆问题1个" in town_text and "组织生活不经常" in town_text and "换届不及时" not in town_text
    client.force_login(make_user("county-org", county, Role.ORG_DEPARTMENT))
    county_text = client.get(reverse("reports:report_edit", args=[campaign.pk, county.pk])).context["form"]["problems_found"].value()
    assert "共有2个党支部查摆问题2个" in county_text


def test_a_branch_writes_no_situation_report(client, city_tree, campaign):
    _city, _county, _town, branch, _other_town, _other_branch = city_tree
    client.force_login(make_user("secretary-c", branch, Role.BRANCH_SECRETARY))
    assert client.get(reverse("reports:report_edit", args=[campaign.pk, branch.pk])).status_code == 404
    assert not SituationReport.objects.exists()


def test_a_township_cannot_write_the_countys_report(client, city_tree, campaign):
    _city, county, town, _branch, _other_town, _other_branch = city_tree
    client.force_login(make_user("town-org", town, Role.ORG_DEPARTMENT))
    url = reverse("reports:report_edit", args=[campaign.pk, county.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 0, "work_done": "x", "problems_found": "x", "next_steps": "x"}).status_code == 404
    assert not SituationReport.objects.exists()


def test_the_overview_lists_every_reporting_level(client, city_tree, campaign):
    city, county, town, _branch, other_town, _other_branch = city_tree
    client.force_login(make_user("city-org", city, Role.ORG_DEPARTMENT))
    url = reverse("reports:campaign_overview", args=[campaign.pk])
    response = client.get(url)
    assert [row.unit for row in response.context["rows"]] == [county]  # one level at a time
    page = response.content.decode()
    assert "全部按时签署" not in page and f'href="?unit={county.pk}"' in page
    response = client.get(url, {"unit": county.pk})
    assert [row.unit for row in response.context["rows"]] == [town, other_town]
    assert [unit.name for unit in response.context["trail"]] == [county.name]
    assert client.get(url, {"unit": town.pk}).context["rows"] == []


def test_the_overview_counts_the_signed_reports_below_each_unit(client, city_tree, campaign):
    city, county, town, _branch, _other_town, _other_branch = city_tree
    signed_at = timezone.make_aware(datetime.datetime(2022, 5, 1, 10))
    org = make_user("city-org", city, Role.ORG_DEPARTMENT)
    for unit in (county, town):
        SituationReport.objects.create(campaign=campaign, unit=unit, unit_path=unit.path, status=ReportStatus.SIGNED,
                                       signed_at=signed_at, verification_code=f"CODE-{unit.pk}", pdf_sha256="x",
                                       title="t", version=1, created_by=org, updated_by=org)
    campaign.report_deadline = datetime.date(2022, 4, 30)
    campaign.save()
    client.force_login(org)
    response = client.get(reverse("reports:campaign_overview", args=[campaign.pk]))
    (row,) = response.context["rows"]
    assert (row.unit, row.signed_below, row.in_time_below) == (county, 1, 0)  # the town's, a day late
    assert "本级及以下已签署 2 份，其中按时 0 份。" in response.content.decode()
    campaign.report_deadline = datetime.date(2022, 5, 1)
    campaign.save()
    (row,) = client.get(reverse("reports:campaign_overview", args=[campaign.pk])).context["rows"]
    assert (row.signed_below, row.in_time_below, row.signed_in_time) == (1, 1, True)


def test_the_overview_refuses_a_unit_outside_the_viewer_s_part(client, city_tree, campaign):
    city, county, _town, branch, _other_town, _other_branch = city_tree
    elsewhere = make_unit(None, UnitKind.COMMITTEE, "Z", "外市委")
    client.force_login(make_user("city-org", city, Role.ORG_DEPARTMENT))
    url = reverse("reports:campaign_overview", args=[campaign.pk])
    assert client.get(url, {"unit": county.pk}).status_code == 200
    assert client.get(url, {"unit": elsewhere.pk}).status_code == 404
    assert client.get(url, {"unit": branch.pk}).status_code == 404  # a branch has no level of reporting units
    assert client.get(url, {"unit": "x"}).status_code == 404


def test_an_overview_with_nobody_to_report_does_not_say_all_signed(client, city_tree):
    city = city_tree[0]
    campaign = make_campaign(city, template=make_template("own", manifestations=0), name="市委自身问题整改",
                             target_kind=TargetKind.ISSUER)
    client.force_login(make_user("city-org", city, Role.ORG_DEPARTMENT))
    page = client.get(reverse("reports:campaign_overview", args=[campaign.pk])).content.decode()
    assert "全部按时签署" not in page
    assert "在您的范围内，本专项行动没有需要报送情况报告的单位。" in page
