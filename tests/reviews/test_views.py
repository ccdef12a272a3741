"""Every reviews URL × every role × own / sibling / other-general-branch / other-tree object → 200/302/400, 403, 404.

The world is made once for the module (`made_once`); tests on a fresh tree of their own are in test_view_forms.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from reviews import services
from reviews.models import SupervisionKind
from tests.conftest import made_once_per_module, make_user
from tests.factories import make_campaign

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
def world(made):
    return made["world"]


def build_world(tree, users):
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


# The tree, its accounts and the world, made once for the module's ~100 tests (matrix cells that only read them,
# or write in their own savepoint), each given a copy: rebuilt for each test they were most of its time.
# The tests that count what they create on a fresh tree are in test_view_forms.py.
made_once, made, tree, users = made_once_per_module(build_world)


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


@pytest.mark.parametrize("who", ROLES)
def test_index_lists_only_campaigns_the_viewer_follows(client, users, world, who):
    client.force_login(users[who])
    response = client.get(reverse("reviews:index"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [world.campaign.pk]
