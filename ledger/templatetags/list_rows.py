"""The rows of the supervisors' long lists written in Python (issue 15), as `ledger_rows` writes the ledger page.

At 50–100 rows a page, a template row's `{% url %}`, `{% translate %}`, filters and variable look-ups were most of
what a county or the province paid for 各党支部台账 and 定期报告报送情况 (SQL 5–10 ms, the page 80–120 ms at 300k),
and an include per point most of the self-check (对照检查).
These tags write the same markup: labels translated once per language, links cut from one reversed URL
(`pk_url`), values escaped as the template escaped them (`html.escape`, which Django's `escape` calls)."""

from __future__ import annotations

import functools
import html
from typing import NamedTuple

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


# ---- the self-check (对照检查): one form a point -----------------------------------------------------------------


class SelfCheckWords(NamedTuple):
    found: str
    not_found: str
    description: str
    placeholder: str
    saved: str
    incomplete: str
    save: str
    category_point: str


@functools.cache
def _self_check_words(language: str | None) -> SelfCheckWords:
    words = ("存在问题", "未发现问题", "问题描述", "存在问题时，写明具体表现", "已保存", "请填写问题描述", "保存",
             "本方面是否存在问题")
    return SelfCheckWords(*(html.escape(gettext(word)) for word in words))


def _self_check_row(row, ledger_pk: int, csrf: str, disabled: str, words: SelfCheckWords) -> str:
    m, a, k = row.manifestation, row.answer, _e(row.key)
    if m:
        url = pks_url("ledger:self_check_answer", ledger_pk, m.pk)
        legend = f"({_e(m.order)}) {_e(m.text)}"
    else:
        url = pks_url("ledger:self_check_category_answer", ledger_pk, row.category.pk)
        legend = words.category_point
    status = "" if not a else (words.saved if a.is_complete else words.incomplete)
    return (
        f'    <form method="post" action="{url}" class="list-group-item sc-row"\n'
        f'          hx-post="{url}" hx-trigger="change, input delay:800ms"\n'
        f'          hx-target="find .sc-status" hx-sync="this:queue last">\n'
        f'      {csrf}\n'
        f'      <input type="hidden" name="version" id="sc-ver-{k}" value="{_e(a.version or 0) if a else 0}">\n'
        f'      <fieldset{disabled}>\n'
        f'        <legend class="fs-6 mb-1">{legend}</legend>\n'
        f'        <div class="d-flex flex-wrap gap-3 mb-1">\n'
        f'          <div class="form-check"><input class="form-check-input" type="radio" name="found" value="1" '
        f'id="sc-{k}-y"{" checked" if a and a.found else ""}>\n'
        f'            <label class="form-check-label" for="sc-{k}-y">{words.found}</label></div>\n'
        f'          <div class="form-check"><input class="form-check-input" type="radio" name="found" value="0" '
        f'id="sc-{k}-n"{" checked" if a and not a.found else ""}>\n'
        f'            <label class="form-check-label" for="sc-{k}-n">{words.not_found}</label></div>\n'
        f'        </div>\n'
        f'        <label class="visually-hidden" for="sc-{k}-d">{words.description}</label>\n'
        f'        <textarea class="form-control form-control-sm sc-description" name="description" id="sc-{k}-d" '
        f'rows="2"\n                  placeholder="{words.placeholder}">{_e(a.description) if a and a.description else ""}'
        f'</textarea>\n'
        f'        <div class="d-flex justify-content-between align-items-center mt-1">\n'
        f'          <span class="sc-status small text-muted" aria-live="polite">{status}</span>\n'
        f'          <button type="submit" class="btn btn-outline-secondary btn-sm sc-save">{words.save}</button>\n'
        f'        </div>\n'
        f'      </fieldset>\n'
        f'    </form>\n'
    )


@register.simple_tag(takes_context=True)
def self_check_rows(context, rows) -> SafeString:
    """A category's points of the self-check, one autosaving form each (static/js/ledger.js): the manifestation
    (or the category) as legend, 存在问题 / 未发现问题, the description, the save state and a save button; disabled
    without the right to edit. Written in Python as `ledger_rows.item_rows` is: an include per point (a hundred on a page)
    was most of the page (issue 15)."""
    ledger, rights, token = context["ledger"], context.get("rights"), context.get("csrf_token")
    csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
            if token and str(token) != "NOTPROVIDED" else "")
    disabled = "" if rights and rights.edit else " disabled"
    words = _self_check_words(get_language())
    return SafeString("".join(_self_check_row(row, ledger.pk, csrf, disabled, words) for row in rows))


# ---- 三单一账 (ledger:campaign_lists, ledger:ledger_lists) -------------------------------------------------------


def _list_cell(value) -> str:
    """`{{ value|linebreaksbr }}` with autoescaping: newlines normalized, the text escaped, newlines as <br>."""
    return _e(str(value).replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


@register.simple_tag
def three_list_rows(headers, rows) -> SafeString:
    """A page of one of the three lists (`ledger/lists/page.html`), one <tr> per row, each cell labelled with its
    column's header (`data-label`, the phone's card layout): 50 rows are 350 cells, whose template loop, variables
    and `linebreaksbr` filters were a third of the page's CPU."""
    opens = [f'<td data-label="{_e(header)}">' for header in headers]
    return SafeString("".join(
        "\n    <tr>" + "".join(f"{opened}{_list_cell(value)}</td>" for opened, value in zip(opens, row, strict=True))
        + "</tr>\n  "
        for row in rows))
