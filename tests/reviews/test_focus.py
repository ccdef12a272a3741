"""The campaign and unit a reviews page is about: a selector answers None outside the scope, the page a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branches.selectors import scope_for
from reviews.selectors.focus import campaign_find, focus_unit
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def test_outside_the_scope_the_selectors_find_nothing_and_the_page_is_a_404(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    scope = scope_for(users["gb_staff"])  # general-branch staff of gb1

    assert campaign_find(scope=scope, pk=campaign.pk) == campaign
    assert focus_unit(scope=scope, campaign=campaign) == tree.gb1
    assert focus_unit(scope=scope, campaign=campaign, unit_pk=tree.gb2.pk) is None  # a sibling's subtree
    assert campaign_find(scope=scope, pk=campaign.pk + 1000) is None

    client.force_login(users["gb_staff"])
    assert client.get(reverse("reviews:dashboard", args=[campaign.pk]) + f"?unit={tree.gb2.pk}").status_code == 404
    assert client.get(reverse("reviews:dashboard", args=[campaign.pk])).status_code == 200
