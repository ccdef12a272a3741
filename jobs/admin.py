from django.contrib import admin

from jobs.models import Job, OutboxEntry


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "kind", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["owner"]


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = ["job", "created_at", "sent_at", "attempts", "last_error"]
    raw_id_fields = ["job"]
