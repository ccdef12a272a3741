"""Sign-in security: a user's TOTP authenticator and the sessions each user holds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238, 30-second steps, 6 digits).

    Stored only once the user has typed one correct code; the secret is encrypted (accounts.crypto).
    `last_used_step` refuses a code that was already used (replay); `failures` and `locked_until` stop
    guessing after a correct password.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=255, help_text="encrypted (accounts.crypto)")
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("两步验证设备")
        verbose_name_plural = _("两步验证设备")

    def __str__(self) -> str:
        return f"{self.user} · {'✓' if self.confirmed_at else '…'}"


class UserSession(models.Model):
    """A session key a user logged in with, so that deactivating the user can end every session at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"



class EmployeeNumber(models.Model):
    """An account's employee number (工号) as the institution's directory holds it.

    Used only when sign-in through the directory matches people by employee number (LDAP_MATCH_BY=
    employee_number, accounts.directory): the directory entry's number finds the account here. Set by an
    administrator; the directory never writes it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee_number",
                                verbose_name=_("账号"))
    number = models.CharField(_("工号"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("工号")
        verbose_name_plural = _("工号")

    def __str__(self) -> str:
        return self.number
