"""Hostile .xlsx files, written part by part with zipfile: small on disk, costly to whoever parses them.

Each builder streams its XML into the archive in chunks, so building a bomb costs the test little memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    '</Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    '</Relationships>'
)
SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet ' \
              'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


def _row(number: int, values: list) -> str:
    cells = "".join(
        f'<c r="{get_column_letter(col)}{number}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
        for col, value in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def _workbook(sheet_chunks: Iterable[str], shared_strings: Iterable[str] = ("<sst/>",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet_chunks), ("xl/sharedStrings.xml", shared_strings)):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())
    return out.getvalue()


def blank_rows(headers: list[str], blank: int = 3_000_000) -> bytes:
    """The header, then `blank` empty <row> elements (numbered by their order): ~130 MB of XML in ~0.3 MB."""
    empty = '<row spans="1:8" customFormat="1" ht="15"/>'

    def chunks():
        yield SHEET_START + _row(1, headers)
        for start in range(0, blank, 50_000):
            yield empty * min(50_000, blank - start)
        yield SHEET_END
    return _workbook(chunks())


def far_row(headers: list[str], values: list, number: int = 3_000_000) -> bytes:
    """The header and one row numbered `number`: openpyxl yields every missing row before it as a blank one."""
    return _workbook([SHEET_START, _row(1, headers), _row(number, values), SHEET_END])


def huge_shared_string(headers: list[str], megabytes: int = 30) -> bytes:
    """One shared string of `megabytes` MB, used by a cell under the header."""
    def strings():
        yield '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        for _ in range(megabytes):
            yield "A" * (1024 * 1024)
        yield "</t></si></sst>"
    sheet = [SHEET_START, _row(1, headers), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>', SHEET_END]
    return _workbook(sheet, strings())


def malformed_sheet(headers: list[str]) -> bytes:
    """A well-formed package whose worksheet XML stops in the middle of a row."""
    return _workbook([SHEET_START, _row(1, headers), '<row r="2"><c r="A2" t="inlineStr"><is><t>1'])


def zip_not_xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "这不是表格")
    return out.getvalue()


def bombs(headers: list[str]) -> list[tuple[str, bytes, str]]:
    """(name, file, the Chinese message its refusal shows) for each kind of hostile or broken workbook."""
    row = ["x"] * len(headers)
    too_long = ["1", "长" * 6000] + row[2:]
    return [
        ("three-million-blank-rows", blank_rows(headers), "解压后过大"),
        ("blank-rows-by-numbering", far_row(headers, row), "行（含空行）"),
        ("huge-shared-string", huge_shared_string(headers), "文件中的文字过多"),
        ("malformed-xml", malformed_sheet(headers), "文件已损坏，无法读取"),
        ("zip-not-xlsx", zip_not_xlsx(), "文件不是有效的 Excel（.xlsx）文件"),
        ("cell-too-long", _workbook([SHEET_START, _row(1, headers), _row(2, too_long), SHEET_END]),
         "单元格 B2 的内容有 6000 个字符"),
    ]


def measured(action):
    """(what action returned, seconds it took, peak bytes Python allocated meanwhile)."""
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.monotonic()
    try:
        result = action()
        return result, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
