from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("同时通过电子邮件接收提醒和通知"), required=False,
        help_text=_("邮件发往账号登记的邮箱；站内通知总会保留。"),
    )
