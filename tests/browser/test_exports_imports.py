"""附件2 export and the Excel imports in a real browser, on a phone."""

from __future__ import annotations

import pytest

from branches.imports import HEADERS
from tests.browser.conftest import PHONE
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template
from tests.xlsx import xlsx_bytes

PASSWORD = "pw-123456"  # tests.conftest.make_user
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def campaign(transactional_db, tree, users):
    campaign = make_campaign(tree.root, template=make_template("browser", categories=6))
    problem = make_problem(ledger_of(campaign, tree.b1), description="超期未换届")
    make_item(problem, measure="=召开支委会", ongoing=True)
    return campaign


def test_general_branch_exports_its_branches(campaign, visit_as):
    visit = visit_as(PHONE)
    visit.login("gb_staff", PASSWORD)
    visit.go("/ledger/exports/")
    visit.check("exports-index-phone")
    visit.page.click(f"a[href='/ledger/campaigns/{campaign.pk}/export/']")
    visit.check("exports-campaign-phone")
    visit.page.click("form[action$='/export/start/'] button")
    visit.page.wait_for_selector("a[href$='/download/']", timeout=15000)
    assert "已完成" in visit.page.inner_text("main")
    visit.check("exports-job-done-phone")


def test_tree_import_preview_shows_errors(campaign, visit_as):
    visit = visit_as(PHONE)
    visit.login("org", PASSWORD)
    visit.go("/org/import/")
    visit.check("import-tree-upload-phone")
    rows = [["N1", "新党总支", "党总支", "NOPE", "书记", "", 1, 0, "2023-13-01", 3]]
    visit.page.set_input_files("input[name=file]", files=[
        {"name": "tree.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(HEADERS, rows)}])
    visit.page.click("main form[enctype] button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    text = visit.page.inner_text("main")
    assert "上级组织代码“NOPE”不存在" in text and "日期格式不正确" in text
    visit.check("import-tree-errors-phone")
