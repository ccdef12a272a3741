"""`python manage.py seed_demo`: the demo university and the other seeds' trees, idempotent; prints every account.

The current campaign is dated around the day of seeding (`--today`, by default the Asia/Shanghai date): see
`ledger.demo`. Seeding again, the same day or later, leaves what exists as it is; only the reminder sweep for
that day runs again (it sends nothing twice).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from branches.demo import DEMO_PASSWORD, seed_scheme_trees, seed_tree


class Command(BaseCommand):
    help = "Build (or complete) the demo university and the other seeds' trees and print their accounts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="the day to seed the demo for (YYYY-MM-DD); by default today")

    def handle(self, *args, **options) -> None:
        today = _day(options.get("today")) or timezone.localdate()
        with transaction.atomic():
            root, accounts = seed_tree()
            accounts += seed_scheme_trees()  # the other seeds' trees: a province's chain and a college
            for step in demo_steps():
                step(root, today=today)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, full_name, role, unit in accounts:
            self.stdout.write(f"  {username:<12} {role:<22} {unit.name}  ({full_name})")


def _day(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today: {error}") from error


def demo_steps() -> list:
    """Each part of the product adds its demo data here, in order; each step is idempotent and is called as
    `step(root, today=…)` (the steps that date things read the current campaign's calendar, `ledger.demo`)."""
    return [import_string(path) for path in DEMO_STEPS]


DEMO_STEPS = [
    "ledger.demo.seed_campaigns",  # the current campaign dated around today; 2022 filled and closed, 2023 carried
    # over from it and closed; a draft
    "ledger.workflow_demo.seed_workflow",  # ledgers of the current campaign in every workflow state
    "ledger.periodic_demo.seed_periodic",  # the current campaign's quarterly reports in every state
    "ledger.schemes_demo.seed_schemes",  # the other four seeds' campaigns, in their own trees
    "reviews.demo.seed_reviews",  # supervision, a reopened item, ratings
    "reviews.demo.seed_years",  # 2022 and 2023 ratings, the 2023 survey and this year's with its three tiers
    "reports.demo.seed_reports",  # a signed 附件3 report and a draft
    "notifications.demo.seed_notifications",  # the reminder sweep for today (last: it reads the rest)
]
