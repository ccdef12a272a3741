"""The general branch's situation report (附件3): its drafts, its signature and seal images, its signed PDF.

A report is composed as a draft, then signed once by the unit's responsible person; from that moment it
is frozen (status leaves DRAFT) and the signed PDF is rendered and digitally signed by a background job.
A new version would be a new row; keeping one row per campaign and unit keeps the model simple.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import OrgUnit
from config.storage import private
from ledger.models import Campaign


class StampKind(models.TextChoices):
    SIGNATURE = "signature", _("负责人签名")
    SEAL = "seal", _("公章")


def stamp_path(instance: UnitStamp, filename: str) -> str:
    # Never the user's file name: a random token and the extension of the checked format.
    return f"reports/stamps/{instance.token}{instance.extension}"


class UnitStamp(models.Model):
    """A signature or seal image a unit uploaded; the newest of each kind is printed on its reports."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="report_stamps")
    unit_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=StampKind.choices)
    file = models.FileField(storage=private, upload_to=stamp_path, max_length=300)
    token = models.CharField(max_length=40, unique=True)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("签名与公章图片")
        verbose_name_plural = _("签名与公章图片")
        ordering = ["unit", "kind", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["unit", "kind", "uploaded_at"], name="stamp_unit_kind_at")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNING = "signing", _("已签署，生成中")
    SIGNED = "signed", _("已签署")


def report_pdf_path(instance: SituationReport, filename: str) -> str:
    return f"reports/signed/{instance.campaign_id}/{instance.unit_id}-{instance.verification_code}.pdf"


class SituationReport(models.Model):
    """One general branch's situation report (开展党支部对账整改专项行动情况的报告) in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="situation_reports")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="situation_reports")
    unit_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=300)
    work_done = models.TextField(_("一、工作开展情况"), blank=True)
    problems_found = models.TextField(_("二、自查存在的问题"), blank=True)
    next_steps = models.TextField(_("三、下一步整改措施"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Recorded by the signing confirmation: who, when, and the images printed on the PDF.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("签署人"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signature_stamp = models.ForeignKey(UnitStamp, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    seal_stamp = models.ForeignKey(UnitStamp, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verification_code = models.CharField(_("验证码"), max_length=40, unique=True, null=True, blank=True)
    pdf = models.FileField(storage=private, upload_to=report_pdf_path, max_length=300, blank=True)
    pdf_sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64, blank=True, db_index=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("情况报告")
        verbose_name_plural = _("情况报告")
        ordering = ["campaign", "unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="report_one_per_campaign_unit"),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.DRAFT) | (Q(signed_at__isnull=False) & Q(verification_code__isnull=False)),
                name="report_signed_has_time_and_code",
            ),
            models.CheckConstraint(condition=~Q(status=ReportStatus.SIGNED) | ~Q(pdf_sha256=""), name="report_signed_has_pdf"),
        ]
        indexes = [models.Index(fields=["unit_path"], name="report_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status != ReportStatus.DRAFT
