from __future__ import annotations

import pytest

from branches.demo import seed_tree
from reports.demo import seed_reports
from reports.models import ReportStatus, SituationReport, UnitStamp
from reports.signing import check_pdf
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def test_seed_reports_signs_one_drafts_one_and_is_idempotent(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media"  # no CA yet: the demo creates one
    settings.REPORT_SIGNING_PKCS12 = ""
    settings.REPORT_SIGNING_CA_CERTS = []
    root, _accounts = seed_tree()
    seed_reports(root)  # no campaign yet: nothing happens
    assert not SituationReport.objects.exists()
    make_campaign(root, doc_number="组织部〔2026〕44号")  # the demo's current campaign is known by its number
    seed_reports(root)
    statuses = sorted(SituationReport.objects.values_list("status", flat=True))
    assert statuses == [ReportStatus.DRAFT, ReportStatus.SIGNED]
    signed = SituationReport.objects.get(status=ReportStatus.SIGNED)
    assert check_pdf(signed.pdf.read()).valid
    before = (SituationReport.objects.count(), UnitStamp.objects.count(), signed.pdf_sha256)
    seed_reports(root)
    signed.refresh_from_db()
    assert (SituationReport.objects.count(), UnitStamp.objects.count(), signed.pdf_sha256) == before
