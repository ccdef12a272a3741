"""Forms of the setup pages: checklist templates and campaigns (the organization department)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.form_fields import listed_choices
from ledger.models import Campaign, PhaseStage
from ledger.services.campaigns import PhaseSpec

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("清单名称"), max_length=200)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UnitChoiceForm(forms.Form):
    """Pick one of the user's own organization-department units (only shown when there is a choice)."""

    owner = forms.ModelChoiceField(label=_("所属单位"), queryset=None, empty_label=None)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        from branches.models import OrgUnit

        self.fields["owner"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])


class CategoryForm(forms.Form):
    title = forms.CharField(label=_("类别名称"), max_length=500)
    target = forms.CharField(label=_("整治目标"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    requirements = forms.CharField(label=_("具体要求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["issuer", "name", "year", "doc_number", "template", "target_kind", "report_deadline",
                  "results_deadline", "list_title", "report_title"]
        widgets = {"report_deadline": DATE, "results_deadline": DATE}

    def __init__(self, *args, issuers, templates, **kwargs):
        super().__init__(*args, **kwargs)
        from branches.models import OrgUnit

        self.fields["issuer"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in issuers])
        self.fields["issuer"].empty_label = None
        self.fields["template"].queryset = templates
        listed_choices(self.fields["issuer"], self.fields["template"])

    def _post_clean(self):
        # The service validates and writes; the form only parses (no model.full_clean on a half-built row).
        pass


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("阶段名称"), max_length=100)
    stage = forms.ChoiceField(label=_("阶段类型"), choices=PhaseStage.choices, initial=PhaseStage.OTHER)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError(_("阶段“%(name)s”的截止日期早于开始日期。") % {"name": data.get("name", "")})
        return data

    def spec(self) -> PhaseSpec:
        d = self.cleaned_data
        return PhaseSpec(name=d["name"], stage=d["stage"], starts_on=d.get("starts_on"), ends_on=d.get("ends_on"),
                         note=d.get("note", ""))


# Blank rows a page offers without its script: the largest seed scheme (the province plan) has five phases.
SCHEME_MAX_PHASES = 5
MIN_BLANK_ROWS = 2


class BasePhaseFormSet(forms.BaseFormSet):
    def __init__(self, *args, initial=None, **kwargs):
        super().__init__(*args, initial=initial, **kwargs)
        # Enough blank rows for a whole scheme in one go even where the "添加阶段" script does not run.
        self.extra = max(MIN_BLANK_ROWS, SCHEME_MAX_PHASES - len(initial or []))

    def specs(self) -> list[PhaseSpec]:
        """The phases in the order asked for: every existing row unless its delete box is ticked, plus the
        new rows the user filled in. Django's `ordered_forms` skips only untouched *extra* rows; an existing
        phase that was left as it was is kept (`has_changed()` is False for it, which does not mean empty).
        Rows without an order keep their place after the numbered ones."""
        return [f.spec() for f in self.ordered_forms]


PhaseFormSet = forms.formset_factory(PhaseForm, formset=BasePhaseFormSet, can_order=True, can_delete=True)


def phase_initial(campaign: Campaign) -> list[dict]:
    return [
        {"name": p.name, "stage": p.stage, "starts_on": p.starts_on, "ends_on": p.ends_on, "note": p.note,
         "ORDER": p.order}
        for p in campaign.phases.order_by("order")
    ]


class CarryOverForm(forms.Form):
    """The earlier campaign whose unfinished measures are carried (`ledger.selectors.carry_over`)."""

    source = forms.ModelChoiceField(label=_("结转来源"), queryset=None, empty_label=None)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        self.fields["source"].label_from_instance = lambda c: f"{c.year} · {c.name}（{c.get_status_display()}）"


class OwnPlanForm(forms.Form):
    """A unit's own rectification plan: what it is, which checklist, when the plan and the rectification are due."""

    unit = forms.ModelChoiceField(label=_("本单位"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("方案名称"), max_length=200,
                           help_text=_("如“2022年度党组织书记抓基层党建述职点评问题整改方案”。"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    template = forms.ModelChoiceField(label=_("对照清单"), queryset=None, empty_label=None)
    plan_deadline = forms.DateField(label=_("整改措施制定完成时间"), required=False, widget=DATE,
                                    help_text=_("可不填：列出问题、制定措施的截止日期。"))
    deadline = forms.DateField(label=_("整改完成时限"), widget=DATE)

    def __init__(self, *args, units, templates, **kwargs):
        super().__init__(*args, **kwargs)
        from branches.models import OrgUnit

        self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        self.fields["template"].queryset = templates

    def clean(self):
        data = super().clean()
        plan, done = data.get("plan_deadline"), data.get("deadline")
        if plan and done and done < plan:
            raise ValidationError(_("整改完成时限不能早于整改措施制定完成时间。"))
        return data

    def phases(self) -> list[PhaseSpec]:
        """立项整改 (when its date is given), then 整改落实 up to the time limit."""
        data = self.cleaned_data
        phases = []
        if data.get("plan_deadline"):
            phases.append(PhaseSpec(name=str(_("立项整改")), stage=PhaseStage.RECTIFICATION,
                                    ends_on=data["plan_deadline"]))
        phases.append(PhaseSpec(name=str(_("整改落实")), stage=PhaseStage.SUPERVISION, ends_on=data["deadline"]))
        return phases
