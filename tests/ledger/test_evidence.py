"""Evidence uploads: type by content, size cap, safe names, private storage, thumbnails."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ledger.models import EventAction, Evidence, LedgerEvent
from ledger.services.evidence import evidence_add, safe_filename
from tests.factories import make_item, make_problem
from tests.images import blank_png, peak_memory_growth
from tests.ledger.workflow_support import pdf_upload, png_upload


@pytest.fixture
def item(world, users):
    return make_item(make_problem(world.ledger, user=users["secretary"]), user=users["secretary"])


def office_zip(folder: str, content_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{content_type}"/></Types>')
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return out.getvalue()


def test_png_is_stored_privately_with_a_random_name_hash_and_thumbnail(item, users, settings):
    evidence = evidence_add(actor=users["secretary"], item=item, upload=png_upload("支部会议.png"))
    assert evidence.content_type == "image/png" and evidence.original_name == "支部会议.png"
    assert evidence.token in evidence.file.name and "支部会议" not in evidence.file.name
    assert evidence.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert len(evidence.sha256) == 64 and evidence.thumbnail
    assert LedgerEvent.objects.filter(item=item, action=EventAction.EVIDENCE_ADDED).exists()


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("记录.pdf", b"%PDF-1.7\n...", "application/pdf"),
    ("方案.docx", office_zip("word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xlsx", office_zip("xl", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_documents_are_accepted_by_content(item, users, name, data, expected):
    evidence = evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile(name, data))
    assert evidence.content_type == expected and not evidence.thumbnail


@pytest.mark.parametrize(("name", "data"), [
    ("report.pdf", b"MZ\x90\x00 this is a windows program"),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    ("plan.docx", office_zip("other", "application/zip")),
    ("plan.docx", b"PK\x03\x04 not really a zip"),
])
def test_wrong_content_with_an_allowed_extension_is_refused(item, users, name, data):
    with pytest.raises(ValidationError, match="内容不是允许的类型"):
        evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile(name, data))
    assert not Evidence.objects.exists()


def test_broken_image_is_refused(item, users):
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(ValidationError, match="无法打开"):
        evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile("a.png", data))
    assert not Evidence.objects.exists()


def test_a_huge_photo_is_kept_without_a_thumbnail_and_never_decoded(client, item, users):
    """64 megapixels in 190 KB: decoding them for a thumbnail cost half a gigabyte. It is evidence all the same."""
    client.force_login(users["secretary"])
    data = blank_png(8000, 8000)
    client.get(reverse("ledger:item_detail", args=[item.pk]))  # the page's own first-use costs, not measured
    response, growth = peak_memory_growth(lambda: client.post(
        reverse("ledger:item_action", args=[item.pk, "evidence"]), {"file": SimpleUploadedFile("全景.png", data)}))
    assert response.status_code == 302 and growth < 100 * 1024 * 1024, growth
    evidence = Evidence.objects.get(item=item)
    assert evidence.content_type == "image/png" and evidence.size == len(data) and not evidence.thumbnail
    page = client.get(reverse("ledger:item_detail", args=[item.pk])).content.decode()
    assert "全景.png" in page and "图片较大，无预览" in page
    assert client.get(reverse("ledger:evidence_thumbnail", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("ledger:evidence_download", args=[evidence.pk])).status_code == 200


def test_a_photo_beyond_what_pillow_opens_is_kept_too(item, users, settings, monkeypatch):
    settings.IMAGE_MAX_PIXELS = 100_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # Pillow refuses to open twice this: 1000 × 1000
    evidence = evidence_add(actor=users["secretary"], item=item,
                            upload=SimpleUploadedFile("长图.png", blank_png(1000, 1000)))
    assert evidence.content_type == "image/png" and not evidence.thumbnail


def test_a_large_jpeg_still_gets_a_thumbnail_decoded_at_reduced_scale(item, users, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("RGB", (2000, 2000), "red").save(out, "JPEG")
    photo = evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile("照片.jpg", out.getvalue()))
    scan = evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile("扫描.png", blank_png(2000, 2000)))
    assert photo.thumbnail and Image.open(photo.thumbnail).size == (320, 320)
    assert not scan.thumbnail  # a PNG decodes whole: above the cap it is not decoded


def test_oversize_file_is_refused(item, users, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="太大"):
        evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 200))
    assert not Evidence.objects.exists()


def test_empty_file_is_refused(item, users):
    with pytest.raises(ValidationError, match="文件是空的"):
        evidence_add(actor=users["secretary"], item=item, upload=SimpleUploadedFile("a.pdf", b""))


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("a\x00b.pdf", "ab.pdf"),
    ("...hidden.pdf", "hidden.pdf"),
    ("", "file"),
    ("../", "file"),
    ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
])
def test_file_names_are_sanitised(raw, safe):
    assert safe_filename(raw) == safe


def test_path_trick_name_never_reaches_the_disk(item, users, settings):
    evidence = evidence_add(actor=users["secretary"], item=item, upload=pdf_upload("../../../../tmp/evil.pdf"))
    assert evidence.original_name == "evil.pdf"
    assert evidence.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT / "evidence"))


def test_inspector_cannot_upload(item, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        evidence_add(actor=users["inspector"], item=item, upload=png_upload())
    assert not Evidence.objects.exists()
