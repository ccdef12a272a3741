"""A password someone else chose (the organization department's form, an import) must be changed at first login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from branches import demo
from branches.models import Role
from branches.services import account_create
from tests.security.conftest import post_login

INITIAL = "initial-pass-2022"
MINE = "my-own-secret-phrase-7"


def _create_by_org(client, users, unit, username="newcomer"):
    client.force_login(users["org"])
    response = client.post(reverse("branches:account_create", args=[unit.pk]),
                           {"username": username, "full_name": "新同志", "password": INITIAL,
                            "role": "branch_secretary"})
    assert response.status_code == 302
    client.logout()
    return get_user_model().objects.get(username=username)


def test_a_new_account_must_change_its_password_before_anything_else(client, tree, users):
    _create_by_org(client, users, tree.b1)
    response = post_login(client, "newcomer", INITIAL)
    assert response.status_code == 302
    for url in [reverse("home"), reverse("branches:tree"), reverse("branches:unit_detail", args=[tree.b1.pk])]:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"] == reverse("password_change")
    form = client.get(reverse("password_change"))
    assert form.status_code == 200
    assert "请先修改初始密码" in form.content.decode()
    changed = client.post(reverse("password_change"),
                          {"old_password": INITIAL, "new_password1": MINE, "new_password2": MINE}, follow=True)
    assert "密码已修改。" in changed.content.decode()
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("branches:unit_detail", args=[tree.b1.pk])).status_code == 200
    client.logout()
    # the next login goes straight in, with the new password only
    assert post_login(client, "newcomer", INITIAL, ip="10.0.0.9").status_code == 200
    assert post_login(client, "newcomer", MINE, ip="10.0.0.9").status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_new_password_is_checked_too(client, tree, users):
    _create_by_org(client, users, tree.b1)
    post_login(client, "newcomer", INITIAL)
    weak = client.post(reverse("password_change"),
                       {"old_password": INITIAL, "new_password1": "abcdefgh", "new_password2": "abcdefgh"})
    assert "密码长度太短。密码必须包含至少 12 个字符。" in weak.content.decode()
    same = client.post(reverse("password_change"),
                       {"old_password": INITIAL, "new_password1": INITIAL, "new_password2": INITIAL})
    assert "新密码不能与初始密码相同。" in same.content.decode()
    assert get_user_model().objects.get(username="newcomer").check_password(INITIAL)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_signing_out_stays_possible_while_the_change_is_owed(client, tree, users):
    _create_by_org(client, users, tree.b1)
    post_login(client, "newcomer", INITIAL)
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_the_demo_accounts_are_not_forced(client, db):
    """seed_demo's accounts share the README's published demo password on purpose: forcing a change would only
    lock the next person out of the demo. Only an account someone created for someone else inside the app is."""
    demo.seed_tree()
    assert post_login(client, "zhishu11", demo.DEMO_PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_owner_changing_their_own_password_is_not_forced_again(client, users):
    client.force_login(users["secretary"])
    client.post(reverse("password_change"),
                {"old_password": "pw-123456", "new_password1": MINE, "new_password2": MINE})
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("password", ["abcdefgh", "12345678901234"])
def test_the_service_refuses_weak_passwords_for_every_caller(tree, users, password):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        account_create(actor=users["org"], username="weak", password=password, full_name="弱", unit=tree.b1,
                       role=Role.BRANCH_MEMBER)
    assert not get_user_model().objects.filter(username="weak").exists()


def test_a_password_an_administrator_sets_is_checked_and_must_be_changed(client, users):
    admin = get_user_model().objects.create_superuser("root-admin", password="admin-pass-2022-x")
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[users["secretary"].pk])
    weak = client.post(url, {"password1": "abcdefgh", "password2": "abcdefgh"})
    assert "密码长度太短。密码必须包含至少 12 个字符。" in weak.content.decode()
    assert get_user_model().objects.get(pk=users["secretary"].pk).check_password("pw-123456")
    assert client.post(url, {"password1": INITIAL, "password2": INITIAL}).status_code == 302
    client.logout()
    post_login(client, "secretary", INITIAL)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_the_second_factor_comes_first_then_the_password(client, tree, users, settings):
    """Both owed: the enrolment page opens (no redirect loop between the two gates), everything else does not."""
    client.force_login(users["org"])
    client.post(reverse("branches:account_create", args=[tree.gb1.pk]),
                {"username": "gbnew", "full_name": "新组织员", "password": INITIAL, "role": "general_branch_staff"})
    client.logout()
    settings.REQUIRE_2FA_FOR_STAFF = True
    post_login(client, "gbnew", INITIAL)
    assert client.get(reverse("home"))["Location"] == reverse("accounts:two_factor_setup")
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200
    assert client.get(reverse("password_change"))["Location"] == reverse("accounts:two_factor_setup")
