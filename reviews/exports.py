"""The tier lists (三类台账) as xlsx, written with the project's streaming writer (branches/spreadsheets/writer.py)."""

from __future__ import annotations

from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from branches.spreadsheets.writer import (
    BODY_FONT,
    BORDER,
    WRAP_TOP,
    Cell,
    RowFit,
    SheetWriter,
    rounded_height,
    safe_cell,
    save_workbook,
    style_index,
    unique_sheet_name,
)
from reviews.models import Tier, TierSurvey, TierSurveyEntry

WIDTHS = (6, 24, 30, 10, 50, 30)


def tier_list_headers() -> list[str]:
    return [_("序号"), _("上级党组织"), _("党组织"), _("类别"), _("定级理由"), _("整顿提升台账")]


def tier_list_workbook(*, survey: TierSurvey, tier: str, entries: QuerySet[TierSurveyEntry], output: Path) -> Path:
    """One sheet: the title, who and when, the header, a row per unit of the tier (in the list's order)."""
    label = str(Tier(tier).label)
    wb = Workbook(write_only=True)
    sheet = SheetWriter(wb, unique_sheet_name(_("%(tier)s党组织") % {"tier": label}, set()), WIDTHS, 3)
    sheet.title(_("%(year)d年%(unit)s%(tier)s党组织台账") % {"year": survey.year, "unit": survey.issuer.name,
                                                         "tier": label})
    sheet.label(_("摸底排查状态：%(status)s　导出时间：%(at)s") % {
        "status": survey.get_status_display(), "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    sheet.header(tier_list_headers())
    body = style_index(sheet.ws, BODY_FONT, WRAP_TOP, BORDER, False)
    fit = RowFit(WIDTHS, merged=0)
    for number, entry in enumerate(entries.iterator(chunk_size=500), start=1):
        ledger = entry.improvement_ledger
        cells = [Cell(number, body), safe_cell(sheet.ws, entry.unit.parent.name if entry.unit.parent else ""),
                 safe_cell(sheet.ws, entry.unit.name), safe_cell(sheet.ws, label), safe_cell(sheet.ws, entry.reason),
                 safe_cell(sheet.ws, str(ledger.campaign) if ledger else "")]
        sheet.append(cells, height=rounded_height(fit.own_height(cells)))
    save_workbook(wb, output)
    return output
