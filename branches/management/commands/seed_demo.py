"""`python manage.py seed_demo`: the demo university, idempotent; prints every account."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

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
    """Later parts of the product add their demo data here, in order; each step is idempotent."""
    from ledger.demo import seed_weifang_campaign

    return [
        seed_weifang_campaign,
    ]
