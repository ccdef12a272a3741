"""The organization department's day in a real browser (desktop): publish the draft campaign, read the dashboard,
rate a branch and be refused five stars for one whose rectification is not in place, download a branch's 附件2
workbook and a signed 附件3 PDF — and check both files the way the department would."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from branches.models import OrgUnit, ancestor_paths
from ledger.demo import current_campaign
from ledger.models import Campaign, CampaignStatus, Ledger
from reports.models import ReportStatus, SituationReport
from reports.signing import check_pdf
from reviews.models import StarRating
from tests.browser.conftest import DESKTOP


@pytest.fixture
def demo(seeded_demo):
    return OrgUnit.objects.get(code="WFU")


def test_org_department_publishes_rates_and_downloads(demo, visit_as):
    visit = visit_as(DESKTOP)
    page = visit.page
    visit.login("zuzhibu")
    visit.check("org-home")

    draft = Campaign.objects.filter(issuer=demo, status=CampaignStatus.DRAFT).first()
    assert draft is not None, "the demo has a draft campaign to publish"
    visit.go(f"/ledger/campaigns/{draft.pk}/publish/")
    visit.check("org-publish-confirm")
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_load_state("networkidle")
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.PUBLISHED and draft.ledgers.exists()
    assert "已发布" in page.inner_text("main")

    weifang = current_campaign(demo)  # the Weifang notice dated around today
    visit.go(f"/reviews/campaigns/{weifang.pk}/dashboard/")
    page.wait_for_selector("#chart-progress svg, #chart-progress canvas")
    assert "逾期" in page.inner_text("main")
    visit.check("org-dashboard")

    lagging = OrgUnit.objects.get(code="WFU-02-04")  # the demo's branch with an overdue measure
    before = StarRating.objects.filter(unit=lagging).values_list("stars", "basis").first()
    visit.go(f"/reviews/campaigns/{weifang.pk}/units/{lagging.pk}/rating/")
    page.select_option("select[name=stars]", "5")
    page.fill("textarea[name=basis]", "拟评五星。")
    page.get_by_role("button", name="保存评定").click()
    page.wait_for_load_state("networkidle")
    assert "不能评为五星" in page.inner_text("main")  # refused, with the reason
    assert StarRating.objects.filter(unit=lagging).values_list("stars", "basis").first() == before
    visit.check("org-five-stars-refused")

    ledger = Ledger.objects.filter(campaign=weifang, unit__code="WFU-02-02").get()
    visit.go(f"/ledger/campaigns/{weifang.pk}/export/")
    visit.check("org-export-page")
    # the page lists one level at a time: go down through the units above the branch ("下级单位")
    paths = [path for path in ancestor_paths(ledger.unit.path) if len(path) > len(weifang.issuer.path)]
    for unit in OrgUnit.objects.filter(path__in=paths).order_by("depth"):
        page.locator(f"a[href='?unit={unit.pk}']").first.click()
        page.wait_for_load_state("networkidle")
    with page.expect_download() as download_info:
        page.locator(f"a[href='/ledger/ledgers/{ledger.pk}/export.xlsx']").first.click()
    # Playwright keeps downloads under a name without extension, which openpyxl would refuse: read the bytes.
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    sheet = workbook.worksheets[0]
    texts = [str(cell.value) for row in sheet.iter_rows(max_row=6) for cell in row if cell.value]
    assert any("自查问题、整改与责任清单" in text for text in texts)
    assert {"查摆内容", "查摆问题", "整改措施", "整改时限", "责任人"} <= set(texts)

    report = SituationReport.objects.get(campaign=weifang, status=ReportStatus.SIGNED)
    visit.go(f"/reports/campaigns/{weifang.pk}/units/{report.unit_id}/")
    visit.check("org-signed-report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载签章PDF").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert check_pdf(pdf).valid  # an unaltered, signed report of this app
