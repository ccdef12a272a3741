"""Forms of the organization pages: units and accounts."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from branches.models import OrgUnit, Role, UnitKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNIT_FIELDS = ["name", "kind_name", "secretary_name", "full_members", "probationary_members", "committee_members",
               "committee_elected_on", "committee_term_years"]


class UnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["kind", "code", *UNIT_FIELDS]
        widgets = {"committee_elected_on": DATE}

    def _post_clean(self):
        # The service validates (unique code, committee size) and writes; the form only parses.
        pass


class UnitEditForm(UnitForm):
    class Meta(UnitForm.Meta):
        fields = [*UNIT_FIELDS, "is_active"]


class AccountForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    # Checked by Django's validators in the service; the owner changes it at the first sign-in.
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(render_value=False),
                               help_text=lazy(password_validators_help_text_html, str)())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


def child_kinds(parent: OrgUnit) -> list[tuple[str, str]]:
    """What may be created under `parent`: anything but under a branch (nothing)."""
    if parent.kind == UnitKind.BRANCH:
        return []
    return list(UnitKind.choices)
