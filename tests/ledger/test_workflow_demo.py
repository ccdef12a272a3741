"""The workflow demo: ledgers in every state of the current campaign, and running it twice changes nothing."""

from __future__ import annotations

from django.utils import timezone

from branches.demo import seed_tree
from ledger.demo import current_campaign, seed_campaigns
from ledger.models import EventAction, ItemStatus, Ledger, LedgerEvent, LedgerStatus, RectificationItem
from ledger.workflow_demo import seed_workflow


def test_demo_ledgers_in_every_state_and_idempotent(db):
    root, _ = seed_tree()
    seed_campaigns(root)
    campaign = current_campaign(root)
    seed_workflow(root)
    status = dict(Ledger.objects.filter(campaign=campaign, unit__code__in=[
        "WFU-01-01", "WFU-01-02", "WFU-01-03", "WFU-01-04", "WFU-01-05", "WFU-02-01"]).values_list("unit__code", "status"))
    assert status == {"WFU-01-01": LedgerStatus.DRAFT, "WFU-01-02": LedgerStatus.SUBMITTED,
                      "WFU-01-03": LedgerStatus.RETURNED, "WFU-01-04": LedgerStatus.ACCEPTED,
                      "WFU-01-05": LedgerStatus.ACCEPTED, "WFU-02-01": LedgerStatus.ACCEPTED}
    items = RectificationItem.objects.filter(ledger__campaign=campaign)
    in_progress = items.filter(ledger__unit__code="WFU-01-04")
    assert {ItemStatus.CLOSED, ItemStatus.CLOSURE_REQUESTED, ItemStatus.IN_PROGRESS} <= set(
        in_progress.values_list("status", flat=True))
    assert any(item.overdue for item in in_progress) and in_progress.filter(is_ongoing=True).exists()
    assert not items.filter(ledger__unit__code="WFU-01-05").exclude(status=ItemStatus.CLOSED).exists()
    assert LedgerEvent.objects.filter(ledger__unit__code="WFU-02-01", action=EventAction.LEDGER_AMENDED).exists()
    assert LedgerEvent.objects.get(ledger__unit__code="WFU-01-03", action=EventAction.LEDGER_RETURNED).comment
    counts = (LedgerEvent.objects.count(), items.count())
    seed_workflow(root)
    assert (LedgerEvent.objects.count(), items.count()) == counts


def test_demo_history_happened_over_the_campaign_not_at_the_seeding_moment(db):
    """Submitted, returned, accepted and closed on days of the campaign, in the order they happened."""
    root, _ = seed_tree()
    seed_campaigns(root)
    campaign = current_campaign(root)
    seed_workflow(root)
    start_of_today = timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time()))
    accepted = Ledger.objects.get(campaign=campaign, unit__code="WFU-01-04")
    assert accepted.created_at < accepted.submitted_at < accepted.accepted_at < start_of_today
    for ledger in Ledger.objects.filter(campaign=campaign, unit__code__startswith="WFU-0").exclude(
            status=LedgerStatus.DRAFT, problems__isnull=True):
        times = list(ledger.events.order_by("pk").values_list("at", flat=True))
        assert times == sorted(times) and times[-1] < start_of_today, ledger.unit.code
        assert len({at.date() for at in times}) > 3, "spread over days, not one moment"
    closed = RectificationItem.objects.filter(ledger=accepted, status=ItemStatus.CLOSED).get()
    assert accepted.accepted_at < closed.closed_at < start_of_today


def test_demo_without_the_campaign_does_nothing(db):
    root, _ = seed_tree()
    seed_workflow(root)
    assert not LedgerEvent.objects.exists()
