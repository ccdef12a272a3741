"""In-app notifications, each user's delivery preference, and the log that makes every reminder go out once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ITEM_DUE_SOON = "item_due_soon", _("整改措施即将到期")
    ITEMS_OVERDUE = "items_overdue", _("整改措施已逾期")
    ITEMS_OVERDUE_ESCALATED = "items_overdue_escalated", _("逾期督办")
    PHASE_DEADLINE = "phase_deadline", _("阶段截止提醒")
    REPORT_DEADLINE = "report_deadline", _("情况报告截止提醒")
    COMMITTEE_TERM = "committee_term", _("按期换届提醒")
    REVIEW_EVENT = "review_event", _("审核动态")
    PERIODIC_REPORT_DUE = "periodic_report_due", _("定期报告截止提醒")
    PERIODIC_REPORT_MISSING = "periodic_report_missing", _("定期报告逾期未报")
    PHASE_WORK_DUE = "phase_work_due", _("阶段措施即将截止")
    PHASE_WORK_OPEN = "phase_work_open", _("阶段结束仍有措施未销号")


class Notification(models.Model):
    """One message to one user, shown under the bell and optionally sent by email."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_time"),
            # The bell counts exactly these rows on every page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderLog(models.Model):
    """A reminder that has been claimed for sending: the unique constraint makes it exactly once.

    The sweep inserts candidate rows with INSERT ... ON CONFLICT DO NOTHING and turns into
    notifications only the rows it actually inserted, however many sweeps run at the same time: on
    PostgreSQL those RETURNING gives back; elsewhere the rows that carry this run's `claim` token.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    due_on = models.DateField()
    object_key = models.CharField(max_length=100)
    claim = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "due_on", "object_key"], name="reminderlog_once_per_target"
            ),
        ]
        indexes = [models.Index(fields=["claim"], condition=~Q(claim=""), name="reminderlog_claim")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} {self.due_on} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """Per-user switches; a user without a row gets the defaults (email on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("同时发送电子邮件"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user} · email={self.email_enabled}"


# --- messengers: a unit's group robot on 企业微信 (WeCom) or 钉钉 (DingTalk) ---------------------------


class MessengerPlatform(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


class Messenger(models.Model):
    """The group robot a unit's notifications are also posted to; set by the organization department.

    Every change is recorded in the audit trail (branches.AuditRecord, with the secret left out).
    """

    unit = models.OneToOneField("branches.OrgUnit", on_delete=models.PROTECT, related_name="messenger")
    platform = models.CharField(_("平台"), max_length=20, choices=MessengerPlatform.choices)
    webhook_url = models.CharField(_("机器人地址（Webhook）"), max_length=500)
    # DingTalk's 加签 secret; WeCom robots have none (their key is part of the address).
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.unit_id}"

    @property
    def secret_hint(self) -> str:
        """The secret as the page shows it: never in full, only enough to recognise it."""
        if not self.secret:
            return ""
        return f"{self.secret[:3]}…{self.secret[-4:]}" if len(self.secret) > 10 else "…"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class MessengerDelivery(models.Model):
    """One robot message for one unit: the outbox row that is retried with backoff until sent or failed.

    `key` names what it reports (one reminder sweep, one review event); unique per unit, so queueing the same
    thing twice sends it once.
    """

    unit = models.ForeignKey("branches.OrgUnit", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(_("失败原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="messengerdelivery_once_per_unit"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="messengerdelivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.unit_id} ({self.status})"
