"""Single sign-on through CAS, against a real CAS server: LemonLDAP::NG's portal (tests/cas_server.py).

The test client plays the browser on the product's side; `portal_sign_in` fills the portal's own form; the
ticket the portal issues is checked by the product with the portal over HTTP, as in production.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.cas import account_for_cas_user
from branches import passwords
from branches.models import Role
from tests import cas_server
from tests.conftest import make_user

SERVICE_PREFIX = "http://testserver/"


@pytest.fixture(scope="module")
def cas():
    if not cas_server.available():
        pytest.skip("LemonLDAP::NG and nginx are not installed (make install installs them)")
    server = cas_server.start(service_url=SERVICE_PREFIX)
    yield server
    server.stop()


@pytest.fixture
def cas_on(cas, settings):
    settings.CAS_SERVER_URL = cas.url + "cas/"
    return cas


def cas_sign_in(client, login, *, next_page=""):
    """Click 统一身份认证登录, sign in at the portal, follow its redirect back: the product's answer."""
    start = client.get(reverse("accounts:cas_login"), {"next": next_page} if next_page else {})
    assert start.status_code == 302, start
    back_to_product, _portal = cas_server.portal_sign_in(start["Location"], login=login)
    assert back_to_product.startswith(SERVICE_PREFIX), f"the portal did not send back a ticket: {back_to_product!r}"
    return client.get(back_to_product.removeprefix("http://testserver"))


def signed_in_as(client):
    return client.get(reverse("home")).wsgi_request.user.get_username() or None


# --- off by default -------------------------------------------------------------------------------------

def test_without_a_cas_server_the_login_page_offers_only_the_local_form(client, db, settings):
    assert settings.CAS_SERVER_URL == ""
    page = client.get(reverse("login"))
    assert "统一身份认证登录" not in page.content.decode()
    assert client.get(reverse("accounts:cas_login")).status_code == 404


# --- sign-in --------------------------------------------------------------------------------------------

def test_login_page_offers_cas_which_sends_the_browser_to_the_cas_server(client, db, cas_on):
    page = client.get(reverse("login"))
    assert "统一身份认证登录" in page.content.decode()
    start = client.get(reverse("accounts:cas_login"))
    target = urlsplit(start["Location"])
    assert f"{target.scheme}://{target.netloc}/" == cas_on.url
    assert target.path == "/cas/login"
    assert parse_qs(target.query)["service"] == ["http://testserver/accounts/cas/login/"]


def test_cas_user_lands_as_the_account_with_the_same_login_and_it_is_logged(client, tree, cas_on, security_log):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    answer = cas_sign_in(client, "dwho")
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.wsgi_request.user.get_username() == "dwho"
    assert "第一党支部" in home.content.decode()  # the product's own unit and role
    [login] = security_log.events("login")
    assert 'user="dwho"' in login and 'via="cas"' in login and 'cas_user="dwho"' in login
    assert 'units="B1:branch_secretary"' in login


def test_cas_sign_in_goes_on_to_the_page_asked_for(client, tree, cas_on):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    answer = cas_sign_in(client, "dwho", next_page="/notifications/")
    assert answer["Location"] == "/notifications/"


def test_cas_sign_in_never_goes_on_to_another_site(client, tree, cas_on):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    answer = cas_sign_in(client, "dwho", next_page="https://evil.example/")
    assert answer["Location"] == reverse("home")


def test_cas_user_without_an_account_is_refused_and_nothing_is_created(client, tree, cas_on, security_log):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    accounts_before = get_user_model().objects.count()
    answer = cas_sign_in(client, "msmith")
    assert answer.status_code == 403
    text = answer.content.decode()
    assert "统一身份认证账号“msmith”在本系统中没有对应的账号，无法登录。请联系组织部开通账号后再试。" in text
    assert "退出统一身份认证，换一个账号登录" in text
    assert get_user_model().objects.count() == accounts_before
    assert signed_in_as(client) is None
    [refused] = security_log.events("cas_refused")
    assert 'cas_user="msmith"' in refused and 'reason="no_account"' in refused
    assert security_log.events("login") == []
    assert not AccessAttempt.objects.exists()  # the CAS server checked the password: no step toward a lockout


def test_deactivated_account_is_refused(client, tree, cas_on):
    user = make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    user.is_active = False
    user.save()
    answer = cas_sign_in(client, "dwho")
    assert answer.status_code == 403
    assert "对应的本系统账号已停用" in answer.content.decode()
    assert signed_in_as(client) is None


def test_account_found_by_the_attribute_the_cas_server_releases(client, tree, cas_on, settings):
    """CAS_ACCOUNT_ATTRIBUTE=employeeNumber: rtyler's employee number is the login, not her CAS name."""
    settings.CAS_ACCOUNT_ATTRIBUTE = "employeeNumber"
    make_user("rtyler", tree.gb2, Role.GENERAL_BRANCH_STAFF)  # same name as at CAS, but not hers here
    make_user(cas_server.EMPLOYEE_NUMBERS["rtyler"], tree.b2, Role.BRANCH_SECRETARY)
    cas_sign_in(client, "rtyler")
    assert signed_in_as(client) == "2022002"


def test_a_ticket_counts_once(client, tree, cas_on, client_factory):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    start = client.get(reverse("accounts:cas_login"))
    back_to_product, _portal = cas_server.portal_sign_in(start["Location"], login="dwho")
    path = back_to_product.removeprefix("http://testserver")
    assert client.get(path).status_code == 302
    replay = client_factory().get(path)
    assert replay.status_code == 403
    assert "统一身份认证未能确认您的身份，请重新登录。" in replay.content.decode()


def test_made_up_ticket_is_refused_and_counts_as_a_failed_sign_in(client, db, cas_on, security_log):
    answer = client.get(reverse("accounts:cas_login"), {"ticket": "ST-made-up"})
    assert answer.status_code == 403
    assert "统一身份认证未能确认您的身份" in answer.content.decode()
    assert signed_in_as(client) is None
    assert len(security_log.events("login_failed")) == 1
    assert AccessAttempt.objects.exists()


def test_unreachable_cas_server_is_said_so(client, db, settings):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{cas_server.free_port()}/cas/"  # nobody listens there
    answer = client.get(reverse("accounts:cas_login"), {"ticket": "ST-any"})
    assert answer.status_code == 403
    assert "暂时无法连接统一身份认证服务，请稍后再试，或使用账号密码登录。" in answer.content.decode()
    assert signed_in_as(client) is None


def test_staff_signed_in_through_cas_still_owe_the_second_factor(client, tree, cas_on, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    make_user("dwho", tree.root, Role.ORG_DEPARTMENT)
    cas_sign_in(client, "dwho")
    assert client.get(reverse("home"))["Location"] == reverse("accounts:two_factor_setup")


def test_a_password_change_owed_is_still_owed_after_a_cas_sign_in(client, tree, cas_on):
    user = make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    passwords.require_change(user=user, set_by=make_user("org", tree.root, Role.ORG_DEPARTMENT))
    cas_sign_in(client, "dwho")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


# --- sign-out -------------------------------------------------------------------------------------------

def test_logout_ends_the_product_session_and_the_cas_session(client, tree, cas_on):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    start = client.get(reverse("accounts:cas_login"))
    back_to_product, portal = cas_server.portal_sign_in(start["Location"], login="dwho")
    client.get(back_to_product.removeprefix("http://testserver"))
    # While signed in at the CAS server, the portal hands out a ticket without asking again.
    assert "ticket=" in portal.get(start["Location"], allow_redirects=False).headers.get("Location", "")

    answer = client.post(reverse("logout"))
    assert answer["Location"].startswith(cas_on.url + "cas/logout?")
    assert signed_in_as(client) is None
    back = portal.get(answer["Location"], allow_redirects=False)
    assert back.headers["Location"] == "http://testserver" + reverse("login")
    again = portal.get(start["Location"], allow_redirects=False)
    assert again.status_code == 200 and 'name="password"' in again.text  # the portal asks for the password


def test_password_sign_in_signs_out_as_before(client, tree, cas_on):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    client.post(reverse("login"), {"username": "dwho", "password": "pw-123456"}, REMOTE_ADDR="10.0.0.1")
    assert signed_in_as(client) == "dwho"
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_only_a_cas_session_may_send_its_sign_out_form_to_the_cas_server(client, tree, cas_on, client_factory):
    make_user("dwho", tree.b1, Role.BRANCH_SECRETARY)
    cas_sign_in(client, "dwho")
    assert f"form-action 'self' {cas_on.url.rstrip('/')}" in client.get(reverse("home"))["Content-Security-Policy"]
    other = client_factory()
    other.post(reverse("login"), {"username": "dwho", "password": "pw-123456"}, REMOTE_ADDR="10.0.0.1")
    assert "form-action 'self';" in other.get(reverse("home"))["Content-Security-Policy"] + ";"


# --- the mapping rule, without a server -----------------------------------------------------------------

def test_mapping_refuses_unknown_and_deactivated_accounts_and_missing_attributes(tree, settings):
    user = make_user("zhishu11", tree.b1, Role.BRANCH_SECRETARY)
    assert account_for_cas_user(cas_user="zhishu11", attributes={}) == user
    with pytest.raises(ValidationError) as refused:
        account_for_cas_user(cas_user="nobody-here", attributes={})
    assert refused.value.code == "no_account"
    settings.CAS_ACCOUNT_ATTRIBUTE = "employeeNumber"
    assert account_for_cas_user(cas_user="x", attributes={"employeeNumber": ["zhishu11"]}) == user
    with pytest.raises(ValidationError) as refused:
        account_for_cas_user(cas_user="zhishu11", attributes={})
    assert refused.value.code == "no_attribute"
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError) as refused:
        account_for_cas_user(cas_user="x", attributes={"employeeNumber": "zhishu11"})
    assert refused.value.code == "inactive"
