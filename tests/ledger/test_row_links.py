"""Rows of long pages build their links from a URL cut once around the pk (issue 15: the ledger page of a branch
with 200 measures reversed a URL per measure and per problem)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ledger.templatetags.workflow_tags import pk_url


@pytest.mark.parametrize("name", ["ledger:item_detail", "ledger:problem_detail", "ledger:problem_edit",
                                  "ledger:item_create", "ledger:evidence_download", "ledger:evidence_thumbnail"])
@pytest.mark.parametrize("pk", [1, 42, 987654])
def test_a_row_link_is_the_reversed_url(name, pk):
    assert pk_url(pk, name) == reverse(name, args=[pk])


@pytest.mark.django_db
def test_the_ledger_page_of_200_measures_links_every_measure_and_problem(client, users, tree):
    from tests.factories import ledger_of, make_campaign
    from tests.ledger.test_workflow_views import _fill

    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b2)
    _fill(ledger, 200)
    client.force_login(users["gb_staff"])
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    for item in ledger.items.all():
        assert f'href="{reverse("ledger:item_detail", args=[item.pk])}"' in page
    for problem in ledger.problems.all():
        assert f'href="{reverse("ledger:problem_detail", args=[problem.pk])}"' in page
