from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import StampKind


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    work_done = forms.CharField(label=_("一、工作开展情况"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    problems_found = forms.CharField(
        label=_("二、自查存在的问题"), required=False, widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("已根据所属党支部台账自动生成，可修改。"),
    )
    next_steps = forms.CharField(label=_("三、下一步整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 8}))


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirmed = forms.BooleanField(
        label=_("我已核对报告全文，确认以本单位负责人身份签署；签署后报告不可再修改。"), required=False
    )
    password = forms.CharField(label=_("请再次输入您的登录密码"), widget=forms.PasswordInput, required=False)


class StampForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=StampKind.choices)
    image = forms.FileField(label=_("图片（PNG或JPEG）"))


class VerifyUploadForm(forms.Form):
    document = forms.FileField(label=_("报告PDF文件"))


class VerifyCodeForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=40)
