"""How the ledger names problems and measures (问题3、问题3②): one place for pages, forms and notifications."""

from __future__ import annotations

from django.utils.translation import gettext

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def problem_no(number: int) -> str:
    """问题3 in Chinese, "Problem 3" in English: one phrase to translate, not a word glued to a number."""
    return gettext("问题%(n)s") % {"n": number}


def circled(number: int) -> str:
    """Measures are numbered ①②③ within their problem, as in the seed plans."""
    return _CIRCLED[number - 1] if 1 <= number <= len(_CIRCLED) else f"({number})"


def item_no(problem_number: int, number: int) -> str:
    """问题3②: a measure named by its problem's number and its own, as the ledger page shows it."""
    return problem_no(problem_number) + circled(number)


def item_label(item, length: int = 40) -> str:
    """问题3② 召开专题组织生活会…: how messages outside the ledger page name a measure."""
    return f"{item_no(item.problem.number, item.number)} {item.measure[:length]}"


def problem_label(problem, length: int = 40) -> str:
    """问题3：组织生活会不规范…"""
    return f"{problem_no(problem.number)}：{problem.description[:length]}"
