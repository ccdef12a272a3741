"""Everything works with a keyboard alone: the secretary opens the menu on a phone and answers a self-check row
without touching the screen (Tab, Space, Enter and typing only)."""

from __future__ import annotations

import re

import pytest

from branches.models import Role
from ledger.models import SelfCheckAnswer
from tests.browser.conftest import PHONE
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_template

PASSWORD = "pw-123456"


@pytest.fixture
def ledger(transactional_db, tree):
    org = make_user("org", tree.root, Role.ORG_DEPARTMENT)
    make_user("secretary", tree.b1, Role.BRANCH_SECRETARY)
    campaign = make_campaign(tree.root, actor=org, template=make_template("kb", categories=1, manifestations=2))
    return ledger_of(campaign, tree.b1)


def tab_to(page, selector: str, most: int = 60) -> None:
    """Press Tab until the element `selector` names has the focus, as a person would."""
    for _press in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_menu_opens_and_follows_with_the_keyboard(visit_as, ledger):
    visit = visit_as(PHONE)
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    page = visit.page
    tab_to(page, "button.navbar-toggler")
    page.keyboard.press("Enter")
    page.locator("#mainnav.show").wait_for()
    assert page.get_attribute("button.navbar-toggler", "aria-expanded") == "true"
    visit.check("keyboard-menu-open-phone")
    tab_to(page, "#mainnav a.nav-link[href='/']")
    page.keyboard.press("Enter")
    page.wait_for_url(visit.base_url + "/")
    assert "我的工作" in page.inner_text("main")


def test_a_self_check_row_is_answered_with_the_keyboard_only(visit_as, ledger):
    visit = visit_as(PHONE)
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    page = visit.page
    row = page.locator("form.sc-row").first
    status = row.locator(".sc-status")

    tab_to(page, "form.sc-row input[name=found][value='1']")
    page.keyboard.press("Space")  # 存在问题
    status.filter(has_text="已保存，请填写问题描述").wait_for()
    visit.check("keyboard-self-check-found-phone")

    page.keyboard.press("Tab")  # the other radio shares the group: Tab goes on to the description
    assert page.evaluate("document.activeElement.name") == "description"
    page.keyboard.type("支委会超期未换届")
    status.filter(has_text=re.compile(r"已保存 \d")).wait_for()  # with the time: complete
    answer = SelfCheckAnswer.objects.get(ledger=ledger)
    assert (answer.found, answer.description) == (True, "支委会超期未换届")
    visit.check("keyboard-self-check-saved-phone")
