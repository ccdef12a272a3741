"""The menu shows each role what it does, in its own words; the pages it leaves out stay reachable."""

from __future__ import annotations

import re

from django.urls import reverse

from branches import services
from branches.models import Role
from branches.selectors import SYSTEM
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign


def _menu(client, user, path: str | None = None) -> dict[str, str]:
    """The menu entries as label → link, read from the page a person sees."""
    client.force_login(user)
    page = client.get(path or reverse("home")).content.decode()
    return dict((label, href) for href, label in re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"[^>]*data-menu=[^>]*>([^<]+)</a>', page))


def test_a_branch_secretary_sees_only_the_branch_work_and_goes_straight_to_the_open_ledger(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    for path in (reverse("home"), reverse("jobs:job_list")):  # the same menu from the home page and elsewhere
        menu = _menu(client, users["secretary"], path)
        assert list(menu) == ["我的工作", "本支部台账", "我的任务"]
        assert menu["本支部台账"] == reverse("ledger:ledger_detail", args=[ledger.pk])


def test_with_two_open_campaigns_the_branch_ledger_entry_lists_them(client, tree, users):
    make_campaign(tree.root, actor=users["org"], name="甲")
    make_campaign(tree.root, actor=users["org"], name="乙")
    assert _menu(client, users["member"])["本支部台账"] == reverse("ledger:my_ledgers")


def test_pages_left_out_of_a_branch_menu_still_open(client, tree, users):
    client.force_login(users["secretary"])
    for name in ("branches:tree", "ledger:campaign_list", "reviews:index", "ledger:export_index", "reports:index"):
        assert client.get(reverse(name)).status_code == 200, name


def test_general_branch_staff_see_review_supervision_and_their_report(client, tree, users):
    assert list(_menu(client, users["gb_staff"])) == [
        "我的工作", "审核销号", "工作看板", "督查记录", "情况报告", "导出台账", "我的任务"]


def test_organization_department_sees_what_it_sets_up(client, tree, users):
    assert list(_menu(client, users["org"])) == [
        "我的工作", "专项行动", "对照清单", "组织", "看板与评星", "督查记录", "情况报告", "导出导入", "我的任务"]


def test_the_inspector_reads_dashboards_first(client, tree, users):
    assert list(_menu(client, users["inspector"])) == [
        "我的工作", "专项行动", "对照清单", "组织", "工作看板", "督查记录", "情况报告", "导出台账", "我的任务"]


def test_a_person_with_two_roles_sees_both_menus_once(client, tree, users):
    both = make_user("both", tree.b3, Role.BRANCH_SECRETARY)
    services.role_grant(actor=SYSTEM, user=both, unit=tree.gb1, role=Role.GENERAL_BRANCH_STAFF)
    assert list(_menu(client, both)) == [
        "我的工作", "本支部台账", "审核销号", "工作看板", "督查记录", "情况报告", "导出台账", "我的任务"]


def test_the_menu_costs_a_constant_number_of_queries(client, tree, users, django_assert_max_num_queries):
    make_campaign(tree.root, actor=users["org"])
    client.force_login(users["secretary"])
    path = reverse("jobs:job_list")
    client.get(path)
    with django_assert_max_num_queries(20) as first:
        client.get(path)
    make_campaign(tree.root, actor=users["org"], name="再一个")
    make_campaign(tree.root, actor=users["org"], name="又一个")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(path)
