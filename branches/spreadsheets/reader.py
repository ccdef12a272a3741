"""Excel imports, the shared part: read an uploaded sheet, check its header, report errors by row and column,
and keep what it held between the preview and the confirmation.

Every import reads its upload through `read_sheet`, which bounds what a file may cost before parsing it and
while parsing it. The upload is read once: its rows are kept (as JSON) in private storage under a random
token; the token, their SHA-256 and the user's id are kept in that user's session. Confirming reloads those
rows, checks the hash and plans the whole import again inside the transaction, so what is imported is exactly
what the preview showed (or, if the data changed meanwhile, nothing: the new errors are shown instead).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from config.storage import private_storage

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20000
# Rows read, blank ones included: the header, the data rows allowed, and some blank rows between them.
MAX_ROWS_SEEN = 1 + MAX_IMPORT_ROWS + 1000
RATIO_CHECKED_ABOVE = 1024 * 1024  # small parts (a workbook's few-KB XML) compress well and cost nothing
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
PENDING_MAX_AGE = 24 * 3600
SESSION_KEY = "pending_imports"
logger = logging.getLogger(__name__)
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
    for a file that is not .xlsx, is broken, would cost too much to read, has a wrong header or too many rows.

    Every import reads its upload here, once: what the file may cost is bounded before parsing (the zip's
    declared sizes) and while parsing (rows seen including blank ones, one cell's length, the time spent)."""
    _check_archive(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # whatever openpyxl or the XML parser raises, the file cannot be read
        raise _unreadable(exc) from exc
    try:
        return _sheet_rows(wb, headers)
    finally:
        wb.close()


def _sheet_rows(wb, headers: list[str]) -> list[SheetRow]:
    deadline = time.monotonic() + settings.IMPORT_XLSX_MAX_SECONDS
    result: list[SheetRow] = []
    header_seen = False
    try:
        # One column past the header shows a surplus header column; max_row overrides the sheet's declared
        # dimension, which may be wrong (openpyxl would stop there) or huge.
        rows = wb.worksheets[0].iter_rows(max_row=MAX_ROWS_SEEN + 1, max_col=len(headers) + 1, values_only=True)
        for number, values in enumerate(rows, start=1):
            _check_reading_cost(number, values, deadline)
            if not header_seen:
                _check_header(values, headers)
                header_seen = True
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(result) >= MAX_IMPORT_ROWS:
                raise ValidationError(_("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": MAX_IMPORT_ROWS})
            values = tuple(values) + (None,) * (len(headers) - len(values))
            result.append(SheetRow(number, dict(zip(headers, values[: len(headers)], strict=True))))
    except ValidationError:
        raise
    except Exception as exc:  # malformed XML, a part whose bytes fail their CRC, a missing sheet…
        raise _unreadable(exc) from exc
    if not header_seen:
        _check_header(None, headers)
    if not result:
        raise ValidationError(_("文件中没有数据行。"))
    return result


def _check_reading_cost(number: int, values: tuple, deadline: float) -> None:
    """Blank rows count too: three million of them fit in a few hundred KB and took minutes to skip."""
    if number > MAX_ROWS_SEEN:
        raise ValidationError(_("文件超过 %(max)s 行（含空行），请删除多余的空行或拆分后分批导入。") % {
            "max": MAX_ROWS_SEEN})
    if time.monotonic() >= deadline:
        raise ValidationError(_("文件过于复杂，%(seconds)s 秒内未能读完，请精简或拆分后重新上传。") % {
            "seconds": settings.IMPORT_XLSX_MAX_SECONDS})
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and len(value) > settings.IMPORT_XLSX_MAX_CELL_CHARS:
            raise ValidationError(_("单元格 %(cell)s 的内容有 %(length)s 个字符，超过上限 %(max)s 个，请精简后重新上传。") % {
                "cell": f"{get_column_letter(index)}{number}", "length": len(value),
                "max": settings.IMPORT_XLSX_MAX_CELL_CHARS})


def _not_xlsx() -> ValidationError:
    return ValidationError(_("文件不是有效的 Excel（.xlsx）文件，请使用下载的模板填写后上传。"))


def _unreadable(exc: Exception) -> ValidationError:
    logger.info("Unreadable spreadsheet upload: %r", exc)
    return ValidationError(_("文件已损坏，无法读取：请用 Excel 打开后另存为 .xlsx 文件再上传。"))


def _check_archive(content: bytes) -> None:
    """Refuse, from the zip's directory alone, a workbook that would cost too much to parse.

    The sizes are those the archive declares: zipfile never inflates a part past its declared size (a part
    holding more fails its CRC check while being read), so they bound what parsing can cost."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            shared_strings = _shared_strings_parts(archive)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, ElementTree.ParseError) as exc:
        raise _not_xlsx() from exc
    unzipped = sum(part.file_size for part in parts)
    if unzipped > settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES:
        raise ValidationError(_("文件解压后过大（%(size)s MB，上限 %(max)s MB），可能含有大量空行：请删除多余的内容或拆分后分批导入。")
                              % {"size": _megabytes(unzipped), "max": _megabytes(settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES)})
    for part in parts:
        if part.filename in shared_strings and part.file_size > settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES:
            raise ValidationError(_("文件中的文字过多（%(size)s MB，上限 %(max)s MB），请拆分后分批导入。") % {
                "size": _megabytes(part.file_size), "max": _megabytes(settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES)})
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_CHECKED_ABOVE and ratio > settings.IMPORT_XLSX_MAX_COMPRESSION_RATIO:
            raise ValidationError(_("文件中的“%(part)s”压缩比异常（%(ratio)s 倍），可能含有大量空行或重复内容：请删除多余的内容后重新上传。")
                                  % {"part": part.filename, "ratio": int(ratio)})


def _shared_strings_parts(archive: zipfile.ZipFile) -> set[str]:
    """The shared-strings part names [Content_Types].xml declares (a part may be named anything)."""
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > CONTENT_TYPES_MAX_BYTES:
        raise ValueError("[Content_Types].xml too large")
    text = archive.read(info)
    if b"<!DOCTYPE" in text.upper():  # no workbook declares entities; refuse any before parsing
        raise ValueError("[Content_Types].xml has a DTD")
    root = ElementTree.fromstring(text)  # noqa: S314 (small, and without a DTD no entity can expand)
    return {element.get("PartName", "").lstrip("/") for element in root.iter()
            if element.get("ContentType") == SHARED_STRINGS_TYPE}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


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


# Keeping what an upload held between preview and confirmation: its rows, read once at upload.

def sheet_rows(content: bytes | list[SheetRow], headers: list[str]) -> list[SheetRow]:
    """An import's rows: read from the .xlsx bytes, or as the import flow read them at upload."""
    return content if isinstance(content, list) else read_sheet(content, headers)


def _encoded(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)  # a time of day or a duration: the imports only ever read those as text


def _decoded(value: object) -> object:
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        return datetime.date.fromisoformat(value["date"])
    return value


def rows_to_json(rows: list[SheetRow]) -> bytes:
    return json.dumps([[row.number, {name: _encoded(value) for name, value in row.values.items()}] for row in rows],
                      ensure_ascii=False).encode()


def rows_from_json(data: bytes) -> list[SheetRow]:
    return [SheetRow(number, {name: _decoded(value) for name, value in values.items()})
            for number, values in json.loads(data)]


PENDING_FOLDER = "imports"


def _sweep_old_uploads() -> None:
    """Delete the rows of previews never confirmed (older than PENDING_MAX_AGE)."""
    cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=PENDING_MAX_AGE)
    try:
        _, names = private_storage.listdir(PENDING_FOLDER)
    except FileNotFoundError:  # nothing kept yet
        return
    for name in names:
        old = f"{PENDING_FOLDER}/{name}"
        try:
            if private_storage.get_modified_time(old) < cutoff:
                private_storage.delete(old)
        except (FileNotFoundError, NotImplementedError):  # gone meanwhile, or a storage without times
            continue


def pending_name(token: str) -> str:
    """The private storage's name for the rows kept under `token`."""
    if not TOKEN_RE.match(token or ""):
        raise ValidationError(_("上传的文件已失效，请重新上传。"))
    return f"{PENDING_FOLDER}/{token}.json"


def pending_entry(request, token: str) -> dict | None:
    return request.session.get(SESSION_KEY, {}).get(token) if TOKEN_RE.match(token or "") else None


def pending_store(request, *, kind: str, rows: list[SheetRow], context: dict) -> str:
    """Keep the rows read from an upload for this user's session; returns the token naming them.

    The rows, not the file, are kept: showing the preview again and confirming never parse the file again."""
    _sweep_old_uploads()
    token = secrets.token_urlsafe(24)
    data = rows_to_json(rows)
    private_storage.save(pending_name(token), ContentFile(data))  # the token is new: saved under this very name
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"kind": kind, "sha256": hashlib.sha256(data).hexdigest(), "user": request.user.pk,
                      "context": context}
    request.session[SESSION_KEY] = pending
    return token


def pending_load(request, *, kind: str, token: str, context: dict) -> list[SheetRow]:
    """The rows kept under `token`, if they are this user's, of this kind and context, and unaltered."""
    entry = pending_entry(request, token)
    if (entry is None or entry["kind"] != kind or entry["user"] != request.user.pk
            or entry["context"] != context):
        raise ValidationError(_("上传的文件已失效，请重新上传。"))
    return pending_read(token, sha256=entry["sha256"])


def pending_read(token: str, *, sha256: str) -> list[SheetRow]:
    """The rows kept under `token`, if they are still those whose hash was recorded (by the session or a job)."""
    try:
        with private_storage.open(pending_name(token), "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ValidationError(_("上传的文件已失效，请重新上传。")) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValidationError(_("上传的文件已被改动，请重新上传。"))
    return rows_from_json(data)


def pending_forget(request, *, token: str) -> None:
    """Drop the session's claim on the rows (the file itself stays: a background job now owns it)."""
    pending = request.session.get(SESSION_KEY, {})
    if pending.pop(token, None) is not None:
        request.session[SESSION_KEY] = pending


def pending_discard(request, *, token: str) -> None:
    pending_forget(request, token=token)
    if TOKEN_RE.match(token or ""):
        pending_delete(token)


def pending_delete(token: str) -> None:
    private_storage.delete(pending_name(token))

