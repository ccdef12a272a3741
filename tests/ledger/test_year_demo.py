"""The demo shows year after year: 2022 filled and closed, 2023 carried over from it with recurring problems (one
confirmed), the current campaign carrying 2023's unfinished measure and meeting a problem closed in 2022, quarterly
reports in several states, tier surveys and ratings in several years on the units' records; seeding again changes
none of it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from branches.models import OrgUnit
from ledger.demo import HISTORY_DOC_NUMBER, current_campaign
from ledger.history_demo import CARRIED_DOC_NUMBER, CONFIRMED_REASON
from ledger.models import (
    Campaign,
    CampaignStatus,
    Ledger,
    PeriodicReport,
    Problem,
    RectificationItem,
    RecurrenceState,
    ReportCycle,
)
from reviews.models import StarRating, TierSurvey, TierSurveyEntry


@pytest.fixture
def seeded(seeded_demo):
    """The demo as `seed_demo` makes it today (the worker's copy: tests/conftest.py, DemoCopy)."""


def counts() -> dict:
    return {
        "campaigns": sorted(Campaign.objects.values_list("name", "status", "year")),
        "ledgers": Ledger.objects.count(),
        "problems": sorted(Problem.objects.values_list("pk", "status", "recurrence_state", "carried_from_id")),
        "items": sorted(RectificationItem.objects.values_list("pk", "status", "deadline", "carried_from_id")),
        "cycles": ReportCycle.objects.count(),
        "reports": sorted(PeriodicReport.objects.values_list("pk", "status")),
        "surveys": sorted(TierSurvey.objects.values_list("year", "status")),
        "tiers": TierSurveyEntry.objects.count(),
        "ratings": sorted(StarRating.objects.values_list("unit__code", "year", "stars", "status")),
    }


def _page(client, username: str, url: str) -> str:
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _ledger(doc_number: str | None, code: str) -> Ledger:
    unit = OrgUnit.objects.get(code=code)
    campaign = current_campaign(unit.parent.parent) if doc_number is None else Campaign.objects.get(doc_number=doc_number)
    return Ledger.objects.get(campaign=campaign, unit=unit)


def test_the_demo_shows_year_after_year_and_seeding_again_changes_nothing(seeded, client):
    history = Campaign.objects.get(doc_number=HISTORY_DOC_NUMBER)
    carried = Campaign.objects.get(doc_number=CARRIED_DOC_NUMBER)
    assert history.status == carried.status == CampaignStatus.CLOSED
    assert Problem.objects.filter(ledger__campaign=history).count() >= 5
    assert Problem.objects.filter(ledger__campaign=carried, carried_from__ledger__campaign=history).count() == 3

    # A branch secretary's 2023 ledger: the carried problem and the recurrence the general branch confirmed.
    page = _page(client, "zhishu31", _ledger(CARRIED_DOC_NUMBER, "WFU-03-01").get_absolute_url())
    assert "结转自 2022 年" in page and CONFIRMED_REASON in page
    confirmed = Problem.objects.get(ledger__campaign=carried, recurrence_state=RecurrenceState.CONFIRMED)
    assert confirmed.recurrence_decided_by.username == "zongzhi3"
    assert Problem.objects.filter(ledger__campaign=carried, recurrence_state=RecurrenceState.FLAGGED).count() == 1

    # The current campaign: 2023's unfinished measure carried on, and a problem closed in 2022 come back.
    page = _page(client, "zhishu33", _ledger(None, "WFU-03-03").get_absolute_url())
    assert "结转自 2023 年" in page
    page = _page(client, "zhishu14", _ledger(None, "WFU-01-04").get_absolute_url())
    assert "疑似反弹" in page and "2022 年" in page

    # Quarterly reports in several states on the current campaign.
    campaign = _ledger(None, "WFU-01-01").campaign
    states = set(PeriodicReport.objects.filter(period__cycle__campaign=campaign).values_list("status", flat=True))
    assert {"accepted", "submitted", "returned", "draft"} <= states
    page = _page(client, "zuzhibu", reverse("ledger:periodic_who_reported", args=[campaign.pk]))
    assert "已通过" in page and "已退回" in page

    # A branch's record: three campaigns, a tier in 2022 (stars), 2023 and this year (surveys), its moves.
    page = _page(client, "zuzhibu", reverse("reviews:unit_record", args=[OrgUnit.objects.get(code="WFU-03-03").pk]))
    for name in (history.name, carried.name, campaign.name):
        assert name in page
    years = page[page.index('id="record-years"'):page.index('id="record-visits"')]
    for year in ("2022", "2023", str(campaign.year)):
        assert f">{year}<" in years
    assert "后进" in years and "先进" in years and "上升" in years
    assert {2023, campaign.year} <= set(TierSurvey.objects.values_list("year", flat=True))

    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first
