"""Handing a committee's problems down (上级交办): the county builds its own ledger from the inspection's feedback and
every unit below rectifies against it (county-inspection-rectification-plan.txt: 各基层党组织要对照问题台账强力推进整改)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from branches.models import AuditRecord, OrgUnit, Role, UnitKind
from ledger.models import EventAction, Ledger, LedgerEvent, Problem, ProblemSource, TargetKind
from ledger.services.handing_down import problems_hand_down
from ledger.services.workflow import item_add, item_close, item_request_closure, problem_add, progress_note_add
from tests.conftest import make_unit, make_user
from tests.factories import filler_of, ledger_of, make_campaign, make_problem, make_template


@dataclass
class County:
    county: OrgUnit
    towns: list[OrgUnit]
    branch: OrgUnit  # a village branch under the first town
    late_town: OrgUnit  # a town set up after the campaign was published: no ledger
    other: OrgUnit  # another county
    campaign: object
    ledger: Ledger  # the county's own ledger
    problems: list[Problem]
    org: object  # the county's organization department
    town_secretary: object  # fills the first town's ledger


@pytest.fixture
def county(db) -> County:
    county = make_unit(None, UnitKind.COMMITTEE, "C", "测试县委")
    towns = [make_unit(county, UnitKind.COMMITTEE, f"T{n}", f"{name}镇党委") for n, name in enumerate("甲乙丙", 1)]
    branch = make_unit(towns[0], UnitKind.BRANCH, "V1", "一村党支部")
    other = make_unit(None, UnitKind.COMMITTEE, "O", "另一县委")
    org = make_user("county-org", county, Role.ORG_DEPARTMENT)
    campaign = make_campaign(county, actor=org, name="基层党建巡视反馈问题整改", template=make_template("county"),
                             target_kind=TargetKind.COMMITTEES)
    late_town = make_unit(county, UnitKind.COMMITTEE, "T9", "丁镇党委")
    ledger = ledger_of(campaign, county)
    categories = list(campaign.template.categories.order_by("order"))
    problems = [make_problem(ledger, category=categories[0], description="理想信念教育流于形式"),
                make_problem(ledger, category=categories[1], description="党内政治生活不严肃",
                             manifestation=categories[1].manifestations.first())]
    return County(county=county, towns=towns, branch=branch, late_town=late_town, other=other, campaign=campaign,
                  ledger=ledger, problems=problems, org=org,
                  town_secretary=make_user("town-secretary", towns[0], Role.BRANCH_SECRETARY))


def hand_down(county: County, units, problems=None, actor=None):
    return problems_hand_down(actor=actor or county.org, ledger=county.ledger,
                              problem_ids=[p.pk for p in (problems or county.problems)],
                              unit_ids=[unit.pk for unit in units])


def test_two_problems_to_three_towns_make_six_linked_problems(county):
    result = hand_down(county, county.towns)

    assert (result.created, result.already) == (6, 0)
    copies = Problem.objects.filter(handed_down_from__isnull=False).select_related("ledger")
    assert copies.count() == 6
    for copy in copies:
        original = copy.handed_down_from
        assert copy.ledger.unit in county.towns and copy.ledger.campaign_id == county.campaign.pk
        assert (copy.category_id, copy.manifestation_id, copy.description, copy.source) == (
            original.category_id, original.manifestation_id, original.description, ProblemSource.HANDED_DOWN)
    assert {copy.number for copy in copies} == {1, 2}  # numbered in each town's own ledger
    events = LedgerEvent.objects.filter(action=EventAction.PROBLEM_HANDED_DOWN)
    assert sorted(events.values_list("problem_id", flat=True)) == sorted(copies.values_list("pk", flat=True))
    assert AuditRecord.objects.filter(action="hand_down", object_id=str(county.ledger.pk)).count() == 1


def test_the_lower_units_people_are_told(county, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        hand_down(county, county.towns[:1], problems=county.problems[:1])

    note = Notification.objects.get(recipient=county.town_secretary)
    assert note.title == "上级交办新问题：甲镇党委"
    assert not Notification.objects.filter(recipient=county.org).exists()  # nobody is told of their own act


def test_handing_down_twice_adds_nothing_and_says_so(county):
    hand_down(county, county.towns[:2])
    result = hand_down(county, county.towns)

    assert (result.created, result.already) == (2, 4)  # only the third town was new
    assert Problem.objects.filter(handed_down_from__isnull=False).count() == 6
    client = Client()
    client.force_login(county.org)
    response = client.post(reverse("ledger:hand_down", args=[county.ledger.pk]),
                           {"problems": [p.pk for p in county.problems], "units": [t.pk for t in county.towns]},
                           follow=True)
    assert "已在下级台账中新增 0 个交办问题。另有 6 个此前已交办给所选单位，未重复添加。" in response.content.decode()
    assert Problem.objects.filter(handed_down_from__isnull=False).count() == 6


def test_the_database_keeps_one_copy_per_ledger(county):
    hand_down(county, county.towns[:1])
    copy = Problem.objects.get(handed_down_from=county.problems[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.create(ledger=copy.ledger, unit_path=copy.unit_path, category=copy.category, number=99,
                               description="重复", handed_down_from=county.problems[0])


@pytest.mark.parametrize("where, message", [
    ("other", "所选单位中有不属于“测试县委”下级的单位，未作交办。"),
    ("self", "所选单位中有不属于“测试县委”下级的单位，未作交办。"),
    ("late_town", "本专项行动没有以下单位的台账，无法交办：丁镇党委。"),
    ("branch", "本专项行动没有以下单位的台账，无法交办：一村党支部。"),
])
def test_a_unit_outside_the_subtree_or_without_a_ledger_is_refused(county, where, message):
    unit = county.county if where == "self" else getattr(county, where)
    client = Client()
    client.force_login(county.org)
    response = client.post(reverse("ledger:hand_down", args=[county.ledger.pk]),
                           {"problems": [p.pk for p in county.problems], "units": [county.towns[0].pk, unit.pk]},
                           follow=True)
    assert message in response.content.decode()
    assert not Problem.objects.filter(handed_down_from__isnull=False).exists()
    assert not LedgerEvent.objects.filter(action=EventAction.PROBLEM_HANDED_DOWN).exists()


def test_nothing_chosen_or_a_problem_of_another_ledger_is_refused(county):
    town_ledger = ledger_of(county.campaign, county.towns[0])
    foreign = make_problem(town_ledger, description="镇里自己的问题")
    for problems, units, message in (([], county.towns, "请选择要交办的问题。"),
                                     (county.problems, [], "请选择接收交办的下级单位。"),
                                     ([foreign], county.towns[1:], "所选问题中有不属于本台账或已撤回的问题，未作交办。")):
        with pytest.raises(ValidationError) as refused:
            problems_hand_down(actor=county.org, ledger=county.ledger, problem_ids=[p.pk for p in problems],
                               unit_ids=[unit.pk for unit in units])
        assert message in refused.value.messages
    assert not Problem.objects.filter(handed_down_from__isnull=False).exists()


def test_a_branch_secretary_or_general_branch_staff_cannot_hand_down(county):
    secretary = make_user("village-secretary", county.branch, Role.BRANCH_SECRETARY)
    staff = make_user("county-staff", county.county, Role.GENERAL_BRANCH_STAFF)
    url = reverse("ledger:hand_down", args=[county.ledger.pk])
    form = {"problems": [p.pk for p in county.problems], "units": [t.pk for t in county.towns]}
    for user, status in ((secretary, 404), (staff, 403), (county.town_secretary, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, form).status_code == status
        with pytest.raises(PermissionDenied):
            hand_down(county, county.towns, actor=user)
    assert not Problem.objects.filter(handed_down_from__isnull=False).exists()


def test_the_original_shows_the_progress_of_its_copies(county, django_assert_max_num_queries):
    hand_down(county, county.towns, problems=county.problems[:1])
    first, second, _third = (Problem.objects.get(handed_down_from=county.problems[0], ledger__unit=town)
                             for town in county.towns)
    # The first town plans two measures and has one closed; the second plans one, long overdue; the third nothing.
    done = item_add(actor=county.town_secretary, problem=first, measure="开展专题学习", is_ongoing=True,
                    responsible_name="张三")
    item_add(actor=county.town_secretary, problem=first, measure="建立学习制度", is_ongoing=True,
             responsible_name="张三")
    progress_note_add(actor=county.town_secretary, item=done, text="已开展专题学习两次")
    item_request_closure(actor=county.town_secretary, item=done)
    item_close(actor=county.org, item=done)
    second_ledger = second.ledger
    item_add(actor=filler_of(second_ledger), problem=second, measure="整改民主生活会",
             deadline=datetime.date(2022, 6, 30), responsible_name="李四")

    client = Client()
    client.force_login(county.org)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("ledger:problem_detail", args=[county.problems[0].pk])).content.decode()
    table = page[page.index("handed-down-copies"):]
    rows = table.split("<tr>")[2:]
    assert len(rows) == 3
    # In tree order (by path): find each town's row by its name.
    甲, 乙, 丙 = (next(row for row in rows if town.name in row) for town in county.towns)
    assert "甲镇党委" in 甲 and ">2</td>" in 甲 and ">1</td>" in 甲 and "整改中" in 甲
    assert "乙镇党委" in 乙 and 'text-bg-danger">1<' in 乙
    assert "丙镇党委" in 丙 and "尚未制定措施" in 丙
    assert all(">否</td>" in row for row in rows)  # no town ledger is accepted: none is in place

    item_close_all(county, first)
    ledger_page = client.get(reverse("ledger:ledger_detail", args=[county.ledger.pk])).content.decode()
    assert "已交办 3 个下级单位，1 个已整改完毕" in ledger_page


def item_close_all(county: County, problem: Problem) -> None:
    for item in problem.items.exclude(status="closed"):
        progress_note_add(actor=county.town_secretary, item=item, text="已完成")
        item_request_closure(actor=county.town_secretary, item=item)
        item_close(actor=county.org, item=item)


def test_the_copy_links_to_the_original_only_for_those_who_see_it(county):
    hand_down(county, county.towns[:1], problems=county.problems[:1])
    copy = Problem.objects.get(handed_down_from=county.problems[0])
    original_url = reverse("ledger:problem_detail", args=[county.problems[0].pk])
    copy_url = reverse("ledger:problem_detail", args=[copy.pk])

    town = Client()
    town.force_login(county.town_secretary)
    page = town.get(copy_url).content.decode()
    assert "上级交办：测试县委 问题1" in page and "理想信念教育流于形式" in page
    assert original_url not in page
    assert town.get(original_url).status_code == 404

    county_client = Client()
    county_client.force_login(county.org)
    page = county_client.get(copy_url).content.decode()
    assert f'上级交办：<a href="{original_url}">测试县委 问题1</a>' in page
    assert copy_url in county_client.get(original_url).content.decode()


def test_only_handing_down_marks_a_problem_上级交办(county):
    town_ledger = ledger_of(county.campaign, county.towns[0])
    category = county.campaign.template.categories.first()
    client = Client()
    client.force_login(county.town_secretary)
    add_url = reverse("ledger:problem_create", args=[town_ledger.pk])
    assert 'value="handed_down"' not in client.get(add_url).content.decode()  # not offered
    with pytest.raises(ValidationError) as refused:
        problem_add(actor=county.town_secretary, ledger=town_ledger, category=category, description="自称上级交办",
                    source=ProblemSource.HANDED_DOWN)
    assert refused.value.messages == ["“上级交办”的问题只能由上级交办生成，请选择其他来源。"]

    hand_down(county, county.towns[:1], problems=county.problems[:1])
    copy = Problem.objects.get(handed_down_from=county.problems[0])
    edit = {"category": copy.category_id, "description": "理想信念教育流于形式（本镇）", "nature": copy.nature,
            "version": copy.version}
    page = client.post(reverse("ledger:problem_edit", args=[copy.pk]), {**edit, "source": ProblemSource.EXTENDED})
    assert "上级交办的问题不能改为其他来源。" in page.content.decode()
    copy.refresh_from_db()
    assert (copy.source, copy.description) == (ProblemSource.HANDED_DOWN, "理想信念教育流于形式")
    # The town words it its own way, keeping where it came from.
    client.post(reverse("ledger:problem_edit", args=[copy.pk]), {**edit, "source": ProblemSource.HANDED_DOWN})
    copy.refresh_from_db()
    assert (copy.source, copy.description) == (ProblemSource.HANDED_DOWN, "理想信念教育流于形式（本镇）")
