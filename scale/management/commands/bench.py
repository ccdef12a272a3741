"""`python manage.py bench`: measure every page of the URL configuration (scale/bench_rules.py), exports, report,
sweep and publishing on this database. It refuses to run while a URL name has no bench rule."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scale.bench import render_table, run_bench


class Command(BaseCommand):
    help = "Benchmark the product on the data made by generate_scale; print a table and write JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default="bench-results/bench.json", help="where to write the JSON")
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (the floor gets twice)")
        parser.add_argument("--readme", help="also put the table (without the plans) into this Markdown file, "
                                                 "between the lines <!-- bench:start --> and <!-- bench:end -->")
        parser.add_argument("--tallies", choices=["as-counted", "stale", "stale-changed"], default="as-counted",
                            help="before the rows, make the subtree tallies stale (older than TALLY_MAX_AGE_MINUTES), "
                                 "and with stale-changed mark the featured county changed; the next refresh_tallies "
                                 "makes them fresh again")
        parser.add_argument("--only", nargs="*", help="URL names (reviews:item_list, item_list, a namespace such as reviews) or tasks (export, report, sweep, publish, zip, recount) to run; default: all")

    def handle(self, *args, output: str, repeat: int, only: list[str] | None, readme: str | None = None,
               tallies: str = "as-counted",
               **options) -> None:
        try:
            run = run_bench(repeat=repeat, log=self.stdout.write, only=set(only) if only else None, tallies=tallies)
        except LookupError as error:
            raise CommandError(str(error)) from error
        table = render_table(run)
        self.stdout.write("")
        self.stdout.write(table)
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(run.as_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        path.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} and {path.with_suffix('.md')}"))
        if readme:
            readme_put(Path(readme), render_table(run, with_plans=False))
            self.stdout.write(self.style.SUCCESS(f"Wrote the table into {readme}"))


START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def readme_put(path: Path, table: str) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise CommandError(f"{path} has no {START} … {END} section for the table")
    head, rest = text.split(START, 1)
    path.write_text(f"{head}{START}\n{table}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
