"""Sign-in forms. The login form's one error never tells whether the user name exists."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

LOCKED_OUT_MESSAGE = _("登录失败次数过多，请稍后再试。")
# Set on the request by accounts.directory (kept here as a name, so the form does not import the LDAP client).
DIRECTORY_REFUSAL_ATTRIBUTE = "directory_refusal"


class LoginForm(AuthenticationForm):
    error_messages = {
        # The same words for an unknown name, a wrong password and a switched-off account.
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("用户名或密码不正确。"),
    }

    def get_invalid_login_error(self):
        """The directory's own refusal (accounts.directory: the password was right, no account matches it), else
        the one generic message."""
        refusal = getattr(self.request, DIRECTORY_REFUSAL_ATTRIBUTE, None)
        if refusal:
            return forms.ValidationError(refusal, code="no_account")
        return super().get_invalid_login_error()


class OwnPasswordForm(PasswordChangeForm):
    """Django's change form (the old password, the validators on the new one), and never the same password:
    keeping the one the organization department chose would leave it known to someone else."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and self.user.check_password(new):
            self.add_error("new_password2", _("新密码不能与初始密码相同。"))
        return cleaned


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=10,
        help_text=_("手机验证器（如 Google Authenticator、Microsoft Authenticator）上显示的 6 位数字。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )
