"""Importing a problem list into one ledger from Excel (e.g. the problems of a 述职评议 review).

One row is one measure of one problem: rows with the same category and problem text belong to one problem.
A problem already in the ledger (same category, same text, not withdrawn) is not created again, and a
measure it already has (same text) is updated only if its time limit or responsible people differ: so
importing the same file twice changes nothing the second time. All or nothing, one transaction.

Rows are written through the workflow services (`problem_add`, `item_add`, `item_update`), so the same
rules, numbering and history events apply as in the pages. Their rules are also checked while planning, so
the preview shows them by row and column: the branch (FILL) imports problems and measures while its ledger is
not under review; a supervising unit (SUPERVISE) may only open problems from its findings (sources 督查发现,
上级反馈, 巡视巡察反馈), without measures, which remain the branch's to write.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.selectors import Action, scope_for
from branches.spreadsheets.reader import (
    ImportPlan,
    SheetRow,
    is_ongoing_text,
    parse_date,
    sheet_rows,
    template_workbook,
)
from ledger import wording
from ledger.models import (
    TYPED_SOURCES,
    CampaignStatus,
    ItemStatus,
    Ledger,
    LedgerStatus,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    TemplateCategory,
)
from ledger.services.workflow import SUPERVISION_SOURCES, deadline_bounds, item_add, item_update, problem_add

CATEGORY, PROBLEM, SOURCE, NATURE, MEASURE, LIMIT, PERSON, LEADER = (
    "类别序号", "查摆问题", "问题来源", "问题性质", "整改措施", "整改时限", "责任人", "责任领导",
)
HEADERS = [CATEGORY, PROBLEM, SOURCE, NATURE, MEASURE, LIMIT, PERSON, LEADER]
ONGOING = "立行立改、长期坚持"
SOURCES = {str(label): value for value, label in TYPED_SOURCES}
NATURES = {str(label): value for value, label in ProblemNature.choices} | {"个性": ProblemNature.INDIVIDUAL,
                                                                              "共性": ProblemNature.COMMON}


@dataclass
class MeasureRow:
    row: int
    measure: str
    is_ongoing: bool
    deadline: datetime.date | None
    responsible_name: str
    responsible_leader: str
    existing: RectificationItem | None = None
    changes: dict = field(default_factory=dict)


@dataclass
class ProblemRow:
    row: int
    category: TemplateCategory
    description: str
    source: str
    nature: str
    measures: list[MeasureRow] = field(default_factory=list)
    existing: Problem | None = None

    def new_measures(self) -> list[MeasureRow]:
        return [m for m in self.measures if m.existing is None]

    def changed_measures(self) -> list[MeasureRow]:
        return [m for m in self.measures if m.existing is not None and m.changes]


def _example_deadline(ledger: Ledger) -> datetime.date:
    """A time limit the ledger's campaign accepts (its results deadline, else the end of its year), so the
    template imports as it is, whatever the year."""
    return ledger.campaign.results_deadline or datetime.date(ledger.campaign.year, 12, 31)


def problem_template(ledger: Ledger) -> bytes:
    categories = list(ledger.campaign.template.categories.order_by("order"))
    day = _example_deadline(ledger)
    iso, chinese = day.isoformat(), f"{day.year}年{day.month}月{day.day}日"
    return template_workbook(
        title=_("问题清单"),
        headers=HEADERS,
        examples=[
            [1, "党支部超期未换届", "述职评议", "个性问题", "召开支委会研究换届工作，报上级党组织审批", iso,
             "张三", "李四"],
            [1, "党支部超期未换届", "述职评议", "个性问题", "按程序组织换届选举", chinese, "张三", ""],
            [2, "主题党日活动内容形式单一", "对照检查", "共性问题", "制定年度主题党日计划", ONGOING, "王五", ""],
        ],
        notes=[
            _("每行一条整改措施；类别序号和查摆问题相同的行属于同一个问题。只有问题、没有措施时，整改措施及以后各列留空。"),
            _("类别序号：") + "；".join(f"{c.order} = {c.title}" for c in categories),
            _("问题来源：") + "、".join(SOURCES) + _("（留空为“对照检查”）；问题性质：个性问题、共性问题（留空为个性问题）。"),
            _("整改时限：日期（%(iso)s 或 %(chinese)s），或“立行立改、长期坚持”。") % {"iso": iso, "chinese": chinese},
            _("已存在的问题和措施（文字相同）不会重复创建；有任何错误时整个文件都不会导入。"),
        ],
        widths=[10, 40, 12, 12, 50, 18, 12, 12],
    )


def _parse(sheet_row: SheetRow, plan: ImportPlan, categories: dict[int, TemplateCategory]):
    n = sheet_row.number
    before = len(plan.errors)
    category = None
    raw_category = sheet_row.text(CATEGORY)
    try:
        category = categories.get(int(float(raw_category))) if raw_category else None
    except ValueError:
        category = None
    if category is None:
        plan.error(n, CATEGORY, _("类别序号应为 %(first)s～%(last)s 的整数，实为“%(value)s”。") % {
            "first": min(categories), "last": max(categories), "value": raw_category or _("空")})
    description = sheet_row.text(PROBLEM)
    if not description:
        plan.error(n, PROBLEM, _("查摆问题不能为空。"))
    source = SOURCES.get(sheet_row.text(SOURCE) or str(ProblemSource.SELF_CHECK.label))
    if source is None:
        plan.error(n, SOURCE, _("问题来源应为%(choices)s之一。") % {"choices": "、".join(SOURCES)})
    nature = NATURES.get(sheet_row.text(NATURE) or str(ProblemNature.INDIVIDUAL.label))
    if nature is None:
        plan.error(n, NATURE, _("问题性质应为“个性问题”或“共性问题”。"))
    measure = _parse_measure(sheet_row, plan)
    if len(plan.errors) > before:
        return None, None
    return ProblemRow(row=n, category=category, description=description, source=source, nature=nature), measure


def _parse_measure(sheet_row: SheetRow, plan: ImportPlan) -> MeasureRow | None:
    n = sheet_row.number
    measure, limit = sheet_row.text(MEASURE), sheet_row.text(LIMIT)
    person, leader = sheet_row.text(PERSON), sheet_row.text(LEADER)
    if not measure:
        if limit or person or leader:
            plan.error(n, MEASURE, _("填写了整改时限或责任人，但整改措施为空。"))
        return None
    is_ongoing, deadline = False, None
    if not limit:
        plan.error(n, LIMIT, _("整改时限不能为空：填写日期或“立行立改、长期坚持”。"))
    elif is_ongoing_text(limit):
        is_ongoing = True
    else:
        try:
            deadline = parse_date(sheet_row.values[LIMIT])
        except ValueError:
            plan.error(n, LIMIT, _("整改时限格式不正确：“%(value)s”，应为 2022-10-31、2022年10月31日或“立行立改、长期坚持”。")
                       % {"value": limit})
    if not person:
        plan.error(n, PERSON, _("责任人不能为空。"))
    for column, value in ((PERSON, person), (LEADER, leader)):
        if len(value) > 50:
            plan.error(n, column, _("最长 50 个字符。"))
    return MeasureRow(row=n, measure=measure, is_ongoing=is_ongoing, deadline=deadline, responsible_name=person,
                      responsible_leader=leader)


def _ledger_refusal(*, actor, ledger: Ledger) -> str:
    """Why this actor may not import into this ledger now ("" when they may)."""
    if ledger.campaign.status == CampaignStatus.CLOSED:
        return _("该专项行动已结束，不能再导入问题。")
    if scope_for(actor).can(Action.FILL, ledger.unit_path) and ledger.status == LedgerStatus.SUBMITTED:
        return _("台账已提交%(supervisor)s审核，审核完成前不能导入。") % {
            "supervisor": wording.ledger_supervisor(ledger)}
    return ""


def problem_import_plan(*, actor, ledger: Ledger, content: bytes | list[SheetRow]) -> ImportPlan:
    """`content`: the .xlsx file, or its rows as the import flow read them at upload."""
    plan = ImportPlan()
    refusal = _ledger_refusal(actor=actor, ledger=ledger)
    if refusal:
        plan.error(0, "", refusal)
        return plan
    try:
        rows = sheet_rows(content, HEADERS)
    except ValidationError as exc:
        plan.error(0, "", exc.messages[0])
        return plan
    categories = {c.order: c for c in ledger.campaign.template.categories.all()}
    supervising = not scope_for(actor).can(Action.FILL, ledger.unit_path)
    first_day, last_day = deadline_bounds(ledger)
    problems: dict[tuple[int, str], ProblemRow] = {}
    for sheet_row in rows:
        problem, measure = _parse(sheet_row, plan, categories)
        if problem is None:
            continue
        if supervising and problem.source not in SUPERVISION_SOURCES:
            plan.error(problem.row, SOURCE, _("上级党组织只能导入督查发现、上级反馈或巡视巡察反馈的问题。"))
        if supervising and measure is not None:
            plan.error(problem.row, MEASURE, _("整改措施由党支部自己填写，上级党组织导入问题时请留空。"))
        if measure is not None and measure.deadline and not first_day <= measure.deadline <= last_day:
            plan.error(measure.row, LIMIT, _("整改时限应在%(first)s至%(last)s之间；需要长期坚持的措施请填写“立行立改、长期坚持”。")
                       % {"first": first_day.isoformat(), "last": last_day.isoformat()})
        key = (problem.category.pk, problem.description)
        known = problems.setdefault(key, problem)
        if (known.source, known.nature) != (problem.source, problem.nature):
            plan.error(problem.row, SOURCE, _("同一问题在第%(row)s行的来源或性质与本行不同。") % {"row": known.row})
        if measure is not None:
            if any(m.measure == measure.measure for m in known.measures):
                plan.error(measure.row, MEASURE, _("同一问题的整改措施重复。"))
            known.measures.append(measure)
    if plan.ok:
        _match_existing(ledger, list(problems.values()), plan)
    if plan.ok:
        rows = list(problems.values())
        plan.creates = [p for p in rows if p.existing is None or p.new_measures()]
        plan.updates = [p for p in rows if p.existing is not None and p.changed_measures()]
        plan.unchanged = len(rows) - len({id(p) for p in plan.creates + plan.updates})
    return plan


def _match_existing(ledger: Ledger, rows: list[ProblemRow], plan: ImportPlan) -> None:
    """Find the problems and measures already in the ledger (two queries)."""
    existing = {(p.category_id, p.description.strip()): p
                for p in ledger.problems.filter(status=ProblemStatus.ACTIVE)}
    items: dict[int, dict[str, RectificationItem]] = {}
    for item in RectificationItem.objects.filter(ledger=ledger):
        items.setdefault(item.problem_id, {})[item.measure.strip()] = item
    for row in rows:
        row.existing = existing.get((row.category.pk, row.description))
        if row.existing is None:
            continue
        for measure in row.measures:
            measure.existing = items.get(row.existing.pk, {}).get(measure.measure)
            if measure.existing is not None:
                wanted = {"is_ongoing": measure.is_ongoing, "deadline": measure.deadline,
                          "responsible_name": measure.responsible_name,
                          "responsible_leader": measure.responsible_leader}
                measure.changes = {k: v for k, v in wanted.items() if getattr(measure.existing, k) != v}
                if measure.changes and measure.existing.status == ItemStatus.CLOSED:
                    plan.error(measure.row, MEASURE, _("该措施已销号，不能再通过导入修改。"))


@transaction.atomic
def problem_import_apply(*, actor, ledger: Ledger, content: bytes | list[SheetRow]) -> tuple[ImportPlan, list]:
    """Plan again under a lock on the ledger, then write everything through the services, or nothing."""
    ledger = Ledger.objects.select_for_update().select_related("campaign__template").get(pk=ledger.pk)
    plan = problem_import_plan(actor=actor, ledger=ledger, content=content)
    if not plan.ok:
        raise ValidationError(_("文件有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.errors)})
    for row in plan.creates:
        with _row_errors(row.row):
            if row.existing is None:
                row.existing = problem_add(actor=actor, ledger=ledger, category=row.category,
                                           description=row.description, source=row.source, nature=row.nature)
        for measure in row.new_measures():
            with _row_errors(measure.row):
                measure.existing = item_add(
                    actor=actor, problem=row.existing, measure=measure.measure, deadline=measure.deadline,
                    is_ongoing=measure.is_ongoing, responsible_name=measure.responsible_name,
                    responsible_leader=measure.responsible_leader)
    for row in plan.updates:
        for measure in row.changed_measures():
            item = measure.existing
            with _row_errors(measure.row):
                item_update(actor=actor, item=item, version=item.version, measure=item.measure,
                            deadline=measure.deadline, is_ongoing=measure.is_ongoing,
                            responsible_user=item.responsible_user, responsible_name=measure.responsible_name,
                            responsible_leader=measure.responsible_leader, responsible_unit=item.responsible_unit)
    return plan, []


@contextmanager
def _row_errors(row: int) -> Iterator[None]:
    """A service's refusal, named by the Excel row it came from; the transaction rolls everything back."""
    try:
        yield
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        raise ValidationError(_("第%(row)s行：%(message)s 未导入任何数据。") % {"row": row, "message": message}) from exc
