"""Forms of the branch workflow. They parse input; the services check the rules and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ledger.models import Ledger, Manifestation, ProblemNature, ProblemSource, TemplateCategory


class VersionedForm(forms.Form):
    """Carries the version of the row the person loaded, so a stale save is refused instead of overwriting."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProblemForm(VersionedForm):
    category = forms.ModelChoiceField(label=_("查摆内容（类别）"), queryset=TemplateCategory.objects.none())
    manifestation = forms.ModelChoiceField(label=_("对应表现（可不选）"), queryset=Manifestation.objects.none(),
                                           required=False)
    description = forms.CharField(label=_("查摆问题"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.ChoiceField(label=_("问题来源"), choices=ProblemSource.choices, initial=ProblemSource.EXTENDED)
    nature = forms.ChoiceField(label=_("问题性质"), choices=ProblemNature.choices, initial=ProblemNature.INDIVIDUAL)

    def __init__(self, *args, ledger: Ledger, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        template_id = ledger.campaign.template_id
        self.fields["category"].queryset = TemplateCategory.objects.filter(template_id=template_id).order_by("order")
        self.fields["manifestation"].queryset = Manifestation.objects.filter(
            category__template_id=template_id).select_related("category").order_by("category__order", "order")
        self.fields["manifestation"].label_from_instance = (
            lambda m: f"{m.category.order}({m.order}) {m.text[:40]}"
        )


class ItemForm(VersionedForm):
    measure = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    is_ongoing = forms.BooleanField(label=_("立行立改、长期坚持（无截止日期，定期报告进展）"), required=False)
    deadline = forms.DateField(label=_("整改时限"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    responsible_user = forms.ModelChoiceField(label=_("责任人（本单位账号）"), required=False,
                                              queryset=get_user_model().objects.none())
    responsible_name = forms.CharField(label=_("或填写责任人姓名"), required=False, max_length=50)
    responsible_leader = forms.CharField(label=_("责任领导"), required=False, max_length=50)
    responsible_unit = forms.CharField(label=_("责任单位"), required=False, max_length=200)

    def __init__(self, *args, ledger: Ledger, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = get_user_model().objects.filter(
            role_assignments__unit_id=ledger.unit_id).distinct().order_by("username")
        self.fields["responsible_user"].label_from_instance = lambda u: u.get_full_name() or u.first_name or u.username


class TextForm(forms.Form):
    """A reason, a comment or a progress note."""

    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料（照片、扫描件、PDF、Word、Excel）"))
