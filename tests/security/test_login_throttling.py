"""Login throttling: a user name + address pair is locked after N failures, and no page tells which names exist."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone

from tests.security.conftest import PASSWORD, post_login

LOCKED = "登录失败次数过多，请稍后再试。"
WRONG = "用户名或密码不正确。"


def _error_text(response) -> str:
    if response.context.get("lockout_message"):
        return str(response.context["lockout_message"])
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def _page_without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_wrong_password_and_unknown_user_get_the_same_answer(client, users):
    wrong_password = post_login(client, "secretary", "not-the-password")
    unknown_user = post_login(client, "nobody-by-this-name", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _error_text(wrong_password) == _error_text(unknown_user) == WRONG
    assert _page_without_tokens(wrong_password).replace("secretary", "") == \
        _page_without_tokens(unknown_user).replace("nobody-by-this-name", "")
    assert WRONG in wrong_password.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_account_gets_the_same_answer(client, users):
    users["secretary"].is_active = False
    users["secretary"].save()
    response = post_login(client, "secretary", PASSWORD)
    assert _error_text(response) == WRONG
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_locked_after_the_limit_even_with_the_right_password(client, users, settings):
    for _ in range(2):
        assert post_login(client, "secretary", "wrong").status_code == 200
    locked = post_login(client, "secretary", "wrong")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert WRONG not in locked.content.decode()
    # the right password does not get through while locked
    again = post_login(client, "secretary", PASSWORD)
    assert again.status_code == 429
    assert LOCKED in again.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_locked_unknown_name_looks_exactly_like_a_locked_real_one(client, users):
    for _ in range(3):
        real = post_login(client, "secretary", "wrong")
        unknown = post_login(client, "no-such-user", "wrong")
    assert real.status_code == unknown.status_code == 429
    assert _error_text(real) == _error_text(unknown) == LOCKED
    assert _page_without_tokens(real) == _page_without_tokens(unknown)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_is_per_user_name_and_address(client, users):
    for _ in range(3):
        post_login(client, "secretary", "wrong", ip="10.0.0.1")
    # the same person from another address, and another person from the same address, still sign in
    assert post_login(client, "secretary", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert post_login(client, "member", PASSWORD, ip="10.0.0.1").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=datetime.timedelta(minutes=15))
def test_cool_off_ends_the_lockout(client, users):
    for _ in range(3):
        post_login(client, "secretary", "wrong")
    assert post_login(client, "secretary", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = post_login(client, "secretary", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["secretary"].pk)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_success_resets_the_count(client, users):
    for _ in range(2):
        post_login(client, "secretary", "wrong")
    assert post_login(client, "secretary", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        post_login(client, "secretary", "wrong")
    assert post_login(client, "secretary", PASSWORD).status_code == 302


@pytest.mark.parametrize("forwarded", ["203.0.113.9", "203.0.113.9, 10.9.9.9"])
@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXY=False)
def test_forged_forwarded_for_does_not_escape_the_lockout(client, users, forwarded):
    """Without a trusted proxy, X-Forwarded-For is the client's own claim: a new one per try changes nothing."""
    for n in range(3):
        post_login(client, "secretary", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = post_login(client, "secretary", PASSWORD, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5, LOGIN_ADDRESS_FAILURE_LIMIT=20)
def test_one_wrong_password_on_each_of_many_accounts_locks_the_address(client, tree):
    """Password spraying: each account sees one failure only, the address that tries them all is locked."""
    from tests.conftest import make_user

    for n in range(30):
        make_user(f"sprayed{n}")
    answers = [post_login(client, f"sprayed{n}", "Spring2022!", ip="10.6.6.6") for n in range(30)]
    assert [answer.status_code for answer in answers[:19]] == [200] * 19
    assert {answer.status_code for answer in answers[20:]} == {429}
    assert LOCKED in answers[-1].content.decode()
    # the right password from that address does not get through, even for an account that never failed
    make_user("untouched")
    right = post_login(client, "untouched", PASSWORD, ip="10.6.6.6")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # the sprayed accounts still sign in from their own addresses
    assert post_login(client, "sprayed0", PASSWORD, ip="10.0.0.7").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5, LOGIN_ADDRESS_FAILURE_LIMIT=20)
def test_signing_in_to_ones_own_account_does_not_clear_the_address_count(client, users):
    """A sprayer with one real account cannot log in between rounds to start the address's count again."""
    from tests.conftest import make_user

    for n in range(20):
        make_user(f"sprayed{n}")
    for n in range(19):
        post_login(client, f"sprayed{n}", "wrong", ip="10.6.6.6")
    assert post_login(client, "secretary", PASSWORD, ip="10.6.6.6").status_code == 302
    client.logout()
    assert post_login(client, "sprayed19", "wrong", ip="10.6.6.6").status_code == 429
