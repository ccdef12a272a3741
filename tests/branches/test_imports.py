"""Importing the organization tree with accounts from Excel: preview, all-or-nothing, idempotent, scoped."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.imports import HEADERS, tree_import_apply, tree_import_plan
from branches.models import OrgUnit, Role, RoleAssignment, UnitKind
from tests.xlsx import load_bytes, xlsx_bytes
from tests.xlsx_bombs import bombs, measured

URL = "/org/import/"


def rows_ok():
    return [
        ["N1", "新党总支", "党总支", "R", "总支书记", "newgb", 40, 1, "2023-06-30", 3],
        ["N1-1", "新党总支第一党支部", "党支部", "N1", "支书甲", "newb1", 12, 2, "2023年6月30日", 3],
        ["N1-2", "新党总支第二党支部", "党支部", "N1", "支书乙", "", "", "", "", ""],
    ]


def upload(client, content: bytes, name: str = "tree.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def units_snapshot():
    return sorted(OrgUnit.objects.values_list("code", "name", "path", "full_members"))


@pytest.fixture
def org_client(client, users):
    client.force_login(users["org"])
    return client


@pytest.mark.parametrize(("content", "message"), [pytest.param(c, m, id=n) for n, c, m in bombs(HEADERS)])
def test_hostile_workbooks_are_refused_with_a_message_cheaply(org_client, tree, content, message):
    """Spreadsheet bombs and broken files: refused at upload with the reason, in bounded time and memory."""
    before = units_snapshot()
    response, seconds, peak = measured(lambda: upload(org_client, content))
    assert response.status_code == 400 and message in response.content.decode()
    assert seconds < 10 and peak < 60 * 1024 * 1024, (seconds, peak)
    assert units_snapshot() == before


def test_template_has_the_import_header(org_client):
    response = org_client.get(reverse("branches:tree_import_template"))
    wb = load_bytes(b"".join(response.streaming_content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS


def test_upload_preview_confirm_creates_units_and_accounts(org_client, tree):
    response = upload(org_client, xlsx_bytes(HEADERS, rows_ok()))
    assert response.status_code == 302
    preview = org_client.get(response["Location"])
    text = preview.content.decode()
    assert preview.status_code == 200 and "将新建 3 条" in text and "新党总支第一党支部" in text
    assert not OrgUnit.objects.filter(code="N1").exists()  # the preview writes nothing
    token = response["Location"].split("token=")[1]
    result = org_client.post(URL, {"token": token, "confirm": "1"})
    text = result.content.decode()
    assert result.status_code == 200 and "已新建 3 条" in text
    gb = OrgUnit.objects.get(code="N1")
    b1 = OrgUnit.objects.get(code="N1-1")
    assert gb.parent == tree.root and gb.kind == UnitKind.GENERAL_BRANCH
    assert b1.parent == gb and b1.path.startswith(gb.path) and b1.full_members == 12
    assert b1.committee_elected_on == datetime.date(2023, 6, 30)
    assert OrgUnit.objects.get(code="N1-2").committee_term_years == 3
    secretary = get_user_model().objects.get(username="newb1")
    assert RoleAssignment.objects.filter(user=secretary, unit=b1, role=Role.BRANCH_SECRETARY).exists()
    password = re.search(r"<td>newb1</td><td><code>(\w+)</code>", text).group(1)
    assert secretary.check_password(password)
    assert result["Cache-Control"] == "no-store"
    # the token is spent
    again = org_client.post(URL, {"token": token, "confirm": "1"})
    assert again.status_code == 400 and "已失效" in again.content.decode()


def test_reimporting_the_same_file_changes_nothing(users, tree):
    content = xlsx_bytes(HEADERS, rows_ok())
    tree_import_apply(actor=users["org"], content=content)
    before = units_snapshot(), get_user_model().objects.count(), RoleAssignment.objects.count()
    plan = tree_import_plan(actor=users["org"], content=content)
    assert plan.ok and plan.changes_nothing and plan.unchanged == 3
    tree_import_apply(actor=users["org"], content=content)
    assert (units_snapshot(), get_user_model().objects.count(), RoleAssignment.objects.count()) == before


def test_a_changed_row_updates_the_unit(users, tree):
    rows = rows_ok()
    tree_import_apply(actor=users["org"], content=xlsx_bytes(HEADERS, rows))
    rows[1][1] = "改名后的党支部"
    rows[1][6] = 15
    plan, _accounts = tree_import_apply(actor=users["org"], content=xlsx_bytes(HEADERS, rows))
    assert len(plan.updates) == 1 and plan.unchanged == 2
    unit = OrgUnit.objects.get(code="N1-1")
    assert (unit.name, unit.full_members) == ("改名后的党支部", 15)


def assert_refused(client, content: bytes, *messages: str):
    before = units_snapshot(), get_user_model().objects.count()
    response = upload(client, content)
    if response.status_code == 302:  # the file reads: the preview lists the errors, confirming is refused
        response = client.get(response["Location"])
        assert response.status_code == 200 and "未导入任何数据" in response.content.decode()
        confirm = client.post(URL, {"token": response.wsgi_request.GET["token"], "confirm": "1"})
        assert confirm.status_code == 400 and "未导入任何数据" in confirm.content.decode()
    else:
        assert response.status_code == 400
    text = response.content.decode()
    for message in messages:
        assert message in text, message
    assert (units_snapshot(), get_user_model().objects.count()) == before
    return text


def test_not_an_excel_file(org_client, tree):
    assert_refused(org_client, b"code,name\nN1,x\n", "不是有效的 Excel")
    assert_refused(org_client, b"PK\x03\x04 broken zip", "不是有效的 Excel")


def test_wrong_headers(org_client, tree):
    header = list(HEADERS)
    header[2] = "种类"
    assert_refused(org_client, xlsx_bytes(header, rows_ok()), "第3列（C列）应为“类型”，实为“种类”")


def test_unknown_parent_code(org_client, tree):
    rows = rows_ok()
    rows[1][3] = "NOPE"
    text = assert_refused(org_client, xlsx_bytes(HEADERS, rows), "上级组织代码“NOPE”不存在")
    assert "第3行" in text  # the header is row 1, so the second data row is row 3


def test_duplicate_codes_in_the_file_and_in_the_database(org_client, tree):
    rows = rows_ok() + [["N1", "重复", "党总支", "R", "", "", "", "", "", ""]]
    assert_refused(org_client, xlsx_bytes(HEADERS, rows), "组织代码“N1”与第2行重复")
    rows = rows_ok()
    rows[2][0] = "B1"  # an existing branch, but under another parent
    assert_refused(org_client, xlsx_bytes(HEADERS, rows), "不能通过导入调整已有组织的上级")


def test_dates_in_the_wrong_format(org_client, tree):
    rows = rows_ok()
    rows[0][8] = "30/06/2023"
    rows[1][9] = 9
    assert_refused(org_client, xlsx_bytes(HEADERS, rows), "日期格式不正确：“30/06/2023”",
                   "应为 1～5 之间的整数")


def test_existing_login_and_bad_kind(org_client, users, tree):
    rows = rows_ok()
    rows[0][5] = "secretary"  # an existing account
    rows[1][2] = "支部"
    assert_refused(org_client, xlsx_bytes(HEADERS, rows), "登录名“secretary”已被使用", "类型应为")


def test_units_outside_the_scope_are_refused(client, users, tree):
    client.force_login(users["org"])
    rows = [["N9", "越界党总支", "党总支", "X", "", "", "", "", "", ""],  # another tree's committee
            ["XB", "改名", "党支部", "XG", "", "", "", "", "", ""]]  # another tree's branch
    assert_refused(client, xlsx_bytes(HEADERS, rows), "上级组织“X”不在您的管理范围内",
                   "组织代码“XB”已被您管理范围以外的组织使用")


def test_only_managers_may_import(client, users):
    client.force_login(users["gb_staff"])
    assert client.get(URL).status_code == 403
    assert client.get(reverse("branches:tree_import_template")).status_code == 403


def test_another_users_token_is_refused(client, users, tree):
    client.force_login(users["org"])
    response = upload(client, xlsx_bytes(HEADERS, rows_ok()))
    token = response["Location"].split("token=")[1]
    other = get_user_model().objects.create_user("org2", password="x")
    RoleAssignment.objects.create(user=other, unit=tree.root, role=Role.ORG_DEPARTMENT)
    client.force_login(other)  # a new session
    refused = client.post(URL, {"token": token, "confirm": "1"})
    assert refused.status_code == 400 and not OrgUnit.objects.filter(code="N1").exists()


def big_sheet(n: int, bad_row: int | None = None) -> bytes:
    rows = [["BIG", "大党委", "党总支", "R", "", "", "", "", "", ""]]
    for i in range(1, n):
        rows.append([f"BIG-{i}", f"党支部{i}", "党支部", "BIG", f"书记{i}", "", i % 50, 0, "2023-01-01", 3])
    if bad_row is not None:
        rows[bad_row - 2][8] = "2023.13.45"
    return xlsx_bytes(HEADERS, rows)


def test_ten_thousand_rows_with_one_bad_row_import_nothing(users, tree):
    content = big_sheet(10000, bad_row=9999)
    started = time.monotonic()
    plan = tree_import_plan(actor=users["org"], content=content)
    assert time.monotonic() - started < 30
    assert [(e.row, e.column) for e in plan.errors] == [(9999, "本届委员会选举日期")]
    with pytest.raises(Exception, match="1 处错误"):
        tree_import_apply(actor=users["org"], content=content)
    assert not OrgUnit.objects.filter(code__startswith="BIG").exists()


@pytest.mark.bench
def test_ten_thousand_rows_import(users, tree):
    plan, _accounts = tree_import_apply(actor=users["org"], content=big_sheet(10000))
    assert len(plan.creates) == 10000
    assert OrgUnit.objects.filter(path__startswith=OrgUnit.objects.get(code="BIG").path).count() == 10000


def test_a_large_file_is_imported_in_the_background(client, users, tree, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    from jobs.models import Job, JobStatus

    monkeypatch.setattr("branches.views_imports.BACKGROUND_ROWS", 2)
    client.force_login(users["org"])
    response = upload(client, xlsx_bytes(HEADERS, rows_ok()))
    preview = client.get(response["Location"])
    assert "后台导入" in preview.content.decode()
    token = response["Location"].split("token=")[1]
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(URL, {"token": token, "confirm": "1"})
    job = Job.objects.get()
    assert confirm["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    assert OrgUnit.objects.filter(code__startswith="N1").count() == 3
    result = load_bytes(b"".join(client.get(reverse("jobs:job_download", args=[job.pk])).streaming_content))
    rows = [[c.value for c in row] for row in result.worksheets[0].iter_rows()]
    assert rows[0][0] == "新建 3 条，更新 0 条，0 条不变。"
    logins = {row[0]: row[1] for row in rows[2:]}
    assert get_user_model().objects.get(username="newgb").check_password(logins["newgb"])


def test_imported_accounts_get_passwords_the_validators_accept_and_must_change_them(users, tree, settings):
    """The generated initial password is as long as the configured minimum, and is changed at first login."""
    from django.contrib.auth.password_validation import validate_password
    from django.test import Client

    from tests.security.conftest import post_login

    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS[:1],
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 20}},
        *settings.AUTH_PASSWORD_VALIDATORS[2:],
    ]
    _plan, accounts = tree_import_apply(actor=users["org"], content=xlsx_bytes(HEADERS, rows_ok()))
    assert {account.username for account in accounts} == {"newgb", "newb1"}
    client = Client()
    for account in accounts:
        user = get_user_model().objects.get(username=account.username)
        validate_password(account.password, user)
        assert len(account.password) >= 20
        assert post_login(client, account.username, account.password).status_code == 302
        assert client.get(reverse("home"))["Location"] == reverse("password_change")
        client.logout()
