"""Report pages: who reaches what (the scoping matrix), drafts, signing, stamps, the public verify page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branches.models import AuditRecord, Role
from reports.models import ReportStatus, SituationReport, StampKind, UnitStamp
from tests.conftest import make_user
from tests.reports.conftest import image_bytes, upload
from tests.reports.test_pdf import append_page, flip_one_byte

pytestmark = pytest.mark.django_db

PEOPLE = ["secretary", "gb_staff", "gb2_staff", "org", "inspector", "other"]


@pytest.fixture
def people(tree, users):
    return {
        **users,
        "gb2_staff": make_user("gb2_staff", tree.gb2, Role.GENERAL_BRANCH_STAFF),
        "other": make_user("other", tree.other_gb, Role.GENERAL_BRANCH_STAFF),
    }


def status_for(client, user, method: str, url: str, data=None) -> int:
    client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    client.logout()
    return response.status_code


def matrix(client, people, method, url, data=None) -> list[int]:
    return [status_for(client, people[name], method, url, data) for name in PEOPLE]


def test_scoping_matrix_for_the_draft_pages(client, people, draft, stamps, tree):
    edit = reverse("reports:report_edit", args=[draft.campaign_id, tree.gb1.pk])
    stamp = UnitStamp.objects.filter(unit=tree.gb1).first()
    #                                                             sec  gb   gb2  org  insp other
    assert matrix(client, people, "get", reverse("reports:index")) == [200, 200, 200, 200, 200, 200]
    assert matrix(client, people, "get", edit) ==                [404, 200, 404, 200, 200, 404]
    assert matrix(client, people, "get", reverse("reports:report_preview", args=[draft.pk])) == \
        [404, 200, 404, 200, 200, 404]
    assert matrix(client, people, "get", reverse("reports:report_sign", args=[draft.pk])) == \
        [404, 200, 404, 403, 403, 404]
    assert matrix(client, people, "post", reverse("reports:report_retry", args=[draft.pk])) == \
        [404, 302, 404, 403, 403, 404]
    assert matrix(client, people, "get", reverse("reports:stamps", args=[tree.gb1.pk])) == \
        [404, 200, 404, 200, 200, 404]
    assert matrix(client, people, "post", reverse("reports:stamps", args=[tree.gb1.pk])) == \
        [404, 200, 404, 403, 403, 404]
    assert matrix(client, people, "get", reverse("reports:stamp_image", args=[stamp.pk])) == \
        [404, 200, 404, 200, 200, 404]
    assert matrix(client, people, "get", reverse("reports:campaign_overview", args=[draft.campaign_id])) == \
        [404, 404, 404, 200, 200, 404]
    assert matrix(client, people, "get", reverse("reports:campaign_zip", args=[draft.campaign_id])) == \
        [404, 404, 404, 200, 403, 404]
    assert matrix(client, people, "get", reverse("reports:report_pdf", args=[draft.pk])) == \
        [404, 403, 404, 403, 403, 404]  # a draft has no signed PDF yet
    # Only the own general branch's staff may write: org and inspector are refused, nothing saved.
    version = SituationReport.objects.get().version
    data = {"version": version, "work_done": "改", "problems_found": "", "next_steps": ""}
    assert matrix(client, people, "post", edit, data) == [404, 302, 404, 403, 403, 404]
    assert SituationReport.objects.get().version == version + 1  # once, by gb_staff


def test_scoping_matrix_for_the_signed_pdf(client, people, signed):
    url = reverse("reports:report_pdf", args=[signed.pk])
    assert matrix(client, people, "get", url) == [404, 200, 404, 200, 200, 404]


def test_anonymous_users_are_sent_to_login_except_on_verify(client, draft):
    response = client.get(reverse("reports:report_preview", args=[draft.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("reports:verify")).status_code == 200


def test_new_report_is_prefilled_from_the_ledgers(client, users, campaign, tree):
    client.force_login(users["gb_staff"])
    response = client.get(reverse("reports:report_edit", args=[campaign.pk, tree.gb1.pk]))
    page = response.content.decode()
    assert "第一党总支开展党支部对账整改专项行动情况的报告" in page
    assert "共有2个党支部查摆问题3个，制定整改措施4条，已销号1条，逾期未完成1条" in page
    assert "第二党总支的问题" not in page
    assert not SituationReport.objects.exists()  # a GET writes nothing


def test_stale_save_is_refused_and_keeps_what_was_typed(client, users, draft, tree):
    url = reverse("reports:report_edit", args=[draft.campaign_id, tree.gb1.pk])
    client.force_login(users["gb_staff"])
    client.post(url, {"version": draft.version, "work_done": "第一位同事的修改", "problems_found": "x", "next_steps": "y"})
    response = client.post(url, {"version": draft.version, "work_done": "我输入的长段文字", "problems_found": "x",
                                 "next_steps": "y"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "报告已被他人修改" in page
    assert "我输入的长段文字" in page  # nothing typed is lost
    report = SituationReport.objects.get()
    assert report.work_done == "第一位同事的修改"
    assert report.version == draft.version + 1


def test_signing_needs_password_and_confirmation(client, users, draft, stamps, signing_ca):
    url = reverse("reports:report_sign", args=[draft.pk])
    client.force_login(users["gb_staff"])
    response = client.post(url, {"version": draft.version, "confirmed": "on", "password": "wrong"})
    assert "密码不正确，未签署。" in response.content.decode()
    response = client.post(url, {"version": draft.version, "password": "pw-123456"})
    assert "请勾选确认已核对报告内容。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.signed_at is None and draft.verification_code is None


def test_signing_without_stamps_is_refused(client, users, draft, signing_ca):
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reports:report_sign", args=[draft.pk]),
                           {"version": draft.version, "confirmed": "on", "password": "pw-123456"})
    assert "请先上传负责人签名图片和公章图片。" in response.content.decode()
    assert SituationReport.objects.get().status == ReportStatus.DRAFT


def test_signing_through_the_page_records_who_and_when_and_runs_the_job(
    client, users, draft, stamps, signing_ca, django_capture_on_commit_callbacks
):
    client.force_login(users["gb_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_sign", args=[draft.pk]),
                               {"version": draft.version, "confirmed": "on", "password": "pw-123456"})
    report = SituationReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[report.job_id])
    assert report.status == ReportStatus.SIGNED
    assert report.signed_by == users["gb_staff"] and report.signed_at is not None
    assert report.job.kind == "situation_report" and report.job.progress == 100
    assert AuditRecord.objects.filter(object_type="situation_report", action="report_signed").exists()


def test_a_signed_report_is_frozen(client, users, signed, tree):
    client.force_login(users["gb_staff"])
    url = reverse("reports:report_edit", args=[signed.campaign_id, tree.gb1.pk])
    response = client.post(url, {"version": signed.version, "work_done": "签署后修改", "problems_found": "",
                                 "next_steps": ""})
    assert "报告已签署，不能再修改。" in response.content.decode()
    signed.refresh_from_db()
    assert signed.work_done != "签署后修改"
    page = client.get(url).content.decode()
    assert "保存草稿" not in page and "下载签章PDF" in page  # no editor any more, only the signed file


def test_non_image_seal_is_refused_with_a_message(client, users, tree):
    client.force_login(users["gb_staff"])
    url = reverse("reports:stamps", args=[tree.gb1.pk])
    fake = upload("seal.png", b"%PDF-1.7 not an image at all", "image/png")
    response = client.post(url, {"kind": StampKind.SEAL, "image": fake})
    assert "请上传PNG或JPEG格式的图片（文件内容不是有效图片）。" in response.content.decode()
    gif = upload("seal.png", image_bytes("GIF"), "image/png")
    response = client.post(url, {"kind": StampKind.SEAL, "image": gif})
    assert "请上传PNG或JPEG格式的图片" in response.content.decode()
    assert not UnitStamp.objects.exists()


def test_oversized_image_is_refused(client, users, tree, settings):
    settings.REPORT_IMAGE_MAX_BYTES = 100
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reports:stamps", args=[tree.gb1.pk]),
                           {"kind": StampKind.SIGNATURE, "image": upload("s.png", image_bytes())})
    assert "图片不能超过" in response.content.decode()
    assert not UnitStamp.objects.exists()


@pytest.mark.parametrize("pillow_limit", [None, 1_000_000])
def test_a_seal_of_too_many_pixels_is_refused_before_decoding(client, users, tree, monkeypatch, pillow_limit):
    """The PDF decodes a seal whole: 3000 × 3000 pixels in 27 KB is refused, also when Pillow refuses it first."""
    from PIL import Image

    from tests.images import blank_png

    if pillow_limit:
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reports:stamps", args=[tree.gb1.pk]),
                           {"kind": StampKind.SEAL, "image": upload("seal.png", blank_png(3000, 3000))})
    assert response.status_code in (200, 400)
    assert "图片尺寸过大（超过 400 万像素），请上传较小的签名或印章图片。" in response.content.decode()
    assert not UnitStamp.objects.exists()


def verify_upload(client, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("reports:verify"),
                       {"document": SimpleUploadedFile("r.pdf", content, content_type="application/pdf")})


def test_verify_page_accepts_the_signed_pdf_and_names_the_report(client, signed):
    page = verify_upload(client, signed.pdf.read()).content.decode()
    assert "有效：这是本系统签署后未经改动的情况报告。" in page
    assert "第一党总支" in page and signed.campaign.name in page and signed.signer_name in page
    assert signed.verification_code in page


@pytest.mark.parametrize("tamper", [flip_one_byte, append_page])
def test_verify_page_rejects_tampered_pdfs(client, signed, tamper):
    page = verify_upload(client, tamper(signed.pdf.read())).content.decode()
    assert "无效：该文件不是本系统签署的报告，或签署后已被改动。" in page
    assert "有效：这是本系统" not in page


def test_verify_page_rejects_a_pdf_that_is_not_signed(client, draft):
    from reports.pdf import render_report_pdf

    page = verify_upload(client, render_report_pdf(draft, signed=False)).content.decode()
    assert "无效" in page


def test_verify_upload_is_size_capped(client, signed, settings):
    content = signed.pdf.read()
    settings.REPORT_VERIFY_MAX_BYTES = len(content) - 1  # just too big: caught on the parsed file's size
    page = verify_upload(client, content).content.decode()
    assert "文件过大" in page and "有效：" not in page
    settings.REPORT_VERIFY_MAX_BYTES = 1000  # far too big: refused before the body is parsed
    response = verify_upload(client, content)
    assert response.status_code == 413 and "文件过大" in response.content.decode()


def test_verify_upload_needs_csrf(signed):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = strict.post(reverse("reports:verify"), {"document": SimpleUploadedFile("r.pdf", signed.pdf.read())})
    assert response.status_code == 403


def test_code_lookup_shows_metadata_only(client, signed):
    code = signed.verification_code.replace("-", "").lower()
    page = client.get(reverse("reports:verify"), {"code": code}).content.decode()
    assert "第一党总支" in page and signed.pdf_sha256 in page and signed.signer_name in page
    assert "总支召开专题会议" not in page  # the content is not shown to strangers
    page = client.get(reverse("reports:verify"), {"code": "AAAA-BBBB"}).content.decode()
    assert "未找到该验证码对应的已签署报告。" in page


def test_overview_lists_general_branches_not_signed_by_the_deadline(client, users, signed, tree):
    client.force_login(users["org"])
    response = client.get(reverse("reports:campaign_overview", args=[signed.campaign_id]))
    missing = [row.unit for row in response.context["missing"]]
    # gb1 signed today, after the 2022 deadline; gb2 has not written anything.
    assert missing == [tree.gb1, tree.gb2]
    signed.campaign.report_deadline = None
    signed.campaign.save()
    response = client.get(reverse("reports:campaign_overview", args=[signed.campaign_id]))
    assert [row.unit for row in response.context["missing"]] == [tree.gb2]


def test_zip_holds_the_signed_reports_of_the_subtree(client, users, signed):
    import io
    import zipfile

    client.force_login(users["org"])
    response = client.get(reverse("reports:campaign_zip", args=[signed.campaign_id]))
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = bundle.namelist()
    assert names == ["G1-第一党总支-情况报告.pdf"]
    assert bundle.read(names[0]) == signed.pdf.read()


def test_job_page_shows_progress_to_its_owner_only(client, people, signed):
    url = reverse("jobs:job_detail", args=[signed.job_id])
    assert matrix(client, people, "get", url) == [404, 200, 404, 404, 404, 404]


def test_section_two_can_be_rewritten_from_todays_ledgers_without_saving(client, users, draft, tree):
    from tests.factories import ledger_of, make_problem

    services_text = draft.problems_found
    make_problem(ledger_of(draft.campaign, tree.b2), description="新查摆的问题")
    client.force_login(users["gb_staff"])
    url = reverse("reports:report_edit", args=[draft.campaign_id, tree.gb1.pk])
    assert "新查摆的问题" not in client.get(url).content.decode()
    page = client.get(url, {"refill": "1"}).content.decode()
    assert "新查摆的问题" in page and "共有2个党支部查摆问题4个" in page
    assert SituationReport.objects.get().problems_found == services_text  # nothing saved by a GET


@pytest.fixture
def renders(monkeypatch, settings, tmp_path):
    """How many times WeasyPrint is asked for a PDF (the one costly step of a preview), with previews stored
    in an empty folder (another run's report with the same id and text would otherwise be found there)."""
    from reports import pdf

    settings.PRIVATE_MEDIA_ROOT = tmp_path

    calls = []
    real = pdf.html_to_pdf

    def counting(html: str) -> bytes:
        calls.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


def test_the_preview_is_rendered_once_per_version_and_served_to_every_viewer(client, people, draft, renders):
    url = reverse("reports:report_preview", args=[draft.pk])
    client.force_login(people["gb_staff"])
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    first_pdf = b"".join(first.streaming_content) if first.streaming else first.content
    again = client.get(url)
    assert (b"".join(again.streaming_content) if again.streaming else again.content) == first_pdf
    client.force_login(people["inspector"])
    inspected = client.get(url)
    assert (b"".join(inspected.streaming_content) if inspected.streaming else inspected.content) == first_pdf
    assert len(renders) == 1
    # still scoped: outside the subtree nothing is served, from the cache or otherwise
    assert status_for(client, people["gb2_staff"], "get", url) == 404
    assert status_for(client, people["other"], "get", url) == 404
    # an edit is a new version: a new preview, with the new text
    client.force_login(people["gb_staff"])
    edit = reverse("reports:report_edit", args=[draft.campaign_id, draft.unit_id])
    version = SituationReport.objects.get().version
    client.post(edit, {"version": version, "work_done": "新增的一段工作情况", "problems_found": "", "next_steps": ""})
    edited = client.get(url)
    assert edited.status_code == 200 and len(renders) == 2
    assert "新增的一段工作情况" in renders[-1]
    client.get(url)
    assert len(renders) == 2
