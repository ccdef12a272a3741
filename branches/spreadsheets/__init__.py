"""Spreadsheets, the shared part every app uses.

- `reader`: imports — read an uploaded sheet within bounds, check its header, report errors by row and column,
  keep its rows between preview and confirmation; the blank import templates.
- `writer`: a streaming writer for large printable sheets (the 附件2 export), on a few of openpyxl's private hooks.
- here: what both sides share, the download of a workbook (an export, an import template).
"""

from __future__ import annotations

import io

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, name: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)
