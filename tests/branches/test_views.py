"""Organization pages: browse, unit detail, create/edit units and accounts — behind the scope, with
Chinese messages for bad input and nothing saved."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from branches.models import OrgUnit, Role, RoleAssignment
from tests.conftest import make_user

ROLES = ["secretary", "member", "gb_staff", "org", "inspector"]

# unit on the Tree fixture → expected status of its detail page, per role
DETAIL = {
    "b1": {"secretary": 200, "member": 200, "gb_staff": 200, "org": 200, "inspector": 200},  # own unit
    "b2": {"secretary": 404, "member": 404, "gb_staff": 200, "org": 200, "inspector": 200},  # sibling
    "gb1": {"secretary": 404, "member": 404, "gb_staff": 200, "org": 200, "inspector": 200},  # ancestor
    "root": {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200, "inspector": 200},
    "b3": {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200, "inspector": 200},
    "other_branch": dict.fromkeys(ROLES, 404),  # another tree
}
MANAGE = {  # edit, new account: only the organization department over its subtree
    "b1": {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200, "inspector": 403},
    "b2": {"secretary": 404, "member": 404, "gb_staff": 403, "org": 200, "inspector": 403},
    "gb1": {"secretary": 404, "member": 404, "gb_staff": 403, "org": 200, "inspector": 403},
    "other_branch": dict.fromkeys(ROLES, 404),
}


@pytest.mark.parametrize(("target", "role"), [(t, r) for t in DETAIL for r in ROLES])
def test_unit_detail_by_role(client, tree, users, target, role):
    client.force_login(users[role])
    response = client.get(reverse("branches:unit_detail", args=[getattr(tree, target).pk]))
    assert response.status_code == DETAIL[target][role]
    browse = client.get(reverse("branches:tree"), {"unit": getattr(tree, target).pk})
    assert browse.status_code == DETAIL[target][role]


@pytest.mark.parametrize("name", ["unit_edit", "account_create"])
@pytest.mark.parametrize(("target", "role"), [(t, r) for t in MANAGE for r in ROLES])
def test_manage_pages_by_role(client, tree, users, name, target, role):
    client.force_login(users[role])
    response = client.get(reverse(f"branches:{name}", args=[getattr(tree, target).pk]))
    assert response.status_code == MANAGE[target][role]


@pytest.mark.parametrize(("target", "role"), [(t, r) for t in ("gb1", "other_branch") for r in ROLES])
def test_new_unit_page_by_role(client, tree, users, target, role):
    client.force_login(users[role])
    response = client.get(reverse("branches:unit_create", args=[getattr(tree, target).pk]))
    assert response.status_code == MANAGE[target][role]


def test_anonymous_is_sent_to_login(client, tree):
    for url in [reverse("branches:tree"), reverse("branches:unit_detail", args=[tree.b1.pk]),
                reverse("branches:unit_edit", args=[tree.b1.pk]), reverse("branches:unit_create", args=[tree.gb1.pk]),
                reverse("branches:account_create", args=[tree.b1.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_browse_shows_one_level_with_children_counts(client, tree, users):
    client.force_login(users["org"])
    top = client.get(reverse("branches:tree")).content.decode()
    assert "学院党委" in top and "第一党总支" not in top and "下级 2 个" in top
    level = client.get(reverse("branches:tree"), {"unit": tree.root.pk}).content.decode()
    assert "第一党总支" in level and "第二党总支" in level and "第一党支部" not in level
    assert "另一党委" not in level


def test_search_is_scoped(client, tree, users):
    client.force_login(users["gb_staff"])
    page = client.get(reverse("branches:tree"), {"q": "党支部"}).content.decode()
    assert "第一党支部" in page and "第二党支部" in page
    assert "第三党支部" not in page and "另一党支部" not in page
    assert "第一党支部" in client.get(reverse("branches:tree"), {"q": "B1"}).content.decode()


def test_browse_query_count_does_not_grow_with_children(client, tree, users, django_assert_max_num_queries):
    from tests.conftest import make_unit

    client.force_login(users["org"])
    url = reverse("branches:tree")
    client.get(url, {"unit": tree.gb1.pk})
    with django_assert_max_num_queries(8):
        client.get(url, {"unit": tree.gb1.pk})
    for i in range(30):
        make_unit(tree.gb1, "branch", f"N{i}", f"新支部{i}")
    with django_assert_max_num_queries(8):
        page = client.get(url, {"unit": tree.gb1.pk}).content.decode()
    assert "新支部29" in page


def test_term_expiry_flags(client, tree, users):
    client.force_login(users["org"])
    today = datetime.date.today()
    OrgUnit.objects.filter(pk=tree.b1.pk).update(committee_elected_on=today.replace(year=today.year - 4),
                                                 committee_members=3)
    OrgUnit.objects.filter(pk=tree.b2.pk).update(committee_elected_on=today.replace(year=today.year - 3)
                                                 + datetime.timedelta(days=60))
    OrgUnit.objects.filter(pk=tree.b3.pk).update(committee_elected_on=today.replace(year=today.year - 1))
    assert "超期未换届" in client.get(reverse("branches:unit_detail", args=[tree.b1.pk])).content.decode()
    expiring = client.get(reverse("branches:unit_detail", args=[tree.b2.pk])).content.decode()
    assert "即将换届" in expiring and "超期未换届" not in expiring
    fine = client.get(reverse("branches:unit_detail", args=[tree.b3.pk])).content.decode()
    assert "即将换届" not in fine and "超期未换届" not in fine


def test_committee_of_a_small_branch_is_flagged(client, tree, users):
    OrgUnit.objects.filter(pk=tree.b2.pk).update(full_members=6, committee_members=3)  # data from before the rule
    client.force_login(users["org"])
    page = client.get(reverse("branches:unit_detail", args=[tree.b2.pk])).content.decode()
    assert "正式党员不足7人的党支部不设支部委员会" in page


def _unit_data(**changes) -> dict:
    data = {"kind": "branch", "code": "B9", "name": "新党支部", "secretary_name": "张书记", "full_members": 5,
            "probationary_members": 1, "committee_members": 0, "committee_elected_on": "",
            "committee_term_years": 3}
    data.update(changes)
    return data


def test_create_a_branch_and_an_account(client, tree, users):
    client.force_login(users["org"])
    response = client.post(reverse("branches:unit_create", args=[tree.gb1.pk]), _unit_data(), follow=True)
    unit = OrgUnit.objects.get(code="B9")
    assert unit.parent == tree.gb1 and unit.path == f"{tree.gb1.path}{unit.pk}/"
    assert "已创建" in response.content.decode()
    client.post(reverse("branches:account_create", args=[unit.pk]),
                {"username": "zhishu-b9", "full_name": "王五", "password": "long-enough-1", "role": "branch_secretary"})
    user = get_user_model().objects.get(username="zhishu-b9")
    assert RoleAssignment.objects.filter(user=user, unit=unit, role=Role.BRANCH_SECRETARY).exists()
    assert user.check_password("long-enough-1")


def test_duplicate_unit_code_is_refused(client, tree, users):
    client.force_login(users["org"])
    before = OrgUnit.objects.count()
    response = client.post(reverse("branches:unit_create", args=[tree.gb1.pk]), _unit_data(code="B1"), follow=True)
    assert "组织代码“B1”已被使用" in response.content.decode()
    assert OrgUnit.objects.count() == before


def test_committee_in_a_branch_under_seven_members_is_refused(client, tree, users):
    client.force_login(users["org"])
    before = OrgUnit.objects.count()
    response = client.post(reverse("branches:unit_create", args=[tree.gb1.pk]),
                           _unit_data(full_members=6, committee_members=3))
    assert "正式党员不足7人的党支部不设支部委员会" in response.content.decode()
    assert OrgUnit.objects.count() == before


def test_committee_too_large_for_the_members_is_refused_on_edit(client, tree, users):
    client.force_login(users["org"])
    data = _unit_data(name="第一党支部", full_members=7, committee_members=5, is_active="on")
    response = client.post(reverse("branches:unit_edit", args=[tree.b1.pk]), data)
    assert "支部委员人数与党员人数不相称" in response.content.decode()
    tree.b1.refresh_from_db()
    assert (tree.b1.full_members, tree.b1.committee_members) == (9, 0)


def test_edit_a_unit(client, tree, users):
    client.force_login(users["org"])
    data = _unit_data(name="第一党支部（改）", full_members=9, committee_members=3, committee_elected_on="2024-05-01",
                      is_active="on")
    client.post(reverse("branches:unit_edit", args=[tree.b1.pk]), data)
    tree.b1.refresh_from_db()
    assert (tree.b1.name, tree.b1.committee_members) == ("第一党支部（改）", 3)
    assert tree.b1.committee_expires_on == datetime.date(2027, 5, 1)


def test_nothing_under_a_branch(client, tree, users):
    client.force_login(users["org"])
    before = OrgUnit.objects.count()
    response = client.post(reverse("branches:unit_create", args=[tree.b1.pk]), _unit_data(), follow=True)
    assert "党支部下不能再设下级组织" in response.content.decode()
    assert OrgUnit.objects.count() == before


def test_duplicate_login_and_short_password_are_refused(client, tree, users):
    client.force_login(users["org"])
    before = get_user_model().objects.count()
    url = reverse("branches:account_create", args=[tree.b1.pk])
    response = client.post(url, {"username": "secretary", "full_name": "重名", "password": "long-enough-1",
                                 "role": "branch_member"})
    assert "登录名“secretary”已被使用" in response.content.decode()
    response = client.post(url, {"username": "new", "full_name": "新人", "password": "short", "role": "branch_member"})
    assert response.status_code == 200
    assert get_user_model().objects.count() == before
    assert not RoleAssignment.objects.filter(unit=tree.b1, role=Role.BRANCH_MEMBER).exclude(
        user=users["member"]).exists()


def test_general_branch_org_department_manages_only_its_subtree(client, tree):
    lower = make_user("lower", tree.gb1, Role.ORG_DEPARTMENT)
    client.force_login(lower)
    assert client.get(reverse("branches:unit_edit", args=[tree.b1.pk])).status_code == 200
    assert client.get(reverse("branches:unit_edit", args=[tree.root.pk])).status_code == 404
    assert client.get(reverse("branches:unit_edit", args=[tree.b3.pk])).status_code == 404


@pytest.mark.parametrize("password, message", [
    ("abcdefgh", "密码长度太短。密码必须包含至少 12 个字符。"),
    ("12345678901234", "密码只包含数字。"),
    ("password1234", "这个密码太常见了。"),
])
def test_weak_initial_passwords_are_refused_with_the_reason(client, tree, users, password, message):
    """The organization department's account form goes through Django's password validators (12 characters)."""
    client.force_login(users["org"])
    before = get_user_model().objects.count()
    response = client.post(reverse("branches:account_create", args=[tree.b1.pk]),
                           {"username": "weak", "full_name": "新人", "password": password, "role": "branch_member"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.count() == before
    assert not get_user_model().objects.filter(username="weak").exists()


def test_an_initial_password_like_the_login_is_refused(client, tree, users):
    client.force_login(users["org"])
    response = client.post(reverse("branches:account_create", args=[tree.b1.pk]),
                           {"username": "zhangsan2022", "full_name": "张三", "password": "zhangsan2022!",
                            "role": "branch_member"})
    assert "密码跟 登录名 太相似了。" in response.content.decode() or "密码跟 用户名 太相似了。" in response.content.decode()
    assert not get_user_model().objects.filter(username="zhangsan2022").exists()
