"""Report services and selectors: section 二's figures, the signing CA, the job."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from reports import services
from reports.models import ReportStatus, SituationReport
from reports.selectors import problem_summary

pytestmark = pytest.mark.django_db


def test_problem_summary_counts_the_general_branch_ledgers(campaign, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        summary = problem_summary(campaign=campaign, unit=tree.gb1, today=datetime.date(2022, 10, 20))
    assert (summary.branches, summary.problems, summary.items, summary.closed, summary.overdue) == (2, 3, 4, 1, 1)
    first, second = summary.categories
    assert (first.problems, first.items, first.closed, first.overdue) == (2, 3, 0, 1)
    assert first.examples == ["第一党支部：支部委员会超期未换届", "第二党支部：组织生活会流于形式"]
    assert (second.problems, second.items, second.closed) == (1, 1, 1)


def test_in_place_branches_in_the_report_agree_with_the_results_and_the_dashboard(campaign, tree, users):
    from branches.selectors import scope_for
    from reports.selectors import problems_prefill
    from reviews.selectors.dashboards import dashboard
    from reviews.selectors.results import ledger_results
    from tests.factories import ledger_of
    from tests.reviews.conftest import ready

    b2 = ledger_of(campaign, tree.b2)
    assert problem_summary(campaign=campaign, unit=tree.gb1).in_place == 0  # b1 and b2 are still 填报中
    ready(b2)  # answered and accepted, its one measure closed in time: in place; b1 stays 填报中
    b2.items.update(status="closed", closed_at=datetime.datetime(2022, 10, 10, tzinfo=datetime.UTC))
    summary = problem_summary(campaign=campaign, unit=tree.gb1)
    figures = dashboard(scope=scope_for(users["org"]), campaign=campaign, focus=tree.gb1)
    results = ledger_results(ledger_ids=[b2.pk, ledger_of(campaign, tree.b1).pk], campaign=campaign)
    assert (summary.branch_ledgers, summary.in_place) == (2, 1)
    assert figures["total"].in_place == sum(result.in_place for result in results.values()) == 1
    assert "目前2个党支部中整改到位的有1个" in problems_prefill(summary)


def test_only_the_own_general_branch_writes_its_report(campaign, tree, users):
    with pytest.raises(PermissionDenied):
        services.report_save(actor=users["org"], campaign=campaign, unit=tree.gb1, version=0,
                             work_done="x", problems_found="", next_steps="")
    assert not SituationReport.objects.exists()


def test_second_new_draft_is_refused(draft, campaign, tree, users):
    with pytest.raises(ValidationError) as exc:
        services.report_save(actor=users["gb_staff"], campaign=campaign, unit=tree.gb1, version=0,
                             work_done="另一份", problems_found="", next_steps="")
    assert "报告已被他人修改" in exc.value.messages[0]
    assert SituationReport.objects.get().work_done == draft.work_done


def test_signing_without_a_ca_is_refused_clearly(draft, stamps, users, settings, tmp_path):
    settings.REPORT_SIGNING_FOLDER = f"signing-{tmp_path.name}"  # nothing kept there
    settings.REPORT_SIGNING_PKCS12 = settings.REPORT_SIGNING_KEY = settings.REPORT_SIGNING_CERT = ""
    with pytest.raises(ValidationError) as exc:
        services.report_sign(actor=users["gb_staff"], report=draft, version=draft.version,
                             password="pw-123456", confirmed=True)
    assert "尚未配置电子签章证书" in exc.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


def test_create_signing_ca_command_writes_a_ca_and_a_signer(tmp_path, capsys):
    call_command("create_signing_ca", "--directory", str(tmp_path), "--organization", "测试党委")
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.crt").read_bytes())
    signer = x509.load_pem_x509_certificate((tmp_path / "signer.crt").read_bytes())
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert signer.issuer == ca.subject
    assert (tmp_path / "signer.key").stat().st_mode & 0o077 == 0  # private key not readable by others
    with pytest.raises(Exception, match="already holds"):
        call_command("create_signing_ca", "--directory", str(tmp_path))


def test_create_signing_ca_command_keeps_them_in_the_private_storage(settings, tmp_path, capsys):
    from config.storage import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media"
    call_command("create_signing_ca", "--organization", "测试党委")
    assert "private storage: signing/signer.key" in capsys.readouterr().out
    ca = x509.load_pem_x509_certificate(private_storage.open("signing/ca.crt").read())
    assert x509.load_pem_x509_certificate(private_storage.open("signing/signer.crt").read()).issuer == ca.subject
    with pytest.raises(Exception, match="already holds"):
        call_command("create_signing_ca")
    assert private_storage.open("signing/ca.crt").read() == ca.public_bytes(serialization.Encoding.PEM)


def test_an_existing_pkcs12_certificate_can_sign(draft, stamps, signing_ca, settings, tmp_path, users,
                                                  django_capture_on_commit_callbacks):
    """The organization's own certificate as a PKCS#12 file with a passphrase (the recipe in docs/user-guide.md)."""
    p12 = tmp_path / "org.p12"
    subprocess.run(["openssl", "pkcs12", "-export", "-inkey", str(signing_ca / "signer.key"),
                    "-in", str(signing_ca / "signer.crt"), "-out", str(p12), "-passout", "pass:geheim"], check=True)
    settings.REPORT_SIGNING_FOLDER = f"signing-{tmp_path.name}"  # nothing kept there
    settings.REPORT_SIGNING_KEY = settings.REPORT_SIGNING_CERT = ""
    settings.REPORT_SIGNING_PKCS12 = str(p12)
    settings.REPORT_SIGNING_PKCS12_PASSPHRASE = "geheim"
    settings.REPORT_SIGNING_CA_CERTS = [str(signing_ca / "ca.crt")]
    with django_capture_on_commit_callbacks(execute=True):
        services.report_sign(actor=users["gb_staff"], report=draft, version=draft.version,
                             password="pw-123456", confirmed=True)
    from reports.signing import check_pdf

    report = SituationReport.objects.get()
    assert report.status == ReportStatus.SIGNED
    assert check_pdf(report.pdf.read()).valid
