"""Which campaigns a viewer sees is one rule (branches.selectors.issued_condition), the same on every page:
everything issued inside their subtree (drafts too), and what was published above them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branches.models import Role
from ledger.models import TargetKind
from tests.conftest import make_user
from tests.factories import make_campaign

CAMPAIGN_PAGES = ("ledger:campaign_detail", "ledger:campaign_ledgers", "reviews:dashboard")


def statuses(client, user, campaign) -> dict[str, int]:
    client.force_login(user)
    return {name: client.get(reverse(name, args=[campaign.pk])).status_code for name in CAMPAIGN_PAGES}


def listed_in_results(client, user, campaign) -> bool:
    client.force_login(user)
    return campaign.name in client.get(reverse("reviews:index")).content.decode()


@pytest.mark.django_db
def test_a_campaign_published_above_opens_on_every_page_even_without_a_ledger_below(client, tree, users):
    # Issued by the committee to its general branches: the branch below gb1 has no ledger of its own in it.
    campaign = make_campaign(tree.root, actor=users["org"], name="党总支专项整治", target_kind=TargetKind.GENERAL_BRANCHES)

    assert statuses(client, users["secretary"], campaign) == dict.fromkeys(CAMPAIGN_PAGES, 200)
    assert listed_in_results(client, users["secretary"], campaign)


@pytest.mark.django_db
def test_a_draft_is_seen_only_inside_the_issuers_subtree(client, tree, users):
    draft = make_campaign(tree.root, actor=users["org"], name="尚未发布的专项行动", publish=False)

    assert statuses(client, users["secretary"], draft) == dict.fromkeys(CAMPAIGN_PAGES, 404)
    assert statuses(client, users["org"], draft)["ledger:campaign_detail"] == 200
    assert not listed_in_results(client, users["org"], draft)  # results are about published work only


@pytest.mark.django_db
def test_another_trees_campaign_is_never_seen(client, tree, users):
    other_org = make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT)
    campaign = make_campaign(tree.other_root, actor=other_org, name="另一党委的专项行动")

    for viewer in ("secretary", "gb_staff", "org", "inspector"):
        assert statuses(client, users[viewer], campaign) == dict.fromkeys(CAMPAIGN_PAGES, 404)
        assert not listed_in_results(client, users[viewer], campaign)


@pytest.mark.django_db
def test_the_supervision_form_offers_the_campaigns_its_author_units_see(client, tree, users):
    """The committee may file a supervision record about a general branch's own campaign (the service accepts
    a campaign issued inside the author unit); drafts and other trees are not offered."""
    gb_org = make_user("gb_org", tree.gb1, Role.ORG_DEPARTMENT)
    below = make_campaign(tree.gb1, actor=gb_org, name="第一党总支专项行动")
    above = make_campaign(tree.root, actor=users["org"], name="学院党委专项行动")
    make_campaign(tree.gb1, actor=gb_org, name="第一党总支草稿", publish=False)
    other_org = make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT)
    make_campaign(tree.other_root, actor=other_org, name="另一党委的专项行动")

    client.force_login(users["org"])
    offered = client.get(reverse("reviews:supervision_create")).context["form"].fields["campaign"].queryset
    assert set(offered) == {below, above}

    client.force_login(users["gb_staff"])  # general-branch staff at gb1: its own tree's campaigns, from above too
    offered = client.get(reverse("reviews:supervision_create")).context["form"].fields["campaign"].queryset
    assert set(offered) == {below, above}
