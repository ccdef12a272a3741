"""Background job kinds of the branches app: a large organization-tree import.

A file of more than BACKGROUND_ROWS rows takes longer than a web request should (10,000 new units ≈ 50 s,
each through `unit_create`), so its confirmation runs in the worker. The job's result is a workbook of the
accounts created with their initial passwords, downloadable by the job's owner only.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook

from branches.imports import tree_import_apply
from branches.spreadsheets.reader import pending_delete, pending_read
from jobs.registry import register

TREE_IMPORT = "tree_import"
BACKGROUND_ROWS = 1000


@register(TREE_IMPORT)
def run_tree_import(job, report_progress) -> tuple[str, bytes]:
    rows = pending_read(job.params["token"], sha256=job.params["sha256"])  # as read from the upload, not parsed again
    report_progress(1, _("正在检查……"))

    def progress(done: int, total: int) -> None:
        report_progress(1 + int(97 * done / total), _("已导入 %(done)s / %(total)s 行") % {"done": done, "total": total})

    try:
        plan, accounts = tree_import_apply(actor=job.owner, content=rows, progress=progress)
    except ValidationError as exc:
        raise ValidationError(exc.messages[0] + _("请重新上传并预览。")) from exc
    pending_delete(job.params["token"])
    wb = Workbook()
    ws = wb.active
    ws.title = _("导入结果")
    ws.append([_("新建 %(c)s 条，更新 %(u)s 条，%(n)s 条不变。") % {
        "c": len(plan.creates), "u": len(plan.updates), "n": plan.unchanged}])
    ws.append([_("登录名"), _("初始密码"), _("单位"), _("角色")])
    for account in accounts:
        ws.append([account.username, account.password, account.unit_name, account.role])
    buffer = io.BytesIO()
    wb.save(buffer)
    return _("组织架构导入结果.xlsx"), buffer.getvalue()
