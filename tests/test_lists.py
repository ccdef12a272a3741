"""What every list page shares: one rule for filter values it cannot use, one pagination that keeps the filters."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgUnit, UnitKind
from reviews import services
from reviews.models import SupervisionKind
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db


def test_an_unknown_supervision_kind_is_ignored_like_every_other_unusable_filter(client, users, tree):
    record = services.supervision_create(actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK,
                                         date=timezone.localdate(), participants="组织部", visited_units=[tree.b1])
    client.force_login(users["org"])
    url = reverse("reviews:supervision_list")

    stale = client.get(url + "?kind=no-such-kind")

    assert [r.pk for r in stale.context["page"]] == [record.pk]  # was: an empty list, as if nothing was recorded
    assert 'value="look_back" selected' not in stale.content.decode()  # the form shows 全部
    assert [r.pk for r in client.get(url + "?kind=site_visit").context["page"]] == []


def test_a_page_link_keeps_the_list_parameters_and_every_list_shows_its_total(client, users, tree):
    for number in range(51):
        make_unit(tree.gb1, UnitKind.BRANCH, f"G1-{number:02d}")
    client.force_login(users["org"])

    page = client.get(reverse("branches:tree") + f"?unit={tree.gb1.pk}").content.decode()

    assert f'href="?unit={tree.gb1.pk}&amp;page=2"' in page
    assert "第 1 / 2 页" in page
    assert f"共 {OrgUnit.objects.filter(parent=tree.gb1).count()} 条" in page  # with the fixture's own branches
