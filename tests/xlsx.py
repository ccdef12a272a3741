"""Building small .xlsx files in tests."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl import load_workbook as _load


def xlsx_bytes(header: list, rows: list[list]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def load_bytes(content: bytes):
    return _load(io.BytesIO(content))
