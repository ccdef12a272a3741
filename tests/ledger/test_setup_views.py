"""Template and campaign pages: every URL behind the scope (role × own / sibling / ancestor / other tree),
and every bad input answered in Chinese with nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branches.models import Role
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
)
from tests.conftest import made_once_per_module, make_user
from tests.factories import ensure_builtin_templates, make_campaign, make_template


@pytest.fixture
def world(made):
    return made["world"]


def build_world(tree, users):
    """Campaigns and templates of the committee, of a general branch and of another tree."""
    ensure_builtin_templates()
    users["org_gb1"] = make_user("org_gb1", tree.gb1, Role.ORG_DEPARTMENT)  # org department lower down
    users["other_org"] = make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT)
    own_template = make_template("own")
    own_template.owner = tree.root
    own_template.save()
    other_template = make_template("other")
    other_template.owner = tree.other_root
    other_template.save()
    return {
        "own_template": own_template,
        "other_template": other_template,
        "builtin": ChecklistTemplate.objects.get(code="weifang-2022"),
        "published": make_campaign(tree.root, actor=users["org"], template=own_template),
        "draft": make_campaign(tree.root, actor=users["org"], template=make_template("d"), publish=False,
                               name="草稿行动"),
        "sibling": make_campaign(tree.gb2, actor=users["org"], name="第二党总支行动"),
        "other": make_campaign(tree.other_root, actor=users["other_org"], template=other_template, name="另一行动"),
    }


# The tree, its accounts and the world, made once for the module's ~100 tests (matrix cells that only read them,
# or write in their own savepoint), each given a copy: rebuilt for each test they were most of its time.
made_once, made, tree, users = made_once_per_module(build_world)


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


ROLES = ["secretary", "member", "gb_staff", "org", "inspector", "org_gb1"]

# (url name, world key or None, role) → expected status
GET_MATRIX = {
    "template_list": (None, {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200, "inspector": 200,
                             "org_gb1": 200}),
    "template_create": (None, {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200, "inspector": 403,
                               "org_gb1": 200}),
    "campaign_list": (None, dict.fromkeys(ROLES, 200)),
    "campaign_create": (None, {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200, "inspector": 403,
                               "org_gb1": 200}),
}
OBJECT_MATRIX = {
    ("template_detail", "own_template"): {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200,
                                          "inspector": 200, "org_gb1": 200},  # owned by an ancestor: readable
    ("template_detail", "builtin"): {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200, "inspector": 200,
                                     "org_gb1": 200},
    ("template_detail", "other_template"): {"secretary": 403, "member": 403, "gb_staff": 403, "org": 404,
                                            "inspector": 404, "org_gb1": 404},
    # a published campaign of the committee: everyone below sees it through their own ledgers
    ("campaign_detail", "published"): dict.fromkeys(ROLES, 200),
    # a draft is seen only by those who see its issuer
    ("campaign_detail", "draft"): {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200, "inspector": 200,
                                   "org_gb1": 404},
    # issued by the sibling general branch: no ledger of gb1's people in it
    ("campaign_detail", "sibling"): {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200, "inspector": 200,
                                     "org_gb1": 404},
    ("campaign_detail", "other"): dict.fromkeys(ROLES, 404),
    ("campaign_edit", "draft"): {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200, "inspector": 403,
                                 "org_gb1": 404},
    ("campaign_edit", "other"): dict.fromkeys(ROLES, 404),
    ("campaign_publish", "draft"): {"secretary": 404, "member": 404, "gb_staff": 404, "org": 200,
                                    "inspector": 403, "org_gb1": 404},
    # the ancestor's campaign: visible to the lower org department, but not theirs to manage
    ("campaign_publish", "published"): {"secretary": 403, "member": 403, "gb_staff": 403, "org": 200,
                                        "inspector": 403, "org_gb1": 403},
    ("campaign_publish", "other"): dict.fromkeys(ROLES, 404),
}


@pytest.mark.parametrize(("name", "role"), [(n, r) for n in GET_MATRIX for r in ROLES])
def test_list_and_form_pages_by_role(client, world, users, name, role):
    assert _get(client, users[role], reverse(f"ledger:{name}")).status_code == GET_MATRIX[name][1][role]


@pytest.mark.parametrize(("name", "key", "role"), [(n, k, r) for (n, k) in OBJECT_MATRIX for r in ROLES])
def test_object_pages_by_role(client, world, users, name, key, role):
    url = reverse(f"ledger:{name}", args=[world[key].pk])
    assert _get(client, users[role], url).status_code == OBJECT_MATRIX[(name, key)][role]


POST_URLS = [("template_copy", "own_template"), ("campaign_close", "published"), ("campaign_publish", "draft")]


@pytest.mark.parametrize(("name", "key"), POST_URLS)
@pytest.mark.parametrize("role", ["secretary", "gb_staff", "inspector"])
def test_changes_are_refused_to_roles_without_manage(client, world, users, name, key, role):
    client.force_login(users[role])
    before = (ChecklistTemplate.objects.count(), list(Campaign.objects.values_list("pk", "status")))
    response = client.post(reverse(f"ledger:{name}", args=[world[key].pk]))
    assert response.status_code in (403, 404)
    assert (ChecklistTemplate.objects.count(), list(Campaign.objects.values_list("pk", "status"))) == before


def test_other_tree_cannot_close_or_copy(client, world, users):
    client.force_login(users["org"])
    assert client.post(reverse("ledger:campaign_close", args=[world["other"].pk])).status_code == 404
    assert client.post(reverse("ledger:template_copy", args=[world["other_template"].pk])).status_code == 404
    assert Campaign.objects.get(pk=world["other"].pk).status == CampaignStatus.PUBLISHED


def test_campaign_list_shows_only_what_the_user_may_see(client, world, users):
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:campaign_list")).content.decode()
    assert world["published"].name in page
    assert "草稿行动" not in page and "另一行动" not in page and "第二党总支行动" not in page


@pytest.mark.parametrize("name", ["template_list", "template_create", "campaign_list", "campaign_create"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(f"ledger:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_anonymous_object_pages_redirect_to_login(client, world):
    for name, key in [("template_detail", "own_template"), ("campaign_detail", "published"),
                      ("campaign_edit", "draft"), ("campaign_publish", "draft")]:
        response = client.get(reverse(f"ledger:{name}", args=[world[key].pk]))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
