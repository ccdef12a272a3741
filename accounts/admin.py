from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import EmployeeNumber, TOTPDevice, UserSession
from branches import passwords
from branches.models import PasswordChangeRequired

User = get_user_model()


@admin.register(PasswordChangeRequired)
class PasswordChangeRequiredAdmin(admin.ModelAdmin):
    list_display = ("user", "set_by", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "set_by", "created_at")
    readonly_fields = ("user", "set_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


admin.site.unregister(User)


class EmployeeNumberInline(admin.StackedInline):
    """The employee number the institution's directory holds for the account (LDAP_MATCH_BY=employee_number)."""

    model = EmployeeNumber
    can_delete = True
    extra = 0
    max_num = 1


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin (its forms run the password validators); a password an administrator sets for
    someone else must be changed by its owner at the next sign-in, as one the organization department sets."""

    inlines = (EmployeeNumberInline,)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.pk != request.user.pk and obj.has_usable_password():
            passwords.require_change(user=obj, set_by=request.user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            user = User.objects.get(pk=id)
            if user.has_usable_password():
                passwords.require_change(user=user, set_by=request.user)
        return response


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
