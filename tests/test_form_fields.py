"""The form fields drawn in Python (config/form_fields.py) look exactly as crispy-bootstrap5 drew them: labels,
required marks, bootstrap classes, the Chinese error under the field, help texts, what was typed; and the short
choice lists read their rows once."""

from __future__ import annotations

import datetime
import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString

from branches.models import OrgUnit
from config.form_fields import WidgetRenderer, form_field, form_fields, listed_choices


class SampleForm(forms.Form):
    name = forms.CharField(label="阶段名称", max_length=5, help_text="最多 <b>5</b> 个字")
    stage = forms.ChoiceField(label="阶段类型", choices=[("a", "对账查摆"), ("b", "集中整改")])
    starts_on = forms.DateField(label="开始日期", required=False,
                                widget=forms.DateInput(attrs={"type": "date", "class": "mine"}))
    order = forms.IntegerField(label="排序", required=False)
    agreed = forms.BooleanField(label="同意", help_text="勾选后生效")
    note = forms.CharField(label="", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    choice = forms.ChoiceField(label="方式", choices=[("x", "甲"), ("y", "乙")], widget=forms.RadioSelect)
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("整体有误 <script>")


def _normalized(html) -> str:
    """Markup without the layout whitespace between and inside tags (crispy's templates indent, Python does not)."""
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()


BAD = {"name": "超过五个字的名称", "stage": "z", "starts_on": "2024-13-40", "order": "第一", "note": "备注", "key": "k"}


def test_every_field_looks_as_crispy_drew_it_blank_and_refused():
    for form in (SampleForm(), SampleForm(BAD)):
        form.is_valid()
        for field in form:
            assert _normalized(form_field(field)) == _normalized(as_crispy_field(field)), field.name
        assert _normalized(form_fields(form)) == _normalized(as_crispy_form(form))


def test_a_refused_field_shows_its_chinese_message_under_it_and_keeps_what_was_typed():
    form = SampleForm(BAD)
    form.is_valid()
    html = str(form_field(form["starts_on"]))
    assert 'value="2024-13-40"' in html and "is-invalid" in html and 'aria-invalid="true"' in html
    assert html.index("<input") < html.index("输入一个有效的日期。")
    assert 'id="error_1_id_starts_on"' in html
    name = str(form_field(form["name"]))
    assert 'value="超过五个字的名称"' in name and "确保该变量包含不超过 5 字符" in name
    assert "阶段名称" in name and 'class="asteriskField"' in name and "最多 <b>5</b> 个字" in name
    whole = str(form_fields(form))
    assert 'role="alert"' in whole and "整体有误 &lt;script&gt;" in whole  # the form's own error, escaped
    assert 'name="key" value="k"' in whole and "div_id_key" not in whole  # a hidden field is only its input


def test_a_short_choice_list_reads_its_rows_once(tree):
    class UnitForm(forms.Form):
        unit = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), label="单位")

    plain = UnitForm()
    with CaptureQueriesContext(connection) as default:
        str(plain["unit"]), str(plain["unit"])
    listed = UnitForm()
    listed_choices(listed.fields["unit"])
    with CaptureQueriesContext(connection) as once:
        first, second = str(listed["unit"]), str(listed["unit"])
    assert len(default) == 2 and len(once) == 1
    assert first == second == str(plain["unit"]) and tree.root.name in first
    assert not UnitForm({"unit": "999999"}).is_valid()  # validation still asks the database


WIDGET_CASES = [
    (forms.TextInput(attrs={"autofocus": True, "disabled": False, "data-x": 'a"b<'}), "t", 'x<y & "z"'),
    (forms.TextInput(), "t", None),
    (forms.TextInput(), "t", ""),
    (forms.NumberInput(), "n", 0),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "d", datetime.date(2024, 3, 31)),
    (forms.EmailInput(), "e", "a@b.cn"),
    (forms.PasswordInput(render_value=True), "p", "secret&"),
    (forms.HiddenInput(), "h", 5),
    (forms.CheckboxInput(), "c", True),
    (forms.CheckboxInput(), "c", False),
    (forms.Textarea(attrs={"rows": 2}), "a", "第一行\n<b>第二行</b>"),
    (forms.Textarea(), "a", ""),
    (forms.Textarea(), "a", SafeString("<i>safe</i>")),
    (forms.Select(choices=[("", "---------"), (1, "一 & 二"), (2, SafeString("<b>二</b>"))]), "s", 1),
    (forms.Select(choices=[("组一", [("a", "甲"), ("b", "乙")]), ("c", "丙")]), "s", "b"),
    (forms.SelectMultiple(choices=[("a", "甲"), ("b", "乙"), ("c", "丙")]), "m", ["a", "c"]),
    (forms.NullBooleanSelect(), "nb", True),
]


@pytest.mark.parametrize(("widget", "name", "value"), WIDGET_CASES)
def test_widgets_written_in_python_match_djangos_templates_to_the_byte(widget, name, value):
    attrs = {"id": f"id_{name}", "class": "form-control", "required": True}
    assert widget.render(name, value, attrs, renderer=WidgetRenderer()) == widget.render(
        name, value, attrs, renderer=DjangoTemplates())


def test_a_model_choice_select_and_a_widget_with_its_own_template_render_as_before(tree):
    class UnitForm(forms.Form):
        unit = forms.ModelChoiceField(queryset=OrgUnit.objects.order_by("path"), label="单位")
        kind = forms.ChoiceField(choices=[("x", "甲"), ("y", "乙")], widget=forms.RadioSelect)

    for form in (UnitForm(), UnitForm({"unit": str(tree.b1.pk), "kind": "y"})):
        for field in ("unit", "kind"):
            widget, value = form.fields[field].widget, form[field].value()
            assert widget.render(field, value, {"id": field}, renderer=WidgetRenderer()) == widget.render(
                field, value, {"id": field}, renderer=DjangoTemplates())


@pytest.fixture
def form_pages(tree, users):
    """The measure, problem and account forms, each as its page shows it (GET) and refused (POST)."""
    from django.urls import reverse

    from tests.factories import ledger_of, make_campaign, make_problem

    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger, user=users["secretary"])
    return [
        (users["secretary"], reverse("ledger:item_create", args=[problem.pk]), {"measure": "", "deadline": "2022-13-01"},
         ["整改措施", "这个字段是必填项。"]),
        (users["secretary"], reverse("ledger:problem_create", args=[ledger.pk]), {"description": "", "category": "x"},
         ["查摆问题", "选择一个有效的选项"]),
        (users["org"], reverse("branches:account_create", args=[tree.b1.pk]), {"username": "", "email": "不是邮箱"},
         ["登录名", "输入一个有效的 Email 地址。"]),
    ]


def test_the_measure_problem_and_account_pages_draw_their_fields_as_crispy_did(client, form_pages):
    for user, url, refused, words in form_pages:
        client.force_login(user)
        for response in (client.get(url), client.post(url, refused)):
            assert response.status_code == 200, url
            form = response.context["form"]
            assert _normalized(form_fields(form)) == _normalized(as_crispy_form(form)), url
            assert _normalized(form_fields(form)) in _normalized(response.content.decode()), url
        page = response.content.decode()
        assert all(word in page for word in words), url
        assert "is-invalid" in page and 'class="asteriskField"' in page


@pytest.mark.parametrize("selected, width", [(None, None), ("open", None), (2, "col-6 col-md-4"), ("2", "")])
def test_a_list_filter_written_in_python_matches_its_template_to_the_byte(selected, width):
    from django.template import Context, Template
    from django.template.loader import render_to_string

    options = [("open", "未销号"), (2, "2. 组织<生活>"), ("closed", SafeString("<b>已销号</b>"))]
    values = {"name": "status", "label": "状态 & 阶段", "options": options, "selected": selected}
    if width is not None:
        values["width"] = width
    written = Template("{% load form_fields %}{% filter_select name=name label=label options=options "
                       "selected=selected" + (" width=width" if width is not None else "") + " %}")

    assert written.render(Context(values)) == render_to_string("includes/filter_select.html", values)
