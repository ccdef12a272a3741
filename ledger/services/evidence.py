"""Evidence files: type checked by content (never by name), size-capped, stored privately under a random name.

Accepted: photos and scans (JPEG, PNG, WebP, HEIC), PDF, Word and Excel (.docx/.xlsx, checked inside the
zip; legacy .doc/.xls as OLE compound files). Images get a small JPEG thumbnail made by Pillow, which also
proves the image decodes, unless decoding would cost too much (more than IMAGE_MAX_PIXELS, a JPEG counted at
the reduced scale it can be decoded at): a 64-megapixel photo is evidence like any other, kept without a
thumbnail. Files are served only by the scoped download view.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import warnings
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ledger.models import EventAction, Evidence, RectificationItem
from ledger.services.events import event_record
from ledger.services.workflow.guards import branch_item

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY_OFFICE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
THUMBNAIL_SIZE = (320, 320)
MAX_NAME_LENGTH = 100


def safe_filename(name: str) -> str:
    """The user's file name without directories, control characters or leading dots, at most 100 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: MAX_NAME_LENGTH - len(ext) - 1] + (f".{ext}" if ext else "")
    return name or "file"


def _office_zip_type(head_file) -> tuple[str, str] | None:
    """A .docx or .xlsx is a zip whose [Content_Types].xml and folders say which it is."""
    try:
        with zipfile.ZipFile(head_file) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return None
            types = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    if "wordprocessingml" in types and any(n.startswith("word/") for n in names):
        return DOCX, ".docx"
    if "spreadsheetml" in types and any(n.startswith("xl/") for n in names):
        return XLSX, ".xlsx"
    return None


def sniff(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) from the file's bytes; ValidationError when it is not an accepted kind."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in IMAGE_TYPES:
        return kind.mime, IMAGE_TYPES[kind.mime]
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"PK\x03\x04"):
        found = _office_zip_type(upload)
        upload.seek(0)
        if found:
            return found
    if head.startswith(OLE_MAGIC):
        ext = "." + safe_filename(upload.name).rpartition(".")[2].lower()
        if ext in LEGACY_OFFICE:
            return LEGACY_OFFICE[ext], ext
    raise ValidationError(
        _("文件“%(name)s”的内容不是允许的类型。请上传照片（JPG、PNG、WebP、HEIC）、PDF、Word 或 Excel 文件。")
        % {"name": safe_filename(upload.name)}
    )


def _thumbnail(upload: UploadedFile, content_type: str) -> bytes | None:
    """A JPEG thumbnail; None for HEIC (Pillow cannot read it here) and for an image of more pixels than the
    server decodes (8000 × 8000 in a 190 KB PNG took half a gigabyte). A broken image is refused."""
    if content_type == "image/heic":
        return None
    upload.seek(0)
    try:
        with warnings.catch_warnings():  # Pillow's warning above the cap: decided on just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)  # reads the header only
        with image:
            # A JPEG can be decoded at 1/2 to 1/8 scale (what thumbnail() asks for); other formats ignore this.
            image.draft(None, (2 * THUMBNAIL_SIZE[0], 2 * THUMBNAIL_SIZE[1]))
            if image.width * image.height > settings.IMAGE_MAX_PIXELS:
                image.verify()  # the file's structure and checksums, without decoding a pixel
                return None
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except Image.DecompressionBombError:
        return None  # beyond twice the cap Pillow will not open it at all: the header read, the file is kept
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("图片“%(name)s”无法打开，可能已损坏。") % {"name": safe_filename(upload.name)}) from None
    finally:
        upload.seek(0)
    return out.getvalue()


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    if upload.size == 0:
        raise ValidationError(_("文件是空的。"))
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size).1f MB），单个文件不能超过 %(max).0f MB。")
            % {"name": safe_filename(upload.name), "size": upload.size / 1048576,
               "max": settings.EVIDENCE_MAX_BYTES / 1048576}
        )
    return sniff(upload)


@transaction.atomic
def evidence_add(*, actor, item: RectificationItem, upload: UploadedFile) -> Evidence:
    """Attach a file to a measure (the branch's own accounts, while the measure is open)."""
    ledger, item = branch_item(actor, item, None)
    content_type, extension = check_upload(upload)
    thumbnail = _thumbnail(upload, content_type) if content_type in IMAGE_TYPES else None
    token = secrets.token_hex(16)
    evidence = Evidence(
        item=item, unit_path=item.unit_path, token=token, extension=extension,
        original_name=safe_filename(upload.name), content_type=content_type, size=upload.size,
        sha256=_sha256(upload), uploaded_by=actor,
    )
    evidence.file.save(f"{token}{extension}", upload, save=False)
    if thumbnail:
        evidence.thumbnail.save(f"{token}.jpg", ContentFile(thumbnail), save=False)
    # If the transaction fails after this point the files are orphans, never a row pointing nowhere.
    evidence.save()
    event_record(ledger=ledger, actor=actor, action=EventAction.EVIDENCE_ADDED, problem=item.problem, item=item,
                 comment=evidence.original_name, changes={"evidence": evidence.pk, "sha256": evidence.sha256})
    return evidence
