"""附件2 — 党支部对账整改专项行动自查问题、整改与责任清单, as an Excel workbook (openpyxl).

The layout is the notice's: a title row, 党总支（党委）：…, 党支部名称：…, the header 查摆内容 | 查摆问题 |
整改措施 | 整改时限 | 责任人, then one block per template category (the category cell merged over its
rows; a category without problems is still listed once). Each measure is one row, so that its time
limit and responsible person stay beside it; the problem cell is merged over its measures. Two
columns follow the document's own: 状态 and 销号日期.

Every workbook is written in openpyxl's write-only mode, one code path for a single branch and for a
whole campaign: rows are streamed from one database query and written straight to the sheet, so memory
does not grow with the row count (only the list of merged ranges does, a few dozen bytes per problem).

Layouts:
- one ledger: one sheet;
- a general branch (the unit given is a 党总支): a 汇总 sheet with counts per branch, then one sheet per branch;
- anything larger (a 党委 or the whole campaign): 汇总, then one sheet per general branch holding one block
  (党支部名称 + header + categories) per branch.

Any text a user typed that begins with = + - @ (or a tab / carriage return) is written as a string cell
with Excel's quote prefix, so it can never be evaluated as a formula (CSV/Excel injection).
"""

from __future__ import annotations

import copy
import datetime
import itertools
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from branches.models import OrgUnit, UnitKind
from ledger.models import Campaign, ItemStatus, Ledger, TemplateCategory
from ledger.selectors.exports import ExportRow, export_row_count, export_rows, ledger_summaries

ONGOING = "立行立改、长期坚持"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
COLUMN_WIDTHS = (22, 40, 50, 16, 18, 10, 14)  # 查摆内容 … 销号日期: about one A4 landscape width
SUMMARY_WIDTHS = (6, 28, 30, 10, 10, 10, 10, 10, 10)
TITLE_FONT = Font(name="方正小标宋简体", size=16, bold=True)
LABEL_FONT = Font(name="仿宋", size=12)
HEADER_FONT = Font(name="黑体", size=12, bold=True)
BODY_FONT = Font(name="仿宋", size=11)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_TOP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")
MIDDLE = Alignment(vertical="center")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

ProgressCallback = Callable[[int, int], None]


def headers() -> list[str]:
    return [_("查摆内容"), _("查摆问题"), _("整改措施"), _("整改时限"), _("责任人"), _("状态"), _("销号日期")]


def summary_headers() -> list[str]:
    return [_("序号"), _("党总支（党委）"), _("党支部"), _("台账状态"), _("问题数"), _("措施数"), _("已销号"),
            _("未销号"), _("逾期")]


def workbook_title(campaign: Campaign) -> str:
    return _("%(name)s自查问题、整改与责任清单") % {"name": campaign.name}


def format_date(value: datetime.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def time_limit_text(*, is_ongoing: bool | None, deadline: datetime.date | None) -> str:
    if is_ongoing:
        return ONGOING
    return format_date(deadline)


def responsible_text(*, name: str | None, leader: str | None, unit: str | None) -> str:
    lines = [part for part in (unit, name) if part]
    if leader:
        lines.append(_("责任领导：%(name)s") % {"name": leader})
    return "\n".join(lines)


def safe_cell(ws: Worksheet, value, *, font: Font = BODY_FONT, alignment: Alignment = WRAP_TOP,
              border: Border | None = BORDER) -> WriteOnlyCell:
    """A styled cell; text starting with a formula trigger is forced to a quoted string."""
    cell = WriteOnlyCell(ws, value=value)
    _apply_style(ws, cell, font, alignment, border)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True  # part of the cell's own style array, set after the shared style is copied in
    return cell


def _apply_style(ws: Worksheet, cell: WriteOnlyCell, font: Font, alignment: Alignment, border: Border | None) -> None:
    """Give `cell` the style, registering each combination with the workbook once.

    Assigning font/alignment/border makes openpyxl hash the style objects into the workbook's style lists
    on every cell, which was most of an export's time at county size (scale bench); the style array it
    ends up with is the same for every cell of a combination, so it is computed once and copied.
    """
    cache = ws.parent.__dict__.setdefault("_ledger_style_cache", {})
    key = (id(font), id(alignment), id(border))
    cached = cache.get(key)
    if cached is not None and cached[0] is font and cached[1] is alignment and cached[2] is border:
        cell._style = copy.copy(cached[3])
        return
    cell.font = font
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    cache[key] = (font, alignment, border, copy.copy(cell._style))


def unique_sheet_name(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = SHEET_NAME_BAD.sub("_", name).strip("'") or "Sheet"
    candidate = base[:31]
    for n in itertools.count(2):
        if candidate.lower() not in used:
            break
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def _setup_sheet(ws: Worksheet, widths: tuple[int, ...], header_row: int) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"1:{header_row}"


class SheetWriter:
    """Appends rows to one write-only sheet, counting them and collecting merged ranges."""

    def __init__(self, ws: Worksheet, columns: int) -> None:
        self.ws = ws
        self.columns = columns
        self.row = 0

    def append(self, cells: list) -> int:
        self.ws.append(cells)
        self.row += 1
        return self.row

    def merge(self, first_row: int, last_row: int, first_col: int = 1, last_col: int | None = None) -> None:
        from openpyxl.utils import get_column_letter

        last_col = last_col or first_col
        if first_row == last_row and first_col == last_col:
            return
        self.ws.merged_cells.add(
            f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        )

    def title(self, text: str) -> None:
        cells = [safe_cell(self.ws, text, font=TITLE_FONT, alignment=WRAP_CENTER, border=None)]
        cells += [None] * (self.columns - 1)
        row = self.append(cells)
        self.ws.row_dimensions[row].height = 36
        self.merge(row, row, 1, self.columns)

    def label(self, text: str) -> None:
        row = self.append([safe_cell(self.ws, text, font=LABEL_FONT, alignment=MIDDLE,
                                     border=None)] + [None] * (self.columns - 1))
        self.merge(row, row, 1, self.columns)

    def header(self, names: list[str]) -> int:
        row = self.append([safe_cell(self.ws, name, font=HEADER_FONT, alignment=WRAP_CENTER) for name in names])
        self.ws.row_dimensions[row].height = 24
        return row


def _item_cells(ws: Worksheet, row: ExportRow | None, problem_label: str, category_label: str) -> list:
    """One data row: category, problem, measure, time limit, responsible, status, closed date."""
    if row is None or row.item_number is None:
        measure = limit = person = status = closed = ""
        if row is not None:
            status = _("未制定措施")
    else:
        measure = f"{row.item_number}. {row.measure}"
        limit = time_limit_text(is_ongoing=row.is_ongoing, deadline=row.deadline)
        person = responsible_text(name=row.responsible_name, leader=row.responsible_leader,
                                  unit=row.responsible_unit)
        status = str(ItemStatus(row.status).label) if row.status else ""
        closed = format_date(timezone.localtime(row.closed_at).date()) if row.closed_at else ""
    center = WRAP_TOP_CENTER
    return [
        safe_cell(ws, category_label, alignment=WRAP_MIDDLE),
        safe_cell(ws, problem_label),
        safe_cell(ws, measure),
        safe_cell(ws, limit, alignment=center),
        safe_cell(ws, person, alignment=center),
        safe_cell(ws, status, alignment=center),
        safe_cell(ws, closed, alignment=center),
    ]


class LedgerBlockWriter:
    """Writes the category blocks of one ledger from its (already ordered) rows."""

    def __init__(self, sheet: SheetWriter, categories: list[TemplateCategory], progress: Callable[[], None]):
        self.sheet = sheet
        self.categories = categories
        self.progress = progress

    def write(self, rows: list[ExportRow] | Iterator[ExportRow]) -> None:
        by_category: dict[int, list[ExportRow]] = {}
        for row in rows:
            by_category.setdefault(row.category_id, []).append(row)
        for category in self.categories:
            self._category(category, by_category.get(category.pk, []))

    def _category(self, category: TemplateCategory, rows: list[ExportRow]) -> None:
        ws = self.sheet.ws
        label = f"{category.order}. {category.title}"
        first = self.sheet.row + 1
        if not rows:
            self.sheet.append(_item_cells(ws, None, "", label))
            return
        for number, (_problem_id, problem_rows) in enumerate(
            itertools.groupby(rows, key=lambda r: r.problem_id), start=1
        ):
            problem_first = self.sheet.row + 1
            for row in problem_rows:
                self.sheet.append(_item_cells(ws, row, f"{number}. {row.description}", label))
                self.progress()
            self.sheet.merge(problem_first, self.sheet.row, 2)
        self.sheet.merge(first, self.sheet.row, 1)


@dataclass
class ExportSelection:
    """What to export: the campaign, the unit the export is about (None: the whole campaign), the ledgers."""

    campaign: Campaign
    unit: OrgUnit | None
    ledgers: object  # QuerySet[Ledger], already scoped and ordered by unit path

    @property
    def layout(self) -> str:
        if self.unit is not None and self.ledgers.filter(unit=self.unit).exists() and self.ledgers.count() == 1:
            return "single"
        if self.unit is not None and self.unit.kind == UnitKind.GENERAL_BRANCH:
            return "per_ledger"
        return "per_parent"


def _parent_name(ledger: Ledger) -> str:
    parent = ledger.unit.parent
    return parent.name if parent else ""


def _rows_by_ledger(selection: ExportSelection) -> Iterator[tuple[Ledger, Iterator[ExportRow]]]:
    """Merge-join the ledgers (all of them, even empty) with the streamed rows, both in unit-path order."""
    rows = iter(export_rows(selection.ledgers))
    pending = next(rows, None)
    for ledger in selection.ledgers.iterator(chunk_size=500):
        own: list[ExportRow] = []
        while pending is not None and pending.ledger_id == ledger.pk:
            own.append(pending)
            pending = next(rows, None)
        yield ledger, own


def _write_summary(wb: Workbook, selection: ExportSelection, used: set[str]) -> None:
    ws = wb.create_sheet(unique_sheet_name(_("汇总"), used))
    _setup_sheet(ws, SUMMARY_WIDTHS, 3)
    sheet = SheetWriter(ws, len(SUMMARY_WIDTHS))
    sheet.title(_("%(title)s（汇总）") % {"title": workbook_title(selection.campaign)})
    scope_name = selection.unit.name if selection.unit else selection.campaign.issuer.name
    sheet.label(_("范围：%(name)s　导出时间：%(at)s") % {
        "name": scope_name, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    sheet.header(summary_headers())
    totals = [0, 0, 0, 0, 0]
    number = 0
    for number, ledger in enumerate(ledger_summaries(selection.ledgers).iterator(chunk_size=1000), start=1):
        counts = [ledger.n_problems, ledger.n_items, ledger.n_closed, ledger.n_open, ledger.n_overdue]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        sheet.append([safe_cell(ws, number), safe_cell(ws, _parent_name(ledger)), safe_cell(ws, ledger.unit.name),
                      safe_cell(ws, str(ledger.get_status_display()))] + [safe_cell(ws, n) for n in counts])
    sheet.append([safe_cell(ws, ""), safe_cell(ws, _("合计（%(n)s个台账）") % {"n": number}),
                  safe_cell(ws, ""), safe_cell(ws, "")] + [safe_cell(ws, n, font=HEADER_FONT) for n in totals])


def _new_list_sheet(wb: Workbook, name: str, used: set[str], campaign: Campaign, parent_label: str) -> SheetWriter:
    ws = wb.create_sheet(unique_sheet_name(name, used))
    _setup_sheet(ws, COLUMN_WIDTHS, 4)
    sheet = SheetWriter(ws, len(COLUMN_WIDTHS))
    sheet.title(workbook_title(campaign))
    sheet.label(_("党总支（党委）：%(name)s") % {"name": parent_label})
    return sheet


def build_workbook(selection: ExportSelection, output: Path, *, progress: ProgressCallback | None = None) -> Path:
    """Write the 附件2 workbook of `selection` to `output` and return it."""
    total = export_row_count(selection.ledgers) if progress else 0
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and done % 500 == 0:
            progress(done, total)

    categories = list(selection.campaign.template.categories.order_by("order"))
    wb = Workbook(write_only=True)
    used: set[str] = set()
    layout = selection.layout
    if layout != "single":
        _write_summary(wb, selection, used)
    current_parent: int | None = None
    sheet: SheetWriter | None = None
    for ledger, rows in _rows_by_ledger(selection):
        if layout == "per_parent":
            if sheet is None or ledger.unit.parent_id != current_parent:
                current_parent = ledger.unit.parent_id
                sheet = _new_list_sheet(wb, _parent_name(ledger) or ledger.unit.name, used, selection.campaign,
                                        _parent_name(ledger))
            else:
                sheet.append([])
            sheet.label(_("党支部名称：%(name)s") % {"name": ledger.unit.name})
            sheet.header(headers())
        else:
            sheet = _new_list_sheet(wb, ledger.unit.name, used, selection.campaign, _parent_name(ledger))
            sheet.label(_("党支部名称：%(name)s") % {"name": ledger.unit.name})
            sheet.header(headers())
        LedgerBlockWriter(sheet, categories, tick).write(rows)
    if not wb.worksheets:
        empty = _new_list_sheet(wb, _("清单"), used, selection.campaign, "")
        empty.label(_("（没有可导出的台账）"))
    if progress:
        progress(total, total)
    wb.save(output)
    return output


def export_file_name(selection: ExportSelection) -> str:
    who = selection.unit.name if selection.unit else selection.campaign.issuer.name
    stamp = timezone.localtime().strftime("%Y%m%d")
    return f"附件2-{who}-{stamp}.xlsx"


def build_workbook_bytes(selection: ExportSelection, *, progress: ProgressCallback | None = None) -> bytes:
    """The workbook as bytes, written through a temporary file (openpyxl streams to disk)."""
    with tempfile.TemporaryDirectory(prefix="ledger-export-") as tmp:
        path = build_workbook(selection, Path(tmp) / "export.xlsx", progress=progress)
        return path.read_bytes()
