"""The rows the dashboard and the common-problems page repeat, built in Python (issue 15).

As `ledger.templatetags.ledger_rows`: the template engine spent most of these pages on per-row nodes (a county's
dashboard: a hundred rows of eight links; the common problems: 31 cards, each with its answer form and its
`{% csrf_token %}`, `{% url %}` and `{% blocktranslate count %}`). The same markup is written here, words
translated once per language, URLs reversed once per page, every value escaped as the template escaped it
(`html.escape`, which Django's `escape` calls)."""

from __future__ import annotations

import functools
import html

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import linebreaksbr
from django.utils import dateformat
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from ledger.templatetags.workflow_tags import pk_url, status_label

register = template.Library()


def _e(value) -> str:
    return html.escape(str(value))


def _cut(text: str, length: int) -> str:
    """`truncatechars`: a text that fits is returned as it is."""
    return text if len(text) <= length else Truncator(text).chars(length)


@register.simple_tag
def dashboard_rows(rows, focus, ledgers_url: str, problems_url: str, items_url: str) -> SafeString:
    """The dashboard's progress table body: per unit below (and the focus's own ledger) its name (a link to its
    dashboard unless it is the focus) and its figures, each a link to the list it counts."""
    ledgers, problems, items = _e(ledgers_url), _e(problems_url), _e(items_url)
    out = []
    for row in rows:
        pk, name = int(row.unit.pk), _e(row.unit.name)
        unit = f'<a href="?unit={pk}">{name}</a>' if pk != focus.pk else name
        late = ' class="text-danger fw-bold"' if row.overdue else ""
        out.append(
            f'\n        <tr>\n          <td>{unit}</td>\n'
            f'          <td><a href="{ledgers}?unit={pk}&amp;state=handed_in">{int(row.handed_in)}</a>/'
            f'<a href="{ledgers}?unit={pk}">{int(row.ledgers)}</a></td>\n'
            f'          <td><a href="{ledgers}?unit={pk}&amp;state=accepted">{int(row.accepted)}</a></td>\n'
            f'          <td><a href="{problems}?unit={pk}">{int(row.problems)}</a></td>\n'
            f'          <td><a href="{items}?unit={pk}">{int(row.items)}</a></td>\n'
            f'          <td><a href="{items}?unit={pk}&amp;status=closed">{int(row.closed)}</a></td>\n'
            f'          <td><a href="{items}?unit={pk}&amp;overdue=1"{late}>{int(row.overdue)}</a></td>\n'
            f'          <td>{int(row.percent_done)}%</td>\n'
            f'          <td><a href="{ledgers}?unit={pk}&amp;state=in_place">{int(row.in_place)}</a></td>\n'
            f'        </tr>')
    return SafeString("".join(out))


@register.simple_tag
def breakdown_rows(rows, list_url: str, focus, empty: str = "", columns=None) -> SafeString:
    """A dashboard breakdown's table body (`reviews/includes/breakdown.html`): rows (label, figure, filter), or with
    `columns`, (label, [(figure, filter)…]); each figure a link to `list_url` for the focus and the filter."""
    base = f"{_e(list_url)}?unit={int(focus.pk)}&amp;"
    if columns:
        out = [f'\n          <tr><td>{_e(label)}</td>'
               + "".join(f'<td><a href="{base}{_e(query)}">{_e(figure)}</a></td>' for figure, query in figures)
               + "</tr>" for label, figures in rows]
        span = 4
    else:
        out = [f'\n          <tr><td>{_e(label)}</td><td><a href="{base}{_e(query)}">{_e(figure)}</a></td></tr>'
               for label, figure, query in rows]
        span = 2
    return SafeString("".join(out) or f'<tr><td colspan="{span}" class="text-muted">{_e(empty)}</td></tr>')


@functools.cache
def _item_labels(language: str | None) -> tuple[str, ...]:
    return tuple(html.escape(gettext(word)) for word in ("党组织", "问题", "整改措施", "整改时限", "责任人", "状态",
                                                         "立行立改、长期坚持", "逾期"))


@register.simple_tag
def item_table_rows(items) -> SafeString:
    """The rows of `reviews/includes/item_table.html` (the dashboard's overdue measures, the measure list): the
    unit, the problem, the measure linked to its page, its deadline (overdue badge), who is responsible, status."""
    unit, problem, measure, deadline, responsible, status, ongoing, overdue = _item_labels(get_language())
    out = []
    for item in items:
        if item.is_ongoing:
            when = ongoing
        else:
            when = dateformat.format(item.deadline, "Y-m-d") if item.deadline else ""
            if item.overdue:
                when += f' <span class="badge text-bg-danger">{overdue}</span>'
        out.append(
            f'\n    <tr>\n      <td data-label="{unit}">{_e(item.ledger.unit.name)}</td>\n'
            f'      <td data-label="{problem}">{_e(item.problem.number)}. {_e(_cut(item.problem.description, 40))}</td>\n'
            f'      <td data-label="{measure}"><a href="{pk_url(item.pk, "ledger:item_detail")}">'
            f'{_e(item.number)}. {_e(_cut(item.measure, 60))}</a></td>\n'
            f'      <td data-label="{deadline}">{when}</td>\n'
            f'      <td data-label="{responsible}">{_e(item.responsible_name)}</td>\n'
            f'      <td data-label="{status}">{_e(item.get_status_display())}</td>\n    </tr>')
    return SafeString("".join(out))
