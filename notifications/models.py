"""In-app notifications, each user's delivery preference, and the log that makes every reminder go out once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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
