from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from branches.pickers import PickingForm, UnitPickField, UnitPickMultipleField
from config.form_fields import listed_choices
from ledger.models import ProblemNature
from ledger.naming import item_no
from reviews.models import SupervisionKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class SupervisionForm(PickingForm):
    author_unit = forms.ModelChoiceField(queryset=None, label=_("督查单位"))
    kind = forms.ChoiceField(choices=SupervisionKind.choices, label=_("督查方式"))
    date = forms.DateField(label=_("督查日期"), widget=DATE_WIDGET)
    campaign = forms.ModelChoiceField(queryset=None, label=_("专项行动"), required=False)
    participants = forms.CharField(label=_("参加人员"), max_length=500)
    visited_units = UnitPickMultipleField(label=_("被督查党组织"))
    findings = forms.CharField(label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, author_units, campaigns, scope, visitable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author_unit"].queryset = author_units
        self.fields["campaign"].queryset = campaigns
        self.fields["visited_units"].set_pick(scope, visitable)


class FindingForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("被督查党组织"))
    campaign = forms.ModelChoiceField(queryset=None, label=_("专项行动"))
    category = forms.ModelChoiceField(queryset=None, label=_("查摆内容（问题类别）"))
    nature = forms.ChoiceField(choices=ProblemNature.choices, label=_("性质"))
    description = forms.CharField(label=_("查摆问题"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units, campaigns, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["campaign"].queryset = campaigns
        self.fields["category"].queryset = categories
        self.fields["category"].label_from_instance = lambda c: f"{c.template.name} · {c.order}. {c.title}"
        listed_choices(self.fields["unit"], self.fields["campaign"], self.fields["category"])


def reopen_label(item) -> str:
    return f"{item.ledger.unit.name} · {item_no(item.problem.number, item.number)} {item.measure[:40]}"


class ReopenForm(forms.Form):
    """Any closed item of the visited units is a valid choice; the select lists only `shown` (a search's first
    page), so a look-back over thousands of items stays a short page."""

    q = forms.CharField(widget=forms.HiddenInput, required=False)  # the search the list came from, kept on errors
    item = forms.ModelChoiceField(queryset=None, label=_("已销号的整改措施"), error_messages={
        "invalid_choice": _("只能重新打开本次“回头看”所到党组织中已销号的整改措施。"),
        "required": _("请选择要重新打开的整改措施。"),
    })
    reason = forms.CharField(label=_("重新整改原因"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, shown, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        field.queryset = items
        field.label_from_instance = reopen_label
        field.widget.choices = [("", "---------"), *((item.pk, reopen_label(item)) for item in shown)]

    def clean(self):
        data = super().clean()
        data.pop("q", None)  # not the service's business
        return data


class PolicyForm(forms.Form):
    progress_period_days = forms.IntegerField(label=_("立行立改进展周期（天）"), min_value=1, max_value=366)
    advanced_min_stars = forms.IntegerField(label=_("先进最低星级"), min_value=1, max_value=5)
    middle_min_stars = forms.IntegerField(label=_("中间最低星级"), min_value=1, max_value=5)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("星级"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)])
    basis = forms.CharField(label=_("评定依据"), widget=forms.Textarea(attrs={"rows": 4}))


class PublishForm(forms.Form):
    starts_on = forms.DateField(label=_("公示开始日期"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("公示结束日期"), widget=DATE_WIDGET)


class ObjectionForm(forms.Form):
    raised_by = forms.CharField(label=_("提出人"), max_length=100)
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolutionForm(forms.Form):
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))


class DelegationForm(PickingForm):
    unit = UnitPickField(label=_("授权范围（党总支或党委）"))
    username = forms.CharField(label=_("被授权人账号"), max_length=150)

    def __init__(self, *args, scope, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_pick(scope, units)

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有这个账号。"))
        return user


class CommonMeasureForm(forms.Form):
    """A supervising unit's answer to one of its common problems (专项整治)."""

    key = forms.CharField(widget=forms.HiddenInput)  # the common problem: "m<manifestation id>" or "c<category id>"
    measure = forms.CharField(label=_("专项整治措施"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET)
    responsible_name = forms.CharField(label=_("责任人"), max_length=50)
