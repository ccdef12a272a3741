"""The in-place rule (整改到位) for a template without manifestations: its categories are the points the self-check
must answer, counted by the same rule as the Weifang manifestations (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ledger.models import ChecklistTemplate
from ledger.services.workflow import self_check_answer
from reviews.selectors.results import ledger_results, ledgers_in_place
from tests.factories import ensure_builtin_templates, filler_of, ledger_of, make_campaign

from .conftest import DEADLINE, accept


@pytest.fixture
def county(tree, users):
    ensure_builtin_templates()
    return make_campaign(tree.root, actor=users["org"], results_deadline=DEADLINE,
                         template=ChecklistTemplate.objects.get(code="county-inspection-2020"))


def answer_categories(ledger, *, except_for: int = 0):
    categories = list(ledger.campaign.template.categories.order_by("order"))
    for category in categories[:len(categories) - except_for]:
        self_check_answer(actor=filler_of(ledger), ledger=ledger, category=category, found=False)


def result_of(campaign, ledger):
    return ledger_results(ledger_ids=[ledger.pk], campaign=campaign)[ledger.pk]


def test_an_accepted_ledger_that_answered_nothing_is_not_in_place(county, tree):
    ledger = accept(ledger_of(county, tree.b1))
    result = result_of(county, ledger)
    assert not result.in_place and result.unanswered == 6
    assert result.reasons == ["对照检查还有 6 个方面未作答"]


def test_one_category_unanswered_keeps_the_ledger_out_of_place(county, tree):
    ledger = ledger_of(county, tree.b1)
    answer_categories(ledger, except_for=1)
    result = result_of(county, accept(ledger))
    assert not result.in_place and result.reasons == ["对照检查还有 1 个方面未作答"]


def test_every_category_answered_and_accepted_is_in_place_everywhere(client, county, tree, users):
    in_place, missing_one = ledger_of(county, tree.b1), ledger_of(county, tree.b2)
    answer_categories(in_place)
    answer_categories(missing_one, except_for=1)
    accept(in_place), accept(missing_one)
    assert result_of(county, in_place).in_place
    assert list(ledgers_in_place(county.ledgers.all(), campaign=county)) == [in_place]
    # The dashboard and the results page count by the same rule.
    client.force_login(users["org"])
    context = client.get(reverse("reviews:dashboard", args=[county.pk])).context
    assert context["total"].in_place == 1
    results = client.get(reverse("reviews:results", args=[county.pk])).context["rows"]
    assert [row["ledger"].unit for row in results if row["result"].in_place] == [tree.b1]
