"""The whole branch workflow in a real browser: a secretary on a phone, the general branch on a desktop."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from branches.models import OrgUnit
from ledger.models import ItemStatus, Ledger, LedgerStatus, RectificationItem
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import make_campaign
from tests.ledger.test_workflow_demo import weifang_shaped_template
from tests.ledger.workflow_support import PNG_1PX


@pytest.fixture
def ledger(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    root = OrgUnit.objects.get(code="WFU")
    campaign = make_campaign(root, template=weifang_shaped_template(), doc_number="组织部〔2022〕99号")
    return Ledger.objects.get(campaign=campaign, unit__code="WFU-03-01")


def test_self_check_to_closed_item_in_the_browser(ledger, visit_as, tmp_path):
    branch = visit_as(PHONE)
    branch.login("zhishu31")
    branch.go(f"/ledger/ledgers/{ledger.pk}/self-check/")
    page = branch.page
    rows = page.locator("form.sc-row")
    total = rows.count()
    for index in range(total):
        row = rows.nth(index)
        if index == 0:
            row.locator("input[type=radio][value='1']").check()
            row.locator("textarea").fill("支部委员会任期已满未按期换届")
            row.locator("textarea").dispatch_event("input")
        else:
            row.locator("input[type=radio][value='0']").check()
        page.wait_for_function("i => document.querySelectorAll('form.sc-row .sc-status')[i].textContent.includes('已保存')",
                               arg=index)
    page.wait_for_function(f"document.getElementById('sc-progress').textContent.trim() === '{total}/{total}'")
    branch.check("workflow-self-check-phone")

    branch.go(f"/ledger/ledgers/{ledger.pk}/")
    page.click("text=添加措施")
    page.fill("#id_measure", "10月底前报送换届请示，召开党员大会换届")
    page.fill("#id_deadline", "2022-10-31")
    page.fill("#id_responsible_name", "支书31")
    branch.check("workflow-item-form-phone")
    page.click("button:has-text('保存')")
    page.click("button:has-text('提交党总支审核')")
    assert "台账已提交" in page.inner_text("main")
    branch.check("workflow-ledger-submitted-phone")

    general = visit_as(DESKTOP)
    general.login("zongzhi3")
    general.go(f"/ledger/ledgers/{ledger.pk}/")
    general.page.fill("#review-text", "措施请写明换届的具体时间")
    general.page.click("button:has-text('退回修改')")
    assert "台账已退回" in general.page.inner_text("main")

    item = RectificationItem.objects.get(ledger=ledger)
    branch.go(f"/ledger/items/{item.pk}/edit/")
    page.fill("#id_measure", "10月20日前报送换届请示，10月31日前召开党员大会完成换届")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert "整改措施已保存" in page.inner_text("main"), page.inner_text("main")[:800]
    branch.go(f"/ledger/ledgers/{ledger.pk}/")
    page.click("button:has-text('提交党总支审核')")

    general.go(f"/ledger/ledgers/{ledger.pk}/")
    general.page.click("button:has-text('审核通过')")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED

    photo = tmp_path / "换届选举会议.png"
    photo.write_bytes(PNG_1PX)
    branch.go(f"/ledger/items/{item.pk}/")
    page.set_input_files("#evidence-file", str(photo))
    page.click("button:has-text('上传')")
    assert "佐证材料已上传" in page.inner_text("main")
    page.click("button:has-text('申请销号')")
    branch.check("workflow-item-requested-phone")

    general.go(f"/ledger/items/{item.pk}/")
    general.page.fill("#verify-text", "换届材料齐全")
    general.page.click("button:has-text('核实销号')")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    general.go(f"/ledger/ledgers/{ledger.pk}/")
    history = general.page.inner_text(".ledger-history")
    for label in ("修改措施", "提交台账", "退回台账", "通过台账", "上传佐证", "申请销号", "销号"):
        assert label in history
    general.check("workflow-ledger-closed-desktop")
    general.go(f"/ledger/campaigns/{ledger.campaign_id}/ledgers/")
    general.check("workflow-campaign-ledgers-desktop")
