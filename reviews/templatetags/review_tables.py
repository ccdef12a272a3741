"""The rows of the review lists written in Python (issue 15), as `ledger.templatetags.ledger_rows` writes the
ledger page's: the ledger list (台账) and the results page (结果运用) spent most of a county's or the province's
page in the template engine — per row four `{% translate %}` tags, a `{% url %}` or two, date filters and
`get_*_display` — while their SQL took 5–10 ms. Labels are translated once per language, links cut from one
reversed URL (`pk_url`), values escaped as the template escaped them (`html.escape`, which `escape` calls)."""

from __future__ import annotations

import functools
import html
from typing import NamedTuple

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext

from ledger.models import LedgerStatus
from ledger.templatetags.list_rows import minute
from ledger.templatetags.workflow_tags import pk_url, pks_url
from reviews.models import RatingStatus, Tier

register = template.Library()


def _e(value) -> str:
    return html.escape(str(value))


# ---- 台账 (reviews:ledger_list) ---------------------------------------------------------------------------------


class LedgerListWords(NamedTuple):
    unit: str
    status: str
    submitted: str
    accepted: str
    statuses: dict[str, str]


@functools.cache
def _ledger_list_words(language: str | None) -> LedgerListWords:
    """The column labels (the cards' `data-label`s) and the ledger states in `language`, escaped, once."""
    return LedgerListWords(*(html.escape(gettext(word)) for word in ("党组织", "状态", "提交时间", "通过时间")),
                           {value: html.escape(str(label)) for value, label in LedgerStatus.choices})


def _ledger_list_row(ledger, words: LedgerListWords) -> str:
    status = words.statuses.get(ledger.status) or _e(ledger.get_status_display())
    return (
        f'    <tr><td data-label="{words.unit}"><a href="{pk_url(ledger.pk, "ledger:ledger_detail")}">'
        f'{_e(ledger.unit.name)}</a></td><td data-label="{words.status}">{status}</td>\n'
        f'        <td data-label="{words.submitted}">{minute(ledger.submitted_at) or "—"}</td>'
        f'<td data-label="{words.accepted}">{minute(ledger.accepted_at) or "—"}</td></tr>\n'
    )


@register.simple_tag
def ledger_list_rows(ledgers) -> SafeString:
    """One row a ledger: its unit linked to the ledger, its state, when it was submitted and accepted (— if not)."""
    words = _ledger_list_words(get_language())
    return SafeString("".join(_ledger_list_row(ledger, words) for ledger in ledgers))


# ---- 结果运用 (reviews:results) ---------------------------------------------------------------------------------


class ResultWords(NamedTuple):
    unit: str
    measures: str
    in_place: str
    stars: str
    tier: str
    yes: str
    no: str
    open_items: str
    rate: str
    statuses: dict[str, str]


@functools.cache
def _result_words(language: str | None) -> ResultWords:
    words = ("党组织", "措施", "整改是否到位", "星级", "等次", "到位", "不到位", "查看未销号措施", "评星")
    return ResultWords(*(html.escape(gettext(word)) for word in words),
                       {value: html.escape(str(label)) for value, label in RatingStatus.choices})


def _recurring(n: int) -> str:
    return html.escape(ngettext("问题反弹 %(n)s 个", "问题反弹 %(n)s 个", n) % {"n": n})


def _verdict(result, unit_query: str, links: dict[str, str], words: ResultWords) -> str:
    if result.in_place:
        text = f'<span class="badge text-bg-success">{words.yes}</span>\n          '
    else:
        reasons = "".join(f"<li>{_e(reason)}</li>" for reason in result.reasons)
        text = (f'<span class="badge text-bg-danger">{words.no}</span>\n'
                f'            <ul class="mb-0 ps-3">{reasons}</ul>\n'
                f'            <a href="{links["items"]}{unit_query}&amp;status=open">{words.open_items}</a>\n          ')
    if result.recurring:
        text += (f'<div><a class="badge text-bg-warning" href="{links["problems"]}{unit_query}'
                 f'&amp;recurrence=confirmed">{_recurring(result.recurring)}</a></div>')
    return text


def _result_row(row, campaign_pk: int, links: dict[str, str], words: ResultWords) -> str:
    ledger, result, rating = row["ledger"], row["result"], row["rating"]
    unit_id = int(ledger.unit_id)
    unit_query = f"?unit={unit_id}"
    if rating:
        status = words.statuses.get(rating.status) or _e(rating.get_status_display())
        stars = (f'<a href="{pk_url(rating.pk, "reviews:rating_detail")}">{_e(rating.stars)} ★</a> '
                 f'<span class="text-muted">{status}</span>')
    else:
        stars = "—"
    rate = ""
    if row["can_rate"] and (rating is None or rating.status != RatingStatus.FINAL):
        rate = (f'<a class="btn btn-sm btn-outline-primary" '
                f'href="{pks_url("reviews:rating_edit", campaign_pk, unit_id)}">{words.rate}</a>')
    return (
        f'    <tr>\n'
        f'      <td data-label="{words.unit}">{_e(ledger.unit.name)}</td>\n'
        f'      <td data-label="{words.measures}"><a href="{links["items"]}{unit_query}">{_e(result.measures)}</a></td>\n'
        f'      <td data-label="{words.in_place}">{_verdict(result, unit_query, links, words)}</td>\n'
        f'      <td data-label="{words.stars}">{stars}</td>\n'
        f'      <td data-label="{words.tier}">{_e(row["tier"]) if row["tier"] else "—"}</td>\n'
        f'      <td>{rate}</td>\n'
        f'    </tr>\n'
    )


@register.simple_tag
def result_rows(rows, campaign) -> SafeString:
    """The results table's rows: the unit, its measures (linked to them), in place or not with the reasons and a
    link to the open measures, confirmed recurrences, the rating (linked) and its state, the tier, and 评星 for
    someone who may rate while the rating is not final."""
    words = _result_words(get_language())
    links = {"items": reverse("reviews:item_list", args=[campaign.pk]),
             "problems": reverse("reviews:problem_list", args=[campaign.pk])}
    return SafeString("".join(_result_row(row, campaign.pk, links, words) for row in rows))


# ---- 摸底排查 (reviews:survey_detail) ---------------------------------------------------------------------------


class SurveyWords(NamedTuple):
    unclassified: str
    tier: str
    choose: str
    reason: str
    save: str
    tiers: tuple[tuple[str, str], ...]  # (value, label) of every tier, escaped


@functools.cache
def _survey_words(language: str | None) -> SurveyWords:
    words = ("未定级", "类别", "请选择", "定级理由", "保存")
    return SurveyWords(*(html.escape(gettext(word)) for word in words),
                       tuple((html.escape(value), html.escape(str(label))) for value, label in Tier.choices))


def _survey_form(unit, pk: int, csrf: str, back: str, words: SurveyWords) -> str:
    choose = "" if unit.tier else f'<option value="">{words.choose}</option>'
    options = "".join(f'<option value="{value}"{" selected" if value == unit.tier else ""}>{label}</option>'
                      for value, label in words.tiers)
    return (
        f'\n    <form method="post" class="row g-2 align-items-end mt-1">{csrf}\n'
        f'      <input type="hidden" name="unit" value="{pk}"><input type="hidden" name="back" value="{back}">\n'
        f'      <div class="col-12 col-md-3"><label class="form-label small" for="tier-{pk}">{words.tier}</label>\n'
        f'        <select id="tier-{pk}" name="tier" class="form-select form-select-sm">{choose}{options}</select></div>\n'
        f'      <div class="col-12 col-md-7"><label class="form-label small" for="reason-{pk}">{words.reason}</label>\n'
        f'        <input id="reason-{pk}" name="reason" class="form-control form-control-sm" '
        f'value="{_e(unit.reason) if unit.reason else ""}"></div>\n'
        f'      <div class="col-12 col-md-2"><button class="btn btn-sm btn-primary" type="submit">{words.save}</button>'
        f'</div>\n    </form>'
    )


def _survey_unit(unit, form: str | None, words: SurveyWords) -> str:
    pk = int(unit.pk)
    parent = f' <span class="text-muted">{_e(unit.parent.name)}</span>' if unit.parent_id else ""
    tier = dict(words.tiers).get(unit.tier, "") if unit.tier else ""
    tier = f"<strong>{tier}</strong>" if unit.tier else f'<span class="text-muted">{words.unclassified}</span>'
    reason = f'\n    <div class="text-muted">{_e(unit.reason)}</div>' if unit.reason else ""
    return (
        f'  <li class="list-group-item small" id="unit-{pk}">\n'
        f'    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        f'      <div><a href="{pk_url(pk, "reviews:unit_record")}">{_e(unit.name)}</a>{parent}</div>\n'
        f'      <div>{tier}</div>\n    </div>{reason}{form or ""}\n  </li>\n'
    )


@register.simple_tag(takes_context=True)
def survey_unit_rows(context, units) -> SafeString:
    """A survey's units: each linked to its record, with its parent, its tier (未定级 when none) and reason, and —
    for the organization department while the survey is a draft — a form to classify it (tier and reason) that
    comes back to the same page of the list."""
    words = _survey_words(get_language())
    editing = context.get("can_manage") and context.get("is_draft")
    csrf = back = ""
    if editing:
        token, request = context.get("csrf_token"), context.get("request")
        csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
                if token and str(token) != "NOTPROVIDED" else "")
        back = _e(request.GET.urlencode()) if request is not None else ""
    return SafeString("".join(
        _survey_unit(unit, _survey_form(unit, int(unit.pk), csrf, back, words) if editing else None, words)
        for unit in units))
