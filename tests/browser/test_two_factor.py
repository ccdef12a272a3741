"""Two-factor enrolment in a real browser on a phone: the QR code shows under the strict CSP, a code
from the authenticator finishes it, and the next login asks for a code."""

from __future__ import annotations

import time

import pyotp
import pytest

from branches.models import Role
from tests.browser.conftest import PHONE
from tests.conftest import make_unit, make_user


@pytest.fixture
def staff(transactional_db, settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    root = make_unit(None, "committee", "R", "学院党委")
    return make_user("zuzhibu", root, Role.ORG_DEPARTMENT)


def test_staff_enrols_on_a_phone_and_is_asked_for_a_code_next_time(staff, visit_as):
    visit = visit_as(PHONE)
    visit.login("zuzhibu", "pw-123456")
    assert "/accounts/2fa/" in visit.page.url
    assert "必须启用两步验证" in visit.page.inner_text("main")
    qr_loaded = visit.page.evaluate("document.querySelector('img.totp-qr').naturalWidth")
    assert qr_loaded > 0  # the data: image is allowed by the CSP
    visit.check("two-factor-setup-phone")

    secret = visit.page.inner_text("code.totp-secret").strip()
    visit.page.fill("input[name=code]", pyotp.TOTP(secret).now())
    visit.page.click("main button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    assert "两步验证已启用" in visit.page.inner_text("main")

    visit.page.click(".navbar-toggler")  # the phone's collapsed menu holds 退出
    # opened, not opening: a click during Bootstrap's collapse transition was lost on a loaded machine (no sign-out
    # reached the server), so wait for `.show`, which Bootstrap sets when the transition has ended
    visit.page.wait_for_selector(".navbar-collapse.show form[action$='/accounts/logout/'] button", state="visible")
    # the sign-out's POST must have answered before the next navigation, which would otherwise cancel it
    with visit.page.expect_navigation(url="**/accounts/login/**"):
        visit.page.click("form[action$='/accounts/logout/'] button")
    visit.login("zuzhibu", "pw-123456")
    assert "/accounts/2fa/verify/" in visit.page.url
    visit.check("two-factor-verify-phone")
    next_step = int(time.time() // 30) + 1  # the enrolment used the current step; a new one is needed
    visit.page.fill("input[name=code]", pyotp.TOTP(secret).generate_otp(next_step))
    visit.page.click("main button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    assert "我的工作" in visit.page.inner_text("main")
