"""Every write of the situation report: stamps, drafts, the signing confirmation and the signed PDF."""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import AuditRecord, OrgUnit, UnitKind
from branches.selectors import Action, scope_for
from config.storage import private_storage
from jobs.models import JobStatus
from ledger import wording
from ledger.models import Campaign
from reports import signing
from reports.models import ReportStatus, SituationReport, StampKind, UnitStamp
from reports.selectors import campaigns_reaching, current_stamps, problem_summary, problems_prefill

IMAGE_FORMATS = {"PNG": (".png", "image/png"), "JPEG": (".jpg", "image/jpeg")}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed from paper
TEXT_MAX_CHARS = 20000


def report_title(campaign: Campaign, unit: OrgUnit) -> str:
    return wording.report_title(campaign, unit)


def _audit(*, actor, report: SituationReport, action: str, **data) -> None:
    AuditRecord.objects.create(
        actor=actor, object_type="situation_report", object_id=str(report.pk), action=action, data=data
    )


def _require_fill(actor, unit: OrgUnit) -> None:
    if unit.kind == UnitKind.BRANCH or not scope_for(actor).can(Action.FILL, unit):
        raise PermissionDenied(_("只有本单位的工作人员可以编写和签署本单位的情况报告。"))


def _checked_image(upload: UploadedFile, *, max_bytes: int) -> tuple[bytes, str, str]:
    """The upload's bytes, extension and content type, if it really is a PNG or JPEG image of sane size."""
    from PIL import Image, UnidentifiedImageError

    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(_("图片不能超过%(size)d KB。") % {"size": max_bytes // 1024})
    content = upload.read()
    too_large = ValidationError(_("图片尺寸过大（超过 %(max)s 万像素），请上传较小的签名或印章图片。") % {
        "max": settings.REPORT_IMAGE_MAX_PIXELS // 10000})
    try:
        with Image.open(io.BytesIO(content)) as image:  # the header only: the size is known before decoding
            image_format = image.format
            if image.width * image.height > settings.REPORT_IMAGE_MAX_PIXELS:
                raise too_large  # the PDF would decode it whole
            image.verify()
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(_("请上传PNG或JPEG格式的图片（文件内容不是有效图片）。")) from exc
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(_("请上传PNG或JPEG格式的图片（文件内容不是有效图片）。"))
    extension, content_type = IMAGE_FORMATS[image_format]
    return content, extension, content_type


@transaction.atomic
def stamp_upload(*, actor, unit: OrgUnit, kind: str, upload: UploadedFile) -> UnitStamp:
    """Store a signature or seal image for the unit; earlier ones stay (signed reports point to them)."""

    _require_fill(actor, unit)
    if kind not in StampKind.values:
        raise ValidationError(_("未知的图片类型。"))
    content, extension, content_type = _checked_image(upload, max_bytes=settings.REPORT_IMAGE_MAX_BYTES)
    stamp = UnitStamp(
        unit=unit, unit_path=unit.path, kind=kind, token=secrets.token_hex(16), extension=extension,
        content_type=content_type, sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor,
    )
    stamp.file.save(f"{stamp.token}{extension}", ContentFile(content), save=False)
    stamp.save()
    return stamp


def report_initial_fields(*, campaign: Campaign, unit: OrgUnit) -> dict[str, str]:
    """What a new report's form starts with: the title and section 二 written from the ledgers."""
    return {
        "title": report_title(campaign, unit),
        "work_done": "",
        "problems_found": problems_prefill(problem_summary(campaign=campaign, unit=unit)),
        "next_steps": "",
    }


def _clean_texts(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (texts.get(name) or "").strip() for name in ("work_done", "problems_found", "next_steps")}
    if any(len(value) > TEXT_MAX_CHARS for value in cleaned.values()):
        raise ValidationError(_("每部分内容不能超过%(n)d字。") % {"n": TEXT_MAX_CHARS})
    return cleaned


@transaction.atomic
def report_save(
    *, actor, campaign: Campaign, unit: OrgUnit, version: int, work_done: str, problems_found: str, next_steps: str
) -> SituationReport:
    """Save the draft. `version` is the one the editor started from: a stale save is refused, not merged."""
    _require_fill(actor, unit)
    texts = _clean_texts({"work_done": work_done, "problems_found": problems_found, "next_steps": next_steps})
    report = SituationReport.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
    if report is None:
        if version != 0:
            raise ValidationError(_("该报告已不存在，请刷新页面后重试。"))
        if not campaigns_reaching(unit).filter(pk=campaign.pk).exists():
            raise ValidationError(_("本专项行动不涉及本单位。"))
        report = SituationReport.objects.create(
            campaign=campaign, unit=unit, unit_path=unit.path, title=report_title(campaign, unit),
            created_by=actor, updated_by=actor, **texts,
        )
        _audit(actor=actor, report=report, action="report_created", version=report.version)
        return report
    if report.is_frozen:
        raise ValidationError(_("报告已签署，不能再修改。"))
    if report.version != version:
        raise ValidationError(
            _("报告已被他人修改（当前第%(current)d版，您编辑的是第%(yours)d版）。您填写的内容仍在下方，请复制后刷新页面再合并。")
            % {"current": report.version, "yours": version}
        )
    for name, value in texts.items():
        setattr(report, name, value)
    report.version += 1
    report.updated_by = actor
    report.save()
    _audit(actor=actor, report=report, action="report_saved", version=report.version)
    return report


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalize_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def report_sign(*, actor, report: SituationReport, version: int, password: str, confirmed: bool) -> SituationReport:
    """The responsible person's deliberate signature: re-entered password and an explicit confirmation.

    Records who and when, freezes the text, and queues the job that renders and digitally signs the PDF.
    """
    from jobs.services import job_create

    report = SituationReport.objects.select_for_update().select_related("unit").get(pk=report.pk)
    _require_fill(actor, report.unit)
    if report.is_frozen:
        raise ValidationError(_("报告已签署，不能重复签署。"))
    if report.version != version:
        raise ValidationError(_("报告在您确认前已被修改，请重新核对后再签署。"))
    if not confirmed:
        raise ValidationError(_("请勾选确认已核对报告内容。"))
    if not password or not actor.check_password(password):
        raise ValidationError(_("密码不正确，未签署。"))
    stamps = current_stamps(report.unit)
    if stamps[StampKind.SIGNATURE] is None or stamps[StampKind.SEAL] is None:
        raise ValidationError(_("请先上传负责人签名图片和公章图片。"))
    if not signing.is_configured():
        raise ValidationError(_("系统尚未配置电子签章证书，请联系管理员（manage.py create_signing_ca）。"))
    report.status = ReportStatus.SIGNING
    report.signed_by = actor
    report.signer_name = actor.get_full_name() or actor.get_username()
    report.signed_at = timezone.now()
    report.signature_stamp = stamps[StampKind.SIGNATURE]
    report.seal_stamp = stamps[StampKind.SEAL]
    report.verification_code = new_verification_code()
    report.job = job_create(
        owner=actor, kind="situation_report", title=_("生成并签章：%(title)s") % {"title": report.title},
        params={"report_id": report.pk},
    )
    report.save()
    _audit(actor=actor, report=report, action="report_signed", version=report.version, code=report.verification_code)
    return report


@transaction.atomic
def report_retry_signing(*, actor, report: SituationReport) -> SituationReport:
    """Queue the PDF job again for a signed report whose PDF is not there yet (e.g. the worker failed)."""
    from jobs.services import job_create

    report = SituationReport.objects.select_for_update().select_related("unit").get(pk=report.pk)
    _require_fill(actor, report.unit)
    if report.status != ReportStatus.SIGNING:
        raise ValidationError(_("只有生成中的报告可以重新生成。"))
    if report.job is not None and report.job.status == JobStatus.RUNNING:
        raise ValidationError(_("正在生成中，请稍候。"))
    report.job = job_create(
        owner=actor, kind="situation_report", title=_("生成并签章：%(title)s") % {"title": report.title},
        params={"report_id": report.pk},
    )
    report.save(update_fields=["job", "updated_at"])
    return report


def report_render_and_sign(*, report_id: int, progress: Callable[[int, str], None] | None = None) -> SituationReport:
    """Render the signed version, sign it digitally and store it. Rendering happens outside the lock."""
    from reports.pdf import render_report_pdf

    progress = progress or (lambda percent, message="": None)
    report = SituationReport.objects.select_related("unit", "campaign", "signature_stamp", "seal_stamp").get(
        pk=report_id
    )
    if report.status != ReportStatus.SIGNING:
        return report
    progress(10, _("正在排版"))
    pdf = render_report_pdf(report, signed=True)
    progress(70, _("正在加盖电子签章"))
    signed_pdf = signing.sign_pdf(
        pdf, reason=_("%(unit)s 情况报告（验证码 %(code)s）") % {"unit": report.unit.name, "code": report.verification_code},
        location=report.unit.name,
    )
    progress(90, _("正在保存"))
    with transaction.atomic():
        locked = SituationReport.objects.select_for_update().get(pk=report_id)
        if locked.status != ReportStatus.SIGNING:
            return locked
        locked.pdf.save(f"{locked.verification_code}.pdf", ContentFile(signed_pdf), save=False)
        locked.pdf_sha256 = hashlib.sha256(signed_pdf).hexdigest()
        locked.status = ReportStatus.SIGNED
        locked.save()
        _audit(actor=locked.signed_by, report=locked, action="report_pdf_signed", sha256=locked.pdf_sha256)
    progress(100, _("签章完成"))
    return locked


def report_preview_open(*, report: SituationReport) -> BinaryIO:
    """The draft's preview PDF, opened for reading: rendered once per content, kept in the private storage
    under reports/previews/<report id>/ (shared by every web process and node).

    The file is named by the report's version and a digest of the HTML it is made from (text, unit name,
    date, fonts), so every viewer of one version gets the one file and any change gives a new one. The
    caller has checked that the viewer may see the report; the file itself is never served directly.
    """
    from reports.pdf import html_to_pdf, report_html

    html = report_html(report, signed=None)
    # The fonts' address on this node left out: nodes installed at different paths share one cached file.
    node_independent = html.replace(Path(settings.REPORT_FONT_DIR).resolve().as_uri(), "report-fonts:")
    digest = hashlib.sha256(node_independent.encode()).hexdigest()[:32]
    folder = f"reports/previews/{report.pk}"
    name = f"{folder}/v{report.version}-{digest}.pdf"
    try:
        return private_storage.open(name, "rb")
    except FileNotFoundError:
        pass
    pdf = html_to_pdf(html)
    # Two viewers rendering at the same moment each keep their own bytes; the storage keeps the first file under
    # the name and gives the second another one, deleted at once (a viewer reads a whole file or none).
    saved = private_storage.save(name, ContentFile(pdf))
    if saved != name:
        private_storage.delete(saved)
    _, names = private_storage.listdir(folder)
    for older in names:  # earlier versions' previews are no longer asked for
        if older.startswith("v") and f"{folder}/{older}" != name:
            private_storage.delete(f"{folder}/{older}")
    return io.BytesIO(pdf)
