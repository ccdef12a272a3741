"""The home page's units by kind from the tree's stored tallies: read whatever their age while the tree has not
changed (the beat may have stopped: counting live reads the province's 300k units), and counted live the moment a
unit is created, deactivated or reactivated, until the next recount. And the campaign ledger list's tallied total
says when it was counted, as the other tallied lists do."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import UnitKind
from branches.selectors import SYSTEM
from branches.services import unit_update
from ledger.models import SubtreeTally
from reviews.tallies import tallies_refresh
from tests.conftest import make_unit

NEVER = 10**9  # TALLY_MIN_LEDGERS that no subtree reaches: everything is counted live


@pytest.fixture
def counted(tree, users, busy_campaign, settings):
    settings.TALLY_MIN_LEDGERS = 1
    tallies_refresh()
    return busy_campaign


def branches_shown(client, user) -> int:
    """The 党支部 figure of the home page's 组织 line."""
    client.force_login(user)
    counts = dict(client.get(reverse("home")).context["tree_counts"])
    return counts[UnitKind.BRANCH.label]


def age_tallies() -> datetime.datetime:
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    SubtreeTally.objects.update(counted_at=two_hours_ago)
    return two_hours_ago


def test_a_stale_tree_tally_is_read_while_no_unit_changed(client, users, counted, tree):
    live = branches_shown(client, users["org"])
    age_tallies()
    SubtreeTally.objects.filter(campaign__isnull=True, unit=tree.root).update(units={UnitKind.BRANCH: 99})
    assert live == 3 and branches_shown(client, users["org"]) == 99  # the stored row, two hours old
    unit_update(actor=SYSTEM, unit=tree.b1, name="改名的党支部")  # a new name changes no count
    assert branches_shown(client, users["org"]) == 99


def test_a_new_unit_shows_at_once_and_after_the_recount(client, users, counted, tree):
    before = branches_shown(client, users["org"])
    make_unit(tree.gb2, UnitKind.BRANCH, "B4", "第四党支部")  # the tallies were counted a moment ago
    assert branches_shown(client, users["org"]) == before + 1
    tallies_refresh()
    SubtreeTally.objects.filter(campaign__isnull=True, unit=tree.root).update(units={UnitKind.BRANCH: 99})
    assert branches_shown(client, users["org"]) == 99  # recounted at the new mark: stored rows read again


def test_deactivating_and_reactivating_a_unit_show_at_once_on_a_stale_tally(client, users, counted, tree):
    before = branches_shown(client, users["org"])
    age_tallies()
    unit_update(actor=SYSTEM, unit=tree.b3, is_active=False)
    assert branches_shown(client, users["org"]) == before - 1
    tallies_refresh()
    age_tallies()
    unit_update(actor=SYSTEM, unit=tree.b3, is_active=True)
    assert branches_shown(client, users["org"]) == before


def ledger_list(client, user, campaign):
    client.force_login(user)
    return client.get(reverse("ledger:campaign_ledgers", args=[campaign.pk]))


def test_the_campaign_ledger_list_says_when_its_tallied_total_was_counted(client, users, counted, settings):
    counted_at = age_tallies()  # stale, but nothing changed since: still read
    response = ledger_list(client, users["org"], counted)
    at = timezone.localtime(counted_at).strftime("%H:%M")
    assert response.context["page"].total.n == counted.ledgers.count()
    assert f"（截至 {at} 统计）" in response.content.decode()
    settings.TALLY_MIN_LEDGERS = NEVER  # counted live: exact now, no time to say
    assert "截至" not in ledger_list(client, users["org"], counted).content.decode()
