"""Choosing units in a form without listing the viewer's whole subtree (issue 15: a province's supervision form
offered 30,000 `<option>`s and took 5.4 s; at 300,000 units it would not render).

A picker field shows the chosen units (checked boxes, or a checked radio) and a search box. Typing asks
`branches:unit_pick` for at most `PICK_LIMIT` matching units (htmx); without a script the search box's button
submits the form, which comes back with the matches and every typed value kept, saving nothing
(`PickingForm`). Each listed unit that has units below can be opened to pick among them. The field validates the
posted ids against `pickable_units(scope, pick)` as a ModelChoiceField does against its queryset: an id outside
the viewer's subtree is refused with Django's own message, whatever the page listed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.forms.utils import ErrorDict
from django.template.loader import render_to_string
from django.urls import reverse

from branches.models import UnitKind
from branches.selectors import PICK_LIMIT, Action, Scope, UnitPick, pickable_units, units_chosen, units_to_pick

PICK_BUTTON = "_pick"  # the name of a picker's search and browse buttons: the form is re-shown, not saved
QUERY_SUFFIX = "__q"  # the search box of field `f` is posted as `f__q`
WITHIN_SUFFIX = "__within"  # its "下级" buttons as `f__within`


def pick_params(pick: UnitPick) -> dict[str, str]:
    """The pick as the endpoint's query string (it applies the viewer's own scope again)."""
    params = {"action": pick.action.value}
    if pick.active_only:
        params["active"] = "1"
    if pick.excluded_kinds:
        params["exclude"] = ",".join(pick.excluded_kinds)
    if pick.under:
        params["under"] = pick.under
    return params


def pick_from_params(params) -> UnitPick:
    """The endpoint's reading of `pick_params`; anything unknown falls back to what narrows most."""
    try:
        action = Action(params.get("action", "view"))
    except ValueError:
        action = Action.VIEW
    kinds = tuple(kind for kind in params.get("exclude", "").split(",") if kind in UnitKind.values)
    under = params.get("under", "")
    if not all(part.isdigit() for part in under.split("/")[:-1]) or (under and not under.endswith("/")):
        under = ""
    return UnitPick(action=action, active_only=params.get("active") == "1", excluded_kinds=kinds, under=under)


def _digits(value) -> int | None:
    return int(value) if str(value).isdigit() else None


def results_context(name: str, multiple: bool, pick: UnitPick, results, more: bool, listed: bool) -> dict:
    """What `branches/_unit_pick_results.html` shows: the listed units as boxes of field `name`."""
    params = {**pick_params(pick), "field": name, "multiple": "1" if multiple else ""}
    return {"name": name, "multiple": multiple, "results": results, "more": more, "listed": listed,
            "limit": PICK_LIMIT, "url": f"{reverse('branches:unit_pick')}?{urlencode(params)}",
            "pick_button": PICK_BUTTON, "query_name": name + QUERY_SUFFIX, "within_name": name + WITHIN_SUFFIX}


class UnitPicker(forms.Widget):
    """The chosen units plus a search box and a short list of matches; never the whole set of choices."""

    multiple = False
    template_name = "branches/_unit_picker.html"  # rendered with the project's templates (render below)

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.scope: Scope | None = None
        self.pick = UnitPick()
        self.query = ""
        self.within: int | None = None
        self.listing = False  # the form came back from this picker's search or browse button

    def value_from_datadict(self, data, files, name):
        if self.multiple and hasattr(data, "getlist"):
            return data.getlist(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False if self.multiple else name not in data

    def format_value(self, value) -> list[str]:
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(v) for v in values if v not in (None, "")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [pk for pk in map(_digits, context["widget"]["value"]) if pk is not None]
        chosen = units_chosen(self.scope, self.pick, ids) if self.scope else []
        listed, more = [], False
        if self.scope and self.listing:
            listed, more = units_to_pick(self.scope, self.pick, query=self.query, within=self.within)
        chosen_ids = {unit.pk for unit in chosen}
        results = [unit for unit in listed if unit.pk not in chosen_ids]
        context["picker"] = {"chosen": chosen, "query": self.query,
                             **results_context(name, self.multiple, self.pick, results, more, self.listing)}
        return context

    def render(self, name, value, attrs=None, renderer=None):
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class UnitPickerMultiple(UnitPicker):
    multiple = True
    allow_multiple_selected = True


class _PickFieldMixin:
    """Validates like Django's model choice fields against the pickable units; renders a `UnitPicker`."""

    def set_pick(self, scope: Scope, pick: UnitPick) -> None:
        self.queryset = pickable_units(scope, pick)
        self.widget.scope, self.widget.pick = scope, pick

    def _set_queryset(self, queryset):
        # Django would also hand the widget every choice (`widget.choices = self.choices`): not here.
        self._queryset = None if queryset is None else queryset.all()

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)


class UnitPickField(_PickFieldMixin, forms.ModelChoiceField):
    widget = UnitPicker

    def __init__(self, **kwargs):
        super().__init__(queryset=None, **kwargs)


class UnitPickMultipleField(_PickFieldMixin, forms.ModelMultipleChoiceField):
    widget = UnitPickerMultiple

    def __init__(self, **kwargs):
        super().__init__(queryset=None, **kwargs)


def _listen(widget: UnitPicker, name: str, data) -> bool:
    """Whether the post came from this picker's search or browse button; if so, what it asked for."""
    widget.within = _digits(data.get(name + WITHIN_SUFFIX, ""))
    widget.query = "" if widget.within is not None else data.get(name + QUERY_SUFFIX, "").strip()[:100]
    widget.listing = widget.within is not None or data.get(PICK_BUTTON) == name
    return widget.listing


class PickingForm(forms.Form):
    """A form with unit pickers. A post by a picker's search or browse button (`PICK_BUTTON`) only shows the
    form again, with the matches and every typed value: it is never valid, so nothing is saved, and it shows no
    errors (nothing was submitted yet)."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.picking = False
        for name, field in self.fields.items():
            if isinstance(field.widget, UnitPicker) and data is not None:
                self.picking |= _listen(field.widget, name, data)


    def full_clean(self):
        if self.picking:
            self._errors, self.cleaned_data = ErrorDict(), {}
            return
        super().full_clean()

    def is_valid(self) -> bool:
        return not self.picking and super().is_valid()
