"""`python manage.py generate_scale --units 300000 --items 1000000`: a province's data for the benchmark."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from scale.generator import PASSWORD, Plan, ScaleGenerator, purge_scale_data, scale_data_exists


class Command(BaseCommand):
    help = "Generate a province-sized organization tree with one published campaign, ledgers, problems and items."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--units", type=int, default=2_000, help="organization units in all (300000 = a province)")
        parser.add_argument("--items", type=int, default=6_000, help="rectification items in all")
        parser.add_argument("--seed", type=int, default=2022, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="delete earlier scale data first")

    def handle(self, *args, units: int, items: int, seed: int, reset: bool, **options) -> None:
        if scale_data_exists():
            if not reset:
                raise CommandError("Scale data already exists in this database; run again with --reset to replace it.")
            started = time.perf_counter()
            deleted = purge_scale_data()
            self.stdout.write(f"reset: deleted {sum(deleted.values()):,} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        try:
            generator = ScaleGenerator(Plan(units=units, items=items, seed=seed), log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        plan = generator.run()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"units per level: {', '.join(f'{n:,}' for n in generator.counts)}")
        for label, count in sorted(plan.made.items()):
            self.stdout.write(f"  {label:<32} {count:>12,}")
        self.stdout.write(self.style.SUCCESS(
            f"Generated {units:,} units and {items:,} items in {elapsed:.1f} s. "
            f"Accounts scale_province, scale_county, scale_gb, scale_branch … password {PASSWORD}"
        ))
