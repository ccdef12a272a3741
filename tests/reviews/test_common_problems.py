"""Common problems (个性/共性): the nature filter and counts, the supervising unit's common problems at the threshold,
scoped to its subtree, and its answering measure (专项整治) seen by the branches concerned only."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import Role, UnitKind
from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.models import (
    CommonMeasure,
    CommonMeasureEvent,
    CommonMeasureStatus,
    Ledger,
    Problem,
    ProblemNature,
    ProblemStatus,
    SubtreeTally,
)
from ledger.selectors.common import UNITS_SHOWN, group_counts
from ledger.selectors.exports import export_ledgers
from ledger.selectors.tallies import tally_or_parts
from ledger.services.common import (
    common_measure_close,
    common_measure_create,
    common_measure_request_closure,
    common_measure_send_back,
)
from ledger.services.tally_marks import tally_mark_bump
from reviews.tallies import tallies_refresh
from tests.conftest import list_total, make_unit, make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template
from tests.tally_marks import marks_sum

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, users):
    """gb1 with four branches (b1, b2, b4, b5); a county committee under the root with two towns of two branches."""
    extra = {"b4": make_unit(tree.gb1, UnitKind.BRANCH, "B4", "第四党支部"),
             "b5": make_unit(tree.gb1, UnitKind.BRANCH, "B5", "第五党支部")}
    county = make_unit(tree.root, UnitKind.COMMITTEE, "C", "某县委")
    towns = [make_unit(county, UnitKind.GENERAL_BRANCH, f"T{n}", f"第{n}乡镇党委") for n in (1, 2)]
    for town_no, town in enumerate(towns, start=1):
        for n in (1, 2):
            extra[f"c{town_no}{n}"] = make_unit(town, UnitKind.BRANCH, f"C{town_no}{n}", f"村{town_no}{n}党支部")
    units = {"b1": tree.b1, "b2": tree.b2, "b3": tree.b3, **extra}

    class World:
        pass

    w = World()
    w.tree, w.users, w.units, w.county, w.towns = tree, users, units, county, towns
    w.county_staff = make_user("county-staff", county, Role.GENERAL_BRANCH_STAFF)
    return w


def found(campaign, units, names, *, manifestation=None, category=None, nature=ProblemNature.INDIVIDUAL):
    return [make_problem(ledger_of(campaign, units[name]), manifestation=manifestation,
                         category=category or manifestation.category, nature=nature,
                         description=f"{name}查摆的问题") for name in names]


@pytest.fixture
def manifested(world):
    """A checklist with manifestations: m1 found by b1, b2, b4 (common in gb1) and by c11, c12, c21 (common in the
    county, not in either town); m2 found by b1, b2 only (below the threshold)."""
    campaign = make_campaign(world.tree.root, actor=world.users["org"])
    m1, m2 = campaign.template.categories.first().manifestations.order_by("order")
    found(campaign, world.units, ["b1", "b2", "b4", "c11", "c12", "c21"], manifestation=m1)
    found(campaign, world.units, ["b1", "b2"], manifestation=m2)
    return campaign, m1, m2


def page(client, user, campaign, unit=None):
    client.force_login(user)
    url = reverse("reviews:common_problems", args=[campaign.pk]) + (f"?unit={unit.pk}" if unit else "")
    return client.get(url)


def first_in_tree_order(units, n: int) -> list[str]:
    """The codes of the first `n` units by path (the tree order the page picks them in and the problem list it
    links to pages in), shown by code."""
    return sorted(unit.code for unit in sorted(units, key=lambda unit: unit.path.encode())[:n])


def listed(response) -> list[tuple[str, list[str]]]:
    return [(problem.key, [entry.code for entry in problem.units]) for problem in response.context["common"]]


def test_a_manifestation_found_at_the_threshold_is_common_below_it_is_not(client, world, manifested):
    campaign, m1, _m2 = manifested
    response = page(client, world.users["gb_staff"], campaign)
    assert listed(response) == [(f"m{m1.pk}", ["B1", "B2", "B4"])]  # m2: two branches, one short of three
    assert "b1查摆的问题" in response.content.decode()


def test_a_county_committee_sees_common_problems_of_its_towns_branches(client, world, manifested):
    campaign, m1, _m2 = manifested
    assert listed(page(client, world.county_staff, campaign)) == [(f"m{m1.pk}", ["C11", "C12", "C21"])]
    org = world.users["org"]
    assert listed(page(client, org, campaign, world.towns[0])) == []  # two of them in the first town: not common
    assert listed(page(client, org, campaign)) == [(f"m{m1.pk}", ["B1", "B2", "B4", "C11", "C12", "C21"])]


def test_the_threshold_is_a_setting(client, world, manifested, settings):
    campaign, m1, m2 = manifested
    settings.COMMON_PROBLEM_MIN_UNITS = 2
    assert [key for key, _units in listed(page(client, world.users["gb_staff"], campaign))] == [f"m{m1.pk}", f"m{m2.pk}"]
    settings.COMMON_PROBLEM_MIN_UNITS = 10
    settings.COMMON_PROBLEM_MIN_PERCENT = 75  # three of gb1's four ledgers
    assert [key for key, _units in listed(page(client, world.users["gb_staff"], campaign))] == [f"m{m1.pk}"]


def test_a_category_is_common_for_a_checklist_without_manifestations(client, world):
    campaign = make_campaign(world.tree.root, template=make_template("nomani", categories=2, manifestations=0))
    first, second = campaign.template.categories.order_by("order")
    found(campaign, world.units, ["b1", "b2", "b5", "c11", "c21", "c22"], category=first)
    found(campaign, world.units, ["b1", "b4", "c12", "c22"], category=second)
    assert listed(page(client, world.users["gb_staff"], campaign)) == [(f"c{first.pk}", ["B1", "B2", "B5"])]
    assert listed(page(client, world.county_staff, campaign)) == [(f"c{first.pk}", ["C11", "C21", "C22"])]


def test_common_problems_are_found_in_a_fixed_number_of_queries(client, world, manifested,
                                                                django_assert_max_num_queries):
    campaign, m1, _m2 = manifested
    client.force_login(world.users["org"])
    url = reverse("reviews:common_problems", args=[campaign.pk])
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    for n in range(6):  # more branches finding it: not one query more
        unit = make_unit(world.tree.gb2, UnitKind.BRANCH, f"N{n}")
        Ledger.objects.create(campaign=campaign, unit=unit, unit_path=unit.path)  # a branch made after publishing
        found(campaign, {"n": unit}, ["n"], manifestation=m1)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.context["common"][0].unit_count == 12
    assert len(response.context["common"][0].units) == min(12, UNITS_SHOWN)


def test_the_page_reads_only_the_subtrees_ledgers_and_shows_each_groups_units_and_problems(client, world, manifested):
    campaign, m1, _m2 = manifested
    found(campaign, world.units, ["b1"], manifestation=m1)  # b1 finds it twice: one unit, two problems
    with CaptureQueriesContext(connection) as queries:
        response = page(client, world.users["org"], campaign, world.tree.gb1)
    # counted live: the count of units per group joins only the ledgers under gb1, not all of the campaign's
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(DISTINCT" in q["sql"]]
    assert counts and all('"ledger_ledger"."unit_path"' in sql for sql in counts), counts
    shown = response.context["common"][0]
    assert [(entry.code, [number for number, _description in entry.problems]) for entry in shown.units] == [
        ("B1", [1, 3]), ("B2", [1]), ("B4", [1])]  # b1's problem 2 is in m2
    html = response.content.decode()
    b1 = ledger_of(campaign, world.units["b1"])
    assert f'<li><a href="{reverse("ledger:ledger_detail", args=[b1.pk])}">第一党支部</a>：1. b1查摆的问题；3. b1查摆的问题</li>' in html


def test_the_first_units_of_each_group_are_read_with_the_subtree_said_once(client, world, manifested):
    """Said twice (the viewer's own prefix again), PostgreSQL multiplied the two estimates and at 300k sorted a
    county's whole group instead of stopping after its first ledgers (426 ms instead of 4)."""
    campaign, m1, _m2 = manifested
    with CaptureQueriesContext(connection) as queries:
        response = page(client, world.users["gb_staff"], campaign)
    assert listed(response) == [(f"m{m1.pk}", ["B1", "B2", "B4"])]
    first = [q["sql"] for q in queries.captured_queries if "LATERAL" in q["sql"] or "DENSE_RANK" in q["sql"]]
    assert len(first) == 1 and first[0].count(f"{world.tree.gb1.path}%") == 1, first


def test_scoping_a_unit_sees_only_its_subtree(client, world, manifested):
    campaign, _m1, _m2 = manifested
    staff = world.users["gb_staff"]
    assert page(client, staff, campaign, world.county).status_code == 404
    assert page(client, staff, campaign, world.tree.gb2).status_code == 404
    assert page(client, world.county_staff, campaign, world.tree.gb1).status_code == 404
    other = make_campaign(world.tree.other_root)
    assert page(client, staff, other).status_code == 404
    response = page(client, world.users["secretary"], campaign)  # a branch has no units below: nothing common
    assert response.status_code == 200 and listed(response) == []


def answer(client, user, campaign, key, **fields):
    client.force_login(user)
    data = {"key": key, "measure": "开展组织生活专项整治", "deadline": "2022-12-31", "responsible_name": "王书记"}
    return client.post(reverse("reviews:common_problems", args=[campaign.pk]), {**data, **fields})


def test_the_answer_is_seen_by_the_branches_concerned_and_no_others(client, world, manifested):
    campaign, m1, _m2 = manifested
    response = answer(client, world.users["gb_staff"], campaign, f"m{m1.pk}")
    assert response.status_code == 302
    measure = CommonMeasure.objects.get()
    assert (measure.unit, measure.manifestation, measure.status) == (world.tree.gb1, m1, CommonMeasureStatus.IN_PROGRESS)
    assert CommonMeasureEvent.objects.filter(measure=measure, action="created").count() == 1
    assert "开展组织生活专项整治" in page(client, world.users["gb_staff"], campaign).content.decode()

    def ledger_page(name):
        user = world.users["org"]
        client.force_login(user)
        return client.get(reverse("ledger:ledger_detail", args=[ledger_of(campaign, world.units[name]).pk])).content.decode()

    for concerned in ("b1", "b2", "b4"):
        assert "上级专项整治" in ledger_page(concerned) and "开展组织生活专项整治" in ledger_page(concerned)
    for others in ("b5", "b3", "c11"):  # b5 found nothing like it; b3 and c11 are not below gb1
        assert "开展组织生活专项整治" not in ledger_page(others)
    client.force_login(world.users["secretary"])
    item = make_item(ledger_of(campaign, world.tree.b1).problems.get(manifestation=m1))
    item_page = client.get(reverse("ledger:item_detail", args=[item.pk])).content.decode()
    assert "上级专项整治" in item_page and "整改中" in item_page


def test_an_answer_needs_a_common_problem_and_the_units_own_account(client, world, manifested):
    campaign, m1, m2 = manifested
    response = answer(client, world.users["gb_staff"], campaign, f"m{m2.pk}")
    assert "该问题在下级单位中还不是共性问题，不能开展专项整治。" in response.content.decode()
    assert answer(client, world.users["secretary"], campaign, f"m{m1.pk}").status_code == 403
    assert answer(client, world.users["inspector"], campaign, f"m{m1.pk}").status_code == 403
    response = answer(client, world.users["gb_staff"], campaign, f"m{m1.pk}", responsible_name="")
    assert response.status_code == 200 and "请填写专项整治措施、整改时限和责任人。" in response.content.decode()
    assert not CommonMeasure.objects.exists()
    answer(client, world.users["gb_staff"], campaign, f"m{m1.pk}")
    with pytest.raises(ValidationError, match="该共性问题已有专项整治措施。"):
        common_measure_create(actor=world.users["gb_staff"], campaign=campaign, unit=world.tree.gb1,
                              category=m1.category, manifestation=m1, measure="再来一条",
                              deadline=datetime.date(2022, 12, 1), responsible_name="李四")
    assert CommonMeasure.objects.count() == 1


def test_closing_follows_the_rules_of_the_unit_above(world, manifested):
    campaign, m1, _m2 = manifested
    staff, org = world.users["gb_staff"], world.users["org"]
    measure = common_measure_create(actor=staff, campaign=campaign, unit=world.tree.gb1, category=m1.category,
                                    manifestation=m1, measure="专项整治", deadline=datetime.date(2022, 12, 1),
                                    responsible_name="王书记")
    with pytest.raises(ValidationError, match="只有已申请销号的专项整治可以销号。"):
        common_measure_close(actor=org, measure=measure)
    with pytest.raises(PermissionDenied):
        common_measure_request_closure(actor=org, measure=measure)  # the unit's own account reports it done
    measure = common_measure_request_closure(actor=staff, measure=measure, comment="已完成")
    with pytest.raises(PermissionDenied):
        common_measure_close(actor=staff, measure=measure)  # not its own: the unit above closes
    with pytest.raises(ValidationError, match="退回整改必须填写原因。"):
        common_measure_send_back(actor=org, measure=measure, reason=" ")
    measure.refresh_from_db()
    assert measure.status == CommonMeasureStatus.CLOSURE_REQUESTED
    measure = common_measure_send_back(actor=org, measure=measure, reason="材料不全")
    measure = common_measure_request_closure(actor=staff, measure=measure, version=measure.version)
    measure = common_measure_close(actor=org, measure=measure)
    assert measure.status == CommonMeasureStatus.CLOSED and measure.closed_at is not None
    assert list(measure.events.values_list("action", flat=True)) == [
        "created", "closure_requested", "sent_back", "closure_requested", "closed"]
    type(campaign).objects.filter(pk=campaign.pk).update(status="closed")
    with pytest.raises(ValidationError, match="该专项行动已结束，专项整治不能再修改。"):
        common_measure_send_back(actor=org, measure=measure, reason="再看看")


def test_closing_through_the_page(client, world, manifested):
    campaign, m1, _m2 = manifested
    answer(client, world.users["gb_staff"], campaign, f"m{m1.pk}")
    measure = CommonMeasure.objects.get()
    action = lambda name: reverse("reviews:common_measure_action", args=[measure.pk, name])  # noqa: E731
    assert client.post(action("request-closure"), {"text": "已完成"}).status_code == 302
    assert client.post(action("close")).status_code == 403
    client.force_login(world.county_staff)
    assert client.post(action("close")).status_code == 404  # gb1 is outside the county
    client.force_login(world.users["org"])
    assert "核实销号" in page(client, world.users["org"], campaign, world.tree.gb1).content.decode()
    client.post(action("close"))
    measure.refresh_from_db()
    assert measure.status == CommonMeasureStatus.CLOSED


# --- 个性/共性: the nature filter, the dashboard counts, the tallies, the export ---------------------------------


@pytest.fixture
def natured(world):
    campaign = make_campaign(world.tree.root, actor=world.users["org"])
    category = campaign.template.categories.first()
    found(campaign, world.units, ["b1", "b2"], category=category, nature=ProblemNature.COMMON)
    found(campaign, world.units, ["b1", "b4", "b3"], category=category)
    return campaign


def test_the_problem_list_filters_by_nature(client, world, natured):
    client.force_login(world.users["gb_staff"])
    url = reverse("reviews:problem_list", args=[natured.pk])
    assert list_total(client.get(url, {"nature": "common"}).context["page"]) == 2
    assert list_total(client.get(url, {"nature": "individual"}).context["page"]) == 2  # b3 is not gb1's
    assert list_total(client.get(url, {"nature": "nonsense"}).context["page"]) == 4


def test_the_ledger_page_filters_by_nature(client, world, natured):
    client.force_login(world.users["secretary"])
    url = reverse("ledger:ledger_detail", args=[ledger_of(natured, world.tree.b1).pk])
    listed_problems = lambda response: [p.nature for b in response.context["page"].blocks for p in b.problems]  # noqa: E731
    assert listed_problems(client.get(url, {"nature": "common"})) == ["common"]
    assert sorted(listed_problems(client.get(url))) == ["common", "individual"]
    assert client.get(url, {"nature": "common"}).context["page"].counts["problems"] == 2  # counts stay whole


def test_the_dashboard_counts_individual_and_common_problems(client, world, natured):
    client.force_login(world.users["org"])
    response = client.get(reverse("reviews:dashboard", args=[natured.pk]))
    assert response.context["breakdowns"]["natures"] == [("个性问题", 3, "nature=individual"),
                                                         ("共性问题", 2, "nature=common")]
    assert response.context["chart"]["nature_counts"] == [3, 2]
    assert 'id="chart-natures"' in response.content.decode()


def test_the_tallies_count_natures(world, natured):
    tallies_refresh()
    tally = SubtreeTally.objects.get(campaign=natured, unit=world.tree.gb1)
    assert tally.natures == {"common": 2, "individual": 2}


def test_the_export_summary_counts_natures_and_the_list_sheets_stay_as_they_were(world, natured):
    gb1 = world.tree.gb1

    def book():
        return load_workbook(io.BytesIO(build_workbook_bytes(ExportSelection(
            campaign=natured, unit=gb1, ledgers=export_ledgers(scope=None, campaign=natured, unit=gb1)))))

    wb = book()
    summary = wb["汇总"]
    assert [c.value for c in summary[3]][-2:] == ["个性问题", "共性问题"]
    assert [c.value for c in summary[4]][-2:] == [1, 1]  # b1: one of each
    assert [c.value for c in summary[5]][-2:] == [0, 1]  # b2: one common problem
    with_natures = [[c.value for c in row] for row in wb[wb.sheetnames[1]].iter_rows()]
    natured.ledgers.get(unit=world.tree.b1).problems.update(nature=ProblemNature.INDIVIDUAL)
    natured.ledgers.get(unit=world.tree.b2).problems.update(nature=ProblemNature.INDIVIDUAL)
    wb = book()
    assert [c.value for c in wb["汇总"][3]][-1] == "逾期"  # no common problem: the summary as before
    assert [[c.value for c in row] for row in wb[wb.sheetnames[1]].iter_rows()] == with_natures


def test_a_common_measure_marks_its_unit_changed_for_the_tallies(world, manifested):
    campaign, m1, _m2 = manifested
    before = marks_sum(campaign)
    measure = common_measure_create(actor=world.users["gb_staff"], campaign=campaign, unit=world.tree.gb1,
                                    category=m1.category, manifestation=m1, measure="专项整治",
                                    deadline=datetime.date(2022, 12, 1), responsible_name="王书记")
    assert marks_sum(campaign) > before
    before = marks_sum(campaign)
    common_measure_request_closure(actor=world.users["gb_staff"], measure=measure)
    assert marks_sum(campaign) > before


def test_a_common_problem_of_many_units_shows_the_first_ones_the_count_and_a_link_to_them_all(
        client, world, manifested, monkeypatch):
    campaign, m1, _m2 = manifested
    monkeypatch.setattr("ledger.selectors.common.UNITS_SHOWN", 4)
    found(campaign, world.units, ["b1"], manifestation=m1)  # a second problem of a unit shown: one unit still
    response = page(client, world.users["org"], campaign)
    below = [world.units[name] for name in ("b1", "b2", "b4", "c11", "c12", "c21")]
    assert listed(response) == [(f"m{m1.pk}", first_in_tree_order(below, 4))]
    shown = response.context["common"][0]
    assert shown.unit_count == 6 and [len(unit.problems) for unit in shown.units if unit.code == "B1"] in ([2], [])
    html = response.content.decode()
    assert "6 个单位查摆出" in html and "查看全部 6 个单位" in html
    hidden = {unit.code for unit in below} - {entry.code for entry in shown.units}
    assert len(hidden) == 2 and all(f"{code.lower()}查摆的问题" not in html for code in hidden)
    link = html.split('class="common-all" href="')[1].split('"')[0].replace("&amp;", "&")

    monkeypatch.setattr("config.lists.PAGE_SIZE", 4)
    first = client.get(link)
    assert list_total(first.context["page"]) == 7  # six units, b1 twice
    rows = list(first.context["page"].object_list)
    assert first.context["page"].has_next
    rows += client.get(link + "&after=" + first.context["page"].next_cursor).context["page"].object_list
    assert sorted(problem.ledger.unit.code for problem in rows) == ["B1", "B1", "B2", "B4", "C11", "C12", "C21"]
    assert {problem.manifestation_id for problem in rows} == {m1.pk}


def test_the_link_lists_only_the_units_below_in_the_viewers_subtree(client, world, manifested, monkeypatch):
    campaign, m1, _m2 = manifested
    monkeypatch.setattr("ledger.selectors.common.UNITS_SHOWN", 2)
    gb1 = world.tree.gb1
    Ledger.objects.create(campaign=campaign, unit=gb1, unit_path=gb1.path)  # the general branch's own ledger
    found(campaign, {"gb1": gb1}, ["gb1"], manifestation=m1)
    response = page(client, world.users["gb_staff"], campaign)
    below = [world.units[name] for name in ("b1", "b2", "b4")]
    assert listed(response) == [(f"m{m1.pk}", first_in_tree_order(below, 2))]
    assert response.context["common"][0].unit_count == 3  # not gb1's own
    link = response.content.decode().split('class="common-all" href="')[1].split('"')[0].replace("&amp;", "&")
    rows = client.get(link).context["page"].object_list
    assert sorted(problem.ledger.unit.code for problem in rows) == ["B1", "B2", "B4"]  # not gb1's own, nor C11…


def test_a_category_group_links_to_the_problems_without_a_manifestation(client, world, monkeypatch):
    campaign = make_campaign(world.tree.root, template=make_template("nomani2", categories=2, manifestations=0))
    first, _second = campaign.template.categories.order_by("order")
    found(campaign, world.units, ["b1", "b2", "b4", "b5"], category=first)
    monkeypatch.setattr("ledger.selectors.common.UNITS_SHOWN", 3)
    response = page(client, world.users["gb_staff"], campaign)
    below = [world.units[name] for name in ("b1", "b2", "b4", "b5")]
    assert listed(response) == [(f"c{first.pk}", first_in_tree_order(below, 3))]
    link = response.content.decode().split('class="common-all" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "manifestation=none" in link
    rows = client.get(link).context["page"].object_list
    assert sorted(problem.ledger.unit.code for problem in rows) == ["B1", "B2", "B4", "B5"]


def test_the_common_problems_page_reads_a_fixed_number_of_rows_per_group(client, world, manifested, monkeypatch,
                                                                         django_assert_max_num_queries):
    campaign, m1, _m2 = manifested
    monkeypatch.setattr("ledger.selectors.common.UNITS_SHOWN", 3)
    client.force_login(world.users["org"])
    url = reverse("reviews:common_problems", args=[campaign.pk])
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    below = [world.units[name] for name in ("b1", "b2", "b4", "c11", "c12", "c21")]
    for n in range(5):
        unit = make_unit(world.tree.gb2, UnitKind.BRANCH, f"A{n}")
        Ledger.objects.create(campaign=campaign, unit=unit, unit_path=unit.path)
        found(campaign, {"n": unit}, ["n"], manifestation=m1)
        below.append(unit)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert listed(response) == [(f"m{m1.pk}", first_in_tree_order(below, 3))]
    assert response.context["common"][0].unit_count == 11


# --- counted from the subtree tallies (`found`) ---------------------------------------------------------------

NEVER = 10**9  # TALLY_MIN_LEDGERS that no subtree reaches: counted live


def counts_both_ways(campaign, unit, settings):
    """(tallied, live) group counts of `unit`: read with every tally usable, then with none."""
    settings.TALLY_MIN_LEDGERS = 1
    tallied = group_counts(campaign=campaign, unit=unit)
    settings.TALLY_MIN_LEDGERS = NEVER
    live = group_counts(campaign=campaign, unit=unit)
    settings.TALLY_MIN_LEDGERS = 1
    assert tallied.counted_at is not None and live.counted_at is None
    return tallied.counts, live.counts


def change_in(campaign, unit, change) -> None:
    """A change the tallies count, marked as every service marks it."""
    change()
    tally_mark_bump(campaign=campaign, unit_path=unit.path)


@pytest.fixture
def counted(world, manifested, settings):
    campaign, m1, m2 = manifested
    Ledger.objects.create(campaign=campaign, unit=world.county, unit_path=world.county.path)  # its own ledger
    found(campaign, {"county": world.county}, ["county"], manifestation=m2)
    found(campaign, world.units, ["c11", "c22"], manifestation=m2)
    tallies_refresh()
    return campaign, m1, m2


def test_the_tallies_count_the_ledgers_below_that_found_each_group_as_live_does(world, counted, settings):
    campaign, m1, m2 = counted
    supervisors = [world.tree.root, world.tree.gb1, world.county, *world.towns]
    for unit in supervisors:
        tallied, live = counts_both_ways(campaign, unit, settings)
        assert tallied == live
    tallied, _live = counts_both_ways(campaign, world.county, settings)
    assert tallied == {(m1.category_id, m1.pk): 3, (m2.category_id, m2.pk): 2}  # not the county's own ledger

    added = found(campaign, world.units, ["c22"], manifestation=m1)[0]  # one problem added, one withdrawn
    change_in(campaign, world.units["c22"], lambda: None)
    withdrawn = ledger_of(campaign, world.units["c11"]).problems.get(manifestation=m2)
    change_in(campaign, world.units["c11"], lambda: Problem.objects.filter(pk=withdrawn.pk).update(
        status=ProblemStatus.WITHDRAWN))
    tallies_refresh()
    for unit in supervisors:
        tallied, live = counts_both_ways(campaign, unit, settings)
        assert tallied == live
    assert counts_both_ways(campaign, world.county, settings)[0] == {(m1.category_id, m1.pk): 4,
                                                                     (m2.category_id, m2.pk): 1}
    assert added.pk


def test_a_stale_changed_tally_adds_its_unchanged_blocks_to_a_live_count_of_the_rest(world, counted, settings):
    campaign, m1, _m2 = counted
    SubtreeTally.objects.update(counted_at=timezone.now() - datetime.timedelta(hours=2))
    found(campaign, world.units, ["c22"], manifestation=m1)
    change_in(campaign, world.units["c22"], lambda: None)
    settings.TALLY_MIN_LEDGERS = 1
    assert tally_or_parts(campaign=campaign, unit=world.county, today=timezone.localdate())[1] is not None
    for unit in (world.tree.root, world.county):
        tallied, live = counts_both_ways(campaign, unit, settings)
        assert tallied == live and tallied[(m1.category_id, m1.pk)] == {world.county: 4}.get(unit, 7)
    # the unchanged town is read from its stored row: a wrong stored figure shows
    unchanged = world.towns[0]
    SubtreeTally.objects.filter(campaign=campaign, unit=unchanged).update(found={f"{m1.category_id}:{m1.pk}": 50})
    assert group_counts(campaign=campaign, unit=world.county).counts[(m1.category_id, m1.pk)] == 50 + 2


def test_the_page_from_the_tallies_shows_the_live_groups_and_counts_and_when_they_were_counted(
        client, world, counted, settings):
    campaign, _m1, _m2 = counted
    org = world.users["org"]
    for unit in (world.tree.root, world.county):
        settings.TALLY_MIN_LEDGERS = NEVER
        live = page(client, org, campaign, unit)
        settings.TALLY_MIN_LEDGERS = 1
        tallied = page(client, org, campaign, unit)
        assert listed(tallied) == listed(live) and listed(live)
        assert ([problem.unit_count for problem in tallied.context["common"]]
                == [problem.unit_count for problem in live.context["common"]])
        counted_at = SubtreeTally.objects.get(campaign=campaign, unit=unit).counted_at
        assert f"各问题的单位数截至 {timezone.localtime(counted_at):%H:%M} 统计" in tallied.content.decode()
        assert "common-counted" not in live.content.decode()
    # and the page really reads the tally: a stored figure changed shows
    SubtreeTally.objects.filter(campaign=campaign, unit=world.county).update(found={"0:": 1})
    assert listed(page(client, org, campaign, world.county)) == []


@pytest.mark.parametrize("tallied", [False, True])
def test_the_common_problems_page_reads_a_fixed_number_of_queries_counted_live_or_tallied(
        client, world, counted, settings, django_assert_max_num_queries, tallied):
    campaign, m1, _m2 = counted
    settings.TALLY_MIN_LEDGERS = 1 if tallied else NEVER
    client.force_login(world.users["org"])
    url = reverse("reviews:common_problems", args=[campaign.pk])
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    for n in range(6):
        unit = make_unit(world.towns[1], UnitKind.BRANCH, f"N{n}")
        Ledger.objects.create(campaign=campaign, unit=unit, unit_path=unit.path)
        found(campaign, {"n": unit}, ["n"], manifestation=m1)
    tallies_refresh()
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.context["common"][0].unit_count == 12
    assert (response.context["counted_at"] is not None) == tallied
