"""Small display helpers of the workflow pages."""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from ledger import naming, wording
from ledger.models import (
    EventAction,
    ItemStatus,
    LedgerStatus,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    RecurrenceState,
)

register = template.Library()

_PK_PLACEHOLDER = 987654321  # a key no row has, to cut a reversed URL around


@functools.cache
def url_around_pk(name: str, script_prefix: str) -> tuple[str, str]:
    """(before, after) the pk in the URL of `name`: reversed once per process and mount point, not per row."""
    before, after = reverse(name, args=[_PK_PLACEHOLDER]).split(str(_PK_PLACEHOLDER))
    return before, after


@register.filter
def pk_url(pk: int, name: str) -> str:
    """`{{ item.pk|pk_url:"ledger:item_detail" }}`: the URL `{% url name pk %}` gives, for rows of a long list
    (a ledger of 200 measures reversed 300 URLs a page, issue 15)."""
    before, after = url_around_pk(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


@functools.cache
def _url_around_pks(name: str, count: int, script_prefix: str) -> tuple[str, ...]:
    """The pieces of the URL of `name` around its `count` keys: reversed once per process and mount point."""
    url = reverse(name, args=[_PK_PLACEHOLDER + n for n in range(count)])
    pieces = []
    for n in range(count):
        before, url = url.split(str(_PK_PLACEHOLDER + n), 1)
        pieces.append(before)
    return (*pieces, url)


def pks_url(name: str, *pks: int) -> str:
    """`reverse(name, args=pks)` for a row of a long list whose URL has several keys (a ledger and a period)."""
    pieces = _url_around_pks(name, len(pks), get_script_prefix())
    return "".join(f"{piece}{int(pk)}" for piece, pk in zip(pieces, pks, strict=False)) + pieces[-1]


@register.filter
def target_units(campaign) -> str:
    """党支部, 党委 …: what the campaign's ledgers belong to, for a page's help (`wording.target_kind_word`)."""
    return wording.target_kind_word(campaign)

_LABELS = {**dict(LedgerStatus.choices), **dict(ItemStatus.choices), **dict(ProblemStatus.choices),
           **dict(RecurrenceState.choices)}
_BADGES = {
    LedgerStatus.DRAFT: "secondary", LedgerStatus.SUBMITTED: "primary", LedgerStatus.RETURNED: "warning",
    LedgerStatus.ACCEPTED: "success", ItemStatus.PLANNED: "secondary", ItemStatus.IN_PROGRESS: "info",
    ItemStatus.CLOSURE_REQUESTED: "primary", ItemStatus.CLOSED: "success",
}
_ACTIONS = dict(EventAction.choices)
_TABLES = {"status": _LABELS, "action": _ACTIONS, "source": dict(ProblemSource.choices),
           "nature": dict(ProblemNature.choices)}


@functools.cache
def _words(language: str | None, table: str) -> dict[str, str]:
    """A table of lazy labels as plain strings in `language` (the active one when called): translated once per
    language and process, not once per row (a ledger page of 200 measures cast a thousand lazy labels)."""
    return {key: str(label) for key, label in _TABLES[table].items()}


def _label(table: str, value: str) -> str:
    return _words(get_language(), table).get(value, value)


@register.filter
def status_label(value: str) -> str:
    return _label("status", value)


@register.filter
def action_label(value: str) -> str:
    """An event's action in words. `get_action_display` rebuilds the whole choices dict with lazy
    translations on every call, which was most of a ledger page's time with a few hundred events."""
    return _label("action", value)


@register.filter
def source_label(value: str) -> str:
    """A problem's source (自己查摆, 上级点评 …), as `get_source_display` says it."""
    return _label("source", value)


@register.filter
def nature_label(value: str) -> str:
    """个性 or 共性, as `get_nature_display` says it."""
    return _label("nature", value)


@register.filter
def badge(value: str) -> str:
    """The Bootstrap colour of a status badge."""
    return _BADGES.get(value, "secondary")


@register.filter
def entry(mapping: dict, key):
    """mapping[key] or None: a page's figures keyed by a row's id."""
    return mapping.get(key) if mapping else None


register.filter("problem_no", naming.problem_no)
register.filter("circled", naming.circled)


@register.filter
def version_no(number: int) -> str:
    """第2版 in Chinese, "version 2" in English."""
    return gettext("第%(n)s版") % {"n": number}


_FIELD_LABELS = {
    "measure": _("整改措施"), "deadline": _("整改时限"), "is_ongoing": _("立行立改、长期坚持"),
    "responsible_user": _("责任人账号"), "responsible_name": _("责任人"), "responsible_leader": _("责任领导"),
    "responsible_unit": _("责任单位"), "description": _("查摆问题"), "category": _("查摆内容"),
    "manifestation": _("对应表现"), "source": _("来源"), "nature": _("性质"), "status": _("状态"), "number": _("编号"),
    "phase": _("所属阶段"),
}


@register.filter
def change_rows(changes: dict) -> list[tuple[str, object, object]]:
    """(field label, before, after) rows of an event's recorded change."""
    before, after = changes.get("before") or {}, changes.get("after") or {}
    return [(str(_FIELD_LABELS.get(name, name)), before.get(name, ""), value) for name, value in after.items()]
