"""`python manage.py refresh_tallies`: recount the subtree tallies now (the beat does it every few minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews.tallies import tallies_refresh


class Command(BaseCommand):
    help = "Recount the dashboard tallies of every published or closed campaign and of the tree."

    def handle(self, *args, **options) -> None:
        for name, rows in tallies_refresh().items():
            self.stdout.write(f"{name}: {rows} units")
