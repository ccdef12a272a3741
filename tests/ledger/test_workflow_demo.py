"""The workflow demo: ledgers in every state of the Weifang campaign, and running it twice changes nothing."""

from __future__ import annotations

from branches.demo import seed_tree
from ledger.models import (
    ChecklistTemplate,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    RectificationItem,
    TemplateCategory,
)
from ledger.workflow_demo import seed_workflow
from tests.factories import make_campaign


def weifang_shaped_template() -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(name="党支部问题台账", code="weifang-test")
    for order, count in enumerate([5, 6, 4, 5, 2, 3], start=1):
        category = TemplateCategory.objects.create(template=template, order=order, title=f"类别{order}")
        for m in range(1, count + 1):
            Manifestation.objects.create(category=category, order=m, text=f"表现{order}.{m}")
    return template


def test_demo_ledgers_in_every_state_and_idempotent(db):
    root, _ = seed_tree()
    campaign = make_campaign(root, template=weifang_shaped_template())
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


def test_demo_without_the_campaign_does_nothing(db):
    root, _ = seed_tree()
    seed_workflow(root)
    assert not LedgerEvent.objects.exists()
