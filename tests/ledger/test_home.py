"""The home page shows each person their own work, in a fixed number of queries."""

from __future__ import annotations

from django.urls import reverse

from branches.models import Role
from branches.selectors import SYSTEM
from ledger.models import ItemStatus, Ledger, LedgerStatus
from tests.conftest import make_unit, make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_secretary_sees_their_branch_ledger_with_counts(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], name="对账整改2022")
    ledger = ledger_of(campaign, tree.b1)
    make_item(make_problem(ledger))
    page = _home(client, users["secretary"])
    assert reverse("ledger:ledger_detail", args=[ledger.pk]) in page
    assert "对账整改2022" in page and "填报中" in page and "问题 1 个 · 措施 1 条" in page
    assert reverse("ledger:ledger_detail", args=[ledger_of(campaign, tree.b2).pk]) not in page


def test_branch_member_sees_the_same_branch_ledger(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    assert reverse("ledger:ledger_detail", args=[ledger_of(campaign, tree.b1).pk]) in _home(client, users["member"])


def test_draft_and_closed_campaigns_are_not_open_work(client, tree, users):
    make_campaign(tree.root, actor=users["org"], publish=False, name="草稿行动")
    assert "草稿行动" not in _home(client, users["secretary"])
    assert "目前没有进行中的专项行动" in _home(client, users["secretary"])


def test_general_branch_staff_sees_their_branches(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    page = _home(client, users["gb_staff"])
    assert "第一党支部" in page and "第二党支部" in page and "第三党支部" not in page
    assert reverse("ledger:ledger_detail", args=[ledger_of(campaign, tree.b2).pk]) in page


def test_org_department_and_inspector_see_campaigns_and_the_tree(client, tree, users):
    make_campaign(tree.root, actor=users["org"], name="全校行动")
    make_campaign(tree.other_root, name="别处行动")
    for role in ("org", "inspector"):
        page = _home(client, users[role])
        assert "全校行动" in page and "别处行动" not in page
        assert "填报中 3" in page
        assert "党总支 2" in page and "党支部 3" in page


def test_a_person_with_several_roles_sees_each_section(client, tree, users):
    make_campaign(tree.root, actor=users["org"], name="全校行动")
    both = make_user("both", tree.b3, Role.BRANCH_SECRETARY)
    from branches import services

    services.role_grant(actor=SYSTEM, user=both, unit=tree.gb1, role=Role.GENERAL_BRANCH_STAFF)
    page = _home(client, both)
    assert 'id="home-branch"' in page and 'id="home-general-branch"' in page
    assert "第三党支部" in page and "第一党支部" in page
    assert 'id="home-overview"' not in page


def test_user_without_roles_is_told_so(client, db):
    assert "还没有分配角色" in _home(client, make_user("nobody"))


def test_query_count_does_not_grow_with_branches(client, tree, users, django_assert_max_num_queries):
    campaign = make_campaign(tree.root, actor=users["org"])
    multi = make_user("multi", tree.b1, Role.BRANCH_SECRETARY)
    from branches import services

    services.role_grant(actor=SYSTEM, user=multi, unit=tree.gb1, role=Role.GENERAL_BRANCH_STAFF)
    services.role_grant(actor=SYSTEM, user=multi, unit=tree.root, role=Role.INSPECTOR)
    client.force_login(multi)
    client.get(reverse("home"))
    # 13: two of them count what waits for the general branch (review, 销号); the menu reuses the home's ledgers
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("home"))
    for i in range(15):
        unit = make_unit(tree.gb1, "branch", f"M{i}", f"加支部{i}")
        Ledger.objects.create(campaign=campaign, unit=unit, unit_path=unit.path)
    assert len(few.captured_queries) <= 13
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("home")).content.decode()
    assert "加支部14" in page


# ---- each role's main action, one tap from home (issue 18) ---------------------------------------------------


def test_secretary_continues_the_self_check_with_one_tap_while_the_ledger_is_a_draft(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    page = _home(client, users["secretary"])
    assert f'href="{reverse("ledger:self_check", args=[ledger.pk])}">继续填写对照检查' in page

    Ledger.objects.filter(pk=ledger.pk).update(status=LedgerStatus.SUBMITTED)
    page = _home(client, users["secretary"])
    assert "继续填写对照检查" not in page
    assert f'href="{reverse("ledger:ledger_detail", args=[ledger.pk])}">查看本支部台账' in page


def test_a_returned_ledger_leads_to_the_comments(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    Ledger.objects.filter(pk=ledger.pk).update(status=LedgerStatus.RETURNED)
    page = _home(client, users["member"])
    assert f'href="{reverse("ledger:ledger_detail", args=[ledger.pk])}">查看退回意见并修改' in page


def test_general_branch_staff_see_what_waits_for_review_and_closure(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    Ledger.objects.filter(pk=ledger_of(campaign, tree.b2).pk).update(status=LedgerStatus.SUBMITTED)
    Ledger.objects.filter(pk=ledger_of(campaign, tree.b3).pk).update(status=LedgerStatus.SUBMITTED)  # not theirs
    make_item(make_problem(ledger_of(campaign, tree.b1)), status=ItemStatus.CLOSURE_REQUESTED)
    make_item(make_problem(ledger_of(campaign, tree.b1)), status=ItemStatus.IN_PROGRESS)
    page = _home(client, users["gb_staff"])
    review = reverse("reviews:ledger_list", args=[campaign.pk]) + "?state=submitted"
    closure = reverse("reviews:item_list", args=[campaign.pk]) + "?status=closure_requested"
    assert f'href="{review}">待审核台账（1）' in page
    assert f'href="{closure}">待销号（1）' in page


def test_with_two_open_campaigns_the_general_branch_goes_to_its_list_of_waiting_ledgers(client, tree, users):
    make_campaign(tree.root, actor=users["org"], name="甲")
    make_campaign(tree.root, actor=users["org"], name="乙")
    page = _home(client, users["gb_staff"])
    assert f'href="{reverse("ledger:my_ledgers")}">待审核台账（0）' in page


def test_organization_department_and_inspector_reach_the_dashboard_with_one_tap(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    make_campaign(tree.root, actor=users["org"], publish=False, name="草稿行动")
    for role in ("org", "inspector"):
        page = _home(client, users[role])
        assert f'href="{reverse("reviews:dashboard", args=[campaign.pk])}">工作看板' in page
    make_campaign(tree.root, actor=users["org"], name="第二个行动")
    assert f'href="{reverse("reviews:index")}">工作看板' in _home(client, users["org"])
