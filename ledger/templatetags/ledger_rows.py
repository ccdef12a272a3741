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
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from ledger.models import ItemStatus, RecurrenceState
from ledger.naming import circled, problem_no
from ledger.templatetags.workflow_tags import badge, nature_label, pk_url, source_label, status_label, url_around_pk

register = template.Library()


class RowLabels(NamedTuple):
    overdue: str
    carried: str
    deadline: str
    ongoing: str
    responsible: str
    leader: str
    date_format: str  # the language's DATE_FORMAT, as the `date` filter without an argument uses it
    statuses: dict[str, str]  # a measure's status → its words, escaped
    item_url: tuple[str, str]  # the measure page's URL around its pk (`pk_url`, its script prefix read once)
    download_url: tuple[str, str]
    thumbnail_url: tuple[str, str]


@functools.cache
def _row_labels(language: str | None, script_prefix: str) -> RowLabels:
    """The row's words in `language` (the active one when called), escaped, and its links' pieces under
    `script_prefix`: looked up once per language and mount point, not for each of a ledger's 200 measures."""
    words = (gettext("逾期"), gettext("结转"), gettext("整改时限"), gettext("立行立改、长期坚持"), gettext("责任人"),
             gettext("责任领导"))
    statuses = {value: html.escape(status_label(value)) for value in ItemStatus.values}
    urls = (url_around_pk(name, script_prefix)
            for name in ("ledger:item_detail", "ledger:evidence_download", "ledger:evidence_thumbnail"))
    return RowLabels(*(html.escape(word) for word in words), get_format("DATE_FORMAT"), statuses, *urls)


def row_labels() -> RowLabels:
    """`_row_labels` of the active language and the request's mount point."""
    return _row_labels(get_language(), get_script_prefix())


def _link(pieces: tuple[str, str], pk: int) -> str:
    return f"{pieces[0]}{int(pk)}{pieces[1]}"


def _e(value) -> str:
    return html.escape(str(value))


def _cut(text: str, length: int) -> str:
    """`truncatechars`: a text that fits is returned as it is without Truncator's character walk."""
    return text if len(text) <= length else Truncator(text).chars(length)


def _badges(item, labels: RowLabels, today) -> str:
    status = labels.statuses.get(item.status) or _e(item.status)
    parts = [f'<span class="badge text-bg-{badge(item.status)}">{status}</span>']
    if item.is_overdue(today):
        parts.append(f'<span class="badge text-bg-danger">{labels.overdue}</span>')
    if item.carried_from_id:
        parts.append(f'<span class="badge text-bg-light border">{labels.carried}</span>')
    if item.phase_id:
        parts.append(f'<span class="badge text-bg-light border">{_e(item.phase.name)}</span>')
    return "\n      ".join(parts)


@functools.lru_cache(maxsize=2048)
def _day(day, date_format: str) -> str:
    """A deadline in the language's date format (`date_format` looked the format up again for every row)."""
    return dateformat.format(day, date_format)


def _terms(item, labels: RowLabels) -> str:
    """整改时限：… · 责任人：… · 责任领导：… · 责任单位."""
    deadline = labels.ongoing if item.is_ongoing else (_e(_day(item.deadline, labels.date_format)) if item.deadline else "")
    text = f"{labels.deadline}：{deadline}\n    · {labels.responsible}：{_e(item.responsible_name)}"
    if item.responsible_leader:
        text += f" · {labels.leader}：{_e(item.responsible_leader)}"
    if item.responsible_unit:
        text += f" · {_e(item.responsible_unit)}"
    return text


def _evidence_link(ev, labels: RowLabels) -> str:
    download, name = _link(labels.download_url, ev.pk), _e(ev.original_name)
    if ev.thumbnail:
        thumbnail = _link(labels.thumbnail_url, ev.pk)
        return (f'<a href="{download}" title="{name}"><img class="evidence-thumb" src="{thumbnail}" alt="{name}" '
                f'loading="lazy"></a>')
    return f'<a class="badge text-bg-light border" href="{download}">{_e(_cut(ev.original_name, 24))}</a>'


def _evidence(item, labels: RowLabels) -> str:
    files = item.evidence_list if hasattr(item, "evidence_list") else item.evidence.all()  # prefetched as a list
    if not files:
        return ""
    links = "\n      ".join(_evidence_link(ev, labels) for ev in files)
    return f'\n  <div class="evidence-strip mt-1">\n      {links}\n  </div>'


def _row(item, labels: RowLabels, today) -> str:
    return (
        f'<li class="list-group-item ledger-item" id="item-{int(item.pk)}">\n'
        f'  <div class="d-flex flex-wrap gap-2 justify-content-between">\n'
        f'    <a href="{_link(labels.item_url, item.pk)}" class="fw-semibold text-decoration-none">'
        f'{circled(item.number)} {_e(_cut(item.measure, 120))}</a>\n'
        f'    <span>\n      {_badges(item, labels, today)}\n    </span>\n  </div>\n'
        f'  <div class="small text-muted">\n    {_terms(item, labels)}\n  </div>{_evidence(item, labels)}\n</li>\n'
    )


@register.simple_tag
def item_row(item) -> SafeString:
    """One measure as a list-group row: its number and measure linked to its page, status badges, deadline and
    the people responsible, and its evidence (thumbnails or file names, each linked to its download)."""
    return SafeString(_row(item, row_labels(), timezone.localdate()))


@register.simple_tag
def item_rows(items) -> SafeString:
    """`item_row` for each of `items`, in one tag call (a problem's measures)."""
    labels, today = row_labels(), timezone.localdate()
    return SafeString("".join(_row(item, labels, today) for item in items))


class ProblemLabels(NamedTuple):
    manifestation: str
    edit: str
    add_measure: str
    no_measure: str
    handed_down: str  # 已交办 %(units)s 个下级单位，%(done)s 个已整改完毕 (not escaped: filled, then escaped)


@functools.cache
def _problem_labels(language: str | None) -> ProblemLabels:
    """The problem block's words in `language`, looked up once per language (as `_row_labels`)."""
    words = (gettext("对应表现"), gettext("修改"), gettext("添加措施"), gettext("尚未制定整改措施"))
    return ProblemLabels(*(html.escape(word) for word in words),
                         gettext("已交办 %(units)s 个下级单位，%(done)s 个已整改完毕"))


def _problem_title(problem, labels: ProblemLabels) -> str:
    """问题3 linked to its page, the checklist line it answers, its source and nature, its recurrence state."""
    parts = [f'<a class="fw-semibold" href="{pk_url(problem.pk, "ledger:problem_detail")}">'
             f'{_e(problem_no(problem.number))}</a>']
    if problem.manifestation_id:
        parts.append(f'<span class="small text-muted">（{labels.manifestation}{_e(problem.manifestation.order)}）</span>')
    parts.append(f'<span class="badge text-bg-light border">{_e(source_label(problem.source))}</span>')
    parts.append(f'<span class="badge text-bg-light border">{_e(nature_label(problem.nature))}</span>')
    if problem.recurrence_state:
        colour = "text-bg-light border" if problem.recurrence_state == RecurrenceState.DISMISSED else "text-bg-warning"
        parts.append(f'<span class="badge {colour} recurrence-badge">{_e(status_label(problem.recurrence_state))}</span>')
    return "\n          ".join(parts)


def _problem_links(problem, edit: bool, labels: ProblemLabels) -> str:
    if not edit:
        return ""
    return (f'<span class="small d-flex gap-2">\n          <a href="{pk_url(problem.pk, "ledger:problem_edit")}">'
            f'{labels.edit}</a>\n          <a href="{pk_url(problem.pk, "ledger:item_create")}">{labels.add_measure}'
            f'</a>\n        </span>')


def _included(context, name: str, **values) -> str:
    """A rarely needed part still written by its template (carry-over links, common measures): most problems
    have none, so no include is rendered for them."""
    with context.push(**values):
        return context.template.engine.get_template(name).render(context)


def _handed_down(problem, sent: dict | None, labels: ProblemLabels) -> str:
    if not sent:
        return ""
    text = _e(labels.handed_down % {"units": sent["units"], "done": sent["done"]})
    return (f'\n      <p class="small mb-1 handed-down-summary"><a href="{pk_url(problem.pk, "ledger:problem_detail")}">'
            f'{text}</a></p>')


@register.simple_tag(takes_context=True)
def problem_block(context, problem) -> SafeString:
    """One problem of the ledger page: its number linked to its page, badges, the edit links (`rights.edit`), its
    description, carry-over and recurrence links, the measures of the units above, the copies handed down
    (`handed_down`) and its measure rows (`shown_items`). Written in Python as `item_rows` is: the template per
    problem was a fifth of the page of 56 problems (issue 15)."""
    labels, words = _problem_labels(get_language()), row_labels()
    if "ledger_rows_today" not in context.render_context:  # the day read once per page, not once per problem
        context.render_context["ledger_rows_today"] = timezone.localdate()
    today = context.render_context["ledger_rows_today"]
    rights, sent = context.get("rights"), (context.get("handed_down") or {}).get(problem.pk)
    extra = ""
    if problem.carried_from_id or problem.recurrence_of_id or problem.carried_to_list:
        extra += _included(context, "ledger/_problem_links.html", problem=problem)
    if problem.common_measures:
        extra += _included(context, "ledger/_common_measures.html", measures=problem.common_measures)
    rows = "".join(_row(item, words, today) for item in problem.shown_items) or (
        f'<li class="list-group-item small text-warning">{labels.no_measure}</li>')
    return SafeString(
        f'<div class="ledger-problem mb-3" id="problem-{int(problem.pk)}">\n'
        f'      <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        f'        <div>{_problem_title(problem, labels)}</div>\n'
        f'        {_problem_links(problem, bool(rights and rights.edit), labels)}\n      </div>\n'
        f'      <p class="mb-1">{linebreaksbr(problem.description, autoescape=True)}</p>\n'
        f'      {extra}{_handed_down(problem, sent, labels)}\n'
        f'      <ul class="list-group list-group-flush">\n{rows}</ul>\n    </div>\n'
    )


@functools.cache
def _closable_labels(language: str | None) -> tuple[str, str]:
    return html.escape(gettext("逾期")), html.escape(gettext("查看"))


def _closable_row(item, overdue: str, view: str) -> str:
    pk, count = int(item.pk), item.evidence_count
    files = ngettext("%(n)s份佐证", "%(n)s份佐证", count) % {"n": count}
    late = f'\n      <span class="badge text-bg-danger">{overdue}</span>' if item.overdue else ""
    return (
        f'    <div class="form-check">\n'
        f'      <input class="form-check-input" type="checkbox" name="items" value="{pk}" id="close-{pk}">\n'
        f'      <label class="form-check-label small" for="close-{pk}">{_e(problem_no(item.problem.number))}'
        f'{circled(item.number)} {_e(_cut(item.measure, 60))}（{_e(files)}）</label>{late}\n'
        f'      <a class="small" href="{pk_url(pk, "ledger:item_detail")}">{view}</a>\n    </div>\n'
    )


@register.simple_tag
def closable_rows(items) -> SafeString:
    """The supervisor's list of measures awaiting 销号, one checkbox each with the measure, its evidence count, an
    overdue badge and a link to the measure: 34 rows took 13 ms as template rows (issue 15)."""
    overdue, view = _closable_labels(get_language())
    return SafeString("".join(_closable_row(item, overdue, view) for item in items))


@register.simple_tag
def common_units(units) -> SafeString:
    """The units shown under a common problem (`reviews/common_problems.html`), each its ledger's link and its
    problems in that group ("3. description；4. …"), in one call: ~300 units at a county spent most of the page in
    the template engine (issue 15). `units`: `ledger.selectors.common.UnitProblems`, descriptions already cut."""
    return SafeString("".join(
        f'<li><a href="{pk_url(unit.ledger_id, "ledger:ledger_detail")}">{_e(unit.name)}</a>：'
        f'{"；".join(f"{_e(number)}. {_e(description)}" for number, description in unit.problems)}</li>'
        for unit in units))
