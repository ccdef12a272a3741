"""Long jobs (large exports, report PDFs) that run in the Celery worker and show their progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.storage import private


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("任务"), max_length=200)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    result = models.FileField(storage=private, upload_to="jobs/", max_length=300, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # when a worker claimed it
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title


class OutboxEntry(models.Model):
    """A job waiting to be handed to the broker, written in the same transaction as the job.

    If Redis is down or stalls when the request commits, the row stays pending and the dispatcher
    (every minute from beat, and when a worker starts) sends it later: no job is lost.
    """

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="outbox")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"outbox job {self.job_id} sent={self.sent_at}"


class Pulse(models.Model):
    """The last time something periodic ran, and a running total: what /health/ and /metrics read.

    "worker" is written by the worker when it runs the heartbeat task, "beat" by beat when it sends it,
    "reminder_sweeps" / "reminders_sent" by the reminder sweep (the total counts runs / notifications).
    """

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()
    total = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("运行记录")
        verbose_name_plural = _("运行记录")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S} ({self.total})"
