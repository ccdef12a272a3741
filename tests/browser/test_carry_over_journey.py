"""Year after year in a real browser, on a phone: the organization department previews and confirms a carry-over,
the branch finds its carried measure with last year's notes, the general branch confirms a recurring problem."""

from __future__ import annotations

import datetime

import pytest

from ledger.models import ItemStatus, Problem, RecurrenceState
from ledger.services import workflow as wf
from tests.browser.conftest import PHONE
from tests.factories import ledger_of, make_campaign, make_item, make_problem

CLOSED = {"status": ItemStatus.CLOSED, "closed_at": datetime.datetime(2022, 10, 30, tzinfo=datetime.UTC)}


@pytest.fixture
def two_years(transactional_db, tree, users):
    earlier = make_campaign(tree.root, actor=users["org"], name="2022年对账整改")
    ledger = ledger_of(earlier, tree.b1)
    category = earlier.template.categories.order_by("order").first()
    first, second = category.manifestations.order_by("order")
    fixed = make_problem(ledger, category=category, manifestation=first, user=users["secretary"])
    make_item(fixed, user=users["secretary"], **CLOSED)
    open_problem = make_problem(ledger, category=category, manifestation=second, description="组织生活会记录不全",
                                user=users["secretary"])
    item = make_item(open_problem, measure="逐月补齐会议记录", user=users["secretary"])
    wf.progress_note_add(actor=users["secretary"], item=item, text="已补齐九月的记录")
    later = make_campaign(tree.root, actor=users["org"], name="2023年对账整改", year=2023, template=earlier.template)
    again = make_problem(ledger_of(later, tree.b1), category=category, manifestation=first, description="又出现了",
                         user=users["secretary"])
    return {"earlier": earlier, "later": later, "item": item, "again": again}


def test_carry_over_and_recurrence_on_a_phone(two_years, visit_as):
    later = two_years["later"]
    org = visit_as(PHONE)
    org.login("org", "pw-123456")
    org.go(f"/ledger/campaigns/{later.pk}/")
    org.page.click("text=结转往期未完成措施")
    org.page.select_option("select[name=source]", str(two_years["earlier"].pk))
    org.page.click("button:has-text('预览')")
    org.page.wait_for_selector("#carry-over-preview")
    org.check("carry-over-preview-phone")
    org.page.click("button:has-text('确认结转')")
    org.page.wait_for_load_state("networkidle")
    assert "已结转 1 个问题、1 项整改措施到 1 本台账" in org.page.inner_text("main")

    branch = visit_as(PHONE)
    branch.login("secretary", "pw-123456")
    branch.go(f"/ledger/ledgers/{ledger_of(later, two_years['again'].ledger.unit).pk}/")
    assert "结转自 2022 年" in branch.page.inner_text("main") and "疑似反弹" in branch.page.inner_text("main")
    branch.check("carry-over-ledger-phone")
    branch.page.click("text=逐月补齐会议记录")
    branch.page.wait_for_load_state("networkidle")
    assert "已补齐九月的记录" in branch.page.inner_text("main")
    branch.check("carry-over-item-phone")

    staff = visit_as(PHONE)
    staff.login("gb_staff", "pw-123456")
    staff.go(two_years["again"].ledger.get_absolute_url())
    staff.check("recurrence-form-phone")
    staff.page.fill(f"#recurrence-{two_years['again'].pk}", "同一问题再次出现")
    staff.page.click("button:has-text('确认问题反弹')")
    staff.page.wait_for_load_state("networkidle")
    assert "已确认为问题反弹" in staff.page.inner_text("main")
    assert Problem.objects.get(pk=two_years["again"].pk).recurrence_state == RecurrenceState.CONFIRMED
