"""python manage.py employee_numbers FILE.csv: record accounts' employee numbers (工号) from a list.

Each line is `login,employee number` (UTF-8, a header line `登录名,工号` or `username,employee_number` is
skipped; an empty number removes the account's). Sign-in through the institution's directory finds accounts by
these numbers when LDAP_MATCH_BY=employee_number. The whole list is checked first: one unknown login or a number
given twice refuses the file and nothing changes.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.services import employee_number_set
from branches.selectors import SYSTEM

HEADERS = {("登录名", "工号"), ("username", "employee_number")}


class Command(BaseCommand):
    help = "从 CSV 文件（每行：登录名,工号）登记账号的工号，供按工号对应统一身份认证账号。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")

    def handle(self, *args, path: str, **options) -> None:
        rows = read_rows(Path(path))
        problems = check_rows(rows)
        if problems:
            raise CommandError("未做任何修改：\n" + "\n".join(problems))
        accounts = {user.username: user for user in get_user_model().objects.filter(
            username__in=[login for _line, login, _number in rows])}
        with transaction.atomic():  # a refusal on any line leaves every account as it was
            for line, login, number in rows:
                try:
                    employee_number_set(actor=SYSTEM, user=accounts[login], number=number)
                except ValidationError as error:
                    raise CommandError(f"未做任何修改：第 {line} 行：{' '.join(error.messages)}") from None
        self.stdout.write(f"已登记 {len(rows)} 个账号的工号。")


def read_rows(path: Path) -> list[tuple[int, str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"无法读取文件 {path}：{error}") from None
    rows = []
    for line, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields or not "".join(fields).strip():
            continue
        cells = tuple(field.strip() for field in fields) + ("",) * (2 - len(fields))
        if line == 1 and cells[:2] in HEADERS:
            continue
        if len(fields) > 2:
            raise CommandError(f"未做任何修改：第 {line} 行应为“登录名,工号”两列。")
        rows.append((line, cells[0], cells[1]))
    return rows


def check_rows(rows: list[tuple[int, str, str]]) -> list[str]:
    known = set(get_user_model().objects.filter(username__in=[login for _line, login, _number in rows])
                .values_list("username", flat=True))
    problems, seen_logins, seen_numbers = [], {}, {}
    for line, login, number in rows:
        if login not in known:
            problems.append(f"第 {line} 行：没有登录名为“{login}”的账号。")
        if login in seen_logins:
            problems.append(f"第 {line} 行：账号“{login}”在第 {seen_logins[login]} 行已出现。")
        if number and number in seen_numbers:
            problems.append(f"第 {line} 行：工号“{number}”在第 {seen_numbers[number]} 行已出现。")
        seen_logins.setdefault(login, line)
        if number:
            seen_numbers.setdefault(number, line)
    return problems
