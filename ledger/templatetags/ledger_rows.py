"""The rows a large ledger page repeats, built in Python (issue 15).

A branch's ledger of 200 measures spent most of its page in Django's template engine: per measure row an include,
five `{% translate %}` tags, a dozen variable look-ups and filters. `{% item_rows items %}` writes the same markup
for a problem's measures in one call, its labels translated once per language, every value escaped as the template
escaped it (`html.escape`, which Django's `escape` calls)."""

from __future__ import annotations

import functools
import html
from typing import NamedTuple

from django import template
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext

from ledger.naming import circled
from ledger.templatetags.workflow_tags import badge, pk_url, status_label

register = template.Library()


class RowLabels(NamedTuple):
    overdue: str
    carried: str
    deadline: str
    ongoing: str
    responsible: str
    leader: str
    date_format: str  # the language's DATE_FORMAT, as the `date` filter without an argument uses it


@functools.cache
def _row_labels(language: str | None) -> RowLabels:
    """The row's words in `language` (the active one when called), escaped: looked up once per language."""
    words = (gettext("逾期"), gettext("结转"), gettext("整改时限"), gettext("立行立改、长期坚持"), gettext("责任人"),
             gettext("责任领导"))
    return RowLabels(*(html.escape(word) for word in words), get_format("DATE_FORMAT"))


def _e(value) -> str:
    return html.escape(str(value))


def _cut(text: str, length: int) -> str:
    """`truncatechars`: a text that fits is returned as it is without Truncator's character walk."""
    return text if len(text) <= length else Truncator(text).chars(length)


def _badges(item, labels: RowLabels) -> str:
    parts = [f'<span class="badge text-bg-{badge(item.status)}">{_e(status_label(item.status))}</span>']
    if item.overdue:
        parts.append(f'<span class="badge text-bg-danger">{labels.overdue}</span>')
    if item.carried_from_id:
        parts.append(f'<span class="badge text-bg-light border">{labels.carried}</span>')
    if item.phase_id:
        parts.append(f'<span class="badge text-bg-light border">{_e(item.phase.name)}</span>')
    return "\n      ".join(parts)


@functools.lru_cache(maxsize=2048)
def _day(day, labels: RowLabels) -> str:
    """A deadline in the language's date format (`date_format` looked the format up again for every row)."""
    return dateformat.format(day, labels.date_format)


def _terms(item, labels: RowLabels) -> str:
    """整改时限：… · 责任人：… · 责任领导：… · 责任单位."""
    deadline = labels.ongoing if item.is_ongoing else (_e(_day(item.deadline, labels)) if item.deadline else "")
    text = f"{labels.deadline}：{deadline}\n    · {labels.responsible}：{_e(item.responsible_name)}"
    if item.responsible_leader:
        text += f" · {labels.leader}：{_e(item.responsible_leader)}"
    if item.responsible_unit:
        text += f" · {_e(item.responsible_unit)}"
    return text


def _evidence_link(ev) -> str:
    download, name = pk_url(ev.pk, "ledger:evidence_download"), _e(ev.original_name)
    if ev.thumbnail:
        thumbnail = pk_url(ev.pk, "ledger:evidence_thumbnail")
        return (f'<a href="{download}" title="{name}"><img class="evidence-thumb" src="{thumbnail}" alt="{name}" '
                f'loading="lazy"></a>')
    return f'<a class="badge text-bg-light border" href="{download}">{_e(_cut(ev.original_name, 24))}</a>'


def _evidence(item) -> str:
    files = item.evidence_list if hasattr(item, "evidence_list") else item.evidence.all()  # prefetched as a list
    if not files:
        return ""
    links = "\n      ".join(_evidence_link(ev) for ev in files)
    return f'\n  <div class="evidence-strip mt-1">\n      {links}\n  </div>'


def _row(item, labels: RowLabels) -> str:
    return (
        f'<li class="list-group-item ledger-item" id="item-{int(item.pk)}">\n'
        f'  <div class="d-flex flex-wrap gap-2 justify-content-between">\n'
        f'    <a href="{pk_url(item.pk, "ledger:item_detail")}" class="fw-semibold text-decoration-none">'
        f'{circled(item.number)} {_e(_cut(item.measure, 120))}</a>\n'
        f'    <span>\n      {_badges(item, labels)}\n    </span>\n  </div>\n'
        f'  <div class="small text-muted">\n    {_terms(item, labels)}\n  </div>{_evidence(item)}\n</li>\n'
    )


@register.simple_tag
def item_row(item) -> SafeString:
    """One measure as a list-group row: its number and measure linked to its page, status badges, deadline and
    the people responsible, and its evidence (thumbnails or file names, each linked to its download)."""
    return SafeString(_row(item, _row_labels(get_language())))


@register.simple_tag
def item_rows(items) -> SafeString:
    """`item_row` for each of `items`, in one tag call (a problem's measures)."""
    labels = _row_labels(get_language())
    return SafeString("".join(_row(item, labels) for item in items))
