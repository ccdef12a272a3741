"""python manage.py export_campaign_zip --campaign <id or 文号> [--level <kind|depth>] --output 附件2.zip

The whole campaign (no scope: run by an operator) as one ZIP of per-unit workbooks, each unit at the level given:
a depth of the tree (as `OrgUnit.depth`: the province 0, a city 1 …) or a kind (committee, general_branch, branch:
the highest level where units of that kind are found). Without --level, the highest level whose units have at
most EXPORT_ZIP_UNIT_ROWS rows each.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import OrgUnit, UnitKind
from ledger.management.commands.export_ledger import find_campaign
from ledger.zip_exports import make_plan, write_campaign_zip, zip_choices


def level_of(value: str, issuer: OrgUnit, levels: list[tuple[int, list[str]]]) -> int:
    if value.isdigit():
        return int(value)
    if value not in UnitKind.values:
        raise CommandError(f"--level {value!r}: a depth or one of {', '.join(UnitKind.values)}")
    below = OrgUnit.objects.filter(kind=value, path__startswith=issuer.path)
    for depth, _names in levels:
        if below.filter(depth=depth).exists():
            return depth
    raise CommandError(f"no {value} units below the campaign's issuer")


class Command(BaseCommand):
    help = "Write a campaign's 附件2 as one ZIP with one workbook per unit at a level of the tree (streamed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", required=True, help="campaign id or document number (文号)")
        parser.add_argument("--level", help="depth (0 = the root) or kind (committee, general_branch, branch); "
                                            "default: units of at most ~20,000 rows each")
        parser.add_argument("--output", required=True, help="path of the .zip file to write")

    def handle(self, *args, campaign: str, level: str | None, output: str, **options) -> None:
        found = find_campaign(campaign)
        _roots, levels = zip_choices(scope=None, campaign=found)
        depth = level_of(level, found.issuer, levels) if level else None
        try:
            plan = make_plan(scope=None, campaign=found, level=depth)
        except ValueError:
            choices = ", ".join(f"{depth} ({'、'.join(names)})" for depth, names in levels)
            raise CommandError(f"--level {level}: the levels below the issuer are {choices}") from None

        def progress(done: int, total: int, name: str) -> None:
            self.stderr.write(f"\r{done}/{total} {name}", ending="")

        written = write_campaign_zip(plan, Path(output), progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(f"{output} ({written} workbooks, level {plan.level})")
