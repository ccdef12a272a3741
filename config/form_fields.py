"""Bootstrap 5 form fields drawn in Python: the markup crispy-bootstrap5 draws, without its templates.

crispy renders every field through a dozen nested templates (about 0.4 ms of CPU a field on this machine); a
form page with forty-odd fields, such as a campaign's phases, spent most of its time there (issue 15). These
filters give the same markup (label and asterisk, `form-control`/`form-select`/`form-check-input` classes,
`is-invalid`, the error block and the help text) for the widgets that need nothing special, with only the
widget's own template left, and hand every other field (radio lists, multi-checkboxes, files, multi-widgets)
to crispy unchanged. Registered as the template library `form_fields` (settings TEMPLATES "libraries"):
`{{ form|form_fields }}` for a whole form, `{{ form.name|form_field }}` for one field. `listed_choices` is
for the forms themselves: short model choice lists read without a server-side cursor.
"""

from __future__ import annotations

from django import forms, template
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext

register = template.Library()

_ASTERISK = format_html('<span class="asteriskField">{}</span>', "*")
# Widgets crispy lays out in its own way (fieldsets of choices, file inputs, several inputs in one field).
_CRISPY_ONLY = (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.ClearableFileInput, forms.FileInput,
                forms.MultiWidget)


def _bootstrap_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def _widget(field: forms.BoundField) -> SafeString:
    """The input itself, with the classes crispy adds: the widget's own, its class name, bootstrap's."""
    widget = field.field.widget
    classes = widget.attrs.get("class", "").split()
    for name in (type(widget).__name__.lower(), _bootstrap_class(widget), "is-invalid" if field.errors else ""):
        if name and name not in classes:
            classes.append(name)
    return field.as_widget(attrs={"class": " ".join(classes)})


def _joined(parts) -> SafeString:
    """Safe pieces one after another (plain strings among them escaped)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _errors_and_help(field: forms.BoundField) -> SafeString:
    parts = []
    if field.errors:
        lines = format_html_join("", '<p id="error_{}_{}"><strong>{}</strong></p>',
                                 ((n, field.auto_id, e) for n, e in enumerate(field.errors, start=1)))
        parts.append(format_html('<div id="{}_error" class="invalid-feedback">{}</div>', field.auto_id, lines))
    if field.help_text:
        # Help texts are the project's own strings, marked up on purpose: shown as HTML, as crispy and Django's
        # own field template do (`{{ field.help_text|safe }}`).
        parts.append(format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id,
                                 SafeString(field.help_text)))
    return _joined(parts)


def _label(field: forms.BoundField, css: str) -> SafeString:
    required = field.field.required
    return format_html('<label for="{}" class="{}{}">{}{}</label>', field.id_for_label, css,
                       " requiredField" if required else "", field.label, _ASTERISK if required else "")


def _wrapper_class(field: forms.BoundField, base: str) -> str:
    extra = field.css_classes()
    return f"{base} {extra}" if extra else base


@register.filter
def form_field(field: forms.BoundField) -> SafeString:
    """One field as crispy-bootstrap5's `as_crispy_field` draws it."""
    widget = field.field.widget
    if field.is_hidden:
        return field.as_widget()
    if isinstance(widget, _CRISPY_ONLY):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="{}">{}{}{}</div></div>',
            field.auto_id, _wrapper_class(field, "form-check"), _widget(field), _label(field, "form-check-label"),
            _errors_and_help(field))
    label = _label(field, "form-label") if field.label else ""
    return format_html('<div id="div_{}" class="{}">{}{}{}</div>', field.auto_id, _wrapper_class(field, "mb-3"),
                       label, _widget(field), _errors_and_help(field))


@register.filter
def form_fields(form: forms.BaseForm) -> SafeString:
    """A whole form as `{{ form|crispy }}` draws it: the errors of no one field (announced), then every field."""
    parts = []
    if form.non_field_errors():
        items = format_html_join("", "<li>{}</li>", ((e,) for e in form.non_field_errors()))
        parts.append(format_html('<div class="alert alert-block alert-danger" role="alert"><ul class="m-0">{}</ul>'
                                 "</div>", items))
    parts.extend(form_field(field) for field in form)
    return _joined(parts)


class _ListedChoices(ModelChoiceIterator):
    """A model choice field's options read by one ordinary query. Django reads them with `iterator()`, which on
    PostgreSQL is a server-side cursor (DECLARE, FETCH, CLOSE: three round trips) meant for long lists; the
    short, bounded lists of a form page pay three waits for one (issue 15). The rows stay cached on the field's
    queryset, so drawing the options twice reads them once."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def listed_choices(*fields: forms.ModelChoiceField) -> None:
    """Read these fields' (bounded) options by one plain query each; validation still asks the queryset."""
    for field in fields:
        field.iterator = _ListedChoices
        field.widget.choices = field.choices


# ---- widgets ---------------------------------------------------------------------------------------------------
# Django draws each input through two or three small templates (and a select through two per option); at fifty
# fields a page that is most of what remains of its time. `WidgetRenderer` (settings FORM_RENDERER) writes the
# stock templates below in Python, to the byte, from the same context Django builds (`widget.get_context`);
# any other template (the unit picker, radio lists, a project's own widget) is rendered as before.
_WIDGETS = "django/forms/widgets/"
_OPTION = _WIDGETS + "select_option.html"


def _value(value) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape."""
    return conditional_escape(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{_value(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_value(widget["value"])}"'
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict) -> str:
    return (f'<option value="{_value(option["value"])}"{_attrs(option["attrs"])}>'
            f'{conditional_escape(option["label"])}</option>')


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION:
                return None  # a widget with its own option template: drawn by the templates
            parts.append("\n  " + _option(option) + "\n")  # select_option.html ends with a newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_DRAWN = {
    **{_WIDGETS + f"{name}.html": _input
       for name in ("input", "text", "number", "date", "email", "password", "hidden", "checkbox", "url", "tel",
                    "search", "time", "datetime", "color")},
    _WIDGETS + "textarea.html": _textarea,
    _WIDGETS + "select.html": _select,
}


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer with the stock widget templates written in Python (see above)."""

    def render(self, template_name, context, request=None):
        draw = _DRAWN.get(template_name)
        html = draw(context["widget"]) if draw is not None else None
        return html if html is not None else super().render(template_name, context, request)


# ---- list filters -------------------------------------------------------------------------------------------------
@register.simple_tag
def filter_select(name: str, label, options, selected=None, width: str = "") -> SafeString:
    """templates/includes/filter_select.html in one call: one filter of a list, "全部" and the options as
    (value, label) pairs, `selected` the FilterSet's value (compared as text, as the template's `stringformat`).
    A list's three or four filters were a fifth of what its page cost outside its rows (issue 15)."""
    chosen, esc = str(selected), conditional_escape
    options_html = "".join(
        f'<option value="{esc(value)}"{" selected" if str(value) == chosen else ""}>{esc(text)}</option>'
        for value, text in options
    )
    name = esc(name)
    return SafeString(
        f'\n<div class="{esc(width or "col-6 col-md-3")}"><label class="form-label small" for="f-{name}">'
        f'{esc(label)}</label>\n  <select id="f-{name}" name="{name}" class="form-select form-select-sm">\n'
        f'    <option value="">{escape(gettext("全部"))}</option>\n    {options_html}\n  </select></div>\n'
    )
