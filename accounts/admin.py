from django.contrib import admin

from accounts.models import TOTPDevice, UserSession


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Deleting a device is how a lost phone is handled: the user enrols again at the next login."""

    list_display = ("user", "confirmed_at", "locked_until", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at", "locked_until")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
