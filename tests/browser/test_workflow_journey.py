"""The heart of the product in a real browser: a branch secretary on a phone does the whole Weifang self-check,
adds measures, uploads a photo and submits; general-branch staff at a desk return the ledger, accept it after
the fix, and close an item. Every page is checked (no sideways scroll, nothing external, no console error)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from branches.models import Role
from ledger.builtin_templates import load_builtin_templates
from ledger.models import ChecklistTemplate, ItemStatus, LedgerEvent, LedgerStatus, Manifestation, TemplateCategory
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign

PASSWORD = "pw-123456"


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def ledger(transactional_db, tree):
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)  # a flush may have removed them
    org = make_user("org", tree.root, Role.ORG_DEPARTMENT)
    make_user("secretary", tree.b1, Role.BRANCH_SECRETARY)
    make_user("gb_staff", tree.gb1, Role.GENERAL_BRANCH_STAFF)
    campaign = make_campaign(tree.root, actor=org, template=ChecklistTemplate.objects.get(code="weifang-2022"))
    return ledger_of(campaign, tree.b1)


def secretary_does_the_self_check(visit, ledger) -> None:
    page = visit.page
    visit.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    rows = page.locator("form.sc-row")
    assert rows.count() == 25  # the Weifang checklist, item by item
    for index in range(25):
        row = rows.nth(index)
        if index < 2:
            row.locator("input[name=found][value='1']").check()
            row.locator("textarea[name=description]").fill(f"第{index + 1}条：支部委员会超期未换届，未按期提醒。")
        else:
            row.locator("input[name=found][value='0']").check()
        row.locator(".sc-status").filter(has_text="已保存").wait_for()
    assert page.inner_text("#sc-progress") == "25/25"
    visit.check("self-check-done-phone")


def add_measure(visit, ledger, problem_number: int, measure: str, *, ongoing: bool = False) -> None:
    page = visit.page
    problem = ledger.problems.get(number=problem_number)
    visit.go(f"/ledger/problems/{problem.pk}/items/new/")
    page.fill("textarea[name=measure]", measure)
    if ongoing:
        page.check("input[name=is_ongoing]")
    else:
        page.fill("input[name=deadline]", "2022-10-31")
    page.fill("input[name=responsible_name]", "张书记")
    visit.check(f"item-form-{problem_number}-phone")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert measure[:10] in page.inner_text("main")


def test_secretary_on_a_phone_and_general_branch_at_a_desk(ledger, visit_as):
    phone = visit_as(PHONE)
    phone.login("secretary", PASSWORD)
    phone.check("home-secretary")
    secretary_does_the_self_check(phone, ledger)

    add_measure(phone, ledger, 1, "召开党员大会按期完成换届选举")
    add_measure(phone, ledger, 2, "建立换届提醒台账，每季度检查一次", ongoing=True)
    phone.go(f"/ledger/ledgers/{ledger.pk}/")
    assert "立行立改、长期坚持" in phone.page.inner_text("main")
    phone.check("ledger-with-measures-phone")

    item = ledger.items.get(problem__number=1, number=1)
    phone.go(f"/ledger/items/{item.pk}/")
    phone.page.get_by_role("button", name="开始整改").click()
    phone.page.set_input_files("#evidence-file", files=[{"name": "换届会议.png", "mimeType": "image/png",
                                                          "buffer": photo()}])
    phone.page.get_by_role("button", name="上传", exact=True).click()
    phone.page.wait_for_load_state("networkidle")
    assert phone.page.locator("img.evidence-thumb, img.evidence-thumb-lg").count() >= 1  # the photo as a thumbnail
    phone.check("item-with-photo-phone")

    phone.go(f"/ledger/ledgers/{ledger.pk}/")
    phone.page.get_by_role("button", name="提交党总支审核").click()
    phone.page.wait_for_load_state("networkidle")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.SUBMITTED
    assert "已提交" in phone.page.inner_text("main")
    phone.check("ledger-submitted-phone")

    desk = visit_as(DESKTOP)
    desk.login("gb_staff", PASSWORD)
    desk.go(f"/ledger/campaigns/{ledger.campaign_id}/ledgers/")
    desk.check("campaign-ledgers-desktop")
    desk.page.get_by_role("link", name=ledger.unit.name).click()
    desk.page.fill("#review-text", "问题2的措施请写明检查频次和责任人。")
    desk.page.get_by_role("button", name="退回修改").click()
    desk.page.wait_for_load_state("networkidle")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.RETURNED
    desk.check("ledger-returned-desktop")

    phone.go(f"/ledger/ledgers/{ledger.pk}/")
    assert "问题2的措施请写明检查频次和责任人" in phone.page.inner_text("main")  # the reason reaches the branch
    phone.page.get_by_role("button", name="提交党总支审核").click()
    phone.page.wait_for_load_state("networkidle")

    desk.go(f"/ledger/ledgers/{ledger.pk}/")
    desk.page.get_by_role("button", name="审核通过").click()
    desk.page.wait_for_load_state("networkidle")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED

    phone.go(f"/ledger/items/{item.pk}/")
    phone.page.get_by_role("button", name="申请销号").click()
    phone.page.wait_for_load_state("networkidle")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED
    assert phone.page.get_by_role("button", name="核实销号").count() == 0  # a branch never closes its own items

    desk.go(f"/ledger/items/{item.pk}/")
    desk.page.fill("#verify-text", "已核实换届材料。")
    desk.page.get_by_role("button", name="核实销号").click()
    desk.page.wait_for_load_state("networkidle")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    assert "已销号" in desk.page.inner_text("main")
    desk.check("item-closed-desktop")

    actions = list(LedgerEvent.objects.filter(ledger=ledger).values_list("action", flat=True))
    for action in ("self_check_answered", "item_added", "evidence_added", "ledger_submitted", "ledger_returned",
                   "ledger_accepted", "closure_requested", "item_closed"):
        assert action in actions
    phone.go(f"/ledger/ledgers/{ledger.pk}/")
    phone.page.click("#ledger-history summary")  # the latest events are folded: the reader opens them
    history = phone.page.inner_text("#ledger-history")
    assert "退回台账" in history and "销号" in history  # the whole story is on the ledger's page
