from django.contrib import admin

from notifications.models import Notification, NotificationPreference, ReminderLog


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["kind", "object_key", "due_on", "recipient", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


admin.site.register(NotificationPreference)
