"""三单一账 — the problem list (问题清单), the task list (任务清单) and the responsibility list (责任清单), as pages
and as one Excel workbook with a sheet each, beside the 附件2 ledger export (which stays as it is).

The college's 灯下黑 plan asks every level to keep 党建"三单一账": "列出问题清单，建立整改台账…明确整改时限和责任人".
The columns are the seeds' own words: 查摆内容 / 查摆问题 / 来源 / 性质 (个性问题, 共性问题) for the problems, 整改措施 /
整改时限 (a date, or 立行立改、长期坚持) / 阶段 / 销号 for the tasks, 责任单位 / 责任人 / 责任领导 for the
responsibilities. 阶段 is the measure's own phase (`RectificationItem.phase`, chosen by its people: a
立行立改、长期坚持 measure may be in 融入经常), not the phase its deadline falls in. Every list is streamed from one
query (`ledger/selectors/lists.py`) into the shared streaming sheet writer (`branches/spreadsheets/writer.py`):
memory stays flat whatever the scope. A subtree's pages read one page by keyset (the views).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from branches.spreadsheets.writer import (
    BODY_FONT,
    BORDER,
    FORMULA_TRIGGERS,
    WRAP_TOP,
    Cell,
    RowFit,
    SheetWriter,
    rounded_height,
    save_workbook,
    style_index,
    unique_sheet_name,
)
from ledger import wording
from ledger.exports import ExportSelection, format_date, time_limit_text, write_ledger_sheets
from ledger.models import Campaign, ItemStatus, ProblemNature, ProblemSource
from ledger.selectors.exports import export_row_count
from ledger.selectors.lists import (
    ITEM_ORDER,
    PROBLEM_ORDER,
    item_list_rows,
    item_rows,
    problem_list_rows,
    problem_rows,
    subtree_items,
    subtree_problems,
)

CHUNK = 2000
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ListKind:
    """One of the three lists: its slug in URLs, its name, columns (序号 first) and widths, its rows.

    `rows`: the plain rows of a selection of ledgers (the workbook, a ledger's page). A subtree's page reads
    `subtree` in `order` by keyset and turns a page of it into the same plain rows with `page_rows`; its total
    is the subtree tally's `tallied` figure."""

    slug: str
    name: object  # a lazy translation
    widths: tuple[int, ...]
    headers: Callable[[], list[str]]
    rows: Callable[[QuerySet], QuerySet]
    formatter: Callable[[Campaign], Callable[[tuple], list[str]]]
    subtree: Callable[..., QuerySet]
    order: tuple[str, ...]
    page_rows: Callable[[list], list[tuple]]
    tallied: str


def _problem_formatter(campaign: Campaign) -> Callable[[tuple], list[str]]:
    sources, natures = dict(ProblemSource.choices), dict(ProblemNature.choices)
    states = (_("未制定措施"), _("整改中"), _("已销号"))

    def cells(row: tuple) -> list[str]:
        unit, order, category, description, source, nature, n_items, n_closed = row
        state = states[0] if not n_items else states[2] if n_closed == n_items else states[1]
        return [unit, f"{order}. {category}", description, str(sources.get(source, "")),
                str(natures.get(nature, "")), str(state)]

    return cells


def _item_cells(campaign: Campaign):
    statuses = dict(ItemStatus.choices)

    def common(row: tuple) -> dict[str, str]:
        (unit, problem, number, measure, is_ongoing, deadline, status, closed_at, resp_unit, resp_name,
         resp_leader, phase) = row
        return {
            "unit": unit, "problem": problem, "measure": f"{number}. {measure}",
            "limit": time_limit_text(is_ongoing=is_ongoing, deadline=deadline),
            "phase": phase or "", "status": str(statuses.get(status, "")),
            "closed": format_date(timezone.localtime(closed_at).date()) if closed_at else "",
            "resp_unit": resp_unit, "resp_name": resp_name, "resp_leader": resp_leader,
        }

    return common


def _task_formatter(campaign: Campaign) -> Callable[[tuple], list[str]]:
    common = _item_cells(campaign)

    def cells(row: tuple) -> list[str]:
        c = common(row)
        return [c["unit"], c["problem"], c["measure"], c["limit"], c["phase"], c["status"], c["closed"]]

    return cells


def _duty_formatter(campaign: Campaign) -> Callable[[tuple], list[str]]:
    common = _item_cells(campaign)

    def cells(row: tuple) -> list[str]:
        c = common(row)
        return [c["unit"], c["measure"], c["resp_unit"], c["resp_name"], c["resp_leader"], c["limit"]]

    return cells


KINDS: dict[str, ListKind] = {kind.slug: kind for kind in (
    ListKind("problems", gettext_lazy("问题清单"), (6, 20, 22, 50, 14, 10, 12),
             lambda: [_("序号"), _("单位"), _("查摆内容"), _("查摆问题"), _("来源"), _("性质"), _("状态")],
             problem_list_rows, _problem_formatter, subtree_problems, PROBLEM_ORDER, problem_rows, "problems"),
    ListKind("tasks", gettext_lazy("任务清单"), (6, 20, 36, 50, 18, 12, 10, 14),
             lambda: [_("序号"), _("单位"), _("查摆问题"), _("整改措施"), _("整改时限"), _("阶段"), _("状态"),
                      _("销号日期")],
             item_list_rows, _task_formatter, subtree_items, ITEM_ORDER, item_rows, "items"),
    ListKind("duties", gettext_lazy("责任清单"), (6, 20, 50, 20, 12, 12, 18),
             lambda: [_("序号"), _("单位"), _("整改措施"), _("责任单位"), _("责任人"), _("责任领导"), _("整改时限")],
             item_list_rows, _duty_formatter, subtree_items, ITEM_ORDER, item_rows, "items"),
)}


def numbered_rows(kind: ListKind, campaign: Campaign, rows, start: int = 1) -> Iterator[list]:
    """`rows` (plain query rows) as the list's cells, 序号 from `start`."""
    cells = kind.formatter(campaign)
    for number, row in enumerate(rows, start=start):
        yield [number, *cells(row)]


def unnumbered_rows(kind: ListKind, campaign: Campaign, rows) -> list[list]:
    """`rows` as the list's cells without 序号: a keyset page of a subtree does not know its position."""
    cells = kind.formatter(campaign)
    return [cells(row) for row in rows]


def lists_title(campaign: Campaign) -> str:
    """三单一账 of the campaign's ledgers: the list title of the campaign's own words (ledger.wording)."""
    return _("%(title)s（三单一账）") % {"title": wording.list_title(campaign)}


def build_lists_workbook(selection: ExportSelection, output: Path, *,
                         progress: ProgressCallback | None = None) -> Path:
    """Write 三单一账 of `selection` to `output`: the three lists, a sheet each, then the ledger (台账) sheets as
    the ledger export writes them."""
    campaign, ledgers = selection.campaign, selection.ledgers
    total = 0
    if progress:
        total = sum(kind.rows(ledgers).count() for kind in KINDS.values()) + export_row_count(ledgers)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and done % 500 == 0:
            progress(done, total)

    wb = Workbook(write_only=True)
    used: set[str] = set()
    scope_name = selection_name(selection)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for kind in KINDS.values():
        sheet = SheetWriter(wb, unique_sheet_name(str(kind.name), used), kind.widths, 3)
        sheet.title(f"{wording.list_title(campaign)} · {kind.name}")
        sheet.label(_("范围：%(name)s　导出时间：%(at)s") % {"name": scope_name, "at": stamp})
        sheet.header(kind.headers())
        plain = style_index(sheet.ws, BODY_FONT, WRAP_TOP, BORDER, False)
        quoted = style_index(sheet.ws, BODY_FONT, WRAP_TOP, BORDER, True)
        fit = RowFit(kind.widths, merged=0)
        for values in numbered_rows(kind, campaign, kind.rows(ledgers).iterator(chunk_size=CHUNK)):
            cells = [Cell(value, quoted if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) else plain)
                     for value in values]
            sheet.append(cells, height=rounded_height(fit.own_height(cells)))
            tick()
    write_ledger_sheets(wb, selection, used, tick)
    if progress:
        progress(total, total)
    save_workbook(wb, output)
    return output


def selection_name(selection: ExportSelection) -> str:
    """What the lists cover: the unit's name, or the issuer's for the whole campaign."""
    return selection.unit.name if selection.unit else selection.campaign.issuer.name


def build_lists_bytes(selection: ExportSelection, *, progress: ProgressCallback | None = None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ledger-lists-") as tmp:
        return build_lists_workbook(selection, Path(tmp) / "lists.xlsx", progress=progress).read_bytes()


def lists_file_name(selection: ExportSelection) -> str:
    return f"三单一账-{selection_name(selection)}-{timezone.localtime().strftime('%Y%m%d')}.xlsx"
