"""统一身份认证 in a real browser: the login page's button, LemonLDAP::NG's own portal (tests/cas_server.py),
back in the product as the mapped account; a person without an account is refused; signing out ends both."""

from __future__ import annotations

import pytest

from branches.models import Role
from tests import cas_server
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import make_unit, make_user


@pytest.fixture
def cas(live_server, settings):
    if not cas_server.available():
        pytest.skip("LemonLDAP::NG and nginx are not installed (make install installs them)")
    server = cas_server.start(service_url=live_server.url + "/")
    settings.CAS_SERVER_URL = server.url + "cas/"
    yield server
    server.stop()


@pytest.fixture
def secretary(transactional_db):
    root = make_unit(None, "committee", "R", "学院党委")
    general = make_unit(root, "general_branch", "G1", "第一党总支")
    branch = make_unit(general, "branch", "B1", "第一党支部")
    return make_user("dwho", branch, Role.BRANCH_SECRETARY)


def sign_in_at_portal(visit, login):
    page = visit.page
    page.wait_for_selector("#userfield")
    assert page.url.startswith(visit.cas.url), page.url  # the portal's own page, not the product's
    page.fill("#userfield", login)
    page.fill("#passwordfield", login)
    page.click("#lform button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_visit(visit_as, cas, viewport=DESKTOP):
    visit = visit_as(viewport)
    visit.cas = cas
    return visit


def test_signs_in_through_cas_and_signing_out_ends_both_sessions(secretary, cas, visit_as):
    visit = open_visit(visit_as, cas)
    visit.go("/accounts/login/")
    visit.check("cas-login-page")
    visit.page.click("text=统一身份认证登录")
    sign_in_at_portal(visit, "dwho")
    assert visit.page.url == visit.base_url + "/"
    assert "我的工作" in visit.page.inner_text("main")
    assert "第一党支部" in visit.page.inner_text("body")  # the product's own unit for this account
    visit.check("cas-signed-in-home")

    visit.logout()  # the sign-out form goes on to the CAS server's logout, which comes back to the login page
    assert visit.page.url == visit.base_url + "/accounts/login/"
    visit.go("/")
    assert "/accounts/login/" in visit.page.url  # the product's session is over
    visit.page.click("text=统一身份认证登录")
    visit.page.wait_for_selector("#userfield")  # and so is the CAS server's: it asks for the password again
    assert visit.page.url.startswith(cas.url)


def test_cas_user_without_an_account_is_refused_on_a_phone(secretary, cas, visit_as):
    visit = open_visit(visit_as, cas, PHONE)
    visit.expect_console_errors("403")  # the refusal page answers 403, which Chromium reports
    visit.go("/accounts/login/")
    visit.page.click("text=统一身份认证登录")
    sign_in_at_portal(visit, "msmith")
    alert = visit.page.inner_text(".alert-danger")
    assert "统一身份认证账号“msmith”在本系统中没有对应的账号，无法登录。请联系组织部开通账号后再试。" in alert
    visit.check("cas-refused")
    visit.go("/")
    assert "/accounts/login/" in visit.page.url
