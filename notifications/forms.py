from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("同时通过电子邮件接收提醒和通知"), required=False,
        help_text=_("邮件发往账号登记的邮箱；站内通知总会保留。"),
    )


class MessengerForm(forms.Form):
    platform = forms.ChoiceField(label=_("平台"), choices=(("wecom", _("企业微信")), ("dingtalk", _("钉钉"))))
    webhook_url = forms.CharField(
        label=_("机器人地址（Webhook）"), max_length=500,
        help_text=_("在群设置的“群机器人”中添加机器人后复制；也可以是本单位内网的转发地址。"),
    )
    secret = forms.CharField(
        label=_("加签密钥（仅钉钉）"), max_length=200, required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("钉钉机器人安全设置选“加签”，把 SEC 开头的密钥填在这里；已保存的密钥不再显示，留空即保持不变。"),
    )
    enabled = forms.BooleanField(label=_("启用：本单位人员收到的提醒和通知同时发到群里"), required=False, initial=True)
