"""`python manage.py seed_demo`: the demo university, idempotent; prints every account."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from branches.demo import DEMO_PASSWORD, seed_tree


class Command(BaseCommand):
    help = "Build (or complete) the demo university and print its accounts."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            root, accounts = seed_tree()
            for step in demo_steps():
                step(root)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, full_name, role, unit in accounts:
            self.stdout.write(f"  {username:<12} {role:<22} {unit.name}  ({full_name})")


def demo_steps() -> list:
    """Each part of the product adds its demo data here, in order; each step is idempotent."""
    return [import_string(path) for path in DEMO_STEPS]


DEMO_STEPS = [
    "ledger.demo.seed_campaigns",  # the current campaign dated around today; 2022 closed; a draft
    "ledger.workflow_demo.seed_workflow",  # ledgers of the Weifang campaign in every workflow state
    "reviews.demo.seed_reviews",  # supervision, a reopened item, ratings
    "reports.demo.seed_reports",  # a signed 附件3 report and a draft
    "notifications.demo.seed_notifications",  # the reminder sweep for the demo's day (last: it reads the rest)
]
