"""The login page and a home page in a real browser, on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE


@pytest.fixture
def demo(seeded_demo):
    """The demo university as `seed_demo` makes it."""


def test_secretary_logs_in_on_a_phone(demo, visit_as):
    visit = visit_as(PHONE)
    visit.go("/accounts/login/")
    visit.check("login-phone")
    visit.login("zhishu11")
    assert "我的工作" in visit.page.inner_text("main")
    visit.check("home-secretary-phone")


def test_wrong_password_is_refused_in_chinese(demo, visit_as):
    visit = visit_as(PHONE)
    visit.login("zhishu11", "not-the-password")
    assert "/accounts/login/" in visit.page.url
    assert "请输入" in visit.page.inner_text("main") or "正确" in visit.page.inner_text("main")
