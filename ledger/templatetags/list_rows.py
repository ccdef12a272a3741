"""The rows of the supervisors' long lists written in Python (issue 15), as `ledger_rows` writes the ledger page.

At 50–100 rows a page, a template row's `{% url %}`, `{% translate %}`, filters and variable look-ups were most of
what a county or the province paid for 各党支部台账 and 定期报告报送情况 (SQL 5–10 ms, the page 80–120 ms at 300k).
These tags write the same markup: labels translated once per language, links cut from one reversed URL
(`pk_url`), values escaped as the template escaped them (`html.escape`, which Django's `escape` calls)."""

from __future__ import annotations

import functools
import html

from django import template
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext

from ledger.selectors.periodic import CELL_LABELS
from ledger.templatetags.workflow_tags import badge, pk_url, pks_url, status_label

register = template.Library()


def _e(value) -> str:
    return html.escape(str(value))


def minute(value) -> str:
    """`{{ value|date:"Y-m-d H:i" }}`: in the current time zone, "" for no value."""
    if not value:
        return ""
    return template_localtime(value).strftime("%Y-%m-%d %H:%M")


# ---- 各党支部台账 (ledger:campaign_ledgers) ----------------------------------------------------------------------


def _requested(n: int) -> str:
    return html.escape(ngettext("%(n)s项待销号", "%(n)s项待销号", n) % {"n": n})


def _campaign_ledger_row(row) -> str:
    requested = f' <span class="badge text-bg-primary">{_requested(row.n_requested)}</span>' if row.n_requested else ""
    overdue = f'<span class="badge text-bg-danger">{_e(row.n_overdue)}</span>' if row.n_overdue else "0"
    return (
        f'    <tr>\n'
        f'      <td><a href="{pk_url(row.pk, "ledger:ledger_detail")}">{_e(row.unit.name)}</a></td>\n'
        f'      <td><span class="badge text-bg-{badge(row.status)}">{_e(status_label(row.status))}</span>{requested}</td>\n'
        f'      <td>{_e(row.n_problems)}</td><td>{_e(row.n_items)}</td><td>{_e(row.n_closed)}</td>\n'
        f'      <td>{overdue}</td>\n'
        f'      <td class="small text-nowrap">{minute(row.last_change)}</td>\n'
        f'    </tr>\n'
    )


@register.simple_tag
def campaign_ledger_rows(rows) -> SafeString:
    """A campaign's ledgers, one table row each: the unit linked to its ledger, the status badge and the measures
    awaiting 销号, problems, measures, closed, overdue (a red badge when any), the last change."""
    return SafeString("".join(_campaign_ledger_row(row) for row in rows))


# ---- 定期报告报送情况 (ledger:periodic_who_reported) --------------------------------------------------------------


@functools.cache
def _cell_words(language: str | None) -> tuple[dict[str, str], str, str]:
    """(the cell states' labels, 逾期, 未开始) in `language`, escaped: looked up once per language."""
    return ({state: html.escape(str(label)) for state, label in CELL_LABELS.items()},
            html.escape(gettext("逾期")), html.escape(gettext("未开始")))


def _cell(ledger_pk: int, cell, words) -> str:
    labels, late, not_open = words
    if not cell.opened:
        return f'<td class="text-nowrap"><span class="text-muted small">{not_open}</span></td>'
    flag = f' <span class="badge text-bg-danger">{late}</span>' if cell.late else ""
    return (f'<td class="text-nowrap"><a class="badge text-bg-{badge(cell.state)} text-decoration-none" '
            f'href="{pks_url("ledger:periodic_report", ledger_pk, cell.period_pk)}">'
            f'{labels.get(cell.state) or _e(CELL_LABELS[cell.state])}</a>{flag}</td>')


@register.simple_tag
def who_reported_rows(rows) -> SafeString:
    """(ledger, cells) rows: the unit linked to its reports, then per period a badge linked to that period's
    report (逾期 beside it when late), or 未开始 for a period not open yet."""
    words = _cell_words(get_language())
    return SafeString("".join(
        f'    <tr><th scope="row" class="text-nowrap"><a href="{pk_url(ledger.pk, "ledger:periodic_report_list")}">'
        f'{_e(ledger.unit.name)}</a></th>\n'
        f'      {"".join(_cell(ledger.pk, cell, words) for cell in cells)}\n    </tr>\n'
        for ledger, cells in rows))

