"""`python manage.py refresh_tallies`: recount the subtree tallies now (the beat does it every few minutes)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reviews.tallies import tallies_refresh


class Command(BaseCommand):
    help = ("Recount the dashboard tallies of the tree and of every published or closed campaign where something "
            "changed since the last count.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--full", action="store_true", help="count everything again, changed or not")

    def handle(self, *args, full: bool = False, **options) -> None:
        started = time.perf_counter()
        for name, rows in tallies_refresh(full=full).items():
            self.stdout.write(f"{name}: {rows} rows written" if rows else f"{name}: unchanged, skipped")
        self.stdout.write(f"{time.perf_counter() - started:.1f} s")
