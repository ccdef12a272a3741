"""Two-factor sign-in (TOTP, RFC 6238): enrolment for anyone, a code at every login once enrolled,
and enrolment forced on staff when the deployment requires it."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import crypto, services
from accounts.models import TOTPDevice
from tests.security.conftest import PASSWORD, post_login

SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")


def code_for(secret: str, *, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrolled(user) -> str:
    """Enrol `user` (with the code of the previous step) and return the plain secret."""
    secret = services.totp_new_secret()
    services.totp_confirm(user=user, secret=secret, code=code_for(secret, offset_steps=-1))
    return secret


def pending_secret(client) -> str:
    return client.session["_sec_totp_pending"]


def test_anyone_can_enrol_with_a_qr_code_and_a_code(client, users):
    post_login(client, "secretary", PASSWORD)
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    secret = pending_secret(client)
    assert secret in body
    assert 'src="data:image/png;base64,' in body
    assert not TOTPDevice.objects.exists()  # nothing is stored before a code confirms it
    # reloading the page keeps the same secret (the QR code already scanned stays valid)
    client.get(SETUP)
    assert pending_secret(client) == secret

    wrong = client.post(SETUP, {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    done = client.post(SETUP, {"code": code_for(secret)}, follow=True)
    assert "两步验证已启用" in done.content.decode()
    device = TOTPDevice.objects.get(user=users["secretary"])
    assert device.confirmed_at is not None
    assert secret not in device.secret  # stored encrypted
    assert crypto.unseal(device.secret) == secret
    assert "两步验证已于" in client.get(SETUP).content.decode()


def test_enrolled_user_must_give_a_code_after_the_password(client, users):
    secret = enrolled(users["secretary"])
    response = post_login(client, "secretary", PASSWORD)
    assert response.status_code == 302
    # nothing but the code page until the code is given
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(VERIFY)
    assert client.get(reverse("branches:tree")).status_code == 302
    assert client.get(SETUP).status_code == 302

    wrong = client.post(VERIFY, {"code": "12345"})
    assert "验证码不正确" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302

    before = client.session.session_key
    ok = client.post(VERIFY + "?next=/org/", {"code": code_for(secret, offset_steps=1)})
    assert ok.status_code == 302 and ok["Location"] == "/org/"
    assert client.session.session_key != before  # a new key for the raised privilege
    assert client.get(reverse("home")).status_code == 200


def test_a_code_cannot_be_used_twice(client_factory, users):
    code = code_for(enrolled(users["secretary"]), offset_steps=1)
    first, second = client_factory(), client_factory()
    post_login(first, "secretary", PASSWORD)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    post_login(second, "secretary", PASSWORD, ip="10.0.0.2")
    replay = second.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "已使用" in replay.content.decode()
    assert second.get(reverse("home")).status_code == 302


def test_guessing_codes_locks_the_second_factor(client, users, settings):
    good = code_for(enrolled(users["secretary"]))
    post_login(client, "secretary", PASSWORD)
    bad = "000000" if good != "000000" else "111111"
    for _ in range(settings.TOTP_FAILURE_LIMIT):
        client.post(VERIFY, {"code": bad})
    locked = client.post(VERIFY, {"code": good})
    assert "验证码错误次数过多，请稍后再试。" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert TOTPDevice.objects.get(user=users["secretary"]).locked_until > timezone.now()


STAFF = ["org", "gb_staff"]


@pytest.mark.parametrize("name", STAFF)
@override_settings(REQUIRE_2FA_FOR_STAFF=True)
def test_staff_must_enrol_first_when_required(client, users, name):
    post_login(client, name, PASSWORD)
    for url in (reverse("home"), reverse("branches:tree"), "/admin/", reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == SETUP, url
    page = client.get(SETUP)
    assert "您的账号必须启用两步验证后才能继续使用。" in page.content.decode()
    client.post(SETUP, {"code": code_for(pending_secret(client))})
    assert client.get(reverse("home")).status_code == 200
    # and from then on the code is asked for at each login
    client.post(reverse("logout"))
    post_login(client, name, PASSWORD)
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


@pytest.mark.parametrize("name", ["secretary", "member", "inspector"])
@override_settings(REQUIRE_2FA_FOR_STAFF=True)
def test_branch_roles_are_not_forced(client, users, name):
    post_login(client, name, PASSWORD)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("name", STAFF)
@override_settings(REQUIRE_2FA_FOR_STAFF=False)
def test_staff_are_not_forced_when_the_deployment_does_not_require_it(client, users, name):
    post_login(client, name, PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    assert not TOTPDevice.objects.filter(user=users[name]).exists()


@override_settings(REQUIRE_2FA_FOR_STAFF=True)
def test_owing_the_second_factor_still_allows_logout(client, users):
    post_login(client, "org", PASSWORD)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_embedded_default_does_not_require_it():
    from config.settings import base

    assert base.REQUIRE_2FA_FOR_STAFF is False


def test_an_administrator_resets_a_lost_authenticator(client, users):
    from django.core.management import call_command

    enrolled(users["secretary"])
    post_login(client, "secretary", PASSWORD)
    call_command("two_factor_reset", "secretary", stdout=open("/dev/null", "w"))
    assert not TOTPDevice.objects.filter(user=users["secretary"]).exists()
    assert client.get(reverse("home")).status_code == 302  # that session ended too
    post_login(client, "secretary", PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # not required for a branch secretary: no code asked


def test_secret_survives_a_key_rotation_with_fallback_and_is_refused_without(client, users, settings):
    secret = services.totp_new_secret()
    device = services.totp_confirm(user=users["secretary"], secret=secret, code=code_for(secret, offset_steps=-1))
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert crypto.unseal(device.secret) == secret
    settings.SECRET_KEY_FALLBACKS = []
    post_login(client, "secretary", PASSWORD)
    response = client.post(VERIFY, {"code": code_for(secret)})
    assert "两步验证需要重置" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_coming_back_to_the_enrolment_page_shows_the_same_code_without_writing_the_session(client, users):
    post_login(client, "secretary", PASSWORD)
    first = client.get(SETUP).content.decode()
    secret = pending_secret(client)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(SETUP).content.decode()
    assert secret in again and pending_secret(client) == secret
    assert _qr_of(again) == _qr_of(first)
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]


def _qr_of(page: str) -> str:
    return page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
