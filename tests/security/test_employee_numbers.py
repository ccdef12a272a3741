"""Employee numbers (工号), by which sign-in through the institution's directory can find accounts: the service
and the `employee_numbers` command that records them from a list."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import EmployeeNumber
from accounts.services import employee_number_set
from branches.models import AuditRecord
from tests.forms_html import form_data


def numbers() -> dict[str, str]:
    return dict(EmployeeNumber.objects.values_list("user__username", "number"))


def test_the_command_records_numbers_from_a_list(users, tmp_path):
    listing = tmp_path / "numbers.csv"
    listing.write_text("登录名,工号\nsecretary,20190001\nmember, 20200002 \n", encoding="utf-8")
    call_command("employee_numbers", str(listing), stdout=open("/dev/null", "w"))
    assert numbers() == {"secretary": "20190001", "member": "20200002"}
    assert AuditRecord.objects.filter(action="employee_number_set").count() == 2

    listing.write_text("member,\n", encoding="utf-8")  # an empty number removes it
    call_command("employee_numbers", str(listing), stdout=open("/dev/null", "w"))
    assert numbers() == {"secretary": "20190001"}


@pytest.mark.parametrize(("content", "message"), [
    ("secretary,1\nnobody,2\n", "第 2 行：没有登录名为“nobody”的账号。"),
    ("secretary,1\nmember,1\n", "第 2 行：工号“1”在第 1 行已出现。"),
    ("secretary,1\nsecretary,2\n", "第 2 行：账号“secretary”在第 1 行已出现。"),
    ("member,20190001\n", "第 1 行：工号“20190001”已属于账号“secretary”。"),
])
def test_a_bad_list_changes_nothing(users, tmp_path, content, message):
    employee_number_set(actor=users["org"], user=users["secretary"], number="20190001")
    listing = tmp_path / "numbers.csv"
    listing.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("employee_numbers", str(listing))
    assert message in str(refused.value)
    assert "未做任何修改" in str(refused.value)
    assert numbers() == {"secretary": "20190001"}


def test_only_who_manages_the_account_may_set_its_number(users):
    for outsider in ("member", "gb_staff", "inspector"):
        with pytest.raises(PermissionDenied):
            employee_number_set(actor=users[outsider], user=users["secretary"], number="1")
    assert numbers() == {}
    employee_number_set(actor=users["org"], user=users["secretary"], number="1")
    with pytest.raises(ValidationError) as taken:
        employee_number_set(actor=users["org"], user=users["member"], number="1")
    assert "工号“1”已属于账号“secretary”。" in taken.value.messages
    assert numbers() == {"secretary": "1"}


def test_an_administrator_records_a_number_in_the_admin(client, users):
    get_user_model().objects.create_superuser("admin-person", password="pw-123456")
    client.login(username="admin-person", password="pw-123456")
    page = client.get(reverse("admin:auth_user_change", args=[users["secretary"].pk]))
    assert "工号" in page.content.decode()
    data = form_data(page.content.decode(), form_marker='id="user_form"')
    for multiple in ("groups", "user_permissions"):  # nothing chosen: a browser sends nothing
        data.pop(multiple, None)
    data["employee_number-0-number"] = "20190001"
    data["employee_number-TOTAL_FORMS"] = "1"
    saved = client.post(page.request["PATH_INFO"], data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert numbers() == {"secretary": "20190001"}
