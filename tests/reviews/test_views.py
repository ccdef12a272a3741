"""Every reviews URL × every role × own / sibling / other-general-branch / other-tree object → 200/302/400, 403, 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from reviews import services
from reviews.models import RatingChange, RatingDelegation, StarRating, SupervisionKind, SupervisionRecord
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

User = get_user_model()
TARGETS = ("b1", "b2", "b3", "other_branch")
ROLES = ("secretary", "member", "gb_staff", "org", "inspector")
VIEW = {
    "secretary": {"b1"}, "member": {"b1"}, "gb_staff": {"b1", "b2"},
    "org": {"b1", "b2", "b3"}, "inspector": {"b1", "b2", "b3"},
}
SUPERVISE = {"gb_staff": {"b1", "b2"}, "org": {"b1", "b2", "b3"}}
RATE = {"org": {"b1", "b2", "b3"}}


@dataclass
class World:
    campaign: object
    other_campaign: object
    units: dict
    ratings: dict
    records: dict
    objections: dict


@pytest.fixture
def world(tree, users):
    other_org = make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT)
    campaign = make_campaign(tree.root, actor=users["org"])
    other_campaign = make_campaign(tree.other_root, actor=other_org)
    today = timezone.localdate()
    units = {name: getattr(tree, name) for name in TARGETS}
    ratings, records, objections = {}, {}, {}
    for name, unit in units.items():
        actor, root, camp = (other_org, tree.other_root, other_campaign) if name == "other_branch" else (
            users["org"], tree.root, campaign)
        ratings[name] = services.rating_decide(actor=actor, campaign=camp, unit=unit, stars=3, basis="依据")
        services.rating_publish(actor=actor, rating=ratings[name], starts_on=today, ends_on=today)
        objections[name] = services.objection_record(actor=actor, rating=ratings[name], raised_by="甲", text="异议")
        records[name] = services.supervision_create(
            actor=actor, author_unit=root, kind=SupervisionKind.LOOK_BACK, date=today, participants="组织部",
            visited_units=[unit], campaign=camp)
    return World(campaign, other_campaign, units, ratings, records, objections)


def campaign_of(world, target):
    return world.other_campaign if target == "other_branch" else world.campaign


def campaign_page(name):
    return lambda w, t: f"{reverse(name, args=[campaign_of(w, t).pk])}?unit={w.units[t].pk}"


# name → (method, url builder, who may act (None: whoever sees it), status when allowed)
URLS = {
    "dashboard": ("get", campaign_page("reviews:dashboard"), None, 200),
    "item_list": ("get", campaign_page("reviews:item_list"), None, 200),
    "problem_list": ("get", campaign_page("reviews:problem_list"), None, 200),
    "ledger_list": ("get", campaign_page("reviews:ledger_list"), None, 200),
    "results": ("get", campaign_page("reviews:results"), None, 200),
    "rating_list": ("get", campaign_page("reviews:rating_list"), None, 200),
    "rating_edit": ("get", lambda w, t: reverse("reviews:rating_edit", args=[campaign_of(w, t).pk, w.units[t].pk]),
                    RATE, 200),
    "rating_detail": ("get", lambda w, t: reverse("reviews:rating_detail", args=[w.ratings[t].pk]), None, 200),
    "rating_publish": ("post", lambda w, t: reverse("reviews:rating_publish", args=[w.ratings[t].pk]), RATE, 302),
    "objection_create": ("post", lambda w, t: reverse("reviews:objection_create", args=[w.ratings[t].pk]), RATE, 302),
    "rating_finalise": ("post", lambda w, t: reverse("reviews:rating_finalise", args=[w.ratings[t].pk]), RATE, 302),
    "objection_resolve": ("post", lambda w, t: reverse("reviews:objection_resolve", args=[w.objections[t].pk]),
                          RATE, 302),
    "supervision_detail": ("get", lambda w, t: reverse("reviews:supervision_detail", args=[w.records[t].pk]), None, 200),
    "finding_open_problem": ("post", lambda w, t: reverse("reviews:finding_open_problem", args=[w.records[t].pk]),
                             SUPERVISE, 400),
    "item_reopen": ("post", lambda w, t: reverse("reviews:item_reopen", args=[w.records[t].pk]), SUPERVISE, 400),
}


@pytest.mark.parametrize("url_name", sorted(URLS))
@pytest.mark.parametrize("who", ROLES)
def test_scoping_matrix(client, users, world, url_name, who):
    method, build, allowed, ok = URLS[url_name]
    client.force_login(users[who])
    for target in TARGETS:
        response = getattr(client, method)(build(world, target))
        if target not in VIEW[who]:
            expected = 404
        elif allowed is not None and target not in allowed.get(who, set()):
            expected = 403
        else:
            expected = ok
        assert response.status_code == expected, (url_name, who, target)


@pytest.mark.parametrize(("who", "expected"), [
    ("secretary", 403), ("member", 403), ("gb_staff", 200), ("org", 200), ("inspector", 403)])
def test_supervision_create_page(client, users, world, who, expected):
    client.force_login(users[who])
    assert client.get(reverse("reviews:supervision_create")).status_code == expected
    assert client.get(reverse("reviews:supervision_list")).status_code == 200


@pytest.mark.parametrize(("who", "own", "other"), [
    ("secretary", 403, 404), ("member", 403, 404), ("gb_staff", 403, 404), ("org", 200, 404), ("inspector", 403, 404)])
def test_policy_and_delegation_pages(client, users, world, tree, who, own, other):
    client.force_login(users[who])
    assert client.get(reverse("reviews:policy_edit", args=[world.campaign.pk])).status_code == own
    assert client.get(reverse("reviews:policy_edit", args=[world.other_campaign.pk])).status_code == other
    grant = {"unit": tree.gb1.pk, "username": "member"}
    ok = 302 if own == 200 else own
    assert client.post(reverse("reviews:delegation_grant", args=[world.campaign.pk]), grant).status_code == ok
    assert client.post(reverse("reviews:delegation_grant", args=[world.other_campaign.pk]), grant).status_code == other


# who → status when revoking a delegation over gb1 (own tree) and over another tree's general branch
REVOKE = {"secretary": (404, 404), "member": (404, 404), "gb_staff": (403, 404), "org": (302, 404),
          "inspector": (403, 404)}


@pytest.mark.parametrize("who", ROLES)
def test_delegation_revoke_matrix(client, users, world, tree, who):
    own = services.delegation_grant(actor=users["org"], unit=tree.gb1, user=users["member"])
    other = services.delegation_grant(actor=User.objects.get(username="other_org"), unit=tree.other_gb,
                                      user=users["member"])
    client.force_login(users[who])
    codes = tuple(client.post(reverse("reviews:delegation_revoke", args=[world.campaign.pk, d.pk])).status_code
                  for d in (own, other))
    assert codes == REVOKE[who]
    own.refresh_from_db()
    assert own.is_active == (who != "org")


def test_supervision_list_shows_only_what_the_viewer_sees(client, users, world):
    client.force_login(users["secretary"])
    assert [r.pk for r in client.get(reverse("reviews:supervision_list")).context["page"]] == [world.records["b1"].pk]
    client.force_login(users["gb_staff"])
    assert {r.pk for r in client.get(reverse("reviews:supervision_list")).context["page"]} == {
        world.records["b1"].pk, world.records["b2"].pk}


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("reviews:dashboard", args=[world.campaign.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


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


@pytest.mark.parametrize("who", ROLES)
def test_index_lists_only_campaigns_the_viewer_follows(client, users, world, who):
    client.force_login(users[who])
    response = client.get(reverse("reviews:index"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [world.campaign.pk]


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
