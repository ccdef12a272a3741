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
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from ledger.templatetags.ledger_rows import common_units
from ledger.templatetags.workflow_tags import pk_url

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
def _card_words(language: str | None) -> tuple[str, ...]:
    """The answer form's words (escaped), once per language."""
    return tuple(html.escape(gettext(word)) for word in ("开展专项整治", "专项整治措施", "整改时限", "责任人", "保存"))


def _answer_form(key: str, csrf: str, words: tuple[str, ...]) -> str:
    """The form that answers a common problem with a measure of the unit's own (a closed <details>)."""
    summary, measure, deadline, responsible, save = words
    return (
        f'<details class="common-answer-form">\n      <summary class="small">{summary}</summary>\n'
        f'      <form method="post" class="mt-2">{csrf}\n'
        f'        <input type="hidden" name="key" value="{key}">\n'
        f'        <label class="form-label small" for="measure-{key}">{measure}</label>\n'
        f'        <textarea class="form-control form-control-sm mb-2" id="measure-{key}" name="measure" rows="3" '
        f'required></textarea>\n        <div class="row g-2 mb-2">\n'
        f'          <div class="col-6"><label class="form-label small" for="deadline-{key}">{deadline}</label>\n'
        f'            <input class="form-control form-control-sm" type="date" id="deadline-{key}" name="deadline" '
        f'required></div>\n'
        f'          <div class="col-6"><label class="form-label small" for="responsible-{key}">{responsible}</label>\n'
        f'            <input class="form-control form-control-sm" id="responsible-{key}" name="responsible_name" '
        f'maxlength="50" required></div>\n        </div>\n'
        f'        <button class="btn btn-primary btn-sm" type="submit">{save}</button>\n      </form>\n    </details>')


@register.simple_tag(takes_context=True)
def common_cards(context, problems) -> SafeString:
    """The common-problems page's cards (`reviews/common_problems.html`): per group its checklist line, how many
    units below found it, the first of them with their problems, the link to all of them, and the unit's answer —
    the measure it set (written by `reviews/includes/common_measure.html`, as few groups have one) or the form that
    sets one. The page's one CSRF token, list URL and words serve every card."""
    focus, campaign = context["focus"], context["campaign"]
    can_answer = context.get("can_answer")
    token = context.get("csrf_token")
    csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
            if token and str(token) != "NOTPROVIDED" else "")
    words = _card_words(get_language())
    all_url = f'{_e(pk_url(campaign.pk, "reviews:problem_list"))}?unit={int(focus.pk)}'
    engine = context.template.engine
    out = []
    for problem in problems:
        category, manifestation, key = problem.category, problem.manifestation, _e(problem.key)
        count = problem.unit_count
        line = (f'\n    <p class="small mb-1">（{_e(manifestation.order)}）{_e(manifestation.text)}</p>'
                if manifestation else "\n    ")
        found = _e(ngettext("%(n)s 个单位查摆出", "%(n)s 个单位查摆出", count) % {"n": count})
        more = ""
        if problem.more:
            every = _e(ngettext("查看全部 %(n)s 个单位", "查看全部 %(n)s 个单位", count) % {"n": count})
            more = (f'\n    <p class="small mb-3"><a class="common-all" href="{all_url}&amp;category={int(category.pk)}'
                    f'&amp;manifestation={int(manifestation.pk) if manifestation else "none"}&amp;below=1">{every}</a></p>')
        if problem.measure:
            with context.push(problem=problem, measure=problem.measure):
                answer = engine.get_template("reviews/includes/common_measure.html").render(context)
        else:
            answer = _answer_form(key, csrf, words) if can_answer else ""
        out.append(
            f'<section class="card mb-3 common-problem" id="common-{key}">\n  <div class="card-header">\n'
            f'    <h2 class="h6 mb-1">{_e(category.order)}. {_e(category.title)}</h2>{line}\n'
            f'    <span class="badge text-bg-secondary">{found}</span>\n  </div>\n  <div class="card-body">\n'
            f'    <ul class="small mb-3">{common_units(problem.units)}</ul>{more}\n    {answer}\n  </div>\n</section>\n')
    return SafeString("".join(out))
