"""Importing the organization tree with its secretaries' accounts from Excel (all or nothing, idempotent).

A row is a unit, identified by its code: a code not in the system creates the unit (under a parent that is
in the system within the importer's MANAGE scope, or earlier/later in the same file); a known code updates
the unit's name, secretary, member counts and committee term when they differ, and otherwise changes
nothing, so importing the same file twice changes nothing the second time. Moving a unit or changing
its kind is not done by import (the paths of a whole subtree would change): such rows are errors.

A secretary's login creates an account with a random initial password (shown once, after the import; its
owner must change it at the first sign-in)
and the role that matches the unit: 党支部书记 at a branch, 党总支工作人员 at a general branch, 组织部 at a
committee. A login that already exists is accepted only if it already holds that role at that unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches import services
from branches.models import OrgUnit, Role, RoleAssignment, UnitKind
from branches.passwords import initial_password
from branches.selectors import Action, scope_for
from branches.spreadsheets.reader import ImportPlan, SheetRow, parse_count, parse_date, sheet_rows, template_workbook

CODE, NAME, KIND, PARENT, SECRETARY, LOGIN, FULL, PROBATIONARY, ELECTED, TERM = (
    "组织代码", "名称", "类型", "上级组织代码", "书记姓名", "书记登录名", "正式党员数", "预备党员数",
    "本届委员会选举日期", "任期（年）",
)
HEADERS = [CODE, NAME, KIND, PARENT, SECRETARY, LOGIN, FULL, PROBATIONARY, ELECTED, TERM]
KIND_NAMES = {"党委": UnitKind.COMMITTEE, "党总支": UnitKind.GENERAL_BRANCH, "二级党委": UnitKind.GENERAL_BRANCH,
              "党支部": UnitKind.BRANCH}
# Any other name a tree gives its kinds (镇党委, 县委, 党工委, 联合党支部 …) is read by its ending.
KIND_ENDINGS = (("党支部", UnitKind.BRANCH), ("党总支", UnitKind.GENERAL_BRANCH), ("党工委", UnitKind.COMMITTEE),
                ("党委", UnitKind.COMMITTEE), ("委", UnitKind.COMMITTEE))
SECRETARY_ROLE = {UnitKind.BRANCH: Role.BRANCH_SECRETARY, UnitKind.GENERAL_BRANCH: Role.GENERAL_BRANCH_STAFF,
                  UnitKind.COMMITTEE: Role.ORG_DEPARTMENT}
UPDATABLE = ("name", "kind_name", "secretary_name", "full_members", "probationary_members", "committee_elected_on",
             "committee_term_years")
LOOKUP_CHUNK = 900  # SQLite's limit on query parameters


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    login: str
    fields: dict
    existing: OrgUnit | None = None
    changes: dict | None = None
    new_account: bool = False


@dataclass
class CreatedAccount:
    username: str
    password: str
    unit_name: str
    role: str


def tree_template() -> bytes:
    return template_workbook(
        title=_("组织架构"),
        headers=HEADERS,
        examples=[
            ["WFU-09", "示例学院党总支", "党总支", "WFU", "张书记", "zongzhi9", 60, 2, "2023-06-30", 3],
            ["WFU-09-01", "示例学院教工第一党支部", "党支部", "WFU-09", "李书记", "zhishu91", 12, 1, "2023年6月30日", 3],
        ],
        notes=[
            _("每行一个党组织；组织代码唯一，已存在的组织代码按本表更新名称、书记、党员数和任期，不会重复创建。"),
            _("类型：党委、党总支（或二级党委）、党支部。上级组织代码可以是系统中已有的组织，也可以是本表中的组织。"),
            _("书记登录名可留空；填写时为书记创建账号，初始密码只在导入完成后显示一次，请及时转交并提醒修改。"),
            _("日期格式：2022-10-31 或 2022年10月31日；任期为 1～5 年，留空按 3 年。"),
            _("导入前会先预览：有任何错误时整个文件都不会导入。"),
        ],
        widths=[14, 30, 10, 14, 12, 14, 10, 10, 18, 10],
    )


def _lookup(model_objects, field: str, values: set[str]) -> dict:
    found = {}
    values = sorted(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        for obj in model_objects.filter(**{f"{field}__in": values[start:start + LOOKUP_CHUNK]}):
            found[getattr(obj, field)] = obj
    return found


def kind_of(text: str) -> tuple[str | None, str]:
    """The kind a 类型 cell names, and the tree's own name for it when that is not the kind's plain name:
    "二级党委" → (general branch, "二级党委"), "镇党委" → (committee, "镇党委"), "党支部" → (branch, "")."""
    kind = KIND_NAMES.get(text) or next((kind for ending, kind in KIND_ENDINGS if text.endswith(ending)), None)
    if kind is None or len(text) > 20:
        return None, ""
    return kind, "" if text == UnitKind(kind).label else text


def _parse_row(sheet_row: SheetRow, plan: ImportPlan) -> UnitRow | None:
    n = sheet_row.number
    code, name = sheet_row.text(CODE), sheet_row.text(NAME)
    if not code:
        plan.error(n, CODE, _("组织代码不能为空。"))
    elif len(code) > 50:
        plan.error(n, CODE, _("组织代码最长 50 个字符。"))
    if not name:
        plan.error(n, NAME, _("名称不能为空。"))
    elif len(name) > 200:
        plan.error(n, NAME, _("名称最长 200 个字符。"))
    kind, kind_name = kind_of(sheet_row.text(KIND))
    if kind is None:
        plan.error(n, KIND, _("类型应为“党委”“党总支”“二级党委”或“党支部”（或以它们结尾的叫法，如“镇党委”），"
                              "实为“%(value)s”。") % {"value": sheet_row.text(KIND)})
    secretary = sheet_row.text(SECRETARY)
    if len(secretary) > 50:
        plan.error(n, SECRETARY, _("书记姓名最长 50 个字符。"))
    login = sheet_row.text(LOGIN)
    if login:
        try:
            UnicodeUsernameValidator()(login)
            if len(login) > 150:
                raise ValidationError("")
        except ValidationError:
            plan.error(n, LOGIN, _("登录名只能包含字母、数字和 @/./+/-/_，最长 150 个字符。"))
    elected = None
    if sheet_row.values.get(ELECTED) not in (None, ""):
        try:
            elected = parse_date(sheet_row.values[ELECTED])
        except ValueError:
            plan.error(n, ELECTED, _("日期格式不正确：“%(value)s”，应为 2022-10-31 或 2022年10月31日。") % {
                "value": sheet_row.text(ELECTED)})
    fields = {
        "kind_name": kind_name,
        "secretary_name": secretary,
        "full_members": parse_count(sheet_row.values.get(FULL), column=FULL, row=n, plan=plan),
        "probationary_members": parse_count(sheet_row.values.get(PROBATIONARY), column=PROBATIONARY, row=n, plan=plan),
        "committee_elected_on": elected,
        "committee_term_years": parse_count(sheet_row.values.get(TERM), column=TERM, row=n, plan=plan, default=3,
                                            low=1, high=5),
    }
    if not code or len(code) > 50 or kind is None:
        return None  # nothing to check the row against the file and the database with
    # Other errors still let the row be checked against the file and the database: every error shows at once.
    return UnitRow(row=n, code=code, name=name, kind=kind, parent_code=sheet_row.text(PARENT), login=login,
                   fields=fields)


def tree_import_plan(*, actor, content: bytes | list[SheetRow]) -> ImportPlan:
    """Check every row of the file against the file itself, the database and the actor's scope.

    `content`: the .xlsx file, or its rows as the import flow read them at upload."""
    plan = ImportPlan()
    try:
        rows_read = sheet_rows(content, HEADERS)
    except ValidationError as exc:
        plan.error(0, "", exc.messages[0])
        return plan
    scope = scope_for(actor)
    rows: list[UnitRow] = []
    first_row_of: dict[str, int] = {}
    logins_seen: dict[str, int] = {}
    for sheet_row in rows_read:
        parsed = _parse_row(sheet_row, plan)
        if parsed is None:
            continue
        if parsed.code in first_row_of:
            plan.error(parsed.row, CODE, _("组织代码“%(code)s”与第%(row)s行重复。") % {
                "code": parsed.code, "row": first_row_of[parsed.code]})
            continue
        first_row_of[parsed.code] = parsed.row
        if parsed.login:
            if parsed.login in logins_seen:
                plan.error(parsed.row, LOGIN, _("登录名“%(login)s”与第%(row)s行重复。") % {
                    "login": parsed.login, "row": logins_seen[parsed.login]})
                continue
            logins_seen[parsed.login] = parsed.row
        rows.append(parsed)
    in_file = {row.code: row for row in rows}
    known = _lookup(OrgUnit.objects.all(), "code",
                    {row.code for row in rows} | {row.parent_code for row in rows if row.parent_code})
    users = _lookup(get_user_model().objects.all(), "username", set(logins_seen))
    held = set(RoleAssignment.objects.filter(user__in=[user.pk for user in users.values()])
               .values_list("user_id", "unit_id", "role"))
    for row in rows:
        _check_row(row, plan=plan, scope=scope, actor=actor, in_file=in_file, known=known)
        if row.login:
            _check_login(row, plan=plan, users=users, held=held)
    if plan.ok:
        plan.creates = _creation_order([row for row in rows if row.existing is None], in_file, plan)
        plan.updates = [row for row in rows if row.existing is not None and (row.changes or row.new_account)]
        plan.unchanged = len(rows) - len(plan.creates) - len(plan.updates)
    return plan


def _check_row(row: UnitRow, *, plan: ImportPlan, scope, actor, in_file: dict, known: dict) -> None:
    existing = known.get(row.code)
    if existing is not None:
        if not scope.can(Action.MANAGE, existing):
            plan.error(row.row, CODE, _("组织代码“%(code)s”已被您管理范围以外的组织使用。") % {"code": row.code})
            return
        parent_code = existing.parent.code if existing.parent_id else ""
        if existing.kind != row.kind:
            plan.error(row.row, KIND, _("不能通过导入修改已有组织的类型（系统中为“%(kind)s”）。") % {
                "kind": existing.kind_label})
        if parent_code != row.parent_code:
            plan.error(row.row, PARENT, _("不能通过导入调整已有组织的上级（系统中为“%(code)s”）。") % {
                "code": parent_code or _("无")})
        row.existing = existing
        wanted = {"name": row.name, **row.fields}
        row.changes = {name: value for name, value in wanted.items() if getattr(existing, name) != value}
    else:
        _check_new_parent(row, plan=plan, scope=scope, actor=actor, in_file=in_file, known=known)


def _check_new_parent(row: UnitRow, *, plan: ImportPlan, scope, actor, in_file: dict, known: dict) -> None:
    if not row.parent_code:
        if not (getattr(actor, "is_superuser", False) and row.kind == UnitKind.COMMITTEE):
            plan.error(row.row, PARENT, _("上级组织代码不能为空。"))
        return
    if row.parent_code == row.code:
        plan.error(row.row, PARENT, _("上级组织不能是自己。"))
        return
    parent = known.get(row.parent_code)
    parent_kind = parent.kind if parent is not None else getattr(in_file.get(row.parent_code), "kind", None)
    if parent is None and row.parent_code not in in_file:
        plan.error(row.row, PARENT, _("上级组织代码“%(code)s”不存在（系统和本文件中都没有）。") % {
            "code": row.parent_code})
        return
    if parent is not None and not scope.can(Action.MANAGE, parent):
        plan.error(row.row, PARENT, _("上级组织“%(code)s”不在您的管理范围内。") % {"code": row.parent_code})
        return
    if parent_kind == UnitKind.BRANCH:
        plan.error(row.row, PARENT, _("党支部下不能再设下级组织。"))


def _check_login(row: UnitRow, *, plan: ImportPlan, users: dict, held: set) -> None:
    user = users.get(row.login)
    if user is None:
        row.new_account = True
        return
    if row.existing is None or (user.pk, row.existing.pk, SECRETARY_ROLE[row.kind]) not in held:
        plan.error(row.row, LOGIN, _("登录名“%(login)s”已被使用。") % {"login": row.login})


def _creation_order(new_rows: list[UnitRow], in_file: dict, plan: ImportPlan) -> list[UnitRow]:
    """New units with every parent before its children; a cycle of parent codes is an error."""
    new_codes = {row.code for row in new_rows}
    ordered: list[UnitRow] = []
    placed: set[str] = set()
    remaining = list(new_rows)
    while remaining:
        still: list[UnitRow] = []
        for row in remaining:
            if row.parent_code in new_codes and row.parent_code not in placed:
                still.append(row)
            else:
                ordered.append(row)
                placed.add(row.code)
        if len(still) == len(remaining):
            for row in still:
                plan.error(row.row, PARENT, _("上级组织代码“%(code)s”形成循环引用。") % {"code": row.parent_code})
            return []
        remaining = still
    return ordered


@transaction.atomic
def tree_import_apply(*, actor, content: bytes | list[SheetRow], progress: Callable[[int, int], None] | None = None
                      ) -> tuple[ImportPlan, list[CreatedAccount]]:
    """Plan again (inside the transaction) and apply everything, or raise ValidationError and apply nothing."""
    plan = tree_import_plan(actor=actor, content=content)
    if not plan.ok:
        raise ValidationError(_("文件有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.errors)})
    units: dict[str, OrgUnit] = {}
    accounts: list[CreatedAccount] = []
    parents = _lookup(OrgUnit.objects.all(), "code", {row.parent_code for row in plan.creates if row.parent_code})
    total = len(plan.creates) + len(plan.updates)
    for done, row in enumerate(plan.creates, start=1):
        if progress and done % 200 == 0:
            progress(done, total)
        parent = units.get(row.parent_code) or parents.get(row.parent_code)
        unit = services.unit_create(actor=actor, parent=parent, kind=row.kind, code=row.code, name=row.name,
                                    **row.fields)
        units[row.code] = unit
        if row.login:
            accounts.append(_create_account(actor=actor, row=row, unit=unit))
    for row in plan.updates:
        if row.changes:
            services.unit_update(actor=actor, unit=row.existing, **row.changes)
        if row.new_account:
            accounts.append(_create_account(actor=actor, row=row, unit=row.existing))
    for row in plan.creates:  # the plan's rows now point at what was created (for the result page)
        row.existing = units[row.code]
    return plan, accounts


def _create_account(*, actor, row: UnitRow, unit: OrgUnit) -> CreatedAccount:
    role = SECRETARY_ROLE[row.kind]
    full_name = row.fields["secretary_name"] or row.login
    # Random, accepted by the validators, and changed by its owner at the first sign-in (account_create).
    password = initial_password(get_user_model()(username=row.login, first_name=full_name))
    services.account_create(actor=actor, username=row.login, password=password, full_name=full_name, unit=unit,
                            role=role)
    return CreatedAccount(username=row.login, password=password, unit_name=unit.name, role=str(Role(role).label))

