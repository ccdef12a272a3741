"""python manage.py export_ledger --campaign <id or 文号> [--unit <组织代码>] --output 附件2.xlsx"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import OrgUnit
from ledger.exports import ExportSelection, build_workbook
from ledger.models import Campaign
from ledger.selectors.exports import export_ledgers


def find_campaign(value: str) -> Campaign:
    campaigns = Campaign.objects.select_related("template", "issuer")
    if value.isdigit() and campaigns.filter(pk=int(value)).exists():
        return campaigns.get(pk=int(value))
    matches = list(campaigns.filter(doc_number=value)[:2])
    if len(matches) != 1:
        raise CommandError(f"campaign {value!r}: {'ambiguous document number' if matches else 'not found'}")
    return matches[0]


class Command(BaseCommand):
    help = "Write the 附件2 workbook of a campaign, optionally for one unit's subtree (no scope: run by an operator)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", required=True, help="campaign id or document number (文号)")
        parser.add_argument("--unit", help="unit code (组织代码); a branch, a general branch or a committee")
        parser.add_argument("--output", required=True, help="path of the .xlsx file to write")

    def handle(self, *args, campaign: str, unit: str | None, output: str, **options) -> None:
        found = find_campaign(campaign)
        org_unit = None
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"unit {unit!r} not found")
        selection = ExportSelection(campaign=found, unit=org_unit,
                                    ledgers=export_ledgers(scope=None, campaign=found, unit=org_unit))
        if not selection.ledgers.exists():
            raise CommandError("no ledger of this campaign in that unit")

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r{done}/{total} rows", ending="")

        path = build_workbook(selection, Path(output), progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(f"{path} ({selection.ledgers.count()} ledgers)")
