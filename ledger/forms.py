"""Forms of the branch workflow. They parse input; the services check the rules and write."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ledger.models import (
    NO_PHASE_KEY,
    TYPED_SOURCES,
    Ledger,
    Manifestation,
    Phase,
    ProblemNature,
    ProblemSource,
    ReportFrequency,
    TemplateCategory,
)
from ledger.services.workflow import PHASE_BY_DEADLINE


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
        if ProblemSource.HANDED_DOWN not in (self.initial.get("source"), self.data.get("source")):
            self.fields["source"].choices = TYPED_SOURCES  # 上级交办 only stays on a problem handed down
        self.fields["category"].queryset = TemplateCategory.objects.filter(template_id=template_id).order_by("order")
        self.fields["manifestation"].queryset = Manifestation.objects.filter(
            category__template_id=template_id).select_related("category").order_by("category__order", "order")
        self.fields["manifestation"].label_from_instance = (
            lambda m: f"{m.category.order}({m.order}) {m.text[:40]}"
        )
        if not self.fields["manifestation"].queryset.exists():
            del self.fields["manifestation"]  # a template without manifestations: nothing to choose

    def chosen_category(self) -> TemplateCategory | None:
        """The category the form shows (posted, or the initial one), whose target and requirements the page shows."""
        value = self.data.get("category") if self.is_bound else self.initial.get("category")
        if not str(value or "").isdigit():
            return None
        return self.fields["category"].queryset.filter(pk=value).first()


class ItemForm(VersionedForm):
    measure = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    is_ongoing = forms.BooleanField(label=_("立行立改、长期坚持（无截止日期，定期报告进展）"), required=False)
    deadline = forms.DateField(label=_("整改时限"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    responsible_user = forms.ModelChoiceField(label=_("责任人（本单位账号）"), required=False,
                                              queryset=get_user_model().objects.none())
    responsible_name = forms.CharField(label=_("或填写责任人姓名"), required=False, max_length=50)
    responsible_leader = forms.CharField(label=_("责任领导"), required=False, max_length=50)
    responsible_unit = forms.CharField(label=_("责任单位"), required=False, max_length=200)
    phase = forms.ChoiceField(label=_("所属阶段"), required=False, error_messages={
        "invalid_choice": _("所选阶段不属于本专项行动，请从本专项行动的阶段中选择。")})

    def __init__(self, *args, ledger: Ledger, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = get_user_model().objects.filter(
            role_assignments__unit_id=ledger.unit_id).distinct().order_by("username")
        self.fields["responsible_user"].label_from_instance = lambda u: u.get_full_name() or u.first_name or u.username
        # Only the campaign's own phases are offered; a campaign without phases asks nothing.
        self.phases = {str(phase.pk): phase for phase in ledger.campaign.phases.order_by("order")}
        if not self.phases:
            del self.fields["phase"]
            return
        self.fields["phase"].choices = [
            ("", _("按整改时限自动确定（时限所在的阶段）")),
            *((pk, phase_label(phase)) for pk, phase in self.phases.items()),
            (NO_PHASE_KEY, _("不属于任何阶段")),
        ]

    def clean_phase(self) -> Phase | None | str:
        value = self.cleaned_data.get("phase", "")
        if not value:
            return PHASE_BY_DEADLINE
        return None if value == NO_PHASE_KEY else self.phases[value]


def phase_label(phase: Phase) -> str:
    """集中整改（2020-04-01至2020-09-30）: the name and whichever dates the phase has."""
    dates = "至".join(day.isoformat() if day else "" for day in (phase.starts_on, phase.ends_on))
    return f"{phase.name}（{dates}）" if phase.starts_on or phase.ends_on else phase.name


def phase_initial(phase_id: int | None) -> str:
    """The phase choice that shows a measure's current phase."""
    return str(phase_id) if phase_id else NO_PHASE_KEY


class TextForm(forms.Form):
    """A reason, a comment or a progress note."""

    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料（照片、扫描件、PDF、Word、Excel）"))


class ReportCycleForm(VersionedForm):
    """How often the campaign's ledgers report; custom due dates one per line (or separated by commas)."""

    frequency = forms.ChoiceField(label=_("报告周期"), choices=ReportFrequency.choices)
    starts_on = forms.DateField(label=_("首期开始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("末期截止日期（按季度、按月时填写）"), required=False,
                              widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    due_dates = forms.CharField(label=_("报送日期（自定日期时填写，每行一个，如 2026-04-15）"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    remind_days_before = forms.IntegerField(label=_("截止前几天提醒"), min_value=0, max_value=30, initial=3)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs["class"] = "form-select" if name == "frequency" else "form-control"

    def clean_due_dates(self) -> list[datetime.date]:
        dates = []
        for text in self.cleaned_data["due_dates"].replace(",", "\n").replace("，", "\n").split():
            try:
                dates.append(datetime.date.fromisoformat(text.strip()))
            except ValueError:
                raise forms.ValidationError(_("“%(text)s”不是日期，请写成 2026-04-15 的样子。") % {"text": text}) from None
        return dates


class PeriodicReportForm(VersionedForm):
    work_done = forms.CharField(label=_("本期整改进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class PeriodicReviewForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回"))])
    reason = forms.CharField(label=_("审核意见（退回时必填）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
