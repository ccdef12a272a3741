"""Publishing a campaign: one ledger per target unit, in one transaction, never twice."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from ledger.models import Campaign, CampaignStatus, ChecklistTemplate, Ledger, LedgerEvent, TargetKind
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish
from tests.factories import PHASES, make_campaign, make_template


def test_publish_creates_one_ledger_per_branch_of_the_issuer_subtree(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    units = set(Ledger.objects.filter(campaign=campaign).values_list("unit__code", flat=True))
    assert units == {"B1", "B2", "B3"}
    assert campaign.status == CampaignStatus.PUBLISHED
    assert LedgerEvent.objects.filter(ledger__campaign=campaign, action="ledger_created").count() == 3


def test_publishing_twice_is_refused_and_changes_nothing(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    with pytest.raises(ValidationError, match="已发布，不能重复发布"):
        campaign_publish(actor=users["org"], campaign=campaign)
    assert Ledger.objects.filter(campaign=campaign).count() == 3


def test_issuer_only_campaign_has_a_single_ledger(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], target_kind=TargetKind.ISSUER)
    assert list(Ledger.objects.filter(campaign=campaign).values_list("unit__code", flat=True)) == ["R"]


def test_phase_ending_before_it_starts_is_refused(tree, users):
    bad = [PhaseSpec("集中整改", starts_on=datetime.date(2022, 10, 9), ends_on=datetime.date(2022, 10, 1))]
    with pytest.raises(ValidationError, match="截止日期早于开始日期"):
        campaign_create(actor=users["org"], issuer=tree.root, name="x", year=2022, template=make_template(), phases=bad)
    assert not Campaign.objects.exists()


def test_template_without_categories_is_refused(tree, users):
    empty = ChecklistTemplate.objects.create(name="空模板", code="empty")
    with pytest.raises(ValidationError, match="没有任何类别"):
        campaign_create(actor=users["org"], issuer=tree.root, name="x", year=2022, template=empty, phases=PHASES)
    assert not Campaign.objects.exists()
