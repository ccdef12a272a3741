"""Unit pickers (branches/pickers.py): forms list the chosen units and a bounded search, never the whole subtree;
what may be chosen is what it was before (the viewer's scope), checked on the server."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import OrgUnit, UnitKind
from branches.selectors import PICK_LIMIT, Action, UnitPick, scope_for, units_to_pick
from reviews.models import RatingDelegation, SupervisionRecord
from tests.conftest import make_unit
from tests.factories import make_campaign

SUPERVISE = {"action": "supervise", "active": "1", "field": "visited_units", "multiple": "1"}
DELEGATE = {"action": "manage", "exclude": "branch", "field": "unit"}


def listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'type="(?:checkbox|radio)" name="[a-z_]+" value="(\d+)"',
                                         response.content.decode())}


def pick(client, **params):
    return client.get(reverse("branches:unit_pick"), params)


def test_the_endpoint_lists_only_units_the_viewer_may_choose(client, users, tree):
    client.force_login(users["gb_staff"])
    assert listed(pick(client, q="党支部", **SUPERVISE)) == {tree.b1.pk, tree.b2.pk}  # not b3, not another tree
    assert listed(pick(client, q="党总支", **SUPERVISE)) == set()  # a supervisor does not supervise their own unit
    assert listed(pick(client, **SUPERVISE)) == {tree.b1.pk, tree.b2.pk}  # the top of the scope: the level below
    assert listed(pick(client, within=tree.gb2.pk, **SUPERVISE)) == set()  # browsing another general branch
    assert listed(pick(client, q="党", **DELEGATE)) == set()  # general-branch staff manage nothing
    client.force_login(users["org"])
    assert listed(pick(client, q="党", **DELEGATE)) == {tree.root.pk, tree.gb1.pk, tree.gb2.pk}
    assert listed(pick(client, within=tree.gb1.pk, **SUPERVISE)) == {tree.b1.pk, tree.b2.pk}
    assert listed(pick(client, q="b3", **SUPERVISE)) == {tree.b3.pk}  # a code, whatever its case
    assert listed(pick(client, q="另一", **SUPERVISE)) == set()


def test_the_endpoint_is_bounded_and_its_queries_do_not_grow(client, users, tree):
    client.force_login(users["org"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = pick(client, q="支部", **SUPERVISE)
        return len(captured), response

    before, _ = queries()
    for n in range(PICK_LIMIT + 5):
        make_unit(tree.gb2, UnitKind.BRANCH, f"N{n}", f"新建第{n}党支部")
    after, response = queries()
    assert after == before
    assert len(listed(response)) == PICK_LIMIT
    assert f"只列出前 {PICK_LIMIT} 个" in response.content.decode()


SUPERVISION = {"author_unit": "", "kind": "site_visit", "date": "2022-11-02", "participants": "组织员甲、乙",
               "findings": "会议记录不全"}


def test_the_supervision_form_lists_no_unit_until_asked(client, users, tree):
    client.force_login(users["org"])
    page = client.get(reverse("reviews:supervision_create")).content.decode()
    assert "<option" not in page.split('name="visited_units__q"')[0].split('name="participants"')[1]
    assert tree.b1.name not in page and tree.b3.name not in page


def test_searching_without_a_script_keeps_what_was_typed_and_saves_nothing(client, users, tree):
    client.force_login(users["gb_staff"])
    data = {**SUPERVISION, "author_unit": tree.gb1.pk, "visited_units": [tree.b2.pk],
            "visited_units__q": "第一", "_pick": "visited_units"}
    response = client.post(reverse("reviews:supervision_create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and not SupervisionRecord.objects.exists()
    assert "组织员甲、乙" in page and "会议记录不全" in page and 'value="第一"' in page
    assert re.search(rf'value="{tree.b2.pk}" id="[^"]+" checked', page)  # still chosen
    assert listed(response) == {tree.b1.pk, tree.b2.pk}  # b2 chosen, b1 found
    assert "invalid" not in page  # nothing was submitted yet: no error shown
    data = {**data, "visited_units": [tree.b2.pk, tree.b1.pk]}
    del data["_pick"]
    assert client.post(reverse("reviews:supervision_create"), data).status_code == 302
    record = SupervisionRecord.objects.get()
    assert {visit.unit_id for visit in record.visits.all()} == {tree.b1.pk, tree.b2.pk}
    assert record.participants == "组织员甲、乙"


def test_browsing_down_without_a_script(client, users, tree):
    client.force_login(users["org"])
    response = client.post(reverse("reviews:supervision_create"),
                           {**SUPERVISION, "author_unit": tree.root.pk, "visited_units__within": tree.gb2.pk})
    assert response.status_code == 200 and not SupervisionRecord.objects.exists()
    assert listed(response) == {tree.b3.pk}


@pytest.mark.parametrize("target", ["b3", "other_branch", "gb1"])
def test_a_unit_outside_what_may_be_chosen_is_refused(client, users, tree, target):
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reviews:supervision_create"), {
        **SUPERVISION, "author_unit": tree.gb1.pk, "visited_units": [tree.b1.pk, getattr(tree, target).pk]})
    assert response.status_code == 200 and not SupervisionRecord.objects.exists()
    assert "选择一个有效的选项" in response.content.decode()


def test_delegation_picks_a_unit_above_the_branches_in_scope(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    client.force_login(users["org"])
    url = reverse("reviews:delegation_grant", args=[campaign.pk])
    page = client.get(reverse("reviews:policy_edit", args=[campaign.pk])).content.decode()
    assert tree.gb2.name not in page  # the form lists no unit until asked
    searched = client.post(url, {"unit__q": "党总支", "username": "gb_staff", "_pick": "unit"})
    assert searched.status_code == 200 and not RatingDelegation.objects.exists()
    assert listed(searched) == {tree.gb1.pk, tree.gb2.pk} and 'value="gb_staff"' in searched.content.decode()
    for refused in (tree.b1, tree.other_gb):  # a branch, another tree
        client.post(url, {"unit": refused.pk, "username": "gb_staff"})
        assert not RatingDelegation.objects.exists()
    assert client.post(url, {"unit": tree.gb1.pk, "username": "gb_staff"}).status_code == 302
    assert RatingDelegation.objects.get().unit == tree.gb1


def test_a_search_lists_name_and_code_matches_in_tree_order_once_each(users, tree):
    """Names and codes are looked up apart on PostgreSQL (branches.selectors.first_matching): what is listed is
    still the first units of the tree that match either, each once, and "more" when there are more."""
    make_unit(tree.gb2, UnitKind.BRANCH, "党支部9", "第九支部")  # matches "党支" by its code only
    make_unit(tree.gb2, UnitKind.BRANCH, "G2-7", "第七党支部")  # by its name only
    make_unit(tree.gb2, UnitKind.BRANCH, "党支部8", "第八党支部")  # by both
    scope, every_unit = scope_for(users["org"]), UnitPick(action=Action.VIEW)
    found, more = units_to_pick(scope, every_unit, query="党支", limit=10)
    in_tree_order = sorted(OrgUnit.objects.filter(path__startswith=tree.root.path), key=lambda unit: unit.path)
    expected = [unit.name for unit in in_tree_order if "党支" in unit.name or unit.code.startswith("党支")]
    assert len(expected) == 6 and {"第九支部", "第七党支部", "第八党支部"} <= set(expected)
    assert [unit.name for unit in found] == expected and not more
    first, more = units_to_pick(scope, every_unit, query="党支", limit=4)
    assert [unit.name for unit in first] == expected[:4] and more
