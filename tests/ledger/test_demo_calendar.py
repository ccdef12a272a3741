"""The demo lives in the present: seeded on a given day, its campaign is in 督查落实 that day, some measures are
overdue and some due within the reminder window, the sweep reminds of them that day, and seeding again (the same
day or a later one) changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from branches.demo import seed_tree
from ledger.demo import current_campaign, seed_campaigns
from ledger.models import (
    OPEN_ITEM_STATUSES,
    Campaign,
    CampaignStatus,
    Ledger,
    LedgerEvent,
    PeriodicReport,
    PhaseStage,
    Problem,
    RectificationItem,
    overdue_condition,
)
from ledger.workflow_demo import seed_workflow
from notifications.models import Notification, NotificationKind, ReminderLog
from reports.models import SituationReport
from reviews.models import StarRating, SupervisionRecord, TierSurvey

DAY = datetime.date(2031, 1, 14)  # January: the campaign began the previous autumn
WEEK = datetime.timedelta(days=7)


def seed_demo(day: datetime.date) -> None:
    call_command("seed_demo", today=day.isoformat(), stdout=open("/dev/null", "w"))


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    """The files of the demo seeded on DAY (its CA, its signed report), kept beside the worker's copy of its
    database (`seeded_demo_on`): every test of the module starts from both as the first seed left them."""
    return tmp_path_factory.mktemp("demo-on-day") / "media"


@pytest.fixture
def signing(settings, demo_media):
    settings.PRIVATE_MEDIA_ROOT = demo_media  # no CA yet when the demo is first seeded: the demo creates one
    settings.REPORT_SIGNING_PKCS12 = ""
    settings.REPORT_SIGNING_CA_CERTS = []


def test_seeded_on_a_day_the_campaign_is_in_supervision_with_overdue_and_due_soon_measures(db):
    root, _ = seed_tree()
    seed_campaigns(root, today=DAY)
    seed_workflow(root, today=DAY)
    campaign = current_campaign(root)
    assert campaign.status == CampaignStatus.PUBLISHED
    assert (campaign.year, campaign.doc_number, campaign.name) == (2030, "组织部〔2030〕44号", "2030年党支部对账整改专项行动")
    phases = {phase.stage: phase for phase in campaign.phases.all()}
    assert phases[PhaseStage.SELF_CHECK].ends_on < phases[PhaseStage.RECTIFICATION].ends_on < DAY
    assert phases[PhaseStage.SUPERVISION].starts_on <= DAY <= phases[PhaseStage.SUPERVISION].ends_on
    assert phases[PhaseStage.RESULTS].ends_on > DAY and campaign.results_deadline > campaign.report_deadline > DAY
    items = RectificationItem.objects.filter(ledger__campaign=campaign)
    assert items.filter(overdue_condition(DAY)).exists()
    assert items.filter(status__in=OPEN_ITEM_STATUSES, is_ongoing=False, deadline__gte=DAY,
                        deadline__lte=DAY + WEEK).exists()
    assert items.filter(deadline__gt=DAY + WEEK).exists()
    assert not LedgerEvent.objects.filter(ledger__campaign=campaign, at__date__gte=DAY).exists()
    history = Campaign.objects.get(doc_number="组织部〔2022〕44号")
    assert history.status == CampaignStatus.CLOSED


def test_the_sweep_after_seeding_reminds_of_this_week_only(signing, seeded_demo_on):
    seeded_demo_on(DAY)
    due_soon = Notification.objects.filter(kind=NotificationKind.ITEM_DUE_SOON, recipient__username="zhishu14")
    assert due_soon.exists()
    for log in ReminderLog.objects.filter(kind=NotificationKind.ITEM_DUE_SOON):
        assert DAY <= log.due_on <= DAY + WEEK
    assert Notification.objects.filter(kind=NotificationKind.ITEMS_OVERDUE, recipient__username="zhishu14").exists()
    assert Notification.objects.filter(kind=NotificationKind.REPORT_DEADLINE, recipient__username="zongzhi2").exists()
    assert not Notification.objects.filter(title__contains="2022").exists()


def snapshot() -> dict:
    campaign = Campaign.objects.exclude(doc_number="组织部〔2022〕44号").filter(doc_number__endswith="〕44号").get()
    return {
        "campaigns": sorted(Campaign.objects.values_list("doc_number", "status", "year")),
        "phases": list(campaign.phases.order_by("order").values_list("starts_on", "ends_on")),
        "ledgers": sorted(Ledger.objects.values_list("pk", "status", "submitted_at", "accepted_at")),
        "events": LedgerEvent.objects.count(),
        "items": sorted(RectificationItem.objects.values_list("pk", "status", "deadline", "closed_at")),
        "supervision": SupervisionRecord.objects.count(),
        "ratings": sorted(StarRating.objects.values_list("unit__code", "stars", "status")),
        "reports": sorted(SituationReport.objects.values_list("unit__code", "status", "pdf_sha256")),
        "problems": sorted(Problem.objects.values_list("pk", "status", "recurrence_state")),
        "periodic": sorted(PeriodicReport.objects.values_list("pk", "status")),
        "surveys": sorted(TierSurvey.objects.values_list("year", "status")),
    }


def test_seeding_again_the_same_day_or_a_later_one_changes_nothing(signing, seeded_demo_on):
    seeded_demo_on(DAY)
    first, reminders = snapshot(), Notification.objects.count()
    seed_demo(DAY)
    assert (snapshot(), Notification.objects.count()) == (first, reminders)
    seed_demo(DAY + datetime.timedelta(days=40))  # another campaign year by then: still the same campaign
    assert snapshot() == first
