"""The template guides the work in a browser: the county plan's targets and measures beside the forms, folded on a
phone at 390 px and open beside the form on a desk; 采用 fills the measure field without reloading (JS), and the
person edits it and saves as usual."""

from __future__ import annotations

import pytest

from branches.models import Role
from ledger.models import ChecklistTemplate, RectificationItem
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import make_user
from tests.factories import ensure_builtin_templates, ledger_of, make_campaign, make_problem

PASSWORD = "pw-123456"


@pytest.fixture
def county_problem(transactional_db, tree):
    ensure_builtin_templates()
    org = make_user("org", tree.root, Role.ORG_DEPARTMENT)
    make_user("secretary", tree.b1, Role.BRANCH_SECRETARY)
    campaign = make_campaign(tree.root, actor=org, template=ChecklistTemplate.objects.get(
        code="county-inspection-2020"))
    ledger = ledger_of(campaign, tree.b1)
    return make_problem(ledger, category=ledger.campaign.template.categories.get(order=1),
                        description="主题党日活动形式单一")


def test_on_a_phone_the_guidance_is_folded_and_adopting_fills_the_measure(visit_as, county_problem):
    visit = visit_as(PHONE)
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/problems/{county_problem.pk}/items/new/")
    page = visit.page
    visit.check("phone-item-form-suggestions")
    assert page.locator("details.guidance").evaluate("d => d.open") is False
    page.get_by_role("link", name="采用参考措施2").click()
    assert page.locator("#id_measure").input_value() == "加大干部教育培训力度，增强领导干部的党性观念"
    assert "suggestion" not in page.url  # filled in place, no reload
    page.locator("#id_measure").fill("加大支部委员培训力度，每季度一次")
    page.locator("#id_is_ongoing").check()
    page.locator("#id_responsible_name").fill("张三")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert RectificationItem.objects.get(problem=county_problem).measure == "加大支部委员培训力度，每季度一次"


def test_on_a_desk_the_guidance_is_open_beside_the_form(visit_as, county_problem):
    visit = visit_as(DESKTOP)
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/problems/{county_problem.pk}/items/new/")
    page = visit.page
    visit.check("desk-item-form-suggestions")
    assert page.locator("details.guidance").evaluate("d => d.open") is True
    form_box = page.locator("#id_measure").bounding_box()
    aside_box = page.locator("aside").bounding_box()
    assert aside_box["x"] > form_box["x"] + form_box["width"] - 1  # beside, to the right


def test_the_category_self_check_fits_a_phone_and_saves_an_answer(visit_as, county_problem):
    visit = visit_as(PHONE)
    visit.login("secretary", PASSWORD)
    visit.go(f"/ledger/ledgers/{county_problem.ledger_id}/self-check/")
    page = visit.page
    visit.check("phone-self-check-by-category")
    assert page.locator("form.sc-row").count() == 6
    second = page.locator("form.sc-row").nth(1)
    second.get_by_label("未发现问题").check()
    page.locator("#sc-progress").filter(has_text="1/6").wait_for()
