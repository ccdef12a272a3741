"""The reviews demo: a sensible mix of branches in place and not, with the ratings the rule allows."""

from __future__ import annotations

import pytest

from branches.demo import seed_tree
from ledger.demo import current_campaign, seed_campaigns
from ledger.models import Ledger
from ledger.workflow_demo import seed_workflow
from reviews.demo import seed_reviews
from reviews.models import StarRating
from reviews.selectors.results import ledger_results

pytestmark = pytest.mark.django_db


def test_demo_shows_branches_in_place_and_not_and_five_stars_only_where_in_place():
    root, _accounts = seed_tree()
    for step in (seed_campaigns, seed_workflow, seed_reviews):
        step(root)
    campaign = current_campaign(root)
    ledgers = {ledger.pk: ledger.unit.code for ledger in Ledger.objects.filter(campaign=campaign).select_related("unit")}
    results = {ledgers[pk]: result for pk, result in ledger_results(ledger_ids=list(ledgers), campaign=campaign).items()}
    in_place = sorted(code for code, result in results.items() if result.in_place)
    # The workflow demo's all-closed branch is in place too: its measures were closed in the campaign's weeks.
    assert in_place == ["WFU-01-05", "WFU-02-02", "WFU-02-05"]
    assert all(result.reasons for result in results.values() if not result.in_place)
    assert any("填报中" in reason for reason in results["WFU-02-04"].reasons)
    stars = dict(StarRating.objects.filter(campaign=campaign).values_list("unit__code", "stars"))
    assert stars["WFU-02-02"] == 5 and stars["WFU-02-03"] == 4 and stars["WFU-02-04"] == 2
    assert all(code in in_place for code, n in stars.items() if n == 5)
    assert "不能评为五星" in StarRating.objects.get(unit__code="WFU-02-03").basis
