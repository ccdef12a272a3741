"""Sessions: a new key at login, idle and absolute timeouts, logout and deactivation end them."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services, session_state
from accounts.models import TOTPDevice, UserSession
from tests.security.conftest import PASSWORD, post_login


def _shift_session(client, **seconds_ago: int) -> None:
    """Move the session's clocks into the past (instead of sleeping)."""
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_login_gives_a_new_session_key(client, users):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    assert before
    post_login(client, "secretary", PASSWORD)
    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(user=users["secretary"], session_key=after).exists()


def test_a_recent_session_goes_on(client, users, settings):
    post_login(client, "secretary", PASSWORD)
    _shift_session(client, **{session_state.SEEN_AT: settings.SESSION_IDLE_TIMEOUT - 120})
    assert client.get(reverse("home")).status_code == 200
    # and the request counts as activity
    assert int(time.time()) - client.session[session_state.SEEN_AT] < 5


def test_idle_session_is_ended(client, users, settings):
    post_login(client, "secretary", PASSWORD)
    key = client.session.session_key
    _shift_session(client, **{session_state.SEEN_AT: settings.SESSION_IDLE_TIMEOUT + 1})
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "登录已超时，请重新登录。" in response.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
    assert "_auth_user_id" not in client.session


def test_absolute_timeout_ends_even_an_active_session(client, users, settings):
    post_login(client, "secretary", PASSWORD)
    _shift_session(client, **{session_state.AUTH_AT: settings.SESSION_ABSOLUTE_TIMEOUT + 1, session_state.SEEN_AT: 10})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_ends_the_session(client, users):
    post_login(client, "secretary", PASSWORD)
    key = client.session.session_key
    assert client.get(reverse("logout")).status_code == 405
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_logout_without_csrf_token_is_refused(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["secretary"])
    key = client.session.session_key
    assert client.post(reverse("logout")).status_code == 403
    assert Session.objects.filter(session_key=key).exists()


def test_deactivation_ends_every_session_of_that_user_only(client_factory, users):
    phone, office, colleague = client_factory(), client_factory(), client_factory()
    post_login(phone, "secretary", PASSWORD, ip="10.0.0.1")
    post_login(office, "secretary", PASSWORD, ip="10.0.0.2")
    post_login(colleague, "member", PASSWORD)
    assert phone.get(reverse("home")).status_code == 200
    services.account_deactivate(actor=users["org"], user=users["secretary"])
    users["secretary"].refresh_from_db()
    assert users["secretary"].is_active is False
    for client in (phone, office):
        assert client.get(reverse("home")).status_code == 302
    assert UserSession.objects.filter(user=users["secretary"]).count() == 0
    assert Session.objects.count() == 1  # the colleague's
    assert colleague.get(reverse("home")).status_code == 200


def test_deactivation_in_the_admin_ends_sessions_too(client_factory, users):
    """Switching is_active off anywhere (the admin's form saves the user) ends the sessions."""
    phone = client_factory()
    post_login(phone, "secretary", PASSWORD)
    user = users["secretary"]
    user.is_active = False
    user.save()
    assert phone.get(reverse("home")).status_code == 302
    assert not Session.objects.exists()


def test_a_rotated_key_is_followed(client, users):
    """Changing the password rotates the key; deactivation must still find the new one."""
    post_login(client, "secretary", PASSWORD)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "a-new-pass-2026", "new_password2": "a-new-pass-2026",
    })
    assert response.status_code == 302
    client.get(reverse("home"))
    new_key = client.session.session_key
    assert UserSession.objects.filter(session_key=new_key).exists()
    services.account_deactivate(actor=users["org"], user=users["secretary"])
    assert not Session.objects.filter(session_key=new_key).exists()


def test_the_test_clients_login_still_works(client, users):
    """Other tests sign in with client.login() (no request reaches the backends): not throttled, not broken."""
    assert client.login(username="secretary", password=PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    assert not client.login(username="secretary", password="wrong")


def test_a_new_password_needs_twelve_characters(client, users):
    client.force_login(users["secretary"])
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "x7-short-pw", "new_password2": "x7-short-pw",
    })
    assert response.status_code == 200
    assert "12" in response.content.decode()
    users["secretary"].refresh_from_db()
    assert users["secretary"].check_password(PASSWORD)


def test_only_who_manages_the_unit_may_switch_an_account_off_or_remove_its_second_factor(users):
    """A colleague, the inspector or a missing actor is refused in Chinese and the account stays as it was."""
    TOTPDevice.objects.create(user=users["gb_staff"], secret=services.totp_new_secret(), confirmed_at=None)
    for actor in (users["member"], users["inspector"], users["gb_staff"], None):
        with pytest.raises(PermissionDenied, match="您无权管理账号“secretary”"):
            services.account_deactivate(actor=actor, user=users["secretary"])
    for actor in (users["secretary"], users["inspector"], None):
        with pytest.raises(PermissionDenied, match="您无权管理账号“gb_staff”"):
            services.totp_remove(actor=actor, user=users["gb_staff"])
    users["secretary"].refresh_from_db()
    assert users["secretary"].is_active is True
    assert TOTPDevice.objects.filter(user=users["gb_staff"]).exists()
