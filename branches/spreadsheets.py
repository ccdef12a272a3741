"""Excel imports, the shared part: read an uploaded sheet, check its header, report errors by row and column,
and keep the uploaded file between the preview and the confirmation.

The file is kept in private storage under a random token; the token, the file's SHA-256 and the user's id
are kept in that user's session. Confirming re-reads the file, checks the hash and plans the whole import
again inside the transaction, so what is imported is exactly what the preview showed (or, if the data
changed meanwhile, nothing: the new errors are shown instead).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20000
PENDING_MAX_AGE = 24 * 3600
SESSION_KEY = "pending_imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
ONGOING_WORDS = re.compile(r"[\s、，,；;。.]")
ONGOING_NORMALIZED = "立行立改长期坚持"


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (the header is row 1)
    column: str  # the column's header text ("" for the whole row or the file)
    message: str


@dataclass
class SheetRow:
    number: int
    values: dict[str, object]

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


@dataclass
class ImportPlan:
    """What an import would do: the errors (then nothing is done), and the rows created/updated/unchanged."""

    errors: list[RowError] = field(default_factory=list)
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_nothing(self) -> bool:
        return not self.creates and not self.updates


def read_sheet(content: bytes, headers: list[str]) -> list[SheetRow]:
    """The non-empty rows under the header of the first sheet. Raises ValidationError with a Chinese message
    for a file that is not .xlsx, a wrong header, or too many rows."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValidationError(_("文件不是有效的 Excel（.xlsx）文件，请使用下载的模板填写后上传。"))
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError(_("文件不是有效的 Excel（.xlsx）文件，请使用下载的模板填写后上传。")) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        first = next(rows, None)
        _check_header(first, headers)
        result: list[SheetRow] = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(result) >= MAX_IMPORT_ROWS:
                raise ValidationError(_("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": MAX_IMPORT_ROWS})
            values = tuple(values) + (None,) * (len(headers) - len(values))
            result.append(SheetRow(number, dict(zip(headers, values[: len(headers)], strict=True))))
    finally:
        wb.close()
    if not result:
        raise ValidationError(_("文件中没有数据行。"))
    return result


def _check_header(first: tuple | None, headers: list[str]) -> None:
    found = [str(v).strip() if v is not None else "" for v in (first or ())]
    while found and not found[-1]:
        found.pop()
    if found == headers:
        return
    for index, expected in enumerate(headers):
        actual = found[index] if index < len(found) else ""
        if actual != expected:
            raise ValidationError(
                _("表头不正确：第%(n)s列（%(col)s列）应为“%(expected)s”，实为“%(actual)s”。请使用下载的模板。") % {
                    "n": index + 1, "col": get_column_letter(index + 1), "expected": expected,
                    "actual": actual or _("空")})
    raise ValidationError(_("表头不正确：模板只有%(n)s列，第%(m)s列多余。请使用下载的模板。") % {
        "n": len(headers), "m": len(headers) + 1})


DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(value) -> datetime.date:
    """A date cell, or text like 2022-10-31 / 2022/10/31 / 2022年10月31日. Raises ValueError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return datetime.date(*(int(g) for g in match.groups()))
    raise ValueError(text)


def is_ongoing_text(text: str) -> bool:
    return ONGOING_WORDS.sub("", text) == ONGOING_NORMALIZED


def parse_count(value, *, column: str, row: int, plan: ImportPlan, default: int = 0,
                low: int = 0, high: int = 100000) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        number = -1.5
    if not number.is_integer() or not low <= number <= high:
        plan.error(row, column, _("应为 %(low)s～%(high)s 之间的整数，实为“%(value)s”。") % {
            "low": low, "high": high, "value": value})
        return default
    return int(number)


def template_workbook(*, title: str, headers: list[str], examples: list[list], notes: list[str],
                      widths: list[int]) -> bytes:
    """A template: the header row, example rows, and a 说明 sheet with the rules."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in examples:
        ws.append(row)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    help_sheet = wb.create_sheet(_("说明"))
    help_sheet.column_dimensions["A"].width = 100
    for note in notes:
        help_sheet.append([note])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# Keeping the uploaded file between preview and confirmation.

def _pending_dir() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep_old_uploads(directory: Path) -> None:
    cutoff = time.time() - PENDING_MAX_AGE
    for old in directory.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def pending_path(token: str) -> Path:
    if not TOKEN_RE.match(token or ""):
        raise ValidationError(_("上传的文件已失效，请重新上传。"))
    return _pending_dir() / f"{token}.xlsx"


def pending_store(request, *, kind: str, content: bytes, context: dict) -> str:
    """Keep an uploaded file for this user's session; returns the token naming it."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(_("文件过大（上限 %(mb)s MB）。") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})
    directory = _pending_dir()
    _sweep_old_uploads(directory)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.xlsx").write_bytes(content)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"kind": kind, "sha256": hashlib.sha256(content).hexdigest(), "user": request.user.pk,
                      "context": context}
    request.session[SESSION_KEY] = pending
    return token


def pending_load(request, *, kind: str, token: str, context: dict) -> bytes:
    """The file kept under `token`, if it is this user's, of this kind and context, and unaltered."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if TOKEN_RE.match(token or "") else None
    if (entry is None or entry["kind"] != kind or entry["user"] != request.user.pk
            or entry["context"] != context):
        raise ValidationError(_("上传的文件已失效，请重新上传。"))
    path = _pending_dir() / f"{token}.xlsx"
    if not path.exists():
        raise ValidationError(_("上传的文件已失效，请重新上传。"))
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != entry["sha256"]:
        raise ValidationError(_("上传的文件已被改动，请重新上传。"))
    return content


def pending_forget(request, *, token: str) -> None:
    """Drop the session's claim on the file (the file itself stays: a background job now owns it)."""
    pending = request.session.get(SESSION_KEY, {})
    if pending.pop(token, None) is not None:
        request.session[SESSION_KEY] = pending


def pending_discard(request, *, token: str) -> None:
    pending_forget(request, token=token)
    if TOKEN_RE.match(token or ""):
        (_pending_dir() / f"{token}.xlsx").unlink(missing_ok=True)


def xlsx_response(content: bytes, name: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)
