"""The home page shows each person their own work, in a fixed number of queries."""

from __future__ import annotations

from django.urls import reverse

from branches.models import Role
from branches.selectors import SYSTEM
from ledger.models import Ledger
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
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("home"))
    for i in range(15):
        unit = make_unit(tree.gb1, "branch", f"M{i}", f"加支部{i}")
        Ledger.objects.create(campaign=campaign, unit=unit, unit_path=unit.path)
    assert len(few.captured_queries) <= 12
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("home")).content.decode()
    assert "加支部14" in page
