"""The unit's record (档案): its campaigns across years with the results rule's verdict, its stars and tiers,
the movements of its subtree's tiers, counted in a fixed number of queries, scoped like every page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import LedgerStatus
from reviews import services, survey_services
from reviews.models import SupervisionKind, Tier
from reviews.selectors.record import unit_record
from tests.factories import ledger_of, make_campaign, make_item, make_problem

from .conftest import close, ready

TODAY = datetime.date(2024, 3, 1)


@pytest.fixture
def two_years(tree, users, campaign):
    """b1 took part in 2022 (in place: answered, accepted, its one measure closed in time) and in 2023 (a draft
    with one measure closed and one overdue); b1 4★ then 3★, b2 3★ then 4★, b3 2★ both years."""
    org = users["org"]
    later = make_campaign(tree.root, actor=org, year=2023, name="2023年专项行动",
                         results_deadline=datetime.date(2023, 11, 30))
    first = ready(ledger_of(campaign, tree.b1))
    close(make_item(make_problem(first)), datetime.date(2022, 10, 20))
    second = ledger_of(later, tree.b1)
    problem = make_problem(second)
    close(make_item(problem), datetime.date(2023, 5, 1))
    make_item(problem, deadline=datetime.date(2023, 6, 30))  # overdue on TODAY
    for unit, stars_2022, stars_2023 in ((tree.b1, 4, 3), (tree.b2, 3, 4), (tree.b3, 2, 2)):
        services.rating_decide(actor=org, campaign=campaign, unit=unit, stars=stars_2022, basis="依据")
        services.rating_decide(actor=org, campaign=later, unit=unit, stars=stars_2023, basis="依据")
    services.supervision_create(actor=users["gb_staff"], author_unit=tree.gb1, kind=SupervisionKind.SITE_VISIT,
                                date=datetime.date(2022, 10, 20), participants="组织员", visited_units=[tree.b1],
                                campaign=campaign)
    return campaign, later


def test_the_record_shows_each_campaign_with_its_figures_and_the_in_place_verdict(two_years, tree):
    campaign, later = two_years
    record = unit_record(unit=tree.b1, today=TODAY)
    rows = [(r.campaign.year, r.status, r.problems, r.measures, r.closed, r.overdue, r.in_place)
            for r in record.campaigns]
    assert rows == [(2023, LedgerStatus.DRAFT, 1, 2, 1, 1, False), (2022, LedgerStatus.ACCEPTED, 1, 1, 1, 0, True)]
    assert [(y.year, y.stars, y.tier, y.movement) for y in record.years] == [
        (2022, 4, Tier.ADVANCED, ""), (2023, 3, Tier.MIDDLE, "down")]
    assert [visit.record.author_unit for visit in record.visits] == [tree.gb1]


def _queries(unit) -> int:
    with CaptureQueriesContext(connection) as queries:
        unit_record(unit=unit, today=TODAY)
    return len(queries)


# ratings, the campaigns' ids, their result policies, supervision visits, survey rows, the ledgers with their
# campaigns, then one UNION query counting every campaign's figures
RECORD_QUERIES = 7


def test_the_record_is_counted_in_a_fixed_number_of_queries(two_years, tree, users):
    assert _queries(tree.b1) == RECORD_QUERIES  # two campaigns
    for year in (2024, 2025):
        make_campaign(tree.root, actor=users["org"], year=year, name=f"{year}年专项行动")
    assert _queries(tree.b1) == RECORD_QUERIES  # four campaigns


def test_a_finalized_survey_tier_takes_the_place_of_the_rating_tier(two_years, tree, users):
    survey = survey_services.survey_create(actor=users["org"], issuer=tree.root, year=2023)
    survey_services.survey_classify(actor=users["org"], survey=survey, unit=tree.b1, tier=Tier.ADVANCED,
                                    reason="整改扎实")
    draft_years = [(y.year, y.tier) for y in unit_record(unit=tree.b1, today=TODAY).years]
    assert draft_years == [(2022, Tier.ADVANCED), (2023, Tier.MIDDLE)]  # a draft survey does not count yet
    survey_services.survey_finalize(actor=users["org"], survey=survey)
    years = unit_record(unit=tree.b1, today=TODAY).years
    assert [(y.year, y.tier, y.movement, y.survey_reason) for y in years] == [
        (2022, Tier.ADVANCED, "", ""), (2023, Tier.ADVANCED, "same", "整改扎实")]


def test_a_unit_above_sees_its_subtree_by_year_with_the_movements(two_years, tree, client, users):
    client.force_login(users["org"])
    response = client.get(reverse("reviews:unit_record", args=[tree.root.pk]))
    below = response.context["below"]
    assert below.years == [2022, 2023]
    assert [(unit.name, cells) for unit, cells in below.page.object_list] == [
        ("第一党支部", [(Tier.ADVANCED, 4), (Tier.MIDDLE, 3)]),
        ("第二党支部", [(Tier.MIDDLE, 3), (Tier.ADVANCED, 4)]),
        ("第三党支部", [(Tier.LAGGING, 2), (Tier.LAGGING, 2)]),
    ]
    move = below.moves[0]
    assert (move.from_year, move.to_year, move.up, move.down, move.same) == (2022, 2023, 1, 1, 1)
    assert move.transitions == [("先进", "中间", 1), ("中间", "先进", 1), ("后进", "后进", 1)]
    assert below.by_year[2023] == {Tier.ADVANCED: 1, Tier.MIDDLE: 1, Tier.LAGGING: 1}
    page = response.content.decode()
    assert "先进 → 中间：1" in page and 'id="chart-tiers"' in page and "echarts.min.js" in page


def test_the_child_table_lists_only_the_viewers_subtree(two_years, tree, client, users):
    client.force_login(users["gb_staff"])  # sees gb1, b1, b2
    response = client.get(reverse("reviews:unit_record", args=[tree.gb1.pk]))
    assert [unit.name for unit, _cells in response.context["below"].page.object_list] == ["第一党支部", "第二党支部"]
    assert client.get(reverse("reviews:unit_record", args=[tree.root.pk])).status_code == 404
    assert client.get(reverse("reviews:unit_record", args=[tree.b3.pk])).status_code == 404
    assert client.get(reverse("reviews:unit_record", args=[tree.b1.pk])).status_code == 200


def test_a_branch_secretary_sees_only_their_own_record(two_years, tree, client, users):
    client.force_login(users["secretary"])
    page = client.get(reverse("reviews:unit_record", args=[tree.b1.pk]))
    assert page.status_code == 200 and "2023年专项行动" in page.content.decode()
    assert "below" not in page.context
    assert client.get(reverse("reviews:unit_record", args=[tree.b2.pk])).status_code == 404


def test_the_committee_term_is_on_the_record(tree, client, users):
    type(tree.b1).objects.filter(pk=tree.b1.pk).update(committee_elected_on=datetime.date(2019, 6, 1),
                                                       committee_term_years=3)
    client.force_login(users["org"])
    page = client.get(reverse("reviews:unit_record", args=[tree.b1.pk])).content.decode()
    assert "2022-06-01 届满" in page and "超期未换届" in page


def test_the_record_is_reached_from_the_tree_the_ledger_and_the_dashboard(two_years, tree, client, users):
    campaign, _later = two_years
    client.force_login(users["org"])
    record_b1 = reverse("reviews:unit_record", args=[tree.b1.pk])
    pages = {
        "unit": reverse("branches:unit_detail", args=[tree.b1.pk]),
        "tree": reverse("branches:tree") + f"?unit={tree.gb1.pk}",
        "ledger": reverse("ledger:ledger_detail", args=[ledger_of(campaign, tree.b1).pk]),
    }
    for name, url in pages.items():
        assert record_b1 in client.get(url).content.decode(), name
    dashboard = client.get(reverse("reviews:dashboard", args=[campaign.pk]) + f"?unit={tree.gb1.pk}")
    assert reverse("reviews:unit_record", args=[tree.gb1.pk]) in dashboard.content.decode()


def test_the_record_page_costs_the_same_queries_with_more_campaigns_and_years(two_years, tree, client, users):
    client.force_login(users["org"])
    url = reverse("reviews:unit_record", args=[tree.gb1.pk])

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = counted()
    later = make_campaign(tree.gb1, actor=users["org"], year=2024, name="2024年专项行动")
    services.rating_decide(actor=users["org"], campaign=later, unit=tree.b2, stars=2, basis="依据")
    survey = survey_services.survey_create(actor=users["org"], issuer=tree.root, year=2024)
    survey_services.survey_classify(actor=users["org"], survey=survey, unit=tree.b1, tier=Tier.LAGGING, reason="差")
    survey_services.survey_finalize(actor=users["org"], survey=survey)
    assert counted() == before
    assert client.get(url).context["below"].years == [2022, 2023, 2024]
