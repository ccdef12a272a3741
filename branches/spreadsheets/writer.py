"""A streaming xlsx writer for large, printable sheets: rows are written as SpreadsheetML text straight to a
temporary file, one sheet after another (`SheetWriter`); openpyxl registers the styles, names the sheets,
writes the workbook parts and zips it all (`save_workbook`).

Memory does not grow with the row count (only the list of merged ranges does, a few dozen bytes per merged
range), and a county's 38,799 rows in 880 sheets are written about as fast as a bare openpyxl loop writes the
same rows in one unstyled sheet (scale bench: the 附件2 export, `ledger/exports.py`, is its user).

Writing the sheets' XML ourselves leans on openpyxl's private hooks, each noted where it is used: a workbook's
`_add_sheet`, the write-only sheet class (`openpyxl.worksheet._write_only`), `ExcelWriter.write_worksheet` and
its `_archive`, and the `_drawing`/`_rels`/`_comments` the writer reads from every sheet. openpyxl's public
write-only mode keeps an object per cell and a temporary file per sheet, five times slower for a county than a
bare loop (scale bench). The hooks hold for the openpyxl pinned in requirements.txt (3.1.5); a new version is
checked by tests/ledger/test_exports.py and test_exports_print.py (which open the files in openpyxl and
LibreOffice).

Every sheet prints A4 landscape, one page wide, centred, its header rows repeated on every page. Every row can
be given the height its longest text needs (`RowFit`, `row_height_for`), merged cells included: LibreOffice
and WPS never grow a row when a file is opened, and no program grows a merged cell, so without it a wrapped
text showed and printed one line, cut off at the column's edge.

Any text that begins with = + - @ (or a tab / carriage return) is written as a string cell with Excel's quote
prefix, so it can never be evaluated as a formula (CSV/Excel injection).
"""

from __future__ import annotations

import datetime
import itertools
import re
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedNameDict
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.print_settings import PrintArea
from openpyxl.worksheet.table import TableList
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The fonts of a Chinese official document: title in 方正小标宋, labels and body in 仿宋, headers in 黑体.
TITLE_FONT = Font(name="方正小标宋简体", size=16, bold=True)
LABEL_FONT = Font(name="仿宋", size=12)
HEADER_FONT = Font(name="黑体", size=12, bold=True)
BODY_FONT = Font(name="仿宋", size=11)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
LABEL_ALIGN = Alignment(vertical="center")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

# Row heights, in points. A line of text takes 1.5 times its font size: 仿宋 in Excel takes about 1.3,
# LibreOffice's fallback for it (Noto CJK) 1.45; too tall wastes a little paper, too short cuts text off.
LINE_SPACING = 1.5
CELL_PADDING = 4.0
MAX_ROW_HEIGHT = 409.0  # Excel's largest: a longer text cannot be shown in one row by any program
BODY_SIZE = 11
SHORT_TEXT = 40  # characters: a text this short has its line count remembered ...
KNOWN_TEXTS = 4096  # ... up to this many per column


class Cell(NamedTuple):
    """A value and the workbook's index of its style (font, alignment, border, quote prefix)."""

    value: object
    style_id: int


def style_index(ws: Worksheet, font: Font, alignment: Alignment, border: Border | None, quoted: bool) -> int:
    """The workbook's index of this style, registered through openpyxl once per combination."""
    cache = ws.parent.__dict__.setdefault("_sheet_writer_style_ids", {})
    key = (id(font), id(alignment), id(border), quoted)
    if key not in cache:
        prototype = WriteOnlyCell(ws)
        prototype.font = font
        prototype.alignment = alignment
        if border is not None:
            prototype.border = border
        prototype.quotePrefix = quoted
        cache[key] = (prototype.style_id, font, alignment, border)  # the objects stay alive: ids stay theirs
    return cache[key][0]


def safe_cell(ws: Worksheet, value, *, font: Font = BODY_FONT, alignment: Alignment = WRAP_TOP,
              border: Border | None = BORDER) -> Cell:
    """A styled cell. Every text is written as text (never a formula); text starting with a formula trigger
    also gets Excel's quote prefix, so that editing the cell in Excel keeps it text."""
    quoted = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
    return Cell(value, style_index(ws, font, alignment, border, quoted))


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


SHEET_HEAD = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr fitToPage="1"/></sheetPr>'
    '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
)
# A4 landscape, one page wide, centred, the header rows repeated on every page (print titles: workbook.xml).
SHEET_TAIL = (
    '</sheetData>{merges}<printOptions horizontalCentered="1"/>'
    '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.5" footer="0.5"/>'
    '<pageSetup orientation="landscape" paperSize="9" fitToHeight="0" fitToWidth="1"/></worksheet>'
)


class _StreamedSheet(WriteOnlyWorksheet):
    """A sheet whose XML its SheetWriter writes; openpyxl names it, registers the styles, writes the print titles.

    A subclass of openpyxl's private write-only sheet: the only sheet class a write-only workbook accepts and
    writes the workbook parts (names, print titles) for.
    """

    sheet_writer: SheetWriter

    def __init__(self, parent: Workbook, title: str) -> None:  # openpyxl's own __init__ skipped on purpose
        """Only what openpyxl's workbook writer reads of a sheet (workbook/_writer.py, writer/excel.py).

        openpyxl's __init__ made some forty objects per sheet for its own sheet writer, which a streamed sheet
        never uses, and checked the title against every sheet before it: 0.45 s of CPU for a county's 692 sheets,
        a tenth of its export (scale bench). The title is already valid and unique (`unique_sheet_name`)."""
        self._parent = parent
        self._WorkbookChild__title = title  # the title setter's private attribute, set without its checks
        self.sheet_state = "visible"
        self.defined_names = DefinedNameDict()
        self.auto_filter = AutoFilter()
        self._print_rows = self._print_cols = None
        self._print_area = PrintArea()
        self.legacy_drawing = None
        self._tables = TableList()
        self._pivots = []


def _store_of(wb: Workbook) -> _SheetStore:
    """The workbook's sheet store, made with its first sheet (kept on the workbook, which openpyxl owns)."""
    store = wb.__dict__.get("_sheet_writer_store")
    if store is None:  # not setdefault: that made (and dropped) a temporary file on every call
        store = wb.__dict__["_sheet_writer_store"] = _SheetStore()
    return store


class _WorkbookWriter(ExcelWriter):
    """openpyxl's workbook writer, except that a streamed sheet's XML is copied into the archive from its buffer.

    openpyxl's own sheet writer cost 2 ms a sheet in objects and temporary files, and a county has 880 sheets
    (scale bench).
    """

    def write_worksheet(self, ws) -> None:
        if not isinstance(ws, _StreamedSheet):
            super().write_worksheet(ws)
            return
        # ExcelWriter._write_worksheets reads these private attributes of every sheet once it is written
        # (drawings, relationships, comments); a streamed sheet has none of them.
        ws._drawing = SpreadsheetDrawing()
        ws._rels = RelationshipList()
        ws._comments = []
        # The zip archive openpyxl writes into (private): the sheet's XML is copied into it, not rewritten.
        with self._archive.open(ws.path[1:], "w") as out:
            _store_of(ws.parent).copy_to(ws.sheet_writer, out)
        self.manifest.append(ws)


class _SheetStore:
    """The XML of a workbook's sheets, one after another in one temporary file, each sheet's span noted.

    Sheets are written strictly one after another, so each goes straight to disk and memory stays flat; one
    file, not one per sheet: creating 880 files cost more than writing them (scale bench).
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.current: SheetWriter | None = None
        self.spans: dict[int, tuple[int, int]] = {}
        self.headers: dict[tuple[str, ...], list[Cell]] = {}  # SheetWriter.header's cells, styled once

    def start(self, sheet: SheetWriter) -> None:
        if self.current is not None:
            self.finish()
        self.current = sheet
        self.spans[id(sheet)] = (self.file.tell(), 0)

    def write(self, sheet: SheetWriter, text: str) -> None:
        if sheet is not self.current:
            raise RuntimeError("sheets are written one after another: this one is finished")
        self.file.write(text.encode())

    def finish(self) -> None:
        sheet, self.current = self.current, None
        self.file.write(sheet.tail().encode())
        start, _ = self.spans[id(sheet)]
        self.spans[id(sheet)] = (start, self.file.tell() - start)

    def copy_to(self, sheet: SheetWriter, out) -> None:
        if sheet is self.current:
            self.finish()
        start, length = self.spans[id(sheet)]
        self.file.seek(start)
        while length > 0:
            chunk = self.file.read(min(length, 1 << 16))
            out.write(chunk)
            length -= len(chunk)
        self.file.seek(0, 2)

    def close(self) -> None:
        self.file.close()


class SheetWriter:
    """Writes one sheet's XML: rows as they come, merged ranges at the end.

    openpyxl's object per cell made a county's export five times slower than a bare openpyxl loop (scale
    bench); here a row is one string, written to the workbook's `_SheetStore`. Only the merged ranges' text
    is kept in memory until the sheet ends.
    """

    def __init__(self, wb: Workbook, title: str, widths: tuple[int, ...], header_row: int) -> None:
        self.ws = _StreamedSheet(parent=wb, title=title)
        # Workbook.create_sheet makes openpyxl's own sheet class; _add_sheet (private) is how it adds one.
        wb._add_sheet(self.ws)
        self.ws.sheet_writer = self
        self.ws.print_title_rows = f"1:{header_row}"
        self.columns = len(widths)
        self.widths = widths
        self.row = 0
        self.merges: list[str] = []
        self.store = _store_of(wb)
        self.store.start(self)
        cols = "".join(f'<col width="{width}" customWidth="1" min="{n}" max="{n}"/>'
                       for n, width in enumerate(widths, start=1))
        self.store.write(self, SHEET_HEAD.format(cols=cols))

    def append(self, cells: list[Cell | None], *, height: float | None = None) -> int:
        self.row += 1
        if any(cells):
            self.store.write(self, _row_xml(self.row, cells, height))
        return self.row

    def tail(self) -> str:
        merges = "".join(f'<mergeCell ref="{ref}"/>' for ref in self.merges)
        return SHEET_TAIL.format(merges=f'<mergeCells count="{len(self.merges)}">{merges}</mergeCells>'
                                 if self.merges else "")

    def merge(self, first_row: int, last_row: int, first_col: int = 1, last_col: int | None = None) -> None:
        last_col = last_col or first_col
        if first_row == last_row and first_col == last_col:
            return
        # As the "A5:A9" text the sheet's XML needs: the ranges written here never overlap.
        self.merges.append(f"{COLUMN_LETTERS[first_col - 1]}{first_row}:{COLUMN_LETTERS[last_col - 1]}{last_row}")

    def title(self, text: str) -> None:
        cells = [safe_cell(self.ws, text, font=TITLE_FONT, alignment=WRAP_CENTER, border=None)]
        # at least 36 points; a long title wraps over the merged width
        height = max(36, rounded_height(row_height_for([text], [sum(self.widths)], TITLE_FONT.size)))
        row = self.append(cells + [None] * (self.columns - 1), height=height)
        self.merge(row, row, 1, self.columns)

    def label(self, text: str) -> None:
        row = self.append([safe_cell(self.ws, text, font=LABEL_FONT, alignment=LABEL_ALIGN,
                                     border=None)] + [None] * (self.columns - 1))
        self.merge(row, row, 1, self.columns)

    def header(self, names: list[str]) -> int:
        # made once per workbook: a county's export repeats its header over 8k ledgers
        key = tuple(names)
        cells = self.store.headers.get(key)
        if cells is None:
            cells = self.store.headers[key] = [safe_cell(self.ws, name, font=HEADER_FONT, alignment=WRAP_CENTER)
                                               for name in names]
        return self.append(cells, height=24)


COLUMN_LETTERS = [get_column_letter(n) for n in range(1, 27)]
# Characters XML 1.0 cannot carry (C0 controls other than tab, newline, carriage return): dropped, as
# openpyxl would refuse the whole workbook over one of them.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _escape(text: str) -> str:
    # a bare CR would be read back as LF, so it is written as a character reference
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _row_xml(row: int, cells: list[Cell | None], height: float | None) -> str:
    """One <row> of inline strings and numbers; written in one loop as it runs for every row of an export."""
    out = [f'<row r="{row}" ht="{height}" customHeight="1">' if height else f'<row r="{row}">']
    for letter, cell in zip(COLUMN_LETTERS, cells, strict=False):  # a row has fewer cells than letters
        if cell is None:
            continue
        value, style = cell
        if type(value) is str and value:
            out.append(f'<c r="{letter}{row}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                       f'{_escape(value)}</t></is></c>')
        elif value is None or value == "":
            out.append(f'<c r="{letter}{row}" s="{style}"/>')
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(f'<c r="{letter}{row}" s="{style}"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{letter}{row}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                       f'{_escape(str(value))}</t></is></c>')
    out.append("</row>")
    return XML_ILLEGAL.sub("", "".join(out))


def display_width(text: str) -> int:
    """The width of `text` in column-width units (the width of a digit): a character of three or four UTF-8
    bytes (CJK, full-width and CJK punctuation such as ，。“”—…) counts two, any other one.

    Counted from the UTF-8 length, which runs in C: a per-character unicodedata.east_asian_width loop cost
    as much as writing the row (scale bench). It never counts less than east_asian_width's W/F: a rare
    two-byte letter (é, ×) or four-byte character counts half a unit more than it is; the ambiguous
    punctuation counts two, as Chinese fonts draw it.
    """
    length = len(text)
    if text.isascii():
        return length
    return length + (len(text.encode()) - length + 1) // 2


def line_capacity(width: float, font_size: float = BODY_SIZE) -> float:
    """The units a line of a column `width` wide holds: two less than the column (the cell's padding, and the
    character a line break rule pushes on to the next line), fewer in a larger font."""
    return max((width - 2) * BODY_SIZE / font_size, 1)


def text_lines(text: str, width: float, font_size: float = BODY_SIZE) -> int:
    """The lines `text` wraps to in a column `width` wide, every paragraph starting a line."""
    capacity = line_capacity(width, font_size)
    lines = 0
    for paragraph in text.split("\n"):
        lines += -int(-display_width(paragraph) // capacity) or 1
    return lines


def lines_height(lines: int, font_size: float = BODY_SIZE) -> float:
    return lines * font_size * LINE_SPACING + CELL_PADDING


def row_height_for(texts: list[str], widths: list[float], font_size: float = BODY_SIZE) -> float:
    """The height of a row showing each of `texts` whole in a column of the width beside it."""
    lines = max((text_lines(text, width, font_size) for text, width in zip(texts, widths, strict=True) if text),
                default=1)
    return lines_height(lines, font_size)


def rounded_height(height: float) -> float:
    # Excel keeps row heights in quarter points; rounded up, so the rounding never cuts a line off
    return min(-(-height * 4 // 1) / 4, MAX_ROW_HEIGHT)


class RowFit:
    """Heights for a block of rows of a sheet whose first `merged` columns may be merged over several rows.

    A row is first as tall as its own (unmerged) cells need; then each merged cell's rows are stretched,
    evenly, until together they are as tall as its text needs.
    """

    def __init__(self, widths: tuple[int, ...], merged: int) -> None:
        self.widths = widths
        self.merged = merged
        # per column from `merged` on: its width, the units a line holds, the lines of its short texts
        self.columns = [(width, line_capacity(width), {}) for width in widths[merged:]]

    def own_height(self, cells: list[Cell]) -> float:
        """The height of a row's unmerged cells. A plain loop that counts only texts that may not fit one line
        and remembers short ones (time limits, names, statuses repeat): it runs for every row of an export."""
        lines = 1
        for (value, _style), (width, capacity, known) in zip(cells[self.merged:], self.columns, strict=False):
            if type(value) is not str or (len(value) * 2 <= capacity and "\n" not in value):
                continue
            count = known.get(value)
            if count is None:
                count = text_lines(value, width)
                if len(value) <= SHORT_TEXT:
                    if len(known) >= KNOWN_TEXTS:  # memory stays flat however many names a province has
                        known.clear()
                    known[value] = count
            lines = max(lines, count)
        return lines_height(lines)

    def stretch(self, heights: list[float], start: int, end: int, text: str, column: int) -> None:
        """Make rows start…end-1 together tall enough for `text`, merged over them in `column`."""
        missing = lines_height(text_lines(text, self.widths[column])) - sum(heights[start:end])
        if missing > 0:
            share = missing / (end - start)
            for n in range(start, end):
                heights[n] += share

    @staticmethod
    def rounded(heights: list[float]) -> list[float]:
        return [rounded_height(height) for height in heights]


def save_workbook(wb: Workbook, output: Path) -> None:
    """Save a workbook whose sheets were written through SheetWriter (openpyxl's save_workbook, our writer)."""
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    try:
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            _WorkbookWriter(wb, archive).save()
    finally:
        _store_of(wb).close()


