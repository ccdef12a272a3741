"""附件2 — 党支部对账整改专项行动自查问题、整改与责任清单, as an Excel workbook.

The layout is the notice's: a title row, 党总支（党委）：…, 党支部名称：…, the header 查摆内容 | 查摆问题 |
整改措施 | 整改时限 | 责任人, then one block per template category (the category cell merged over its
rows; a category without problems is still listed once). Each measure is one row, so that its time
limit and responsible person stay beside it; the problem cell is merged over its measures. Two
columns follow the document's own: 状态 and 销号日期.

Every workbook goes one code path, for a single branch and for a whole campaign: rows are streamed from one
database query (`ledger/selectors/exports.py`) into the streaming sheet writer of the shared base
(`branches/spreadsheets/writer.py`: memory flat, row heights fitted to the text, formula triggers quoted), one
sheet after another.

Layouts:
- one ledger: one sheet;
- a general branch (the unit given is a 党总支): a 汇总 sheet with counts per branch, then one sheet per branch;
- anything larger (a 党委 or the whole campaign): 汇总, then one sheet per general branch holding one block
  (党支部名称 + header + categories) per branch.

When some exported measure belongs to a phase (集中整改 / 持续推进 / 融入经常 …), a last sheet 按阶段 follows: the
counts per phase, then every measure by phase. A sheet, not a column: the list sheets stay the notice's form for
every campaign (printed on A4 with its seven fitted columns, read back by people used to it), and a campaign
whose people never chose phases gets exactly the workbook it always got.
"""

from __future__ import annotations

import datetime
import itertools
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from branches.models import OrgUnit, UnitKind
from branches.spreadsheets.writer import (
    BODY_FONT,
    BORDER,
    FORMULA_TRIGGERS,
    HEADER_FONT,
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
from ledger import wording
from ledger.models import Campaign, ItemStatus, LedgerStatus, TemplateCategory
from ledger.selectors.exports import (
    ExportRow,
    LedgerHead,
    export_phase_items,
    export_phase_totals,
    export_row_count,
    export_rows,
    export_uses_phases,
    has_common_problems,
    ledger_heads,
    ledger_summaries,
)

ONGOING = "立行立改、长期坚持"
COLUMN_WIDTHS = (22, 40, 50, 16, 18, 10, 14)  # 查摆内容 … 销号日期: about one A4 landscape width
SUMMARY_WIDTHS = (6, 28, 30, 10, 10, 10, 10, 10, 10)
NATURE_WIDTHS = (10, 10)  # 个性问题, 共性问题: after the counts, only when a common problem was recorded
WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")
CENTER_TOP = Alignment(wrap_text=True, vertical="top", horizontal="center")

ProgressCallback = Callable[[int, int], None]


def headers() -> list[str]:
    return [_("查摆内容"), _("查摆问题"), _("整改措施"), _("整改时限"), _("责任人"), _("状态"), _("销号日期")]


def summary_headers(campaign: Campaign, *, natures: bool = False) -> list[str]:
    above, unit = wording.summary_unit_headers(campaign)
    return [_("序号"), above, unit, _("台账状态"), _("问题数"), _("措施数"), _("已销号"), _("未销号"), _("逾期"),
            *([_("个性问题"), _("共性问题")] if natures else [])]


def workbook_title(campaign: Campaign) -> str:
    """The title of every sheet: the campaign's list title (the notice's: 潍坊学院党支部对账整改专项行动自查问题、
    整改与责任清单)."""
    return wording.list_title(campaign)


def format_date(value: datetime.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def time_limit_text(*, is_ongoing: bool | None, deadline: datetime.date | None) -> str:
    if is_ongoing:
        return ONGOING
    return format_date(deadline)


class ItemRows:
    """Turns export rows into sheet cells: category, problem, measure, time limit, responsible, status, closed.

    Styles and translated words are looked up once per workbook, not once per cell: a county has 768k cells,
    and the per-cell lookups were half of the export's time (scale bench).
    """

    def __init__(self, ws: Worksheet) -> None:
        def ids(alignment: Alignment) -> tuple[int, int]:
            plain, quoted = (style_index(ws, BODY_FONT, alignment, BORDER, q) for q in (False, True))
            return plain, quoted

        self.styles = [ids(WRAP_MIDDLE), ids(WRAP_TOP), ids(WRAP_TOP)] + [ids(CENTER_TOP)] * 4
        self.status_labels = {value: str(label) for value, label in ItemStatus.choices}
        self.no_measure = _("未制定措施")
        self.leader = _("责任领导：%(name)s")

    def cells(self, row: ExportRow | None, problem_label: str, category_label: str) -> list[Cell]:
        if row is None or row.item_number is None:
            values = [category_label, problem_label, "", "", "", self.no_measure if row else "", ""]
        else:
            person = [part for part in (row.responsible_unit, row.responsible_name) if part]
            if row.responsible_leader:
                person.append(self.leader % {"name": row.responsible_leader})
            values = [
                category_label, problem_label, f"{row.item_number}. {row.measure}",
                time_limit_text(is_ongoing=row.is_ongoing, deadline=row.deadline), "\n".join(person),
                self.status_labels.get(row.status, ""),
                format_date(timezone.localtime(row.closed_at).date()) if row.closed_at else "",
            ]
        # plain tuples (a Cell's shape) for speed: 768k of them in a county
        return [(value, quoted if value.startswith(FORMULA_TRIGGERS) else plain)
                for value, (plain, quoted) in zip(values, self.styles, strict=True)]


class LedgerBlockWriter:
    """Writes the category blocks of one ledger from its (already ordered) rows."""

    def __init__(self, sheet: SheetWriter, categories: list[TemplateCategory], item_rows: ItemRows,
                 progress: Callable[[], None]):
        self.sheet = sheet
        self.categories = categories
        self.item_rows = item_rows
        self.progress = progress
        self.fit = RowFit(COLUMN_WIDTHS, merged=2)  # 查摆内容 and 查摆问题 are merged over their rows

    def write(self, rows: list[ExportRow] | Iterator[ExportRow]) -> None:
        by_category: dict[int, list[ExportRow]] = {}
        for row in rows:
            by_category.setdefault(row.category_id, []).append(row)
        for category in self.categories:
            self._category(category, by_category.get(category.pk, []))

    def _category(self, category: TemplateCategory, rows: list[ExportRow]) -> None:
        """One category's rows, held until their heights are known: a merged cell's height depends on all its
        rows (a category's rows are few, a ledger's being buffered already)."""
        label = f"{category.order}. {category.title}"
        if not rows:
            rows = [None]
        lines: list[list[Cell]] = []
        problems: list[tuple[int, int, str]] = []  # each problem's first and end line, its text
        for number, (_problem_id, problem_rows) in enumerate(
            itertools.groupby(rows, key=lambda r: r and r.problem_id), start=1
        ):
            start = len(lines)
            # A merged range shows its first cell only, and Excel keeps only that one: the rows below carry its
            # border, not its text again (a county's problem texts and category titles written once per range,
            # not once per measure: less to escape, write and compress).
            for index, row in enumerate(problem_rows):
                problem_label = f"{number}. {row.description}" if row and index == 0 else ""
                lines.append(self.item_rows.cells(row, problem_label, "" if lines else label))
                if row:
                    self.progress()
            problems.append((start, len(lines), lines[start][1][0]))
        heights = [self.fit.own_height(cells) for cells in lines]
        for start, end, text in problems:
            self.fit.stretch(heights, start, end, text, column=1)
        self.fit.stretch(heights, 0, len(lines), label, column=0)
        first = self.sheet.row + 1
        for cells, height in zip(lines, RowFit.rounded(heights), strict=True):
            self.sheet.append(cells, height=height)
        for start, end, _text in problems:
            self.sheet.merge(first + start, first + end - 1, 2)
        self.sheet.merge(first, self.sheet.row, 1)


@dataclass
class ExportSelection:
    """What to export: the campaign, the unit the export is about (None: the whole campaign), the ledgers."""

    campaign: Campaign
    unit: OrgUnit | None
    ledgers: object  # QuerySet[Ledger], already scoped and in LEDGER_ORDER

    @property
    def layout(self) -> str:
        if self.unit is not None and self.ledgers.filter(unit=self.unit).exists() and self.ledgers.count() == 1:
            return "single"
        if self.unit is not None and self.unit.kind == UnitKind.GENERAL_BRANCH:
            return "per_ledger"
        return "per_parent"


def _rows_by_ledger(selection: ExportSelection) -> Iterator[tuple[LedgerHead, list[ExportRow]]]:
    """Merge-join the ledgers (all of them, even empty) with the streamed rows, both in LEDGER_ORDER."""
    rows = iter(export_rows(selection.ledgers))
    pending = next(rows, None)
    for ledger in ledger_heads(selection.ledgers):
        own: list[ExportRow] = []
        while pending is not None and pending.ledger_id == ledger.pk:
            own.append(pending)
            pending = next(rows, None)
        yield ledger, own


def _write_summary(wb: Workbook, selection: ExportSelection, used: set[str]) -> None:
    """The 汇总 sheet: one row of counts per ledger. Where the campaign's ledgers recorded common problems
    (共性问题), two more columns count each ledger's individual and common problems; the 附件2 sheets never change."""
    natures = has_common_problems(selection.ledgers)
    widths = SUMMARY_WIDTHS + (NATURE_WIDTHS if natures else ())
    sheet = SheetWriter(wb, unique_sheet_name(_("汇总"), used), widths, 3)
    ws = sheet.ws
    sheet.title(_("%(title)s（汇总）") % {"title": workbook_title(selection.campaign)})
    scope_name = selection.unit.name if selection.unit else selection.campaign.issuer.name
    sheet.label(_("范围：%(name)s　导出时间：%(at)s") % {
        "name": scope_name, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    sheet.header(summary_headers(selection.campaign, natures=natures))
    totals = [0] * (7 if natures else 5)
    number = 0
    body = style_index(ws, BODY_FONT, WRAP_TOP, BORDER, False)  # looked up once: one row per ledger follows
    statuses = {value: str(label) for value, label in LedgerStatus.choices}
    fit = RowFit(widths, merged=0)  # a long branch name wraps in its column
    for number, (head, status, counts) in enumerate(ledger_summaries(selection.ledgers, natures=natures), start=1):
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        cells = [Cell(number, body), safe_cell(ws, head.parent_name), safe_cell(ws, head.unit_name),
                 Cell(statuses[status], body)] + [Cell(n, body) for n in counts]
        sheet.append(cells, height=rounded_height(fit.own_height(cells)))
    sheet.append([safe_cell(ws, ""), safe_cell(ws, _("合计（%(n)s个台账）") % {"n": number}),
                  safe_cell(ws, ""), safe_cell(ws, "")] + [safe_cell(ws, n, font=HEADER_FONT) for n in totals])


def _new_list_sheet(wb: Workbook, name: str, used: set[str], campaign: Campaign, ledger: LedgerHead | None
                    ) -> SheetWriter:
    """A sheet titled with the campaign's list title, its first label naming the unit above the ledger's."""
    sheet = SheetWriter(wb, unique_sheet_name(name, used), COLUMN_WIDTHS, 4)
    sheet.title(workbook_title(campaign))
    above = wording.parent_label(campaign, ledger.unit_kind if ledger else UnitKind.BRANCH)
    sheet.label(_("%(label)s：%(name)s") % {"label": above, "name": ledger.parent_name if ledger else ""})
    return sheet


def _unit_label(ledger: LedgerHead, labels: dict[tuple[str, str], str], pattern: str) -> str:
    """党支部名称：第一党支部 — the kind's words looked up once per kind, `pattern` translated once per export, not
    once per ledger."""
    key = (ledger.unit_kind, ledger.unit_kind_name)
    if key not in labels:
        labels[key] = wording.unit_label(*key)
    return pattern % {"label": labels[key], "name": ledger.unit_name}


PHASE_WIDTHS = (16, 24, 8, 50, 16, 14, 10)


def _write_phases(wb: Workbook, selection: ExportSelection, used: set[str]) -> None:
    """The 按阶段 sheet: measures, closed, open and overdue per phase, then each measure under its phase."""
    sheet = SheetWriter(wb, unique_sheet_name(_("按阶段"), used), PHASE_WIDTHS, 3)
    ws = sheet.ws
    sheet.title(_("%(title)s（按阶段）") % {"title": workbook_title(selection.campaign)})
    scope_name = selection.unit.name if selection.unit else selection.campaign.issuer.name
    sheet.label(_("范围：%(name)s　导出时间：%(at)s") % {
        "name": scope_name, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    no_phase = _("未分阶段")
    sheet.header([_("阶段"), _("起止日期"), _("措施数"), _("已销号"), _("未销号"), _("逾期")])
    for row in export_phase_totals(selection.ledgers):
        dates = "至".join(format_date(day) for day in (row.starts_on, row.ends_on)) if row.name else ""
        sheet.append([safe_cell(ws, row.name or no_phase), safe_cell(ws, dates)]
                     + [safe_cell(ws, n) for n in (row.items, row.closed, row.items - row.closed, row.overdue)]
                     + [None])
    sheet.append([])
    sheet.header([_("阶段"), _("单位"), _("问题"), _("整改措施"), _("整改时限"), _("责任人"), _("状态")])
    statuses = {value: str(label) for value, label in ItemStatus.choices}
    fit = RowFit(PHASE_WIDTHS, merged=0)
    for row in export_phase_items(selection.ledgers):
        cells = [safe_cell(ws, value) for value in (
            row.phase_name or no_phase, row.unit_name, str(row.problem_number), f"{row.item_number}. {row.measure}",
            time_limit_text(is_ongoing=row.is_ongoing, deadline=row.deadline), row.responsible_name,
            statuses.get(row.status, ""))]
        sheet.append(cells, height=rounded_height(fit.own_height(cells)))



def write_ledger_sheets(wb: Workbook, selection: ExportSelection, used: set[str], tick: Callable[[], None]) -> None:
    """The ledger sheets of `selection` (a summary first unless it is one ledger), added to `wb`: the 附件2
    workbook's, and the 台账 of the 三单一账 workbook (ledger/lists.py). `tick` is called once per row."""
    categories = list(selection.campaign.template.categories.order_by("order"))
    layout = selection.layout
    if layout != "single":
        _write_summary(wb, selection, used)
    current_parent: int | None = None
    sheet: SheetWriter | None = None
    item_rows: ItemRows | None = None
    column_names, unit_labels, label_pattern = headers(), {}, _("%(label)s：%(name)s")  # translated once
    for ledger, rows in _rows_by_ledger(selection):
        if layout == "per_parent":
            if sheet is None or ledger.parent_id != current_parent:
                current_parent = ledger.parent_id
                sheet = _new_list_sheet(wb, ledger.parent_name or ledger.unit_name, used, selection.campaign, ledger)
            else:
                sheet.append([])
            sheet.label(_unit_label(ledger, unit_labels, label_pattern))
            sheet.header(column_names)
        else:
            sheet = _new_list_sheet(wb, ledger.unit_name, used, selection.campaign, ledger)
            sheet.label(_unit_label(ledger, unit_labels, label_pattern))
            sheet.header(column_names)
        item_rows = item_rows or ItemRows(sheet.ws)
        LedgerBlockWriter(sheet, categories, item_rows, tick).write(rows)


def build_workbook(selection: ExportSelection, output: Path, *, progress: ProgressCallback | None = None) -> Path:
    """Write the 附件2 workbook of `selection` to `output` and return it."""
    total = export_row_count(selection.ledgers) if progress else 0
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and done % 500 == 0:
            progress(done, total)

    wb = Workbook(write_only=True)
    used: set[str] = set()
    write_ledger_sheets(wb, selection, used, tick)
    if not wb.worksheets:
        empty = _new_list_sheet(wb, _("清单"), used, selection.campaign, None)
        empty.label(_("（没有可导出的台账）"))
    elif export_uses_phases(selection.ledgers):
        _write_phases(wb, selection, used)
    if progress:
        progress(total, total)
    save_workbook(wb, output)
    return output


def export_file_name(selection: ExportSelection) -> str:
    who = selection.unit.name if selection.unit else selection.campaign.issuer.name
    stamp = timezone.localtime().strftime("%Y%m%d")
    return f"{wording.export_word(selection.campaign)}-{who}-{stamp}.xlsx"


def build_workbook_bytes(selection: ExportSelection, *, progress: ProgressCallback | None = None) -> bytes:
    """The workbook as bytes, written through a temporary file (openpyxl streams to disk)."""
    with tempfile.TemporaryDirectory(prefix="ledger-export-") as tmp:
        path = build_workbook(selection, Path(tmp) / "export.xlsx", progress=progress)
        return path.read_bytes()
