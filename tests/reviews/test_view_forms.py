"""Reviews pages through their forms, each test on a fresh tree of its own: the five-star rule, a supervision
record opening a problem, delegating the rating, the results page (the scoping matrix is test_views.py)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from reviews.models import RatingChange, RatingDelegation, StarRating, SupervisionRecord
from tests.factories import ledger_of, make_campaign, make_item, make_problem


def test_five_star_form_shows_why_and_saves_nothing(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    make_item(make_problem(ledger_of(campaign, tree.b1)), deadline=datetime.date(2022, 10, 31))
    client.force_login(users["org"])
    url = reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk])
    response = client.post(url, {"stars": "5", "basis": "优秀"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "“第一党支部”整改不到位，不能评为五星" in page and "超过整改时限仍未销号（逾期）" in page
    assert not StarRating.objects.exists() and not RatingChange.objects.exists()
    response = client.post(url, {"stars": "4", "basis": "良好"})
    assert response.status_code == 302
    assert StarRating.objects.get().stars == 4


def test_create_supervision_and_open_a_problem_through_the_pages(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reviews:supervision_create"), {
        "author_unit": tree.gb1.pk, "kind": "site_visit", "date": "2022-11-02", "campaign": campaign.pk,
        "participants": "组织员", "visited_units": [tree.b1.pk], "findings": "会议记录不全"})
    assert response.status_code == 302
    record = SupervisionRecord.objects.get()
    response = client.post(reverse("reviews:finding_open_problem", args=[record.pk]), {
        "unit": tree.b1.pk, "campaign": campaign.pk, "category": campaign.template.categories.first().pk,
        "nature": "individual", "description": "会议记录不全"})
    assert response.status_code == 302
    assert ledger_of(campaign, tree.b1).problems.get().source == "supervision"


def test_supervision_form_refuses_a_branch_outside_the_scope(client, users, tree):
    client.force_login(users["gb_staff"])
    response = client.post(reverse("reviews:supervision_create"), {
        "author_unit": tree.gb1.pk, "kind": "site_visit", "date": "2022-11-02", "participants": "组织员",
        "visited_units": [tree.b3.pk]})
    assert response.status_code == 200 and not SupervisionRecord.objects.exists()
    assert "visited_units" in response.context["form"].errors


def test_org_department_delegates_rating_through_the_policy_page(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    url = reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk])
    client.force_login(users["gb_staff"])
    assert client.get(url).status_code == 403
    assert client.post(reverse("reviews:delegation_grant", args=[campaign.pk]),
                       {"unit": tree.gb1.pk, "username": "gb_staff"}).status_code == 403
    client.force_login(users["org"])
    response = client.post(reverse("reviews:delegation_grant", args=[campaign.pk]),
                           {"unit": tree.gb1.pk, "username": "gb_staff"})
    assert response.status_code == 302
    client.force_login(users["gb_staff"])
    assert client.get(url).status_code == 200
    assert client.get(reverse("reviews:rating_edit", args=[campaign.pk, tree.b3.pk])).status_code == 404
    client.force_login(users["org"])
    delegation = RatingDelegation.objects.get()
    client.post(reverse("reviews:delegation_revoke", args=[campaign.pk, delegation.pk]))
    client.force_login(users["gb_staff"])
    assert client.get(url).status_code == 403


def test_results_page_shows_a_branch_that_did_nothing_as_not_in_place_with_the_reasons(client, users, tree):
    from .conftest import accept, ready

    campaign = make_campaign(tree.root, actor=users["org"])
    make_problem(accept(ledger_of(campaign, tree.b1)))  # accepted, but a problem without a measure, nothing answered
    ready(ledger_of(campaign, tree.b3))  # answered, accepted, nothing to rectify: in place
    client.force_login(users["org"])
    response = client.get(reverse("reviews:results", args=[campaign.pk]))
    rows = {row["ledger"].unit.code: row for row in response.context["rows"]}
    assert [rows[code]["result"].in_place for code in ("B1", "B2", "B3")] == [False, False, True]
    page = response.content.decode()
    assert page.count("不到位</span>") == 2 and page.count(">到位</span>") == 1
    assert "台账为“填报中”状态，未经党总支（党委）审核通过" in page  # b2, never touched
    assert "1 个查摆问题没有制定整改措施" in page and "对照检查还有 4 条表现未作答" in page
    assert "取消五星级党支部评选资格" in page and "须在此前 30 天内有进展记录" in page
