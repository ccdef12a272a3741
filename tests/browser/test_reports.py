"""The situation report on a phone: compose, upload signature and seal, sign, watch the job, verify the file."""

from __future__ import annotations

import pytest

from branches.demo import seed_tree
from reports.models import ReportStatus, SituationReport
from reports.signing import create_signing_ca
from tests.browser.conftest import PHONE
from tests.factories import make_campaign
from tests.reports.conftest import image_bytes


@pytest.fixture
def reports_demo(transactional_db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media"
    create_signing_ca(organization="潍坊学院党委")  # kept in the private storage
    settings.REPORT_SIGNING_PKCS12 = ""
    settings.REPORT_SIGNING_CA_CERTS = []
    root, _accounts = seed_tree()
    return make_campaign(root, name="党支部对账整改专项行动")


def test_general_branch_composes_signs_and_a_stranger_verifies(reports_demo, visit_as, tmp_path):
    visit = visit_as(PHONE)
    page = visit.page
    visit.login("zongzhi1")
    visit.go("/reports/")
    visit.check("reports-index-phone")
    page.locator("a", has_text="编写").first.click()
    page.wait_for_load_state("networkidle")
    assert "二、自查存在的问题" in page.inner_text("main")
    page.fill("textarea[name=work_done]", "总支召开专题会议部署对账整改工作。")
    page.fill("textarea[name=next_steps]", "持续推进整改，完成一件销号一件。")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "草稿已保存" in page.inner_text("main")
    visit.check("reports-edit-phone")

    page.locator("a", has_text="上传").first.click()
    page.wait_for_load_state("networkidle")
    for kind, name in (("signature", "sig.png"), ("seal", "seal.png")):
        page.select_option("select[name=kind]", kind)
        page.set_input_files("input[name=image]", files=[{"name": name, "mimeType": "image/png",
                                                         "buffer": image_bytes()}])
        page.click("main form[enctype] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "图片已上传" in page.inner_text("main")
    visit.check("reports-stamps-phone")

    report = SituationReport.objects.get()
    visit.go(f"/reports/{report.pk}/sign/")
    page.check("input[name=confirmed]")
    page.fill("input[name=password]", "demo-pass-2022")
    visit.check("reports-sign-phone")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/jobs/" in page.url
    visit.check("reports-job-phone")
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED

    stranger = visit_as(PHONE)
    stranger.go("/reports/verify/")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    stranger.page.set_input_files("input[name=document]", str(pdf))
    stranger.page.locator("main form[enctype] button[type=submit]").click()
    stranger.page.wait_for_load_state("networkidle")
    assert "有效：这是本系统签署后未经改动的情况报告。" in stranger.page.inner_text("main")
    stranger.check("reports-verify-phone")
